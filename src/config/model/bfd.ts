// Model of bfd_instance blocks (RFC 5880/5883 sessions); parsed and validated only, no BFD daemon yet.
import type { Loc } from '../diagnostics';
import type { IpAddress } from '../../net/ip';

/** Which processes hear a session's events (`vrrp`, `checker`; both when neither is written). */
export interface BfdEventTargets {
  vrrp: boolean;
  checker: boolean;
}

export interface BfdInstance {
  readonly loc: Loc;
  readonly name: string;
  /** `neighbor_ip` / `neighbour_ip`; null when not (validly) set, which disables the instance. */
  neighbor: IpAddress | null;
  /** The spelling used in messages (keepalived allows both). */
  neighborWord: 'neighbor' | 'neighbour';
  source: IpAddress | null;
  /** Required min RX interval, microseconds (default 10 ms). */
  minRxUsec: number;
  /** Desired min TX interval, microseconds (default 10 ms). */
  minTxUsec: number;
  /** Desired idle TX interval, microseconds (default 1000 ms). */
  idleTxUsec: number;
  /** Detection multiplier, 1..255 (default 5). */
  multiplier: number;
  passive: boolean;
  /** Outgoing TTL/hop limit; null until validation picks the family default (255 IPv4, 64 IPv6). */
  ttl: number | null;
  /** Maximum TTL reduction accepted, -1..255 (default 0). */
  maxHops: number;
  /** RFC 5883 multihop session (UDP port 4784 instead of 3784). */
  multihop: boolean;
  /** Tracking weight for vrrp instances that track it, -253..253. */
  weight: number;
  weightReverse: boolean;
  events: BfdEventTargets;
  /** Whether `vrrp`/`checker` were written (else events go to both). */
  eventsExplicit: boolean;
}

export interface BfdConfig {
  instances: BfdInstance[];
}

/** An empty BFD configuration. */
export function emptyBfdConfig(): BfdConfig {
  return { instances: [] };
}
