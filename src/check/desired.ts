// The desired IPVS state as plain data: what the health manager wants the kernel to hold (consumed by the IPVS driver's reconcile).

/** Address family, kernel style. */
export type DesiredFamily = 'inet' | 'inet6';
/** Transport protocol of an address/port service. */
export type DesiredProtocol = 'tcp' | 'udp' | 'sctp';
/** Forwarding method (IP_VS_CONN_F_MASQ / DROUTE / TUNNEL). */
export type DesiredFwdMethod = 'nat' | 'dr' | 'tun';

/** Which virtual service: address/port/protocol, or firewall mark. */
export type DesiredServiceKey =
  | { readonly family: DesiredFamily; readonly protocol: DesiredProtocol; readonly address: string; readonly port: number }
  | { readonly family: DesiredFamily; readonly fwmark: number };

/** Scheduler flags IP_VS_SVC_F_SCHED1..3 (sh-fallback/mh-fallback = flag1, sh-port/mh-port = flag2). */
export interface DesiredSchedFlags {
  readonly flag1: boolean;
  readonly flag2: boolean;
  readonly flag3: boolean;
}

/** A destination (real server or sorry server). */
export interface DesiredDest {
  readonly address: string;
  readonly family: DesiredFamily;
  readonly port: number;
  /** Already clamped to 0..INT32_MAX; 0 for an inhibited (inhibit_on_failure) server. */
  readonly weight: number;
  readonly fwdMethod: DesiredFwdMethod;
  /** 0 = none. */
  readonly uThreshold: number;
  readonly lThreshold: number;
  readonly tunType?: 'ipip' | 'gue' | 'gre';
  readonly tunPort?: number;
  readonly tunFlags?: 'nocsum' | 'csum' | 'remcsum';
  /** keepalived's display name, e.g. "[10.0.0.2]:tcp:80" (logs only). */
  readonly name: string;
  /** True for the sorry server. */
  readonly sorry: boolean;
}

/** A virtual service with its destinations. */
export interface DesiredService {
  readonly key: DesiredServiceKey;
  /** keepalived's display name, e.g. "[10.0.0.1]:tcp:80" (logs only). */
  readonly name: string;
  readonly scheduler: string;
  readonly flags: DesiredSchedFlags;
  /** IP_VS_SVC_F_ONEPACKET ("ops"). */
  readonly onePacket: boolean;
  /** IP_VS_SVC_F_HASHED requested ("hashed"). */
  readonly hashed: boolean;
  /** IP_VS_SVC_F_PERSISTENT with timeout in seconds; null = not persistent. */
  readonly timeout: number | null;
  /** Persistence granularity: IPv4 netmask as a prefix length, or the IPv6 prefix length. */
  readonly netmask: number | null;
  readonly peName: string | null;
  readonly dests: readonly DesiredDest[];
}

/** Everything the checker process wants in the kernel. */
export interface DesiredState {
  readonly services: readonly DesiredService[];
}

/**
 * What changed since the previous apply, so that one real server going down among 10,000 costs one
 * service's reconcile, not the whole table's: `services` holds the new desired state of every service
 * that may differ, `removed` the keys no longer desired.
 */
export interface DesiredDelta {
  readonly services: readonly DesiredService[];
  readonly removed: readonly DesiredServiceKey[];
}

/**
 * Applies a desired state (the IPVS driver's reconcile + client). Resolves when applied; rejections are
 * logged by the caller. With `delta`, only the services it names need reconciling (`state` is still the
 * whole desired state); without, everything is.
 */
export type ApplyDesired = (state: DesiredState, delta?: DesiredDelta) => Promise<void>;
