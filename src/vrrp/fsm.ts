// Sans-I/O VRRP state machine (RFC 5798 §6.4, RFC 9568, keepalived 2.4.3 behaviour): step(state, event, now) -> { state, actions }. Pure.
import { compareIp } from '../net/ip';
import type { VrrpVersion } from './packet';
import { Micros, adverIntToMicros, masterDownInterval, skewTime, DEFAULT_DOWN_TIMER_ADVERTS } from './timers';

/** Protocol states (RFC 5798 §6.4 plus keepalived's FAULT). */
export type VrrpStateName = 'init' | 'backup' | 'master' | 'fault';

/** Timers the driver runs for an instance; deadlines are absolute {@link Micros}. */
export type TimerName = 'masterDown' | 'advert' | 'garpDelay' | 'garpRefresh' | 'garpExtra';
const ALL_TIMERS: readonly TimerName[] = ['masterDown', 'advert', 'garpDelay', 'garpRefresh', 'garpExtra'];

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
  /**
   * `garp_lower_prio_delay`: a second lower-priority burst this long after the first; 0 or absent = none.
   * keepalived only uses it when `garp_lower_prio_repeat` is set (vrrp_state_master_rx).
   */
  readonly lowerPrioDelay?: Micros;
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
  /**
   * `skip_check_adv_addr`: a BACKUP does not compare the advert's address list with its own VIPs
   * when the advert comes from the master it last heard (keepalived vrrp_state_backup). A MASTER
   * always compares. See {@link VrrpEvent} `addressesMatch`.
   */
  readonly skipCheckAdvAddr?: boolean;
  /**
   * `owner_ignore_adverts`: while our effective priority is 255 (address owner) every received
   * advert is dropped before any state processing (keepalived logs "Dropping packet(s) ... since
   * we are address owner"), so the two-owners rule below never runs.
   */
  readonly ownerIgnoreAdverts?: boolean;
  /**
   * `garp_extra_if` (or global `vrrp_garp_extra_if`): while MASTER, every this many µs one
   * GARP/NA per interface carrying VIPs other than the instance's own (the driver works out which,
   * and leaves this 0 when there is none: keepalived vrrp_complete_instance disables it then).
   * The first goes out one interval after becoming master. 0 or absent: off.
   */
  readonly garpExtraInterval?: Micros;
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
  | 'shutdown'
  /** The priority became 255 (address owner) while BACKUP: RFC 5798 §6.4.1 owner rule, applied at once. */
  | 'priority-owner'
  /** A `vrrp_sync_group` member moved the group (keepalived vrrp_sync_backup / vrrp_sync_master). */
  | 'sync-backup'
  | 'sync-master';

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
  /**
   * The master-down timer fired but the sync group refused mastership (keepalived wantstate
   * MASTER while state BACKUP). Cleared when a master is heard again or the state changes.
   */
  readonly wantMaster?: boolean;
}

/** Inputs to the state machine. */
export type VrrpEvent =
  | { readonly type: 'startup' }
  | { readonly type: 'shutdown' }
  /**
   * A valid advert for this VRID, already decoded; `maxAdverInt` in wire units (v2 s, v3 cs).
   * `addressesMatch`: whether the advert's address list equals our VIP list (same count, every
   * VIP present; keepalived vrrp_check_packet "MAY verify that the IP address(es) associated with
   * the VRID are valid"). Absent = match. The FSM decides whether a mismatch matters
   * (always as MASTER; as BACKUP unless `skip_check_adv_addr` and the sender is the known master).
   */
  | {
    readonly type: 'advert'; readonly priority: number; readonly maxAdverInt: number; readonly src: Uint8Array;
    readonly addressesMatch?: boolean;
  }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'fault' }
  | { readonly type: 'faultCleared' }
  | { readonly type: 'priorityChanged'; readonly priority: number }
  /**
   * Reload changed `advert_int` in place (the state's config already holds the new one): keepalived
   * matches old and new instances by VRID, family and interface and keeps their state, with timers
   * restarted on the new interval.
   */
  | { readonly type: 'intervalChanged' }
  /** Sync group: leave MASTER for BACKUP now (keepalived vrrp_sync_backup: no priority-0 advert, VIPs removed, master-down timer armed). */
  | { readonly type: 'syncBackup' }
  /** Sync group: BACKUP becomes MASTER now (keepalived vrrp_sync_master: advert, VIPs, GARP). */
  | { readonly type: 'syncMaster' }
  /**
   * Sync group refused mastership when the master-down timer fired (sync-group.ts
   * syncMayBecomeMaster === false). Feed this instead of the `masterDown` timer event: the instance
   * stays BACKUP and re-arms Master_Down_Interval (keepalived vrrp_sync_can_goto_master).
   */
  | { readonly type: 'syncRefuseMaster' };

/** Why an advert was ignored, for counters. */
export type DiscardReason =
  | 'lower-priority-preempt' | 'interval-mismatch' | 'not-listening' | 'own-advert'
  /** The advert's address list differs from our VIPs (keepalived stats addr_list_err). */
  | 'address-mismatch'
  /** `owner_ignore_adverts` while address owner. */
  | 'owner-ignore-adverts';

/** Outputs for the driver, to run in order. */
export type VrrpAction =
  | { readonly type: 'sendAdvert'; readonly priority: number }
  | { readonly type: 'armTimer'; readonly timer: TimerName; readonly at: Micros }
  | { readonly type: 'cancelTimer'; readonly timer: TimerName }
  | { readonly type: 'addVips' }
  | { readonly type: 'removeVips' }
  /** Gratuitous ARP for IPv4 VIPs and unsolicited NA for IPv6 VIPs, `repeat` per address. */
  | { readonly type: 'sendGratuitous'; readonly repeat: number }
  /** `garp_extra_if`: one GARP/NA on each extra VIP interface (keepalived vrrp_send_vmac_update). */
  | { readonly type: 'sendGratuitousExtra' }
  | { readonly type: 'notify'; readonly transition: Transition }
  /** keepalived `notify_master_rx_lower_pri`. */
  | { readonly type: 'masterRxLowerPriority'; readonly priority: number; readonly src: Uint8Array }
  | { readonly type: 'discard'; readonly reason: DiscardReason }
  /**
   * `garp_lower_prio_delay`: one more GARP/NA burst of `repeat` at `at`, sent only if the VIPs are
   * still set then (keepalived's vrrp_lower_prio_gratuitous_arp_thread is never cancelled, and
   * vrrp_send_link_update returns "if VIP are not set"). Fire and forget: nothing cancels it.
   */
  | { readonly type: 'sendGratuitousLater'; readonly at: Micros; readonly repeat: number }
  /**
   * Both we and the sender are address owners (255). keepalived logs a CONFIGURATION ERROR and
   * lowers both its effective and base priority to 254; the driver must keep the base at `priority`.
   */
  | { readonly type: 'ownerConflict'; readonly priority: number; readonly src: Uint8Array };

/** Result of {@link step}. */
export interface StepResult {
  readonly state: VrrpState;
  readonly actions: readonly VrrpAction[];
}

const NO_TIMERS: VrrpState['timers'] = { masterDown: null, advert: null, garpDelay: null, garpRefresh: null, garpExtra: null };

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

/** `timers` with one deadline replaced (static keys: a computed-key spread is a slow path in V8, and this runs for every advert). */
function withTimer(t: VrrpState['timers'], timer: TimerName, at: Micros | null): VrrpState['timers'] {
  switch (timer) {
    case 'masterDown':
      return { masterDown: at, advert: t.advert, garpDelay: t.garpDelay, garpRefresh: t.garpRefresh, garpExtra: t.garpExtra };
    case 'advert':
      return { masterDown: t.masterDown, advert: at, garpDelay: t.garpDelay, garpRefresh: t.garpRefresh, garpExtra: t.garpExtra };
    case 'garpDelay':
      return { masterDown: t.masterDown, advert: t.advert, garpDelay: at, garpRefresh: t.garpRefresh, garpExtra: t.garpExtra };
    case 'garpRefresh':
      return { masterDown: t.masterDown, advert: t.advert, garpDelay: t.garpDelay, garpRefresh: at, garpExtra: t.garpExtra };
    case 'garpExtra':
      return { masterDown: t.masterDown, advert: t.advert, garpDelay: t.garpDelay, garpRefresh: t.garpRefresh, garpExtra: at };
  }
}

function arm(d: Draft, timer: TimerName, at: Micros): void {
  d.s = { ...d.s, timers: withTimer(d.s.timers, timer, at) };
  d.actions.push({ type: 'armTimer', timer, at });
}

function cancel(d: Draft, timer: TimerName): void {
  if (d.s.timers[timer] === null) return;
  d.s = { ...d.s, timers: withTimer(d.s.timers, timer, null) };
  d.actions.push({ type: 'cancelTimer', timer });
}

function cancelAll(d: Draft): void {
  for (const t of ALL_TIMERS) cancel(d, t);
}

/** The one place where the state changes: records from -> to with a reason and emits the notify. */
function transition(d: Draft, to: VrrpStateName, reason: TransitionReason): void {
  const t: Transition = { from: d.s.state, to, reason, at: d.now };
  d.s = { ...d.s, state: to, lastTransition: t, wantMaster: false };
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
  // keepalived vrrp_state_become_master: vmac_garp_timer = now + vmac_garp_intvl.
  if ((cfg.garpExtraInterval ?? 0) > 0) arm(d, 'garpExtra', d.now + cfg.garpExtraInterval!);
}

function leaveMasterCleanup(d: Draft): void {
  cancel(d, 'advert');
  cancel(d, 'garpDelay');
  cancel(d, 'garpRefresh');
  cancel(d, 'garpExtra');
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

function sameAddress(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function onAdvertBackup(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>): void {
  const cfg = d.s.config;
  // keepalived vrrp_state_backup: the address list is checked unless skip_check_adv_addr is set
  // and the advert comes from the master last heard. A refused advert leaves the timer running
  // ("We need to reduce the down timer since we have ignored the advert").
  const checkAddr = !cfg.skipCheckAdvAddr || !sameAddress(d.s.masterAddress, ev.src);
  if (checkAddr && ev.addressesMatch === false) {
    d.actions.push({ type: 'discard', reason: 'address-mismatch' });
    return;
  }
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
    // keepalived still records the sender ("We still want to record the master's address").
    const masterAddress = keptAddress(d.s.masterAddress, ev.src);
    if (masterAddress !== d.s.masterAddress) d.s = { ...d.s, masterAddress };
    d.actions.push({ type: 'discard', reason: 'lower-priority-preempt' });
    return;
  }
  // RFC 5798 §6.4.2 (v3): "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT,
  // Recompute the Skew_Time, Recompute the Master_Down_Interval, Reset the Master_Down_Timer".
  // keepalived: "We might have been held in backup by a sync group ... Now we have received
  // a[n advert], we want to be in BACKUP state" (wantstate = BACKUP).
  // One new state for all of it (the steady backup path: one advert per interval per instance).
  const s = d.s;
  const masterAdverInterval = cfg.version === 3 ? adverIntToMicros(3, ev.maxAdverInt) : s.masterAdverInterval;
  const at = d.now + masterDownInterval(cfg.version, s.effectivePriority, masterAdverInterval, cfg.downTimerAdverts ?? DEFAULT_DOWN_TIMER_ADVERTS);
  d.s = {
    ...s,
    masterAdverInterval,
    masterAddress: keptAddress(s.masterAddress, ev.src),
    masterPriority: ev.priority,
    wantMaster: false,
    preemptUntil: !lower && cfg.preemptDelay > 0 ? null : s.preemptUntil,
    timers: withTimer(s.timers, 'masterDown', at),
  };
  d.actions.push({ type: 'armTimer', timer: 'masterDown', at });
}

/**
 * The master address to keep: the one held when the bytes are the same, else a copy (`src` may be
 * a view into a receive buffer that the next packet overwrites).
 */
function keptAddress(held: Uint8Array | null, src: Uint8Array): Uint8Array {
  return held !== null && sameAddress(held, src) ? held : Uint8Array.prototype.slice.call(src) as Uint8Array;
}

function yieldToSender(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>, reason: TransitionReason): void {
  const cfg = d.s.config;
  leaveMasterCleanup(d);
  transition(d, 'backup', reason);
  d.s = {
    ...d.s,
    masterAdverInterval: cfg.version === 3 ? adverIntToMicros(3, ev.maxAdverInt) : cfg.advertInterval,
    masterAddress: keptAddress(d.s.masterAddress, ev.src), masterPriority: ev.priority, preemptUntil: null,
  };
  arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
}

/** Returns whether the instance is still MASTER (so the caller applies the advert-timer reset). */
function onAdvertMaster(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>): boolean {
  const cfg = d.s.config;
  // keepalived vrrp_state_master_rx checks the packet with check_vip_addr = true: a MASTER always
  // compares the address list, skip_check_adv_addr or not.
  if (ev.addressesMatch === false) {
    d.actions.push({ type: 'discard', reason: 'address-mismatch' });
    return true;
  }
  if (ev.priority === PRIORITY_STOP) {
    // RFC 5798 §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the Adver_Timer".
    d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
    return true;
  }
  const tieCmp = senderWinsTie(d.s, ev.src);
  if (ev.priority === PRIORITY_OWNER && d.s.effectivePriority === PRIORITY_OWNER && tieCmp !== 0) {
    // keepalived vrrp_state_master_rx: "If we are configured as the address owner (priority == 255),
    // and we receive an advertisement from another system indicating it is also the address owner,
    // then there is a clear conflict. Report a configuration error, and drop our priority as a
    // workaround" (effective and base priority become 254). The comparison below then yields.
    d.s = { ...d.s, effectivePriority: PRIORITY_OWNER - 1 };
    d.actions.push({ type: 'ownerConflict', priority: PRIORITY_OWNER - 1, src: ev.src });
  }
  const cmp = ev.priority - d.s.effectivePriority;
  const tie = cmp === 0 ? tieCmp : 0;
  if (cmp === 0 && tie === 0) {
    // keepalived: "WARNING - equal priority advert received from remote host with our IP address".
    d.actions.push({ type: 'discard', reason: 'own-advert' });
    return true;
  }
  if (cmp > 0 || tie > 0) {
    // RFC 5798 §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority, or the
    // Priority ... is equal to the local Priority and the primary IPvX Address of the sender is greater
    // than the local primary IPvX Address, then: Cancel Adver_Timer, Set Master_Adver_Interval ...,
    // Set Master_Down_Timer to Master_Down_Interval, Transition to the Backup state".
    if (cfg.higherPrioSendAdvert) d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
    yieldToSender(d, ev, cmp > 0 ? 'higher-priority-advert' : 'equal-priority-higher-address');
    return false;
  }
  // Lower priority (or equal with a lower address). RFC 9568 §6.4.3 has the master answer at once so
  // the other side stops claiming mastership; keepalived makes it optional (`lower_prio_no_advert`).
  if (!cfg.lowerPrioNoAdvert) d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
  const g = garpOf(d.s);
  if (g.lowerPrioRepeat > 0) {
    // keepalived: garp_lower_prio_repeat burst now, and again after garp_lower_prio_delay if set.
    d.actions.push({ type: 'sendGratuitous', repeat: g.lowerPrioRepeat });
    if ((g.lowerPrioDelay ?? 0) > 0) d.actions.push({ type: 'sendGratuitousLater', at: d.now + (g.lowerPrioDelay ?? 0), repeat: g.lowerPrioRepeat });
  }
  d.actions.push({ type: 'masterRxLowerPriority', priority: ev.priority, src: ev.src });
  return true;
}

function onTimer(d: Draft, timer: TimerName): void {
  // Ignore a timer the state does not have armed (a late callback from a cancelled timer).
  if (d.s.timers[timer] === null) return;
  const st = d.s.state;
  // A timer that fires is disarmed, unless it is re-armed at once (arm() replaces its deadline: one new
  // state per advert on the master's steady path, not two).
  switch (timer) {
    case 'masterDown':
      disarmFired(d, timer);
      // RFC 5798 §6.4.2: "If the Master_Down_Timer fires, then: ... Transition to the Master state".
      if (st === 'backup') becomeMaster(d, 'master-down-timer');
      return;
    case 'advert':
      if (st === 'master') {
        d.actions.push({ type: 'sendAdvert', priority: d.s.effectivePriority });
        arm(d, 'advert', d.now + d.s.config.advertInterval);
      } else {
        disarmFired(d, timer);
      }
      return;
    case 'garpDelay':
      disarmFired(d, timer);
      if (st === 'master') d.actions.push({ type: 'sendGratuitous', repeat: garpOf(d.s).masterRepeat });
      return;
    case 'garpRefresh':
      if (st === 'master') {
        const g = garpOf(d.s);
        d.actions.push({ type: 'sendGratuitous', repeat: g.masterRefreshRepeat });
        arm(d, 'garpRefresh', d.now + g.masterRefresh);
      } else {
        disarmFired(d, timer);
      }
      return;
    case 'garpExtra': {
      // keepalived vrrp_state_master_tx: vrrp_send_vmac_update, then vmac_garp_timer = now + interval.
      const every = d.s.config.garpExtraInterval ?? 0;
      if (st === 'master' && every > 0) {
        d.actions.push({ type: 'sendGratuitousExtra' });
        arm(d, 'garpExtra', d.now + every);
      } else {
        disarmFired(d, timer);
      }
      return;
    }
  }
}

/** The state forgets a timer that fired (no action: the driver's one-shot is spent). */
function disarmFired(d: Draft, timer: TimerName): void {
  d.s = { ...d.s, timers: withTimer(d.s.timers, timer, null) };
}

function onAdvert(d: Draft, ev: Extract<VrrpEvent, { type: 'advert' }>): void {
  const s = d.s;
  const cfg = s.config;
  if (s.state === 'init' || s.state === 'fault') {
    d.actions.push({ type: 'discard', reason: 'not-listening' });
    return;
  }
  if (cfg.ownerIgnoreAdverts && s.effectivePriority === PRIORITY_OWNER) {
    d.actions.push({ type: 'discard', reason: 'owner-ignore-adverts' });
    return;
  }
  let stillMaster: boolean;
  if (cfg.version === 2 && adverIntToMicros(2, ev.maxAdverInt) !== cfg.advertInterval) {
    // RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet is the same as the locally
    // configured for this virtual router"; keepalived drops it ("to prevent concurent VRID running").
    // v3 does not drop: a backup learns the master's interval (RFC 5798 §6.4.2).
    d.actions.push({ type: 'discard', reason: 'interval-mismatch' });
    stillMaster = s.state === 'master';
  } else if (s.state === 'backup') {
    onAdvertBackup(d, ev);
    return;
  } else {
    stillMaster = onAdvertMaster(d, ev);
  }
  // keepalived vrrp_dispatcher_read, after the master's handler, for any advert it was given:
  // "If we have sent an advert, reset the timer" when state != MASTER || !lower_prio_no_advert.
  if (stillMaster && !cfg.lowerPrioNoAdvert) arm(d, 'advert', d.now + cfg.advertInterval);
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
      onAdvert(d, event);
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
      // The new priority goes out with the next advert (master) or into the next Master_Down_Interval
      // (backup). keepalived sends no extra advert and makes no transition when a master's priority
      // drops below a peer's: the peer (if it preempts) discards the lower adverts, its down timer
      // runs out and it takes over; this master then yields on the peer's first advert.
      // RFC 5798 §6.4.1: "If the Priority = 255 (i.e., the router owns the IPvX address(es) associated
      // with the virtual router), then ... transition to the Master state": an owner does not wait.
      if (p === PRIORITY_OWNER && st === 'backup') becomeMaster(d, 'priority-owner');
      break;
    }
    case 'intervalChanged': {
      const cfg = d.s.config;
      // A v3 backup keeps the interval it learned from the master; otherwise our own is the one.
      const learned = cfg.version === 3 && st === 'backup' && d.s.masterAddress !== null;
      if (!learned && d.s.masterAdverInterval !== cfg.advertInterval) d.s = { ...d.s, masterAdverInterval: cfg.advertInterval };
      if (st === 'master' && d.s.timers.advert !== null) arm(d, 'advert', d.now + cfg.advertInterval);
      else if (st === 'backup' && d.s.timers.masterDown !== null) arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
      break;
    }
    case 'syncBackup':
      // keepalived 2.4 vrrp_sync_backup: members in MASTER call vrrp_state_leave_master(..., false,
      // VRRP_STATE_BACK): no priority-0 advert, VIPs removed, "Set the down timer" to
      // 3 * master_adver_int + skew. A member in FAULT is brought back with `faultCleared`.
      if (st !== 'master') break;
      leaveMasterCleanup(d);
      transition(d, 'backup', 'sync-backup');
      d.s = { ...d.s, masterAdverInterval: d.s.config.advertInterval, preemptUntil: null };
      arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
      break;
    case 'syncMaster':
      // keepalived vrrp_sync_master: every other member "goto master" at once (advert, VIPs, GARP).
      if (st === 'backup') becomeMaster(d, 'sync-master');
      break;
    case 'syncRefuseMaster':
      // keepalived vrrp_sync_can_goto_master: "Make sure we give time for other instances to be ready
      // to become master": ms_down_timer = 3 * master_adver_int + skew, stay BACKUP, wantstate MASTER.
      if (st !== 'backup') break;
      d.s = { ...d.s, wantMaster: true };
      arm(d, 'masterDown', d.now + currentMasterDownInterval(d.s));
      break;
  }
  return { state: d.s, actions: d.actions };
}
