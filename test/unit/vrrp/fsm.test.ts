// VRRP state machine on an in-memory LAN with a fake clock: elections, failover timing, preemption, tie-break.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FakeLan } from '../../helpers/fake-lan';
import { parseIp } from '../../../src/net/ip';
import { InstanceConfig, VrrpAction, acceptsTraffic, initialState, step } from '../../../src/vrrp/fsm';
import { masterDownInterval, skewTime } from '../../../src/vrrp/timers';

const S = 1_000_000;
const addr = (s: string): Uint8Array => parseIp(s)!.bytes;

function cfg(over: Partial<InstanceConfig> & { primaryAddress: Uint8Array }): InstanceConfig {
  return {
    name: 'VI_1', version: 2, priority: 100, advertInterval: S, initialState: 'backup', nopreempt: false,
    preemptDelay: 0, accept: false, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, ...over,
  };
}

/** n1 prio 150 (`state MASTER`), n2 prio 100, as the lab's n1.conf / n2.conf. */
function pair(over1: Partial<InstanceConfig> = {}, over2: Partial<InstanceConfig> = {}): FakeLan {
  const lan = new FakeLan();
  lan.add('n1', cfg({ priority: 150, initialState: 'master', primaryAddress: addr('192.0.2.11'), ...over1 }));
  lan.add('n2', cfg({ priority: 100, primaryAddress: addr('192.0.2.12'), ...over2 }));
  return lan;
}

const MDI1 = masterDownInterval(2, 150, S); // 3 s + 414062 µs
const MDI2 = masterDownInterval(2, 100, S); // 3609375 µs

function lastAdvertFrom(lan: FakeLan, name: string, before = Infinity): number {
  const l = lan.wire.filter((w) => w.from === name && w.at <= before);
  return l[l.length - 1]!.at;
}

test('election: state MASTER with priority < 255 starts in BACKUP and wins at its Master_Down_Interval', () => {
  const lan = pair();
  lan.startAll();
  assert.equal(lan.node('n1').state.state, 'backup');
  assert.deepEqual(lan.node('n1').transitions.map((t) => [t.from, t.to, t.reason]), [['init', 'backup', 'startup']]);
  lan.clock.advanceTo(MDI1 - 1);
  assert.deepEqual(lan.masters(), []);
  lan.clock.advanceTo(MDI1);
  assert.deepEqual(lan.masters(), ['n1']);
  assert.equal(lan.wire[0]!.at, MDI1);
  lan.clock.advanceBy(30 * S);
  assert.deepEqual(lan.masters(), ['n1']);
  assert.equal(lan.node('n2').transitions.length, 1);
  assert.ok(lan.node('n1').state.vipsSet && !lan.node('n2').state.vipsSet);
});

test('priority 255 (address owner) goes MASTER at once', () => {
  const lan = pair({ priority: 255 });
  lan.startAll();
  assert.deepEqual(lan.masters(), ['n1']);
  assert.equal(lan.node('n1').transitions[0]!.reason, 'startup-owner');
  assert.equal(lan.wire[0]!.at, 0);
});

test('master failure: the backup takes over exactly Master_Down_Interval after the last advert', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(10.3 * S);
  const last = lastAdvertFrom(lan, 'n1');
  lan.kill('n1');
  lan.clock.advanceTo(last + MDI2 - 1);
  assert.equal(lan.node('n2').state.state, 'backup');
  lan.clock.advanceTo(last + MDI2);
  assert.equal(lan.node('n2').state.state, 'master');
  assert.equal(lastAdvertFrom(lan, 'n2') - last, 3_609_375); // lab: 3609.5 ms
  assert.equal(lan.node('n2').transitions.at(-1)!.reason, 'master-down-timer');
});

test('shutdown sends priority 0 and the backup takes over after Skew_Time', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(8.7 * S);
  const t = lan.clock.now();
  lan.send('n1', { type: 'shutdown' });
  assert.deepEqual(lan.wire.at(-1), { from: 'n1', priority: 0, at: t });
  assert.equal(lan.node('n1').state.state, 'init');
  assert.ok(!lan.node('n1').state.vipsSet);
  lan.clock.advanceTo(t + skewTime(2, 100, S) - 1);
  assert.equal(lan.node('n2').state.state, 'backup');
  lan.clock.advanceTo(t + 609_375); // lab: 609.6 ms
  assert.equal(lan.node('n2').state.state, 'master');
});

test('v3 at 0.1 s: failover at 360937 µs after the last advert and 60937 µs after priority 0', () => {
  const lan = pair({ version: 3, advertInterval: 100_000 }, { version: 3, advertInterval: 100_000 });
  lan.startAll();
  lan.clock.advanceTo(2 * S + 3);
  const last = lastAdvertFrom(lan, 'n1');
  lan.kill('n1');
  lan.clock.advanceTo(last + 360_937);
  assert.equal(lan.node('n2').state.state, 'master');
  assert.equal(lastAdvertFrom(lan, 'n2') - last, 360_937); // lab: 361.1 ms
  const lan2 = pair({ version: 3, advertInterval: 100_000 }, { version: 3, advertInterval: 100_000 });
  lan2.startAll();
  lan2.clock.advanceTo(2 * S);
  lan2.send('n1', { type: 'shutdown' });
  lan2.clock.advanceTo(2 * S + 60_936);
  assert.equal(lan2.node('n2').state.state, 'backup');
  lan2.clock.advanceTo(2 * S + 60_937); // lab: 61.1 ms
  assert.equal(lan2.node('n2').state.state, 'master');
});

test('v3 backup learns the master\'s advert interval (RFC 5798 §6.4.2)', () => {
  const lan = pair({ version: 3, advertInterval: S }, { version: 3, advertInterval: 100_000 });
  lan.startAll();
  lan.clock.advanceTo(MDI1 + 5 * S);
  assert.equal(lan.node('n2').state.masterAdverInterval, S);
  const last = lastAdvertFrom(lan, 'n1');
  lan.kill('n1');
  lan.clock.advanceTo(last + masterDownInterval(3, 100, S) - 1);
  assert.equal(lan.node('n2').state.state, 'backup');
  lan.clock.advanceTo(last + masterDownInterval(3, 100, S));
  assert.equal(lan.node('n2').state.state, 'master');
  // as master it goes back to its own interval
  assert.equal(lan.node('n2').state.masterAdverInterval, 100_000);
});

test('preemption: the higher priority comes back and takes over one Master_Down_Interval later', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(5 * S);
  lan.send('n1', { type: 'fault' });
  lan.clock.advanceTo(10 * S);
  assert.deepEqual(lan.masters(), ['n2']);
  const back = lan.clock.now();
  lan.send('n1', { type: 'faultCleared' });
  lan.clock.advanceTo(back + MDI1 - 1);
  assert.deepEqual(lan.masters(), ['n2']);
  lan.clock.advanceTo(back + MDI1);
  assert.deepEqual(lan.masters(), ['n1']);
  assert.deepEqual(lan.node('n2').transitions.at(-1)!.reason, 'higher-priority-advert');
});

test('nopreempt: the higher priority stays BACKUP while a lower master runs', () => {
  const lan = pair({ nopreempt: true, initialState: 'backup' });
  lan.startAll();
  lan.clock.advanceTo(5 * S);
  lan.send('n1', { type: 'fault' });
  lan.clock.advanceTo(10 * S);
  lan.send('n1', { type: 'faultCleared' });
  lan.clock.advanceTo(60 * S);
  assert.deepEqual(lan.masters(), ['n2']);
  assert.equal(lan.node('n1').state.state, 'backup');
});

test('preempt_delay: lower-priority adverts are tolerated for the delay, then the master-down timer runs', () => {
  const lan = pair({ preemptDelay: 10 * S });
  lan.startAll();
  lan.clock.advanceTo(5 * S);
  lan.send('n1', { type: 'fault' });
  lan.clock.advanceTo(10 * S);
  const back = lan.clock.now();
  lan.send('n1', { type: 'faultCleared' });
  lan.clock.advanceTo(back + 10 * S);
  assert.deepEqual(lan.masters(), ['n2']);
  const lastAccepted = lastAdvertFrom(lan, 'n2', back + 10 * S - 1);
  lan.clock.advanceTo(lastAccepted + MDI1 - 1);
  assert.deepEqual(lan.masters(), ['n2']);
  lan.clock.advanceTo(lastAccepted + MDI1);
  assert.deepEqual(lan.masters(), ['n1']);
});

test('equal priority: the higher primary address wins and there is no flapping (RFC 5798 §6.4.3)', () => {
  const lan = new FakeLan();
  lan.add('a', cfg({ primaryAddress: addr('192.0.2.20') }));
  lan.add('b', cfg({ primaryAddress: addr('192.0.2.30') }));
  lan.add('c', cfg({ primaryAddress: addr('192.0.2.10') }));
  lan.startAll();
  lan.clock.advanceTo(MDI2 + 1);
  assert.deepEqual(lan.masters(), ['b']);
  const counts = [...lan.nodes.values()].map((n) => n.transitions.length);
  lan.clock.advanceBy(60 * S);
  assert.deepEqual(lan.masters(), ['b']);
  assert.deepEqual([...lan.nodes.values()].map((n) => n.transitions.length), counts);
  assert.ok(lan.node('a').transitions.some((t) => t.reason === 'equal-priority-higher-address') || lan.node('a').state.state === 'backup');
});

test('equal priority with a lower address as master: it keeps mastership and answers (RFC 9568)', () => {
  const c = cfg({ primaryAddress: addr('192.0.2.30') });
  let s = initialState(c);
  s = step(s, { type: 'startup' }, 0).state;
  s = step(s, { type: 'timer', timer: 'masterDown' }, MDI2).state;
  assert.equal(s.state, 'master');
  const r = step(s, { type: 'advert', priority: 100, maxAdverInt: 1, src: addr('192.0.2.10') }, MDI2 + 10);
  assert.equal(r.state.state, 'master');
  assert.deepEqual(r.actions[0], { type: 'sendAdvert', priority: 100 });
});

function masterOf(c: InstanceConfig): ReturnType<typeof initialState> {
  let s = step(initialState(c), { type: 'startup' }, 0).state;
  s = step(s, { type: 'timer', timer: 'masterDown' }, 4 * S).state;
  assert.equal(s.state, 'master');
  return s;
}
const types = (a: readonly VrrpAction[]): string[] => a.map((x) => x.type);

test('master hearing a lower priority: immediate advert (RFC 9568), or none with lower_prio_no_advert', () => {
  const lower = { type: 'advert', priority: 50, maxAdverInt: 1, src: addr('192.0.2.99') } as const;
  const r1 = step(masterOf(cfg({ primaryAddress: addr('192.0.2.11') })), lower, 5 * S);
  // keepalived resets the advert timer after answering ("If we have sent an advert, reset the timer").
  assert.deepEqual(types(r1.actions), ['sendAdvert', 'masterRxLowerPriority', 'armTimer']);
  assert.equal(r1.state.timers.advert, 6 * S);
  const r2 = step(masterOf(cfg({ primaryAddress: addr('192.0.2.11'), lowerPrioNoAdvert: true })), lower, 5 * S);
  assert.deepEqual(types(r2.actions), ['masterRxLowerPriority']);
  assert.equal(r2.state.timers.advert, 5 * S);
});

test('master hearing a higher priority: yields; higher_prio_send_advert sends one advert first', () => {
  const higher = { type: 'advert', priority: 200, maxAdverInt: 1, src: addr('192.0.2.1') } as const;
  const r1 = step(masterOf(cfg({ primaryAddress: addr('192.0.2.11') })), higher, 5 * S);
  assert.equal(r1.state.state, 'backup');
  assert.ok(!types(r1.actions).includes('sendAdvert'));
  assert.ok(types(r1.actions).includes('removeVips'));
  assert.equal(r1.state.timers.masterDown, 5 * S + masterDownInterval(2, 100, S));
  const r2 = step(masterOf(cfg({ primaryAddress: addr('192.0.2.11'), higherPrioSendAdvert: true })), higher, 5 * S);
  assert.equal(r2.actions[0]!.type, 'sendAdvert');
  assert.equal(r2.state.state, 'backup');
});

test('master hearing priority 0 sends an advert and resets its advert timer', () => {
  const r = step(masterOf(cfg({ primaryAddress: addr('192.0.2.11') })), { type: 'advert', priority: 0, maxAdverInt: 1, src: addr('192.0.2.1') }, 4.5 * S);
  assert.deepEqual(r.actions, [{ type: 'sendAdvert', priority: 100 }, { type: 'armTimer', timer: 'advert', at: 5.5 * S }]);
});

test('becoming master: advert, VIPs, GARP burst, then garp_master_delay and garp_master_refresh', () => {
  const c = cfg({ primaryAddress: addr('192.0.2.11'), garp: { masterDelay: 5 * S, masterRepeat: 5, masterRefresh: 60 * S, masterRefreshRepeat: 2, lowerPrioRepeat: 0 } });
  let s = step(initialState(c), { type: 'startup' }, 0).state;
  const r = step(s, { type: 'timer', timer: 'masterDown' }, MDI2);
  assert.deepEqual(types(r.actions).filter((t) => t !== 'cancelTimer'), ['notify', 'sendAdvert', 'addVips', 'sendGratuitous', 'armTimer', 'armTimer', 'armTimer']);
  s = r.state;
  assert.equal(s.timers.garpDelay, MDI2 + 5 * S);
  assert.equal(s.timers.garpRefresh, MDI2 + 60 * S);
  const g = step(s, { type: 'timer', timer: 'garpDelay' }, MDI2 + 5 * S);
  assert.deepEqual(g.actions, [{ type: 'sendGratuitous', repeat: 5 }]);
  const f = step(g.state, { type: 'timer', timer: 'garpRefresh' }, MDI2 + 60 * S);
  assert.deepEqual(f.actions, [{ type: 'sendGratuitous', repeat: 2 }, { type: 'armTimer', timer: 'garpRefresh', at: MDI2 + 120 * S }]);
});

test('a timer that is not armed is ignored; a v2 advert with another interval is discarded', () => {
  const s = step(initialState(cfg({ primaryAddress: addr('192.0.2.11') })), { type: 'startup' }, 0).state;
  assert.deepEqual(step(s, { type: 'timer', timer: 'advert' }, 1).actions, []);
  const r = step(s, { type: 'advert', priority: 200, maxAdverInt: 2, src: addr('192.0.2.1') }, 1);
  assert.deepEqual(r.actions, [{ type: 'discard', reason: 'interval-mismatch' }]);
  assert.equal(r.state.timers.masterDown, s.timers.masterDown);
});

test('fault from master: priority 0 advert, VIPs removed, timers cancelled; accept flag exposed', () => {
  const m = masterOf(cfg({ primaryAddress: addr('192.0.2.11'), accept: true }));
  assert.ok(acceptsTraffic(m));
  assert.ok(!acceptsTraffic(masterOf(cfg({ primaryAddress: addr('192.0.2.11') }))));
  const r = step(m, { type: 'fault' }, 5 * S);
  assert.equal(r.state.state, 'fault');
  assert.deepEqual(r.actions[0], { type: 'sendAdvert', priority: 0 });
  assert.ok(types(r.actions).includes('removeVips'));
  assert.deepEqual(Object.values(r.state.timers), [null, null, null, null, null]);
  assert.ok(!acceptsTraffic(r.state));
  const n = r.actions.find((a) => a.type === 'notify');
  assert.deepEqual(n, { type: 'notify', transition: { from: 'master', to: 'fault', reason: 'fault', at: 5 * S } });
  assert.deepEqual(r.state.lastTransition, n && n.type === 'notify' ? n.transition : null);
});

test('priority change is used in the next advert and Master_Down_Interval', () => {
  const m = masterOf(cfg({ primaryAddress: addr('192.0.2.11') }));
  const r = step(m, { type: 'priorityChanged', priority: 80 }, 4.2 * S);
  assert.deepEqual(r.actions, []);
  assert.deepEqual(step(r.state, { type: 'timer', timer: 'advert' }, 5 * S).actions[0], { type: 'sendAdvert', priority: 80 });
});

test('advert_int changed by a reload: the state is kept, timers restart on the new interval (v3 backup keeps the learned one)', () => {
  const c2 = cfg({ version: 3, priority: 150, initialState: 'master', primaryAddress: addr('192.0.2.11') });
  let r = step(initialState(c2), { type: 'startup' }, 0);
  r = step(r.state, { type: 'timer', timer: 'masterDown' }, r.state.timers.masterDown!);
  assert.equal(r.state.state, 'master');
  const t0 = 10 * S;
  const faster = { ...c2, advertInterval: S / 10 };
  r = step({ ...r.state, config: faster }, { type: 'intervalChanged' }, t0);
  assert.equal(r.state.state, 'master');
  assert.equal(r.state.masterAdverInterval, S / 10);
  assert.equal(r.state.timers.advert, t0 + S / 10);
  assert.deepEqual(r.actions, [{ type: 'armTimer', timer: 'advert', at: t0 + S / 10 }], 'no transition, no extra advert');
  // A v3 backup that heard a master at 1 s keeps that interval for its down timer.
  const b = cfg({ version: 3, priority: 100, primaryAddress: addr('192.0.2.12') });
  let s = step(initialState(b), { type: 'startup' }, 0);
  s = step(s.state, { type: 'advert', priority: 150, maxAdverInt: 100, src: addr('192.0.2.11') }, S);
  s = step({ ...s.state, config: { ...b, advertInterval: S / 10 } }, { type: 'intervalChanged' }, 2 * S);
  assert.equal(s.state.state, 'backup');
  assert.equal(s.state.masterAdverInterval, S);
  assert.equal(s.state.timers.masterDown, 2 * S + masterDownInterval(3, 100, S));
  // v2: the backup's own interval is the master's (they must match), so the down timer follows it.
  const b2 = cfg({ priority: 100, primaryAddress: addr('192.0.2.12') });
  let v = step(initialState(b2), { type: 'startup' }, 0);
  v = step({ ...v.state, config: { ...b2, advertInterval: 2 * S } }, { type: 'intervalChanged' }, S);
  assert.equal(v.state.masterAdverInterval, 2 * S);
  assert.equal(v.state.timers.masterDown, S + masterDownInterval(2, 100, 2 * S));
});
