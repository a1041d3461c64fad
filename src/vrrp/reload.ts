// Pure reload diff for VRRP: old vs new vrrp_instances -> which keep running untouched, change in place, restart, start or stop, and which VIPs move.
import type { VrrpConfig, VrrpInstance } from '../config/model/vrrp';
import { formatIp } from '../net/ip';

/**
 * Fields of a vrrp_instance a running instance can take over without leaving its state: the
 * state machine keeps its state and timers, VIPs are added or removed only where they differ.
 * Any other field (interface, VRID, family, version, unicast peers, auth, VMAC, ...) changes what
 * goes on the wire or where, so that instance restarts (keepalived too matches old and new
 * instances by VRID, family and interface). advert_int changes in place, timers restarted on it.
 */
export const IN_PLACE_FIELDS: ReadonlySet<string> = new Set([
  'loc', 'interfaceLoc', 'configured', 'state', 'wantState', 'priority', 'advertIntUs', 'nopreempt', 'preemptDelayUs',
  'vips', 'excludedVips', 'noVirtualIpaddress', 'routes', 'rules', 'promoteSecondaries',
  'trackInterfaces', 'trackScripts', 'trackFiles', 'trackProcesses', 'trackBfds',
  'notify', 'notifyPriorityChanges', 'smtpAlert', 'garp', 'garpExtraIf', 'lowerPrioNoAdvert', 'higherPrioSendAdvert', 'ownerIgnoreAdverts',
  'accept', 'syncGroup', 'debug', 'skipCheckAdvAddr', 'downTimerAdverts', 'timerExpiredBackup', 'strict', 'linkbeatUsePolling',
]);

/** A canonical JSON text of a model value without source locations (equal text = same configuration). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => {
    if (k === 'loc' || k === 'interfaceLoc' || k === 'userLoc') return undefined;
    if (x instanceof Uint8Array) return Array.from(x);
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Set) return [...(x as Set<unknown>)];
    if (x instanceof Map) return [...(x as Map<unknown, unknown>)];
    return x;
  });
}

/** An instance whose configuration changed, and how it must be applied. */
export interface ChangedInstance {
  readonly name: string;
  /** The fields that differ (model names). */
  readonly fields: readonly string[];
  /** true: stop and start again; false: update the running instance in place. */
  readonly restart: boolean;
}

/** A VIP leaving one instance for another in the same reload. */
export interface VipMove {
  readonly address: string;
  readonly from: string;
  readonly to: string;
}

/** What a reload does to the VRRP instances. */
export interface ReloadPlan {
  readonly unchanged: readonly string[];
  readonly changed: readonly ChangedInstance[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /**
   * VIPs that leave one instance for another. The driver removes every VIP that leaves an instance
   * before it adds any VIP to another, so a move takes one reload (keepalived's man page warns
   * that it may take two).
   */
  readonly vipMoves: readonly VipMove[];
}

/** The names of the fields that differ between two versions of an instance. */
export function changedFields(a: VrrpInstance, b: VrrpInstance): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const k of keys) {
    if (k === 'loc' || k === 'interfaceLoc' || k === 'configured') continue;
    if (canonical(ra[k]) !== canonical(rb[k])) out.push(k);
  }
  return out.sort();
}

/** Address keys of the VIPs an instance installs (virtual_ipaddress and virtual_ipaddress_excluded). */
export function vipKeys(i: VrrpInstance): string[] {
  return [...i.vips, ...i.excludedVips].map((v) => `${formatIp(v.address.bytes)}/${v.address.prefixLen}`);
}

/** Compares two configurations' instances. Pure. */
export function planReload(oldInstances: readonly VrrpInstance[], newInstances: readonly VrrpInstance[]): ReloadPlan {
  const before = new Map(oldInstances.map((i) => [i.name, i]));
  const after = new Map(newInstances.map((i) => [i.name, i]));
  const unchanged: string[] = [];
  const changed: ChangedInstance[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [name, o] of before) {
    const n = after.get(name);
    if (!n) {
      removed.push(name);
      continue;
    }
    const fields = changedFields(o, n);
    if (fields.length === 0) unchanged.push(name);
    else changed.push({ name, fields, restart: fields.some((f) => !IN_PLACE_FIELDS.has(f)) });
  }
  for (const name of after.keys()) if (!before.has(name)) added.push(name);

  const lost = new Map<string, string>();
  for (const [name, o] of before) {
    const n = after.get(name);
    const keep = new Set(n ? vipKeys(n) : []);
    for (const k of vipKeys(o)) if (!keep.has(k)) lost.set(k, name);
  }
  const vipMoves: VipMove[] = [];
  for (const [name, n] of after) {
    const had = new Set(before.has(name) ? vipKeys(before.get(name)!) : []);
    for (const k of vipKeys(n)) {
      const from = lost.get(k);
      if (!had.has(k) && from !== undefined && from !== name) vipMoves.push({ address: k, from, to: name });
    }
  }
  return { unchanged, changed, added, removed, vipMoves };
}

/**
 * The parts of the VRRP configuration the Tracker is built from: when a reload leaves this text
 * unchanged, the running Tracker (its scripts' rise/fall counters included) is kept.
 */
export function trackingFingerprint(cfg: VrrpConfig): string {
  return canonical({
    scripts: cfg.scripts, files: cfg.trackFiles, processes: cfg.trackProcesses,
    groups: cfg.syncGroups.map((g) => [g.name, g.members, g.trackInterfaces, g.trackScripts, g.trackFiles, g.trackProcesses, g.trackBfds, g.trackingWeight]),
    instances: cfg.instances.map((i) => [i.name, i.interface, i.dontTrackPrimary, i.syncGroup, i.trackInterfaces, i.trackScripts, i.trackFiles, i.trackProcesses, i.trackBfds]),
  });
}

/** The sync-group part of the configuration (membership and group notify). */
export function syncGroupFingerprint(cfg: VrrpConfig): string {
  return canonical(cfg.syncGroups.map((g) => [g.name, g.members.map((m) => m.name)]));
}
