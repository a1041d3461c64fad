// Pure VRRP timer arithmetic in integer microseconds, with keepalived's rounding. Pure.
import type { VrrpVersion } from './packet';

/** Time in integer microseconds (keepalived's TIMER_HZ resolution) on a monotonic clock. */
export type Micros = number;

/** One second in {@link Micros}. */
export const TIMER_HZ = 1_000_000;
/** One centisecond (the VRRPv3 interval unit) in {@link Micros}. */
export const TIMER_CENTI_HZ = 10_000;
/** keepalived's default `down_timer_adverts` (RFC 5798 §6.1: Master_Down_Interval uses 3). */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/** Converts the advert interval field of a received advert (v2 seconds, v3 centiseconds) to microseconds. */
export function adverIntToMicros(version: VrrpVersion, wire: number): Micros {
  return version === 3 ? wire * TIMER_CENTI_HZ : wire * TIMER_HZ;
}

/** Converts a configured interval to the wire field (v2 whole seconds, v3 centiseconds, 12 bits). */
export function microsToAdverInt(version: VrrpVersion, us: Micros): number {
  return version === 3 ? Math.min(0x0fff, Math.floor(us / TIMER_CENTI_HZ)) : Math.min(0xff, Math.floor(us / TIMER_HZ));
}

/**
 * Skew_Time. RFC 5798 §6.1: "(((256 - priority) * Master_Adver_Interval) / 256)" (v3);
 * RFC 3768 §6.1: "((256 - Priority) / 256)" seconds (v2, independent of the interval).
 * Computed as keepalived's VRRP_TIMER_SKEW does, in integer microseconds with the v3
 * interval taken in whole centiseconds (625/16 = 10000/256), so results match its timing exactly.
 */
export function skewTime(version: VrrpVersion, priority: number, masterAdverInterval: Micros): Micros {
  const p = 256 - priority;
  if (version === 3) return Math.floor((p * Math.floor(masterAdverInterval / TIMER_CENTI_HZ) * 625) / 16);
  return Math.floor((p * TIMER_HZ) / 256);
}

/**
 * Master_Down_Interval. RFC 5798 §6.1: "(3 * Master_Adver_Interval) + Skew_Time";
 * keepalived makes the 3 configurable (`down_timer_adverts`).
 */
export function masterDownInterval(
  version: VrrpVersion, priority: number, masterAdverInterval: Micros, downTimerAdverts = DEFAULT_DOWN_TIMER_ADVERTS,
): Micros {
  return downTimerAdverts * masterAdverInterval + skewTime(version, priority, masterAdverInterval);
}
