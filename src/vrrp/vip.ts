// Installs and removes an instance's virtual addresses, virtual_routes and virtual_rules through rtnetlink.
import type { Logger } from 'pino';
import type { VirtualAddress, VirtualRoute, VirtualRule } from '../config/model/ip';
import { formatIp } from '../net/ip';
import {
  IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE,
  isNetlinkErrno, type AddressSpec, type NexthopSpec, type RouteSpec, type Rtnl,
} from './rtnl';

const RTN: Record<VirtualRoute['type'], number> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11,
};
const FR_ACT: Record<VirtualRule['action'], number> = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };

/** Resolves an interface name to its ifindex (0 when unknown). */
export type IfindexOf = (name: string) => number;

/** Netlink address flags for a VIP: IPv6 VIPs get NODAD unless `-nodad` (keepalived). */
export function addressFlags(v: VirtualAddress): number {
  let f = 0;
  if (v.family === 6 && !v.flags.noNodad) f |= IFA_F_NODAD;
  if (v.flags.home) f |= IFA_F_HOMEADDRESS;
  if (v.flags.mngtmpaddr) f |= IFA_F_MANAGETEMPADDR;
  if (v.flags.noprefixroute) f |= IFA_F_NOPREFIXROUTE;
  if (v.flags.autojoin) f |= IFA_F_MCAUTOJOIN;
  return f;
}

/** The rtnetlink request for a VIP on an interface. */
export function addressSpec(v: VirtualAddress, ifindex: number): AddressSpec {
  return {
    ifindex,
    family: v.family,
    address: v.address.bytes,
    prefixLen: v.peer ? v.peer.prefixLen : v.address.prefixLen,
    scope: v.scope,
    flags: addressFlags(v),
    broadcast: v.broadcast ? v.broadcast.bytes : null,
    label: v.label,
    peer: v.peer ? v.peer.bytes : null,
    ...(v.preferredLft === null || v.preferredLft === 'forever' ? {} : { preferredLft: v.preferredLft }),
  };
}

/** Text for logs: "192.0.2.100". */
export function vipText(v: VirtualAddress): string {
  return formatIp(v.address.bytes);
}

/** Adds/removes VIPs, routes and rules for one instance; tolerant of "already there" / "already gone". */
export class VipSet {
  constructor(
    private readonly rtnl: Rtnl,
    private readonly log: Logger,
    private readonly ifindexOf: IfindexOf,
    /** Interface for addresses without `dev` (the instance's, or its VMAC). */
    private readonly defaultDev: () => string,
  ) {}

  /** The interface a VIP is installed on: its `dev`, else the instance's (or, with use_vmac, the VMAC). */
  ifnameOf(v: VirtualAddress, vmacDev: string | null): string {
    const base = this.defaultDev();
    // keepalived with use_vmac: addresses on the instance's interface go on the VMAC instead.
    if (vmacDev && (v.useVmac || !v.devExplicit || v.dev === base)) return vmacDev;
    return v.devExplicit && v.dev ? v.dev : base;
  }

  private ifOf(v: VirtualAddress, vmacDev: string | null): number {
    return this.ifindexOf(this.ifnameOf(v, vmacDev));
  }

  /** Adds every address (EEXIST is fine). Returns how many were newly added. */
  async addAddresses(vips: readonly VirtualAddress[], vmacDev: string | null = null): Promise<number> {
    let n = 0;
    for (const v of vips) {
      const ifindex = this.ifOf(v, vmacDev);
      if (ifindex <= 0) {
        this.log.error(`cannot add VIP ${v.text}: interface not found`);
        continue;
      }
      try {
        await this.rtnl.addAddress(addressSpec(v, ifindex));
        n++;
      } catch (e) {
        if (!isNetlinkErrno(e, 'EEXIST')) this.log.error(`cannot add VIP ${vipText(v)}: ${(e as Error).message}`);
      }
    }
    return n;
  }

  /** Removes every address (EADDRNOTAVAIL / ENODEV are fine). */
  async removeAddresses(vips: readonly VirtualAddress[], vmacDev: string | null = null): Promise<void> {
    for (const v of vips) {
      const ifindex = this.ifOf(v, vmacDev);
      if (ifindex <= 0) continue;
      try {
        await this.rtnl.deleteAddress(addressSpec(v, ifindex));
      } catch (e) {
        if (!isNetlinkErrno(e, 'EADDRNOTAVAIL', 'ENODEV', 'ESRCH')) this.log.error(`cannot remove VIP ${vipText(v)}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * The rtnetlink request for a virtual_route, or a reason it cannot be sent. `nexthop` lists go
   * out as RTA_MULTIPATH (every nexthop, with its weight, onlink and realm), as `ip route` and
   * keepalived send them; a route with nexthops gets universe scope unless one is written. Encap
   * (RTA_ENCAP) and metrics are not sent, for single and multipath routes alike.
   */
  routeSpec(r: VirtualRoute): RouteSpec | string {
    const nexthops: NexthopSpec[] = [];
    for (const nh of r.nexthops) {
      // A nexthop without `dev` takes the route's (the deprecated `via A or B dev X` form): the
      // kernel refuses RTA_OIF that differs from the first nexthop's device.
      const dev = nh.dev ?? r.dev;
      const ifindex = dev ? this.ifindexOf(dev) : 0;
      if (dev && ifindex <= 0) return `nexthop interface ${dev} not found`;
      nexthops.push({ gateway: nh.gateway, ifindex, weight: nh.weight, onlink: nh.onlink, realms: nh.realms });
    }
    const routed = r.via !== null || nexthops.length > 0;
    return {
      family: r.family, dst: r.dst.bytes, dstLen: r.dst.prefixLen,
      src: r.from ? r.from.bytes : null, srcLen: r.from ? r.from.prefixLen : 0,
      gateway: r.via ? r.via.bytes : null, prefSrc: r.prefSrc ? r.prefSrc.bytes : null,
      oif: r.dev ? this.ifindexOf(r.dev) : 0, table: r.table, protocol: r.protocol,
      scope: r.scope ?? (routed || r.type !== 'unicast' ? 0 : 253), type: RTN[r.type], metric: r.metric, tos: r.tos ?? 0,
      nexthops,
    };
  }

  /** Adds or removes virtual_routes (multipath ones with all their nexthops). */
  async routes(add: boolean, routes: readonly VirtualRoute[]): Promise<void> {
    for (const r of routes) {
      const spec = this.routeSpec(r);
      if (typeof spec === 'string') {
        this.log.error(`cannot ${add ? 'add' : 'remove'} route ${r.text}: ${spec}`);
        continue;
      }
      try {
        await this.rtnl.route(add, spec);
      } catch (e) {
        if (!(add ? isNetlinkErrno(e, 'EEXIST') : isNetlinkErrno(e, 'ESRCH', 'ENOENT', 'ENODEV'))) {
          this.log.error(`cannot ${add ? 'add' : 'remove'} route ${r.text}: ${(e as Error).message}`);
        }
      }
    }
  }

  /** Adds or removes virtual_rules. */
  async rules(add: boolean, rules: readonly VirtualRule[]): Promise<void> {
    for (const r of rules) {
      try {
        await this.rtnl.rule(add, {
          family: r.family,
          src: r.from ? { addr: r.from.bytes, len: r.from.prefixLen } : null,
          dst: r.to ? { addr: r.to.bytes, len: r.to.prefixLen } : null,
          table: r.table, action: FR_ACT[r.action], priority: r.priority, invert: r.invert, tos: r.tos,
          fwmark: r.fwmark, fwmask: r.fwmask, iif: r.iif, oif: r.oif, gotoTarget: r.gotoTarget, protocol: r.protocol,
        });
      } catch (e) {
        if (!(add ? isNetlinkErrno(e, 'EEXIST') : isNetlinkErrno(e, 'ENOENT', 'ESRCH'))) {
          this.log.error(`cannot ${add ? 'add' : 'remove'} rule ${r.text}: ${(e as Error).message}`);
        }
      }
    }
  }
}
