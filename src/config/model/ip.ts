// Model of the address, route and rule sub-grammars (virtual_ipaddress, virtual_routes, virtual_rules,
// static_*). Filled by the sub-grammar parser in keywords/ip-grammar.ts; holds what rtnetlink needs.
import type { Loc } from '../diagnostics';
import type { Family, IpAddress, IpPrefix } from '../../net/ip';

/** Address flags keepalived can set (linux/if_addr.h IFA_F_*). */
export interface AddressFlags {
  /** IFA_F_HOMEADDRESS (`home`). */
  readonly home: boolean;
  /** `-nodad`: keepalived clears IFA_F_NODAD (by default IPv6 VIPs are added with nodad). */
  readonly noNodad: boolean;
  /** IFA_F_MANAGETEMPADDR (`mngtmpaddr`). */
  readonly mngtmpaddr: boolean;
  /** IFA_F_NOPREFIXROUTE (`noprefixroute`). */
  readonly noprefixroute: boolean;
  /** IFA_F_MCAUTOJOIN (`autojoin`). */
  readonly autojoin: boolean;
}

export interface VirtualAddress {
  readonly loc: Loc;
  /** The line as written, e.g. `192.0.2.1/24 dev eth0 label eth0:1`. */
  readonly text: string;
  /** The address and its prefix (default /32 or /128 when none was written; the peer's prefix with `peer`). */
  readonly address: IpPrefix;
  /** `dev IF`, else the owning instance's interface; null when neither is known. */
  readonly dev: string | null;
  readonly family: Family;
  /** Whether `dev` was written on the line (else `dev` came from the owner). */
  readonly devExplicit: boolean;
  /** IFA_BROADCAST (IPv4 only), computed for `brd +` / `brd -`; null when none. */
  readonly broadcast: IpAddress | null;
  /** IFA scope (rtnetlink RT_SCOPE_*: 0 global, 200 site, 253 link, 254 host, 255 nowhere). */
  readonly scope: number;
  /** IFA_LABEL (IPv4 only). */
  readonly label: string | null;
  /** IFA_ADDRESS of a point-to-point peer, with its prefix. */
  readonly peer: IpPrefix | null;
  readonly flags: AddressFlags;
  /** `no_track`: deleting it does not take the instance out of MASTER. */
  readonly noTrack: boolean;
  /** `preferred_lft`: seconds, 'forever', or null for keepalived's default. */
  readonly preferredLft: number | 'forever' | null;
  /** `use_vmac`: put the address on the instance's VMAC interface. */
  readonly useVmac: boolean;
  /** `track_group NAME` (static addresses only). */
  readonly trackGroup: string | null;
}

/** Route types (rtnetlink RTN_*), by iproute2 name. */
export type RouteType =
  | 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole'
  | 'unreachable' | 'prohibit' | 'throw' | 'nat' | 'xresolve';

/** Lightweight tunnel encapsulation (RTA_ENCAP). */
export type RouteEncap =
  | { readonly type: 'mpls'; readonly labels: readonly number[] }
  | {
      readonly type: 'ip' | 'ip6';
      readonly id: bigint | null;
      readonly dst: IpAddress | null;
      readonly src: IpAddress | null;
      /** tos (ip) or tc (ip6). */
      readonly tos: number | null;
      /** ttl (ip) or hoplimit (ip6). */
      readonly ttl: number | null;
      readonly flags: number | null;
    }
  | { readonly type: 'ila'; readonly locator: bigint };

export interface RouteNexthop {
  readonly gateway: IpAddress | null;
  readonly dev: string | null;
  /** 1..256 as written (the kernel's rtnh_hops is weight - 1); null when not given. */
  readonly weight: number | null;
  readonly onlink: boolean;
  readonly realms: number | null;
  readonly encap: RouteEncap | null;
}

/** RTA_METRICS values; only those written are present. Times (rtt, rttvar, rto_min) in kernel units. */
export interface RouteMetrics {
  mtu?: number;
  advmss?: number;
  rtt?: number;
  rttvar?: number;
  reordering?: number;
  window?: number;
  cwnd?: number;
  ssthresh?: number;
  rtoMin?: number;
  initcwnd?: number;
  initrwnd?: number;
  hoplimit?: number;
  quickack?: number;
  fastopenNoCookie?: number;
  congctl?: string;
  /** RTAX_FEATURES bits (ecn = 1). */
  features?: number;
}

export interface VirtualRoute {
  readonly loc: Loc;
  readonly text: string;
  readonly family: Family;
  readonly type: RouteType;
  /** Destination; `default` is the zero prefix /0. */
  readonly dst: IpPrefix;
  /** `from` source prefix (IPv6 only). */
  readonly from: IpPrefix | null;
  /** `src`: RTA_PREFSRC. */
  readonly prefSrc: IpAddress | null;
  /** `via`/`gw`: RTA_GATEWAY. */
  readonly via: IpAddress | null;
  /** `dev`/`oif` as written. */
  readonly dev: string | null;
  /** Routing table id (main = 254). */
  readonly table: number;
  readonly metric: number | null;
  /** RTPROT_*; 18 (keepalived) unless `no_track` with another protocol. */
  readonly protocol: number;
  /** RT_SCOPE_*; null when not written (the kernel picks). */
  readonly scope: number | null;
  readonly tos: number | null;
  readonly realms: number | null;
  readonly metrics: Readonly<RouteMetrics>;
  /** Names of locked metrics (e.g. `mtu`). */
  readonly lock: readonly string[];
  readonly onlink: boolean;
  readonly encap: RouteEncap | null;
  /** IPv6 `expires` seconds. */
  readonly expires: number | null;
  /** IPv6 router preference (0 medium, 1 high, 3 low, or a number). */
  readonly pref: number | null;
  readonly ttlPropagate: boolean | null;
  readonly nexthops: readonly RouteNexthop[];
  readonly noTrack: boolean;
  readonly trackGroup: string | null;
}

/** FIB rule actions (linux/fib_rules.h FR_ACT_*). */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

export interface VirtualRule {
  readonly loc: Loc;
  readonly text: string;
  readonly family: Family;
  readonly from: IpPrefix | null;
  readonly to: IpPrefix | null;
  /** `not`: invert the selector. */
  readonly invert: boolean;
  readonly action: RuleAction;
  /** Table id for action 'table' (0 with l3mdev). */
  readonly table: number;
  readonly l3mdev: boolean;
  readonly gotoTarget: number | null;
  /** FRA_PRIORITY; when not written, keepalived's decreasing default from 16384 (warned). */
  readonly priority: number;
  readonly priorityExplicit: boolean;
  readonly tos: number | null;
  readonly fwmark: number | null;
  readonly fwmask: number | null;
  readonly realms: number | null;
  readonly suppressPrefixLength: number | null;
  readonly suppressIfgroup: number | null;
  readonly iif: string | null;
  readonly oif: string | null;
  readonly tunnelId: bigint | null;
  readonly uidRange: { readonly start: number; readonly end: number } | null;
  /** RTPROT_* of the rule; 18 (keepalived) unless `no_track`. */
  readonly protocol: number | null;
  readonly ipProto: number | null;
  readonly sport: { readonly start: number; readonly end: number } | null;
  readonly dport: { readonly start: number; readonly end: number } | null;
  readonly noTrack: boolean;
  readonly trackGroup: string | null;
}
