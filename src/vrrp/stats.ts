// VRRP counters: per-instance statistics (keepalived's vrrp stats names) and per-reason drop counters of the receive path.
import { DECODE_REASONS, type DecodeReason } from './packet';

/** Why the driver dropped a received packet, beyond the codec's reasons. */
export const DRIVER_DROP_REASONS = [
  /** No instance with this VRID on the interface/family. */
  'unknown-vrid',
  /** The address list differs from ours (keepalived addr_list_err). */
  'addr-list',
  /** v2 advert interval differs (keepalived advert_interval_err). */
  'interval-mismatch',
  /** A unicast advert from an address that is not a configured peer (check_unicast_src). */
  'unknown-peer',
  /** The state machine refused it (init/fault). */
  'not-listening',
  /** Truncated by the receive buffer. */
  'truncated',
  /** `owner_ignore_adverts` while we are the address owner (keepalived "Dropping packet(s) ... since we are address owner"). */
  'owner-ignore-adverts',
  /** A master heard an advert with its own priority and its own address (keepalived "equal priority advert received from remote host with our IP address"). */
  'own-advert',
  /** AH: the sequence number was not above the last one accepted (keepalived "IPSEC-AH : sequence number ... already processed"). */
  'ah-replay',
] as const;
export type DriverDropReason = (typeof DRIVER_DROP_REASONS)[number];
/** Every drop reason counted. */
export type DropReason = DecodeReason | DriverDropReason;

/** A counter per drop reason, all present (zero included) so dumps have a fixed shape. */
export type DropCounters = Record<DropReason, number>;

/** A fresh zeroed {@link DropCounters}. */
export function newDropCounters(): DropCounters {
  const o = {} as Record<DropReason, number>;
  for (const r of DECODE_REASONS) o[r] = 0;
  for (const r of DRIVER_DROP_REASONS) o[r] = 0;
  return o;
}

/** Per-instance statistics (names as in keepalived's /tmp/keepalived.stats, camel-cased). */
export interface InstanceStats {
  advertRcvd: number;
  advertSent: number;
  becomeMaster: number;
  releaseMaster: number;
  priZeroRcvd: number;
  priZeroSent: number;
  sendErrors: number;
  drops: DropCounters;
}

/** A fresh zeroed {@link InstanceStats}. */
export function newInstanceStats(): InstanceStats {
  return { advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, sendErrors: 0, drops: newDropCounters() };
}

/** Zeroes a stats object in place (STATS_CLEAR). */
export function clearInstanceStats(s: InstanceStats): void {
  s.advertRcvd = 0;
  s.advertSent = 0;
  s.becomeMaster = 0;
  s.releaseMaster = 0;
  s.priZeroRcvd = 0;
  s.priZeroSent = 0;
  s.sendErrors = 0;
  clearDrops(s.drops);
}

/** Zeroes drop counters in place. */
export function clearDrops(d: DropCounters): void {
  for (const k of Object.keys(d) as DropReason[]) d[k] = 0;
}
