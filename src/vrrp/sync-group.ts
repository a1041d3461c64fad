// Pure vrrp_sync_group decisions (keepalived 2.4.3 vrrp_sync.c): members move together; one group notify per group transition.
import type { VrrpStateName } from './fsm';

/** A sync group's state (keepalived vgroup->state). */
export type GroupState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** What the driver must do to another member. */
export interface SyncCommand {
  readonly instance: string;
  /** fault: leave master/backup for FAULT; backup: leave master (or fault) for BACKUP; master: become master now; faultCleared: leave FAULT. */
  readonly action: 'fault' | 'backup' | 'master' | 'faultCleared';
}

/** A sync group's view of its members. Immutable. */
export interface SyncGroupModel {
  readonly name: string;
  readonly members: readonly string[];
  readonly state: GroupState;
  /** Members whose own tracking says FAULT. */
  readonly faulted: ReadonlySet<string>;
  /** Members whose master-down timer fired and wait for the others (keepalived wantstate MASTER). */
  readonly wantMaster: ReadonlySet<string>;
  /** Members' current state-machine states. */
  readonly states: ReadonlyMap<string, VrrpStateName>;
}

/** Result of one decision. */
export interface SyncStep {
  readonly group: SyncGroupModel;
  readonly commands: readonly SyncCommand[];
  /** The group notification to send (notify_* of the group, GROUP FIFO line), at most one. */
  readonly notify: Exclude<GroupState, 'INIT'> | null;
}

/**
 * A group at startup: FAULT if a member starts faulted, MASTER if every member is an address
 * owner (priority 255) asking for MASTER, else BACKUP (keepalived vrrp_sync_set_group).
 */
export function createSyncGroup(name: string, members: readonly string[], opts: { owners?: ReadonlySet<string>; faulted?: ReadonlySet<string> } = {}): SyncGroupModel {
  const faulted = new Set([...(opts.faulted ?? [])].filter((m) => members.includes(m)));
  const allOwners = members.length > 0 && members.every((m) => opts.owners?.has(m) ?? false);
  const state: GroupState = faulted.size > 0 ? 'FAULT' : allOwners ? 'MASTER' : 'BACKUP';
  return { name, members: [...members], state, faulted, wantMaster: new Set(), states: new Map(members.map((m) => [m, 'init' as VrrpStateName])) };
}

function others(g: SyncGroupModel, member: string): string[] {
  return g.members.filter((m) => m !== member);
}

function withState(g: SyncGroupModel, member: string, s: VrrpStateName): Map<string, VrrpStateName> {
  const m = new Map(g.states);
  m.set(member, s);
  return m;
}

/**
 * A member's own tracking changed (fault on or off). A fault brings the whole group to FAULT
 * (keepalived vrrp_sync_fault: "Syncing instances to FAULT state"); the group leaves FAULT only
 * when no member is faulted any more, and then every member leaves FAULT together.
 */
export function syncTrackingChanged(g: SyncGroupModel, member: string, fault: boolean): SyncStep {
  if (!g.members.includes(member)) return { group: g, commands: [], notify: null };
  const faulted = new Set(g.faulted);
  if (fault) faulted.add(member);
  else faulted.delete(member);
  if (fault) {
    if (g.state === 'FAULT') return { group: { ...g, faulted }, commands: [], notify: null };
    const commands = g.members.filter((m) => g.states.get(m) !== 'fault').map((m) => ({ instance: m, action: 'fault' as const }));
    return { group: { ...g, faulted, state: 'FAULT', wantMaster: new Set() }, commands, notify: 'FAULT' };
  }
  if (g.state !== 'FAULT' || faulted.size > 0) return { group: { ...g, faulted }, commands: [], notify: null };
  const commands = g.members.map((m) => ({ instance: m, action: 'faultCleared' as const }));
  // Members come back as BACKUP (or an owner as MASTER, reported by its transition).
  return { group: { ...g, faulted, state: 'BACKUP' }, commands, notify: 'BACKUP' };
}

/**
 * A member's master-down timer fired: may it become master now? Only if the group is already
 * MASTER or every other member wants master too ("prefer backup state to avoid thrashing",
 * keepalived vrrp_sync_can_goto_master). When refused, the driver re-arms the member's
 * master-down timer and leaves it in BACKUP; it stays on the wanting list.
 */
export function syncMayBecomeMaster(g: SyncGroupModel, member: string): { group: SyncGroupModel; allowed: boolean } {
  const wantMaster = new Set(g.wantMaster);
  wantMaster.add(member);
  const group = { ...g, wantMaster };
  if (g.state === 'FAULT') return { group, allowed: false };
  if (g.state === 'MASTER') return { group, allowed: true };
  const allowed = others(g, member).every((m) => wantMaster.has(m) || g.states.get(m) === 'master');
  return { group, allowed };
}

/** A member heard a master again (its down timer was reset): it no longer wants master. */
export function syncMasterSeen(g: SyncGroupModel, member: string): SyncGroupModel {
  if (!g.wantMaster.has(member)) return g;
  const wantMaster = new Set(g.wantMaster);
  wantMaster.delete(member);
  return { ...g, wantMaster };
}

/**
 * A member's state machine changed state. keepalived vrrp_sync_master/backup/fault: when the
 * group is not already there, the other members are moved the same way and the group notify
 * is sent once.
 */
export function syncMemberTransition(g: SyncGroupModel, member: string, to: VrrpStateName): SyncStep {
  if (!g.members.includes(member)) return { group: g, commands: [], notify: null };
  const states = withState(g, member, to);
  const wantMaster = new Set(g.wantMaster);
  wantMaster.delete(member);
  const base: SyncGroupModel = { ...g, states, wantMaster };
  switch (to) {
    case 'master': {
      if (g.state === 'MASTER' || g.state === 'FAULT') return { group: base, commands: [], notify: null };
      const commands = others(g, member).filter((m) => states.get(m) !== 'master').map((m) => ({ instance: m, action: 'master' as const }));
      return { group: { ...base, state: 'MASTER', wantMaster: new Set() }, commands, notify: 'MASTER' };
    }
    case 'backup': {
      if (g.state === 'BACKUP') return { group: base, commands: [], notify: null };
      if (g.state === 'FAULT' && g.faulted.size > 0) return { group: base, commands: [], notify: null };
      const commands = others(g, member)
        .filter((m) => states.get(m) !== 'backup')
        .map((m) => ({ instance: m, action: (states.get(m) === 'fault' ? 'faultCleared' : 'backup') as SyncCommand['action'] }));
      return { group: { ...base, state: 'BACKUP' }, commands, notify: 'BACKUP' };
    }
    case 'fault': {
      if (g.state === 'FAULT') return { group: base, commands: [], notify: null };
      const commands = others(g, member).filter((m) => states.get(m) !== 'fault').map((m) => ({ instance: m, action: 'fault' as const }));
      return { group: { ...base, state: 'FAULT', wantMaster: new Set() }, commands, notify: 'FAULT' };
    }
    case 'init':
      return { group: base, commands: [], notify: null };
  }
}
