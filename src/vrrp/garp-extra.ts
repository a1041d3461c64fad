// garp_extra_if / vrrp_garp_extra_if (pure): which interfaces get the periodic GARP/NA a master sends besides its adverts, as keepalived chooses them.
import type { VirtualAddress } from '../config/model/ip';

/** What the choice needs to know about where an instance and its VIPs live. */
export interface GarpExtraContext {
  /** keepalived's vrrp->ifp: the instance's VMAC with `use_vmac`, else its interface. */
  readonly ownIf: string;
  /** `vmac_xmit_base`: adverts leave from the base interface, so the VMAC itself needs the GARPs too. */
  readonly xmitBase: boolean;
  /** `garp_extra_if all`: every interface, not only our VMACs. */
  readonly all: boolean;
  /** The interface a VIP is installed on. */
  readonly ifnameOf: (v: VirtualAddress) => string;
  /** Whether an interface is a VMAC of ours (keepalived's is_ours). */
  readonly isOurs: (ifname: string) => boolean;
}

/** One periodic message: on `ifname`, for `vip` (GARP for IPv4, unsolicited NA for IPv6). */
export interface GarpExtraTarget {
  readonly ifname: string;
  readonly vip: VirtualAddress;
}

/**
 * The VIPs (virtual_ipaddress then virtual_ipaddress_excluded, in order) keepalived's
 * vrrp_send_vmac_update announces: the first VIP on each interface that is one of our VMACs (any
 * interface with `all`), except the instance's own unless `vmac_xmit_base` (the adverts keep
 * switches' MAC tables fresh there). Empty when the feature is off for this instance:
 * vrrp_complete_instance clears the interval unless some VIP lives on a VMAC of ours other than
 * ours, or, with `all`, on any other interface.
 */
export function garpExtraTargets(vips: readonly VirtualAddress[], c: GarpExtraContext): GarpExtraTarget[] {
  let extraVmac = false;
  let extraIf = false;
  for (const v of vips) {
    const n = c.ifnameOf(v);
    if (n === c.ownIf) continue;
    if (c.isOurs(n)) extraVmac = true;
    else extraIf = true;
  }
  if (!extraVmac && !(extraIf && c.all)) return [];
  const out: GarpExtraTarget[] = [];
  const done = new Set<string>();
  for (const v of vips) {
    const n = c.ifnameOf(v);
    if (!c.all && !c.isOurs(n)) continue;
    if (n === c.ownIf && !c.xmitBase) continue;
    if (done.has(n)) continue;
    done.add(n);
    out.push({ ifname: n, vip: v });
  }
  return out;
}
