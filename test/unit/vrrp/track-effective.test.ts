// Unit tests of keepalived's tracking rules: weights, reverse, fault, clamping, owner, sync-group weights, rise/fall, file values, process matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeEffective, contribution, effectivePriority, initialScriptCounter, parseTrackFileValue, processHasQuorum,
  scriptUp, stepScript, trackedItemsFor, type TrackStatus, type TrackedItem,
} from '../../../src/vrrp/track/effective';
import { processMatches, stepQuorum, type ProcInfo } from '../../../src/vrrp/track/track-process';
import { emptyVrrpConfig, newVrrpInstance, type SyncGroup, type VrrpScript } from '../../../src/config/model/vrrp';
import { emptyNotify } from '../../../src/config/model/vrrp';

const loc = { file: 't.conf', line: 1, col: 1 };
const up = (v: boolean | null): TrackStatus => ({ kind: 'script', up: v });
const item = (weight: number, reverse = false, kind: TrackedItem['kind'] = 'script'): TrackedItem => ({ kind, name: 'x', weight, reverse });

test('weight 0: failure is a fault; reverse faults when up', () => {
  assert.deepEqual(contribution(item(0), up(false)), { fault: true, pending: false, delta: 0 });
  assert.deepEqual(contribution(item(0), up(true)), { fault: false, pending: false, delta: 0 });
  assert.equal(contribution(item(0, true), up(true)).fault, true);
  assert.equal(contribution(item(0, true), up(false)).fault, false);
});

test('positive weight is added while up, negative subtracted while down', () => {
  assert.equal(contribution(item(10), up(true)).delta, 10);
  assert.equal(contribution(item(10), up(false)).delta, 0);
  assert.equal(contribution(item(-20), up(true)).delta, 0);
  assert.equal(contribution(item(-20), up(false)).delta, -20);
});

test('reverse flips the direction', () => {
  assert.equal(contribution(item(10, true), up(true)).delta, -10);
  assert.equal(contribution(item(10, true), up(false)).delta, 0);
  assert.equal(contribution(item(-20, true), up(false)).delta, 20);
  assert.equal(contribution(item(-20, true), up(true)).delta, 0);
});

test('a script with no result yet: weight 0 holds the instance (pending), weighted adds nothing', () => {
  assert.deepEqual(contribution(item(0), up(null)), { fault: false, pending: true, delta: 0 });
  assert.deepEqual(contribution(item(5), up(null)), { fault: false, pending: false, delta: 0 });
});

test('track_file: value × weight, clamped; -254 is a fault; weight 0 faults on non-zero', () => {
  const f = (v: number): TrackStatus => ({ kind: 'file', value: v });
  assert.equal(contribution(item(2, false, 'file'), f(7)).delta, 14);
  assert.equal(contribution(item(-1, false, 'file'), f(30)).delta, -30);
  assert.equal(contribution(item(3, false, 'file'), f(200)).delta, 253);
  assert.equal(contribution(item(-1, false, 'file'), f(254)).fault, true);
  assert.equal(contribution(item(2, true, 'file'), f(5)).delta, -10);
  assert.equal(contribution(item(0, false, 'file'), f(1)).fault, true);
  assert.equal(contribution(item(0, false, 'file'), f(0)).fault, false);
});

test('effective priority is clamped to 1..254 and an owner is never changed', () => {
  assert.equal(effectivePriority(100, 200), 254);
  assert.equal(effectivePriority(100, -150), 1);
  assert.equal(effectivePriority(255, -50), 255);
  const items = [item(-60), { ...item(30), name: 'y' }];
  const st = (k: string, n: string): TrackStatus | undefined => (n === 'x' ? up(false) : up(true));
  const e = computeEffective(100, items, st);
  assert.equal(e.priorityDelta, -30);
  assert.equal(e.priority, 70);
  assert.equal(e.fault, false);
  assert.deepEqual(e.reasons.map((r) => [r.name, r.delta]), [['x', -60], ['y', 30]]);
  const owner = computeEffective(255, items, st);
  assert.equal(owner.priority, 255);
  assert.equal(owner.priorityDelta, 0);
});

function script(name: string, weight: number): VrrpScript {
  return {
    loc, name, script: { loc, command: '/bin/true', check: { ok: true, argv: ['/bin/true'], uid: null, gid: null } },
    user: null, userLoc: null, intervalUs: 1_000_000, timeoutUs: 1_000_000, timeoutConfigured: null,
    weight, weightReverse: false, rise: 1, fall: 1, initFail: false, enabled: true,
  };
}

test('trackedItemsFor: primary interface, script default weights, sync group forces weight 0 without tracking weight', () => {
  const cfg = emptyVrrpConfig();
  cfg.scripts.push(script('chk', -20), script('grp', 7));
  const a = newVrrpInstance('VI_1', loc);
  a.interface = 'eth0';
  a.trackScripts.push({ loc, name: 'chk', weight: null, reverse: false }, { loc, name: 'missing', weight: null, reverse: false });
  a.trackInterfaces.push({ loc, name: 'eth1', weight: 5, reverse: true });
  cfg.instances.push(a);
  assert.deepEqual(trackedItemsFor(cfg, a), [
    { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
    { kind: 'interface', name: 'eth1', weight: 5, reverse: true },
    { kind: 'script', name: 'chk', weight: -20, reverse: false },
  ]);
  a.dontTrackPrimary = true;
  const g: SyncGroup = {
    loc, name: 'G1', members: [{ loc, name: 'VI_1' }], trackInterfaces: [], trackScripts: [{ loc, name: 'grp', weight: null, reverse: false }],
    trackFiles: [], trackProcesses: [], trackBfds: [], notify: emptyNotify(), smtpAlert: null, trackingWeight: false, notifyPriorityChanges: null,
  };
  cfg.syncGroups.push(g);
  a.syncGroup = 'G1';
  assert.deepEqual(trackedItemsFor(cfg, a).map((i) => [i.name, i.weight]), [['eth1', 0], ['chk', 0], ['grp', 0]]);
  g.trackingWeight = true;
  assert.deepEqual(trackedItemsFor(cfg, a).map((i) => [i.name, i.weight]), [['eth1', 5], ['chk', -20], ['grp', 7]]);
});

test('rise/fall: one success is enough at first; then fall failures to go down and rise successes to come up', () => {
  let c = initialScriptCounter(3, 2, false);
  assert.equal(scriptUp(c), null);
  let r = stepScript(c, true);
  assert.equal(scriptUp(r.counter), true);
  assert.equal(r.changed, true);
  c = r.counter;
  r = stepScript(c, false);
  assert.equal(scriptUp(r.counter), true, 'one failure of fall=2 keeps it up');
  r = stepScript(r.counter, false);
  assert.equal(scriptUp(r.counter), false);
  assert.equal(r.changed, true);
  c = r.counter;
  for (let i = 0; i < 2; i++) {
    r = stepScript(c, true);
    assert.equal(scriptUp(r.counter), false, `success ${i + 1} of rise=3`);
    c = r.counter;
  }
  r = stepScript(c, true);
  assert.equal(scriptUp(r.counter), true);
  // A failure in between resets the rise count.
  c = stepScript(stepScript(stepScript(r.counter, false).counter, false).counter, true).counter;
  c = stepScript(c, false).counter;
  assert.equal(c.result, 0);
});

test('rise/fall: the first run failing marks the script down at once; init_fail starts down and needs rise successes', () => {
  assert.equal(scriptUp(stepScript(initialScriptCounter(3, 3, false), false).counter), false);
  let c = initialScriptCounter(2, 1, true);
  assert.equal(scriptUp(c), false);
  c = stepScript(c, true).counter;
  assert.equal(scriptUp(c), false);
  c = stepScript(c, true).counter;
  assert.equal(scriptUp(c), true);
});

test('track_file values parse like strtol(…, 0) and clamp to ±254', () => {
  assert.equal(parseTrackFileValue('12\n'), 12);
  assert.equal(parseTrackFileValue('  -7 trailing'), -7);
  assert.equal(parseTrackFileValue('0x10'), 16);
  assert.equal(parseTrackFileValue('010'), 8);
  assert.equal(parseTrackFileValue('junk'), 0);
  assert.equal(parseTrackFileValue(''), 0);
  assert.equal(parseTrackFileValue('100000'), 254);
  assert.equal(parseTrackFileValue('-999'), -254);
});

test('process quorum, name and parameter matching', () => {
  assert.equal(processHasQuorum(2, 2, null), true);
  assert.equal(processHasQuorum(1, 2, null), false);
  assert.equal(processHasQuorum(4, 1, 3), false);
  const p: ProcInfo = { pid: 10, comm: 'nginx-worker-pr', cmdline: ['/usr/sbin/nginx', '-g', 'daemon off;'] };
  const base = { process: 'nginx-worker-process', params: [] as string[], paramMatch: 'exact' as const, fullCommand: false };
  assert.equal(processMatches(base, p), true, 'comm is cut to 15 characters');
  assert.equal(processMatches({ ...base, process: '/usr/sbin/nginx', fullCommand: true }, p), true);
  assert.equal(processMatches({ ...base, params: ['-g'] }, p), false, 'exact needs all parameters');
  assert.equal(processMatches({ ...base, params: ['-g'], paramMatch: 'initial' }, p), true);
  assert.equal(processMatches({ ...base, params: ['-g', 'daemon'], paramMatch: 'initial' }, p), false);
  assert.equal(processMatches({ ...base, params: ['-g', 'daemon'], paramMatch: 'partial' }, p), true);
  assert.equal(processMatches({ ...base, params: ['-g', 'daemon off;'] }, p), true);
});

test('process quorum changes wait for fork_delay / terminate_delay and cancel if reversed', () => {
  let s = { up: true, pending: null } as Parameters<typeof stepQuorum>[0];
  let r = stepQuorum(s, false, 1000, 500, 2000);
  assert.equal(r.changed, false);
  s = r.state;
  r = stepQuorum(s, false, 2999, 500, 2000);
  assert.equal(r.changed, false);
  r = stepQuorum(r.state, false, 3000, 500, 2000);
  assert.equal(r.changed, true);
  assert.equal(r.state.up, false);
  r = stepQuorum(r.state, true, 4000, 500, 2000);
  r = stepQuorum(r.state, false, 4100, 500, 2000);
  assert.equal(r.state.pending, null, 'quorum lost again before fork_delay: nothing pending');
  assert.equal(r.state.up, false);
  r = stepQuorum(r.state, true, 5000, 0, 0);
  assert.equal(r.changed, true, 'no delay: at once');
});
