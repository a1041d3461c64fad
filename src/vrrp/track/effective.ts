// Pure tracking rules (keepalived 2.4.3 vrrp_track.c): fault and priority delta of an instance from its tracked items, script rise/fall, process quorum.
import type { SyncGroup, TrackedInterface, TrackedRef, VrrpConfig, VrrpInstance } from '../../config/model/vrrp';

/** Kinds of tracked objects. */
export type TrackKind = 'interface' | 'script' | 'file' | 'process' | 'bfd';

/** The current status of one tracked object, as its driver reports it. */
export type TrackStatus =
  /** Interfaces, scripts, processes, BFD: up (true) or down (false); null: no result yet (a script that has not run). */
  | { readonly kind: 'interface' | 'script' | 'process' | 'bfd'; readonly up: boolean | null }
  /** track_file: the integer read from the file (already clamped to -254..254; 0 when absent). */
  | { readonly kind: 'file'; readonly value: number };

/** One tracked object as an instance sees it: the weight resolved for that instance. */
export interface TrackedItem {
  readonly kind: TrackKind;
  readonly name: string;
  /** 0: failure puts the instance in FAULT. */
  readonly weight: number;
  /** `reverse`: keepalived's weight multiplier of -1. */
  readonly reverse: boolean;
}

/** What one item contributes. */
export interface Contribution {
  readonly fault: boolean;
  /** A weight-0 script with no result yet: keepalived holds the instance in INIT. */
  readonly pending: boolean;
  readonly delta: number;
}

/** The owner priority: tracking never changes it (keepalived vrrp_set_effective_priority). */
export const PRIORITY_OWNER = 255;

/**
 * keepalived's rule for one tracked item:
 * - weight 0: fault when down (reverse: when up);
 * - weight > 0: add weight × multiplier while up; weight < 0: add weight × multiplier while down;
 * - track_file: weight 0 → any non-zero value is a fault; else value × weight × multiplier,
 *   clamped to -254..253, and -254 is a fault.
 */
export function contribution(item: TrackedItem, status: TrackStatus | undefined): Contribution {
  const m = item.reverse ? -1 : 1;
  if (status === undefined) return { fault: false, pending: false, delta: 0 };
  if (status.kind === 'file') {
    if (item.weight === 0) return { fault: status.value !== 0, pending: false, delta: 0 };
    const s = Math.max(-254, Math.min(253, status.value * item.weight * m));
    return s <= -254 ? { fault: true, pending: false, delta: 0 } : { fault: false, pending: false, delta: s };
  }
  if (status.up === null) return { fault: false, pending: item.weight === 0, delta: 0 };
  if (item.weight === 0) return { fault: status.up !== (m === 1), pending: false, delta: 0 };
  if (status.up) return { fault: false, pending: false, delta: item.weight > 0 ? item.weight * m : 0 };
  return { fault: false, pending: false, delta: item.weight < 0 ? item.weight * m : 0 };
}

/** Why an instance is down or its priority moved, for logs and dumps. */
export interface TrackReason {
  readonly kind: TrackKind;
  readonly name: string;
  readonly fault: boolean;
  readonly delta: number;
}

/** The tracking verdict for one instance. */
export interface EffectiveState {
  readonly fault: boolean;
  /** Waiting for the first result of a weight-0 script: do not start the instance yet. */
  readonly pending: boolean;
  /** Sum of deltas (0 for an address owner). */
  readonly priorityDelta: number;
  /** Base priority + delta clamped to 1..254; 255 stays 255. */
  readonly priority: number;
  readonly reasons: readonly TrackReason[];
}

/** Clamps base + delta as keepalived does: 1..254, owner (255) unaffected. */
export function effectivePriority(basePriority: number, delta: number): number {
  if (basePriority === PRIORITY_OWNER) return PRIORITY_OWNER;
  const total = basePriority + delta;
  return total < 1 ? 1 : total >= PRIORITY_OWNER ? PRIORITY_OWNER - 1 : total;
}

/** Key of a tracked object in a status map. */
export function trackKey(kind: TrackKind, name: string): string {
  return `${kind}:${name}`;
}

/** Computes an instance's fault, pending flag and priority from its items and the current statuses. */
export function computeEffective(
  basePriority: number,
  items: readonly TrackedItem[],
  statusOf: (kind: TrackKind, name: string) => TrackStatus | undefined,
): EffectiveState {
  let fault = false;
  let pending = false;
  let delta = 0;
  const reasons: TrackReason[] = [];
  for (const it of items) {
    const c = contribution(it, statusOf(it.kind, it.name));
    if (c.fault) fault = true;
    if (c.pending) pending = true;
    delta += c.delta;
    if (c.fault || c.delta !== 0) reasons.push({ kind: it.kind, name: it.name, fault: c.fault, delta: c.delta });
  }
  const owner = basePriority === PRIORITY_OWNER;
  const priorityDelta = owner ? 0 : delta;
  return { fault, pending: pending && !fault, priorityDelta, priority: effectivePriority(basePriority, priorityDelta), reasons };
}

function fromIf(t: TrackedInterface, zero: boolean): TrackedItem {
  return { kind: 'interface', name: t.name, weight: zero ? 0 : t.weight, reverse: t.reverse };
}

function fromRef(kind: TrackKind, t: TrackedRef, defWeight: number, defReverse: boolean, zero: boolean): TrackedItem {
  const weight = t.weight ?? defWeight;
  // A line without `weight` takes the tracker's own weight and reverse (keepalived alloc_track_*).
  const reverse = t.weight === null ? defReverse : t.reverse;
  return { kind, name: t.name, weight: zero ? 0 : weight, reverse };
}

interface TrackLists {
  readonly trackInterfaces: readonly TrackedInterface[];
  readonly trackScripts: readonly TrackedRef[];
  readonly trackFiles: readonly TrackedRef[];
  readonly trackProcesses: readonly TrackedRef[];
  readonly trackBfds: readonly TrackedRef[];
}

function listItems(cfg: VrrpConfig, l: TrackLists, zero: boolean): TrackedItem[] {
  const out: TrackedItem[] = [];
  for (const t of l.trackInterfaces) out.push(fromIf(t, zero));
  for (const t of l.trackScripts) {
    const s = cfg.scripts.find((x) => x.name === t.name);
    if (!s || !s.enabled || !s.script) continue; // keepalived: "track script %s not found, ignoring"
    out.push(fromRef('script', t, s.weight, s.weightReverse, zero));
  }
  for (const t of l.trackFiles) {
    const f = cfg.trackFiles.find((x) => x.name === t.name);
    if (!f || !f.enabled) continue;
    out.push(fromRef('file', t, f.weight, f.weightReverse, zero));
  }
  for (const t of l.trackProcesses) {
    const p = cfg.trackProcesses.find((x) => x.name === t.name);
    if (!p || !p.enabled) continue;
    out.push(fromRef('process', t, p.weight, p.weightReverse, zero));
  }
  for (const t of l.trackBfds) out.push(fromRef('bfd', t, 0, false, zero));
  return out;
}

/**
 * Every item an instance tracks: its own, plus its sync group's. In a sync group without
 * `sync_group_tracking_weight` (or the deprecated `global_tracking`) every weight is forced to
 * 0, so any failure faults the member and so the whole group (keepalived's sync group rule).
 * The instance's own interface comes first, weight 0, unless `dont_track_primary`; an object
 * listed twice keeps its first line.
 */
export function trackedItemsFor(cfg: VrrpConfig, inst: VrrpInstance): TrackedItem[] {
  const group: SyncGroup | undefined = inst.syncGroup ? cfg.syncGroups.find((g) => g.name === inst.syncGroup) : undefined;
  const zero = group !== undefined && !group.trackingWeight;
  const out: TrackedItem[] = [];
  const seen = new Set<string>();
  const add = (it: TrackedItem): void => {
    const k = trackKey(it.kind, it.name);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(it);
  };
  // The instance's own interface: down means FAULT unless dont_track_primary.
  if (inst.interface && !inst.dontTrackPrimary) add({ kind: 'interface', name: inst.interface, weight: 0, reverse: false });
  for (const it of listItems(cfg, inst, zero)) add(it);
  if (group) for (const it of listItems(cfg, group, zero)) add(it);
  return out;
}

/** keepalived's script result counter: OK iff result >= rise; the counter runs 0..rise+fall-1. */
export interface ScriptCounter {
  readonly rise: number;
  readonly fall: number;
  readonly result: number;
  /** No run has finished yet (keepalived SCRIPT_INIT_STATE_INIT); with init_fail the script starts failed instead. */
  readonly init: boolean;
}

/** The counter before the first run: "one success is enough" unless init_fail ("assume failed by config"). */
export function initialScriptCounter(rise: number, fall: number, initFail: boolean): ScriptCounter {
  const r = Math.max(1, rise);
  const f = Math.max(1, fall);
  return { rise: r, fall: f, result: initFail ? 0 : r - 1, init: !initFail };
}

/** Status of a script for {@link contribution}: null until the first run unless init_fail. */
export function scriptUp(c: ScriptCounter): boolean | null {
  return c.init ? null : c.result >= c.rise;
}

/**
 * One finished run (success, failure or timeout = failure): the next counter and whether the
 * script's status changed (keepalived vrrp_script_child_thread). `rise` successes in a row bring
 * a failed script up; `fall` failures in a row bring a good one down.
 */
export function stepScript(c: ScriptCounter, ok: boolean): { counter: ScriptCounter; changed: boolean } {
  const top = c.rise + c.fall - 1;
  const before = scriptUp(c);
  let result = c.result;
  if (ok) {
    if (result < c.rise - 1) result++;
    else result = top;
  } else if (result > c.rise) {
    result--;
  } else {
    result = 0;
  }
  const counter = { ...c, result, init: false };
  return { counter, changed: scriptUp(counter) !== before };
}

/** track_process quorum: quorum <= count <= quorum_max. */
export function processHasQuorum(count: number, quorum: number, quorumMax: number | null): boolean {
  return count >= quorum && count <= (quorumMax ?? Number.MAX_SAFE_INTEGER);
}

/** Parses a track_file's contents as keepalived does (strtol base 0, garbage → 0, clamped to ±254). */
export function parseTrackFileValue(text: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits.startsWith('0')) v = parseInt(digits, 8);
  else v = parseInt(digits, 10);
  if (!Number.isFinite(v)) v = 0;
  if (m[1] === '-') v = -v;
  return Math.max(-254, Math.min(254, v));
}
