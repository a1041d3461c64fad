// use_vmac: a macvlan (default name vrrp.<vrid>, MAC 00:00:5e:00:01:<vrid> / 00:00:5e:00:02:<vrid>) created on the instance's interface, its sysctls, and for IPv6 its link-local address.
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { formatIp, ipEquals } from '../net/ip';
import {
  IFA_F_NODAD, IN6_ADDR_GEN_MODE_NONE, isNetlinkErrno, MACVLAN_MODE_PRIVATE, type AddrInfo, type LinkInfo, type Rtnl,
} from './rtnl';

/** RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4) and 00-00-5E-00-02-{VRID} (IPv6). */
export function virtualMac(family: 4 | 6, vrid: number): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff);
}

/** Parses "aa:bb:cc:dd:ee:ff". */
export function parseMac(s: string): Uint8Array | null {
  const parts = s.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** keepalived's default VMAC name. */
export function vmacName(vrid: number): string {
  return `vrrp.${vrid}`;
}

/** RT_SCOPE_LINK. */
const SCOPE_LINK = 253;

/** Whether a 16-byte address is in fe80::/10. */
function isFe80(a: Uint8Array): boolean {
  return a.length === 16 && a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;
}

/**
 * fe80::/64 with the modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A: the
 * universal/local bit flipped, ff:fe in the middle), as keepalived builds one for a VMAC whose
 * base interface has no link-local address.
 */
export function eui64LinkLocal(mac: Uint8Array): Uint8Array {
  if (mac.length !== 6) throw new RangeError('a MAC address is 6 bytes');
  return Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!);
}

/**
 * The link-local an IPv6 instance's VMAC carries and sends its adverts from. keepalived gives the
 * VMAC its base interface's first link-local (so the adverts keep the router's own source, only
 * the MAC changes; RFC 5798 §7.4: not one derived from the virtual MAC, which every router of the
 * VRID would share), else one made from the base interface's MAC. A link-local mcast_src_ip wins:
 * the kernel sends from a link-local only if it is on the outgoing interface.
 */
export function vmacLinkLocal(srcIp: Uint8Array | null, base: LinkInfo, addrs: readonly AddrInfo[]): Uint8Array {
  if (srcIp && isFe80(srcIp)) return srcIp;
  const own = addrs.find((a) => a.ifindex === base.ifindex && a.family === 6 && isFe80(a.address));
  if (own) return own.address;
  if (base.mac.length !== 6) throw new Error(`use_vmac: ${base.name} has neither an IPv6 link-local address nor a MAC to make one from`);
  return eui64LinkLocal(base.mac);
}

/** What {@link ensureVmac} sets up. */
export interface VmacPlan {
  readonly name: string;
  readonly parent: LinkInfo;
  readonly mac: Uint8Array;
  /**
   * IPv6 wanted on the VMAC: an IPv6 instance, or IPv6 eVIPs going on an IPv4 instance's VMAC.
   * Otherwise IPv6 is disabled on it (keepalived link_set_ipv6), so it neither sends MLD/ND from
   * the virtual MAC nor gets a link-local every router of the VRID would share.
   */
  readonly ipv6: boolean;
  /** The link-local to put on the VMAC ({@link vmacLinkLocal}); null when the VMAC sends no IPv6 adverts (IPv4, vmac_xmit_base). */
  readonly linkLocal: Uint8Array | null;
}

/** The rtnetlink requests {@link ensureVmac} uses (a test can record them). */
export type VmacRtnl = Pick<Rtnl, 'link' | 'addMacvlan' | 'deleteLink' | 'setAddrGenMode' | 'setLinkUp' | 'addresses' | 'addAddress' | 'deleteAddress'>;

/** Writes a sysctl file (`/proc/sys/...`); false when it could not. */
export type SysctlWriter = (path: string, value: string) => boolean;

/** Writes the file in this process's network namespace (the VRRP worker's). */
export const procSysctl: SysctlWriter = (path, value) => {
  try {
    fs.writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
};

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Creates (or adopts) the macvlan in private mode and sets it up. An interface of that name that
 * is not a macvlan is refused; a macvlan with another MAC or base interface is replaced (keepalived
 * netlink_link_add_vmac). Sysctls, before the link comes up:
 *  - arp_ignore=1, arp_filter=1: only the VMAC answers ARP for its addresses (keepalived sets
 *    arp_ignore on IPv6 VMACs too, since 2.2.8);
 *  - IPv6 wanted: disable_ipv6=0, accept_dad=0, accept_ra=0, and addr_gen_mode none over netlink (no
 *    EUI-64 link-local from the shared virtual MAC). accept_ra=0 is ours, not keepalived's: without
 *    it the VMAC would send router solicitations from the virtual MAC and take SLAAC addresses made
 *    from it, the same on every router (keepalived issue #2551);
 *  - no IPv6 wanted: disable_ipv6=1.
 * IPv6 with a `linkLocal`: after the link is up, that address is added NODAD and deprecated
 * (preferred_lft 0, so the kernel never picks it as a source on its own), as keepalived 2.2.7 does;
 * any other link-local on the VMAC is removed. Resolves with the link and whether it was created.
 */
export async function ensureVmac(
  rtnl: VmacRtnl, log: Logger, plan: VmacPlan, writeSysctl: SysctlWriter = procSysctl,
): Promise<{ link: LinkInfo; created: boolean }> {
  const { name, parent, mac } = plan;
  let link = await rtnl.link(name);
  if (link && link.kind !== 'macvlan') throw new Error(`use_vmac: interface ${name} exists and is not a macvlan`);
  if (link && (!sameMac(link.mac, mac) || link.parent !== parent.ifindex)) {
    log.info(`(${name}) removing old VMAC interface: conflicting base interface or MAC`);
    await rtnl.deleteLink(link.ifindex);
    link = null;
  }
  let created = false;
  if (!link) {
    try {
      await rtnl.addMacvlan(name, parent.ifindex, mac, MACVLAN_MODE_PRIVATE);
      created = true;
    } catch (e) {
      if (!isNetlinkErrno(e, 'EEXIST')) throw e;
    }
    link = await rtnl.link(name);
    if (!link) throw new Error(`use_vmac: ${name} not found after creation`);
    if (created) log.info(`(${name}) vmac interface created on ${parent.name}`);
  }
  const v4 = `/proc/sys/net/ipv4/conf/${name}`;
  const v6 = `/proc/sys/net/ipv6/conf/${name}`;
  // Not fatal: the VMAC still works, ARP replies may come from both interfaces.
  writeSysctl(`${v4}/arp_ignore`, '1');
  writeSysctl(`${v4}/arp_filter`, '1');
  if (plan.ipv6) {
    if (!writeSysctl(`${v6}/disable_ipv6`, '0')) log.error(`(${name}) cannot enable IPv6 on the VMAC (${v6}/disable_ipv6)`);
    writeSysctl(`${v6}/accept_dad`, '0');
    writeSysctl(`${v6}/accept_ra`, '0');
    try {
      await rtnl.setAddrGenMode(link.ifindex, IN6_ADDR_GEN_MODE_NONE);
    } catch (e) {
      log.error(`(${name}) vmac: cannot set addr_gen_mode none: ${(e as Error).message}`);
    }
  } else {
    writeSysctl(`${v6}/disable_ipv6`, '1');
  }
  await rtnl.setLinkUp(link.ifindex, true);
  if (plan.ipv6) await settleLinkLocal(rtnl, log, name, link.ifindex, plan.linkLocal);
  return { link: (await rtnl.link(name)) ?? link, created };
}

/** Leaves exactly `want` (or no link-local at all when null) on the VMAC. */
async function settleLinkLocal(rtnl: VmacRtnl, log: Logger, name: string, ifindex: number, want: Uint8Array | null): Promise<void> {
  const lls = (await rtnl.addresses(6)).filter((a) => a.ifindex === ifindex && isFe80(a.address));
  for (const a of lls) {
    if (want && ipEquals(a.address, want)) continue;
    try {
      await rtnl.deleteAddress({ ifindex, family: 6, address: a.address, prefixLen: a.prefixLen });
    } catch (e) {
      if (!isNetlinkErrno(e, 'EADDRNOTAVAIL', 'ENODEV')) log.error(`(${name}) cannot remove link-local ${formatIp(a.address)}: ${(e as Error).message}`);
    }
  }
  if (!want || lls.some((a) => ipEquals(a.address, want))) return;
  try {
    await rtnl.addAddress({ ifindex, family: 6, address: want, prefixLen: 64, scope: SCOPE_LINK, flags: IFA_F_NODAD, preferredLft: 0 });
  } catch (e) {
    if (!isNetlinkErrno(e, 'EEXIST')) throw new Error(`use_vmac: adding link-local ${formatIp(want)} to ${name} failed: ${(e as Error).message}`);
  }
}

/** Deletes a VMAC we created (ENODEV is fine). */
export async function removeVmac(rtnl: Rtnl, ifindex: number): Promise<void> {
  try {
    await rtnl.deleteLink(ifindex);
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  }
}
