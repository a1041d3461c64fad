// Sans-I/O VRRP state machine (RFC 5798 §6.4, RFC 9568, keepalived 2.4.3 behaviour): step(state, event, now) -> { state, actions }. Pure.
import { compareIp } from '../net/ip';
import type { VrrpVersion } from './packet';
import { Micros, adverIntToMicros, masterDownInterval, skewTime, DEFAULT_DOWN_TIMER_ADVERTS } from './timers';

/** Protocol states (RFC 5798 §6.4 plus keepalived's FAULT). */
export type VrrpStateName = 'init' | 'backup' | 'master' | 'fault';

/** Timers the driver runs for an instance; deadlines are absolute {@link Micros}. */
export type TimerName = 'masterDown' | 'advert' | 'garpDelay' | 'garpRefresh';
const ALL_TIMERS: readonly TimerName[] = ['masterDown', 'advert', 'garpDelay', 'garpRefresh'];

/** RFC 5798 §6.1: the priority of the IPvX address owner. */
export const PRIORITY_OWNER = 255;
/** RFC 5798 §6.1: "the current Master has stopped participating in VRRP". */
export const PRIORITY_STOP = 0;

/** keepalived's gratuitous ARP / unsolicited NA settings (man keepalived.conf, `garp_*`). */
export interface GarpConfig {
  /** `garp_master_delay`: a second burst this long after becoming master; 0 = none. Default 5 s. */
  readonly masterDelay: Micros;
  /** `garp_master_repeat`: messages per VIP per burst. Default 5. */
  readonly masterRepeat: number;
  /** `garp_master_refresh`: periodic bursts while master; 0 = off (default). */
  readonly masterRefresh: Micros;
  /** `garp_master_refresh_repeat`. Default 1. */
  readonly masterRefreshRepeat: number;
  /** `garp_lower_prio_repeat`: burst when the master hears a lower priority; 0 = none (default). */
  readonly lowerPrioRepeat: number;
}

/** Defaults as keepalived 2.4.3 has them. */
export const DEFAULT_GARP: GarpConfig = {
  masterDelay: 5_000_000, masterRepeat: 5, masterRefresh: 0, masterRefreshRepeat: 1, lowerPrioRepeat: 0,
};

/** What the state machine needs from a `vrrp_instance` block. */
export interface InstanceConfig {
  readonly name: string;
  readonly version: VrrpVersion;
  /** Configured priority 1..255 (255 = address owner). */
  readonly priority: number;
  /** `advert_int` in microseconds. */
  readonly advertInterval: Micros;
  /** `state MASTER|BACKUP`: keepalived starts as BACKUP either way unless the priority is 255 (lab README §2). */
  readonly initialState: 'master' | 'backup';
  /** Our primary address (the advert source), for the equal-priority tie-break. */
  readonly primaryAddress: Uint8Array;
  /** `nopreempt`. */
  readonly nopreempt: boolean;
  /** `preempt_delay` in microseconds; 0 = none. */
  readonly preemptDelay: Micros;
  /** `accept` (true) / `no_accept`: exposed to the driver, see {@link acceptsTraffic}. */
  readonly accept: boolean;
  /** `lower_prio_no_advert`: the master does not answer a lower-priority advert. */
  readonly lowerPrioNoAdvert: boolean;
  /** `higher_prio_send_advert`: the master sends one advert before yielding to a higher priority. */
  readonly higherPrioSendAdvert: boolean;
  /** `down_timer_adverts` (default 3). */
  readonly downTimerAdverts?: number;
  readonly garp?: GarpConfig;
}

/** Why a transition happened. */
export type TransitionReason =
  | 'startup'
  | 'startup-owner'
  | 'master-down-timer'
  | 'higher-priority-advert'
  | 'equal-priority-higher-address'
  | 'fault'
  | 'fault-cleared'
  | 'shutdown';

/** One state change: every transition goes through {@link transition}, which emits it as a notify action. */
export interface Transition {
  readonly from: VrrpStateName;
  readonly to: VrrpStateName;
  readonly reason: TransitionReason;
  readonly at: Micros;
}

/** The state of one instance. Immutable: {@link step} returns a new one. */
export interface VrrpState {
  readonly config: InstanceConfig;
  readonly state: VrrpStateName;
  /** Priority after tracking (keepalived's effective_priority). */
  readonly effectivePriority: number;
  /** RFC 5798 Master_Adver_Interval: learned from the master in v3 backup, else our own interval. */
  readonly masterAdverInterval: Micros;
  /** Absolute deadlines of armed timers (null when not armed). */
  readonly timers: { readonly [K in TimerName]: Micros | null };
  /** End of the preempt_delay window, while one runs. */
  readonly preemptUntil: Micros | null;
  /** The last master heard (backup), for dumps. */
  readonly masterAddress: Uint8Array | null;
  readonly masterPriority: number | null;
  /** Whether VIPs are installed. */
  readonly vipsSet: boolean;
  readonly lastTransition: Transition | null;
}

/** Inputs to the state machine. */
export type VrrpEvent =
  | { readonly type: 'startup' }
  | { readonly type: 'shutdown' }
  /** A valid advert for this VRID, already decoded; `maxAdverInt` in wire units (v2 s, v3 cs). */
  | { readonly type: 'advert'; readonly priority: number; readonly maxAdverInt: number; readonly src: Uint8Array }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'fault' }
  | { readonly type: 'faultCleared' }
  | { readonly type: 'priorityChanged'; readonly priority: number };

/** Why an advert was ignored, for counters. */
export type DiscardReason = 'lower-priority-preempt' | 'interval-mismatch' | 'not-listening' | 'own-advert';

/** Outputs for the driver, to run in order. */
export type VrrpAction =
  | { readonly type: 'sendAdvert'; readonly priority: number }
  | { readonly type: 'armTimer'; readonly timer: TimerName; readonly at: Micros }
  | { readonly type: 'cancelTimer'; readonly timer: TimerName }
  | { readonly type: 'addVips' }
  | { readonly type: 'removeVips' }
  /** Gratuitous ARP for IPv4 VIPs and unsolicited NA for IPv6 VIPs, `repeat` per address. */
  | { readonly type: 'sendGratuitous'; readonly repeat: number }
  | { readonly type: 'notify'; readonly transition: Transition }
  /** keepalived `notify_master_rx_lower_pri`. */
  | { readonly type: 'masterRxLowerPriority'; readonly priority: number; readonly src: Uint8Array }
  | { readonly type: 'discard'; readonly reason: DiscardReason };

/** Result of {@link step}. */
export interface StepResult {
  readonly state: VrrpState;
  readonly actions: readonly VrrpAction[];
}

const NO_TIMERS: VrrpState['timers'] = { masterDown: null, advert: null, garpDelay: null, garpRefresh: null };

/** A fresh instance in INIT. */
export function initialState(config: InstanceConfig): VrrpState {
  if (!(config.priority >= 1 && config.priority <= 255)) throw new RangeError(`priority ${config.priority} outside 1..255`);
  return {
    config, state: 'init', effectivePriority: config.priority, masterAdverInterval: config.advertInterval,
    timers: NO_TIMERS, preemptUntil: null, masterAddress: null, masterPriority: null, vipsSet: false, lastTransition: null,
  };
}

/**
 * RFC 5798 §6.4.3: the master "MUST accept packets addressed to the IPvX address(es) associated
 * with the virtual router if it is the IPvX address owner or if Accept_Mode is True".
 */
export function acceptsTraffic(s: VrrpState): boolean {
  return s.state === 'master' && (s.config.accept || s.config.priority === PRIORITY_OWNER);
}

/** Skew_Time for this instance now. */
export function currentSkewTime(s: VrrpState): Micros {
  return skewTime(s.config.version, s.effectivePriority, s.masterAdverInterval);
}

/** Master_Down_Interval for this instance now. */
export function currentMasterDownInterval(s: VrrpState): Micros {
  return masterDownInterval(s.config.version, s.effectivePriority, s.masterAdverInterval, s.config.downTimerAdverts ?? DEFAULT_DOWN_TIMER_ADVERTS);
}

/** Mutable scratch used while one step runs; the caller only ever sees frozen results. */
interface Draft {
  s: VrrpState;
  readonly actions: VrrpAction[];
  readonly now: Micros;
}

function arm(d: Draft, timer: TimerName, at: Micros): void {
  d.s = { ...d.s, timers: { ...d.s.timers, [timer]: at } };
  d.actions.push({ type: 'armTimer', timer, at });
}

function cancel(d: Draft, timer: TimerName): void {
  if (d.s.timers[timer] === null) return;
  d.s = { ...d.s, timers: { ...d.s.timers, [timer]: null } };
  d.actions.push({ type: 'cancelTimer', timer });
}

function cancelAll(d: Draft): void {
  for (const t of ALL_TIMERS) cancel(d, t);
}

/** The one place where the state changes: records from -> to with a reason and emits the notify. */
function transition(d: Draft, to: VrrpStateName, reason: TransitionReason): void {
  const t: Transition = { from: d.s.state, to, reason, at: d.now };
  d.s = { ...d.s, state: to, lastTransition: t };
  d.actions.push({ type: 'notify', transition: t });
}

function garpOf(s: VrrpState): GarpConfig {
  return s.config.garp ?? DEFAULT_GARP;
}

function becomeMaster(d: Draft, reason: TransitionReason): void {
  const cfg = d.s.config;
  cancel(d, 'masterDown');
  // keepalived: "changing advert interval from <learned> to locally configured".
  d.s = { ...d.s, masterAdverInterval: cfg.advertInterval, preemptUntil: null, masterAddress: null, masterPriority: null };
  transition(d, 'master', reason);
  // RFC 5798 §6.4.1/§6.4.2: send an ADVERTISEMENT, broadcast gratuitous ARP / unsolicited NA,
  // set the Adver_Timer. On the wire keepalived sends the advert first, then the GARPs (lab README §3).
  d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
  d.actions.push({ type: 'addVips' });
  d.s = { ...d.s, vipsSet: true };
  const g = garpOf(d.s);
  if (g.masterRepeat > 0) d.actions.push({ type: 'sendGratuitous', repeat: g.masterRepeat });
  arm(d, 'advert', d.now + cfg.advertInterval);
  if (g.masterDelay > 0 && g.masterRepeat > 0) arm(d, 'garpDelay', d.now + g.masterDelay);
  if (g.masterRefresh > 0) arm(d, 'garpRefresh', d.now + g.masterRefresh);
}

function leaveMasterCleanup(d: Draft): void {
  cancel(d, 'advert');
  cancel(d, 'garpDelay');
  cancel(d, 'garpRefresh');
  if (d.s.vipsSet) {
    d.actions.push({ type: 'removeVips' });
    d.s = { ...d.s, vipsSet: false };
  }
}

function becomeBackup(d: Draft, reason: TransitionReason): void {
  const cfg = d.s.config;
  transition(d, 'backup', reason);
  // RFC 5798 §6.4.1: "Set Master_Adver_Interval to Advertisement_Interval ... Set the Master_Down_Timer to Master_Down_Interval".
  d.s = { ...d.s, masterAdverInterval: cfg.advertInterval, preemptUntil: cfg.preemptDelay > 0 ? d.now + cfg.preemptDelay : null };
  arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
}

function start(d: Draft, reason: 'startup' | 'fault-cleared'): void {
  // RFC 5798 §6.4.1: "If the Priority = 255 ... transition to the Master state"; otherwise Backup.
  // keepalived 2.4.3 does this even with `state MASTER` (lab README §2: it waits for the master-down timer).
  if (d.s.effectivePriority === PRIORITY_OWNER) becomeMaster(d, reason === 'startup' ? 'startup-owner' : reason);
  else becomeBackup(d, reason);
}

/** Sender wins the tie when its primary address is higher (RFC 5798 §6.4.3). */
function senderWinsTie(s: VrrpState, src: Uint8Array): number {
  return compareIp(src, s.config.primaryAddress);
}

function onAdvertBackup(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>): void {
  const cfg = d.s.config;
  if (ev.priority === PRIORITY_STOP) {
    // RFC 5798 §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time".
    arm(d, 'masterDown', d.now + currentSkewTime(d.s));
    return;
  }
  const lower = ev.priority < d.s.effectivePriority;
  let accept = cfg.nopreempt || !lower;
  if (!accept && cfg.preemptDelay > 0) {
    // keepalived preempt_delay: a lower-priority master is tolerated until the delay has run.
    if (d.s.preemptUntil === null) {
      d.s = { ...d.s, preemptUntil: d.now + cfg.preemptDelay };
      accept = true;
    } else if (d.now < d.s.preemptUntil) {
      accept = true;
    }
  }
  if (!accept) {
    // RFC 5798 §6.4.2: "Preempt_Mode is True and the Priority in the ADVERTISEMENT is less than the local Priority ... Discard".
    d.actions.push({ type: 'discard', reason: 'lower-priority-preempt' });
    return;
  }
  if (!lower && cfg.preemptDelay > 0) d.s = { ...d.s, preemptUntil: null };
  // RFC 5798 §6.4.2 (v3): "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT,
  // Recompute the Skew_Time, Recompute the Master_Down_Interval, Reset the Master_Down_Timer".
  if (cfg.version === 3) d.s = { ...d.s, masterAdverInterval: adverIntToMicros(3, ev.maxAdverInt) };
  d.s = { ...d.s, masterAddress: ev.src, masterPriority: ev.priority };
  arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
}

function onAdvertMaster(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>): void {
  const cfg = d.s.config;
  if (ev.priority === PRIORITY_STOP) {
    // RFC 5798 §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the Adver_Timer".
    d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
    arm(d, 'advert', d.now + cfg.advertInterval);
    return;
  }
  const cmp = ev.priority - d.s.effectivePriority;
  const tie = cmp === 0 ? senderWinsTie(d.s, ev.src) : 0;
  if (cmp === 0 && tie === 0) {
    d.actions.push({ type: 'discard', reason: 'own-advert' });
    return;
  }
  if (cmp > 0 || tie > 0) {
    // RFC 5798 §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority, or the
    // Priority ... is equal to the local Priority and the primary IPvX Address of the sender is greater
    // than the local primary IPvX Address, then: Cancel Adver_Timer, Set Master_Adver_Interval ...,
    // Set Master_Down_Timer to Master_Down_Interval, Transition to the Backup state".
    if (cfg.higherPrioSendAdvert) d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
    leaveMasterCleanup(d);
    transition(d, 'backup', cmp > 0 ? 'higher-priority-advert' : 'equal-priority-higher-address');
    d.s = {
      ...d.s,
      masterAdverInterval: cfg.version === 3 ? adverIntToMicros(3, ev.maxAdverInt) : cfg.advertInterval,
      masterAddress: ev.src, masterPriority: ev.priority, preemptUntil: null,
    };
    arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
    return;
  }
  // Lower priority (or equal with a lower address). RFC 9568 §6.4.3 has the master answer at once so
  // the other side stops claiming mastership; keepalived makes it optional (`lower_prio_no_advert`).
  if (!cfg.lowerPrioNoAdvert) d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
  const g = garpOf(d.s);
  if (g.lowerPrioRepeat > 0) d.actions.push({ type: 'sendGratuitous', repeat: g.lowerPrioRepeat });
  d.actions.push({ type: 'masterRxLowerPriority', priority: ev.priority, src: ev.src });
}

function onTimer(d: Draft, timer: TimerName): void {
  // Ignore a timer the state does not have armed (a late callback from a cancelled timer).
  if (d.s.timers[timer] === null) return;
  d.s = { ...d.s, timers: { ...d.s.timers, [timer]: null } };
  const st = d.s.state;
  switch (timer) {
    case 'masterDown':
      // RFC 5798 §6.4.2: "If the Master_Down_Timer fires, then: ... Transition to the Master state".
      if (st === 'backup') becomeMaster(d, 'master-down-timer');
      return;
    case 'advert':
      if (st === 'master') {
        d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
        arm(d, 'advert', d.now + d.s.config.advertInterval);
      }
      return;
    case 'garpDelay':
      if (st === 'master') d.actions.push({ type: 'sendGratuitous', repeat: garpOf(d.s).masterRepeat });
      return;
    case 'garpRefresh':
      if (st === 'master') {
        const g = garpOf(d.s);
        d.actions.push({ type: 'sendGratuitous', repeat: g.masterRefreshRepeat });
        arm(d, 'garpRefresh', d.now + g.masterRefresh);
      }
      return;
  }
}

/**
 * Advances one instance by one event at monotonic time `now` (µs). Pure: returns the next
 * state and the actions for the driver, in order; never reads a clock or touches a socket.
 */
export function step(state: VrrpState, event: VrrpEvent, now: Micros): StepResult {
  const d: Draft = { s: state, actions: [], now };
  const st = state.state;
  switch (event.type) {
    case 'startup':
      if (st === 'init') start(d, 'startup');
      break;
    case 'shutdown':
      if (st === 'init') break;
      // keepalived sends priority 0 when a master stops (RFC 5798 §6.4.3 "Shutdown event").
      if (st === 'master') d.actions.push({ type: 'sendAdvert', priority: PRIORITY_STOP });
      cancelAll(d);
      leaveMasterCleanup(d);
      transition(d, 'init', 'shutdown');
      break;
    case 'advert':
      switch (st) {
        case 'backup': {
          if (state.config.version === 2 && adverIntToMicros(2, event.maxAdverInt) !== state.config.advertInterval) {
            // RFC 3768 §7.1 / keepalived: a v2 advert with another interval is dropped.
            d.actions.push({ type: 'discard', reason: 'interval-mismatch' });
            break;
          }
          onAdvertBackup(d, event);
          break;
        }
        case 'master': {
          if (state.config.version === 2 && adverIntToMicros(2, event.maxAdverInt) !== state.config.advertInterval) {
            d.actions.push({ type: 'discard', reason: 'interval-mismatch' });
            break;
          }
          onAdvertMaster(d, event);
          break;
        }
        case 'init':
        case 'fault':
          d.actions.push({ type: 'discard', reason: 'not-listening' });
          break;
      }
      break;
    case 'timer':
      onTimer(d, event.timer);
      break;
    case 'fault':
      if (st === 'fault' || st === 'init') break;
      // A master that can still send tells the others to take over after Skew_Time.
      if (st === 'master') d.actions.push({ type: 'sendAdvert', priority: PRIORITY_STOP });
      cancelAll(d);
      leaveMasterCleanup(d);
      transition(d, 'fault', 'fault');
      break;
    case 'faultCleared':
      if (st === 'fault') start(d, 'fault-cleared');
      break;
    case 'priorityChanged': {
      const p = Math.max(1, Math.min(PRIORITY_OWNER, event.priority));
      d.s = { ...d.s, effectivePriority: p };
      // The new priority goes out with the next advert (master) or into the next Master_Down_Interval (backup).
      break;
    }
  }
  return { state: d.s, actions: d.actions };
}
