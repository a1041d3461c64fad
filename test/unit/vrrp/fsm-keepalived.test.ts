// keepalived 2.4.3 behaviours of the VRRP state machine on the fake LAN: sync-group forced transitions,
// priority changes, two owners, owner_ignore_adverts, garp_lower_prio_*, the advert address-list check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FakeLan } from '../../helpers/fake-lan';
import { parseIp } from '../../../src/net/ip';
import { InstanceConfig, VrrpState, initialState, step } from '../../../src/vrrp/fsm';
import { masterDownInterval } from '../../../src/vrrp/timers';

const S = 1_000_000;
const addr = (s: string): Uint8Array => parseIp(s)!.bytes;
const A1 = addr('192.0.2.11');
const A2 = addr('192.0.2.12');

function cfg(over: Partial<InstanceConfig> & { primaryAddress: Uint8Array }): InstanceConfig {
  return {
    name: 'VI_1', version: 2, priority: 100, advertInterval: S, initialState: 'backup', nopreempt: false,
    preemptDelay: 0, accept: false, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, ...over,
  };
}

/** n1 prio 150, n2 prio 100; n1 is MASTER from MDI1 on. */
function pair(over1: Partial<InstanceConfig> = {}, over2: Partial<InstanceConfig> = {}, vips2?: string[]): FakeLan {
  const lan = new FakeLan();
  lan.add('n1', cfg({ priority: 150, primaryAddress: A1, ...over1 }));
  lan.add('n2', cfg({ priority: 100, primaryAddress: A2, ...over2 }), vips2);
  return lan;
}
const MDI1 = masterDownInterval(2, 150, S);
const MDI2 = masterDownInterval(2, 100, S);

function lastAdvert(lan: FakeLan, from: string, before = Infinity): { at: number; priority: number } {
  const l = lan.wire.filter((w) => w.from === from && w.at <= before);
  return l[l.length - 1]!;
}

function backupOf(c: InstanceConfig, at = 0): VrrpState {
  return step(initialState(c), { type: 'startup' }, at).state;
}

test('syncBackup: a MASTER member leaves without a priority-0 advert, drops VIPs and arms Master_Down_Interval', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(6.9 * S); // n1's last advert at 6.414 s: n2 takes over before n1 could preempt back
  const t = lan.clock.now();
  const lastN1 = lastAdvert(lan, 'n1').at;
  const n1 = lan.node('n1');
  const before = n1.actions.length;
  lan.send('n1', { type: 'syncBackup' });
  const acts = n1.actions.slice(before).map((a) => a.action);
  assert.ok(!acts.some((a) => a.type === 'sendAdvert'), 'keepalived vrrp_sync_backup sends no priority 0');
  assert.deepEqual(acts.filter((a) => a.type === 'removeVips').length, 1);
  assert.equal(n1.state.state, 'backup');
  assert.equal(n1.transitions.at(-1)!.reason, 'sync-backup');
  assert.equal(n1.state.timers.masterDown, t + MDI1);
  assert.equal(n1.state.timers.advert, null);
  // n2 hears nothing more and takes over one Master_Down_Interval after n1's last advert.
  lan.clock.advanceTo(lastN1 + MDI2 - 1);
  assert.deepEqual(lan.masters(), []);
  lan.clock.advanceTo(lastN1 + MDI2);
  assert.deepEqual(lan.masters(), ['n2']);
  // Without a group holding it, n1 (150, preempt) discards n2's adverts and comes back at t + MDI1.
  lan.clock.advanceTo(t + MDI1);
  assert.deepEqual(lan.masters(), ['n1']);
  // Not MASTER: nothing to do (a FAULT member is brought back with faultCleared).
  const b = backupOf(cfg({ primaryAddress: A1 }));
  assert.deepEqual(step(b, { type: 'syncBackup' }, 1).actions, []);
  const f = step(b, { type: 'fault' }, 1).state;
  assert.deepEqual(step(f, { type: 'syncBackup' }, 2), { state: f, actions: [] });
});

test('syncMaster: a BACKUP member becomes MASTER at once (advert, VIPs, GARP); a real higher master takes it back', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(5.2 * S);
  const t = lan.clock.now();
  const n2 = lan.node('n2');
  lan.send('n2', { type: 'syncMaster' });
  assert.equal(n2.transitions.at(-1)!.reason, 'sync-master');
  assert.deepEqual(lastAdvert(lan, 'n2'), { from: 'n2', priority: 100, at: t });
  assert.equal(n2.did('addVips').length, 1);
  assert.equal(n2.gratuitous, 5);
  // n1 (150) hears the lower advert, answers at once (RFC 9568) and n2 yields on that answer.
  lan.clock.advanceTo(t);
  assert.deepEqual(lan.masters(), ['n1']);
  assert.equal(n2.transitions.at(-1)!.reason, 'higher-priority-advert');
  assert.equal(n1Answer(lan, t), t);
  // Only BACKUP is moved; MASTER, FAULT and INIT ignore it.
  const init = initialState(cfg({ primaryAddress: A1 }));
  assert.deepEqual(step(init, { type: 'syncMaster' }, 0).actions, []);
});

function n1Answer(lan: FakeLan, t: number): number {
  return lan.wire.filter((w) => w.from === 'n1' && w.at >= t)[0]!.at;
}

test('syncRefuseMaster: the group holds the member in BACKUP and re-arms Master_Down_Interval; an advert clears wantMaster', () => {
  const c = cfg({ primaryAddress: A2 });
  let s = backupOf(c);
  assert.equal(s.timers.masterDown, MDI2);
  // The driver asked sync-group.ts syncMayBecomeMaster at the timer and was refused.
  const r = step(s, { type: 'syncRefuseMaster' }, MDI2);
  assert.equal(r.state.state, 'backup');
  assert.equal(r.state.wantMaster, true);
  assert.deepEqual(r.actions, [{ type: 'armTimer', timer: 'masterDown', at: 2 * MDI2 }]);
  s = r.state;
  s = step(s, { type: 'advert', priority: 150, maxAdverInt: 1, src: A1 }, MDI2 + 10).state;
  assert.equal(s.wantMaster, false);
  assert.equal(s.timers.masterDown, MDI2 + 10 + MDI2);
  // Allowed later: the timer event makes it MASTER and wantMaster is gone.
  const m = step(step(s, { type: 'syncRefuseMaster' }, 5 * S).state, { type: 'timer', timer: 'masterDown' }, 5 * S + MDI2).state;
  assert.equal(m.state, 'master');
  assert.equal(m.wantMaster, false);
  assert.deepEqual(step(m, { type: 'syncRefuseMaster' }, 9 * S).actions, []);
});

test('priority 255 while BACKUP: MASTER at once (RFC 5798 §6.4.1); the old master yields to its first advert', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(7.3 * S);
  const t = lan.clock.now();
  lan.send('n2', { type: 'priorityChanged', priority: 255 });
  assert.equal(lan.node('n2').state.state, 'master');
  assert.equal(lan.node('n2').transitions.at(-1)!.reason, 'priority-owner');
  assert.deepEqual(lastAdvert(lan, 'n2'), { from: 'n2', priority: 255, at: t });
  lan.clock.advanceTo(t);
  assert.deepEqual(lan.masters(), ['n2']);
  assert.equal(lan.node('n1').transitions.at(-1)!.reason, 'higher-priority-advert');
  // In FAULT the owner waits for faultCleared, then goes MASTER at once.
  const f = step(backupOf(cfg({ primaryAddress: A1 })), { type: 'fault' }, 1).state;
  const p = step(f, { type: 'priorityChanged', priority: 255 }, 2);
  assert.equal(p.state.state, 'fault');
  assert.equal(step(p.state, { type: 'faultCleared' }, 3).state.state, 'master');
});

test('priority drop while MASTER below a peer: no extra advert; the peer preempts at its Master_Down_Interval', () => {
  const lan = pair();
  lan.startAll();
  lan.clock.advanceTo(8.25 * S);
  const t = lan.clock.now();
  const n1 = lan.node('n1');
  const before = n1.actions.length;
  lan.send('n1', { type: 'priorityChanged', priority: 80 });
  assert.equal(n1.actions.length, before, 'keepalived only changes the priority in the next advert');
  const lastAccepted = lastAdvert(lan, 'n1', t);
  assert.equal(lastAccepted.priority, 150);
  lan.clock.advanceBy(S);
  assert.equal(lastAdvert(lan, 'n1').priority, 80);
  assert.ok(lan.node('n2').did('discard').some((d) => d.reason === 'lower-priority-preempt'));
  lan.clock.advanceTo(lastAccepted.at + MDI2 - 1);
  assert.deepEqual(lan.masters(), ['n1']);
  lan.clock.advanceTo(lastAccepted.at + MDI2);
  assert.deepEqual(lan.masters(), ['n2']);
  assert.equal(n1.transitions.at(-1)!.reason, 'higher-priority-advert');
  // With nopreempt on the peer, the lower master keeps the VIPs.
  const np = pair({}, { nopreempt: true });
  np.startAll();
  np.clock.advanceTo(8.25 * S);
  np.send('n1', { type: 'priorityChanged', priority: 80 });
  np.clock.advanceBy(60 * S);
  assert.deepEqual(np.masters(), ['n1']);
});

test('two address owners: the master hearing another 255 drops to 254, reports it and yields', () => {
  const lan = pair({ priority: 255 }, { priority: 255 });
  lan.send('n1', { type: 'startup' });
  lan.clock.advanceTo(3.5 * S);
  assert.deepEqual(lan.masters(), ['n1']);
  lan.send('n2', { type: 'startup' });
  const t = lan.clock.now();
  lan.clock.advanceTo(t);
  const n1 = lan.node('n1');
  assert.deepEqual(n1.did('ownerConflict'), [{ type: 'ownerConflict', priority: 254, src: A2 }]);
  assert.equal(n1.state.effectivePriority, 254);
  assert.equal(n1.state.state, 'backup');
  lan.clock.advanceBy(30 * S);
  assert.deepEqual(lan.masters(), ['n2']);
  assert.equal(lan.node('n2').did('ownerConflict').length, 0);
  // Equal 255 from our own address is only the "WARNING - equal priority" case: no conflict.
  const m = step(backupOf(cfg({ priority: 255, primaryAddress: A1 })), { type: 'startup' }, 0).state;
  const own = step(m, { type: 'advert', priority: 255, maxAdverInt: 1, src: A1 }, 5);
  assert.equal(own.state.effectivePriority, 255);
  assert.deepEqual(own.actions[0], { type: 'discard', reason: 'own-advert' });
});

test('owner_ignore_adverts: an owner drops every advert, so the other owner is the one that yields', () => {
  const lan = pair({ priority: 255, ownerIgnoreAdverts: true }, { priority: 255 });
  lan.send('n1', { type: 'startup' });
  lan.clock.advanceTo(3.5 * S);
  lan.send('n2', { type: 'startup' });
  lan.clock.advanceBy(30 * S);
  assert.deepEqual(lan.masters(), ['n1']);
  const n1 = lan.node('n1');
  assert.equal(n1.state.effectivePriority, 255);
  assert.ok(n1.did('discard').every((d) => d.reason === 'owner-ignore-adverts'));
  assert.equal(n1.did('ownerConflict').length, 0);
  assert.equal(lan.node('n2').did('ownerConflict').length, 1);
  assert.equal(lan.node('n2').state.state, 'backup');
  // Below 255 the option does nothing.
  const b = backupOf(cfg({ primaryAddress: A1, ownerIgnoreAdverts: true }));
  assert.equal(step(b, { type: 'advert', priority: 200, maxAdverInt: 1, src: A2 }, 1).state.masterPriority, 200);
});

test('garp_lower_prio_repeat / garp_lower_prio_delay: a burst now and one more after the delay if VIPs are still set', () => {
  const garp = { masterDelay: 0, masterRepeat: 5, masterRefresh: 0, masterRefreshRepeat: 1, lowerPrioRepeat: 3, lowerPrioDelay: 2 * S };
  const lan = pair({ garp });
  lan.startAll();
  lan.clock.advanceTo(5 * S);
  const n1 = lan.node('n1');
  assert.equal(n1.gratuitous, 5);
  const t = lan.clock.now();
  lan.send('n2', { type: 'syncMaster' }); // a lower priority claims mastership
  lan.clock.advanceTo(t);
  assert.equal(n1.gratuitous, 8);
  assert.deepEqual(n1.did('sendGratuitousLater'), [{ type: 'sendGratuitousLater', at: t + 2 * S, repeat: 3 }]);
  assert.equal(n1.did('masterRxLowerPriority').length, 1);
  lan.clock.advanceTo(t + 2 * S);
  assert.equal(n1.gratuitous, 11);
  // The delayed burst is not cancelled, but sends nothing when the VIPs are gone by then.
  const t2 = lan.clock.now() + 100;
  lan.clock.advanceTo(t2);
  lan.send('n2', { type: 'syncMaster' });
  lan.clock.advanceTo(t2);
  lan.send('n1', { type: 'fault' });
  lan.clock.advanceTo(t2 + 2 * S);
  assert.equal(n1.gratuitousSkipped, 3);
  // No delay configured: no later burst; no repeat: no burst at all.
  const m = step(step(backupOf(cfg({ primaryAddress: A1, garp: { ...garp, lowerPrioDelay: 0 } })), { type: 'timer', timer: 'masterDown' }, MDI2).state,
    { type: 'advert', priority: 50, maxAdverInt: 1, src: A2 }, MDI2 + 1);
  assert.deepEqual(m.actions.map((a) => a.type), ['sendAdvert', 'sendGratuitous', 'masterRxLowerPriority', 'armTimer']);
});

test('address list: a BACKUP ignores a mismatched advert without touching its timer; two masters follow', () => {
  const lan = pair({}, {}, ['192.0.2.101']);
  lan.startAll();
  lan.clock.advanceTo(MDI2);
  // n2 never accepted an advert from n1 (keepalived: "ip address associated with VRID ... not present in MASTER advert").
  assert.deepEqual(lan.masters().sort(), ['n1', 'n2']);
  assert.ok(lan.node('n2').did('discard').every((d) => d.reason === 'address-mismatch'));
  lan.clock.advanceBy(10 * S);
  // A MASTER always checks, so n1 drops n2's adverts too and both stay MASTER.
  assert.deepEqual(lan.masters().sort(), ['n1', 'n2']);
  assert.ok(lan.node('n1').did('discard').some((d) => d.reason === 'address-mismatch'));
});

test('skip_check_adv_addr: only adverts from the master last heard skip the check, and never as MASTER', () => {
  const c = cfg({ primaryAddress: A2, skipCheckAdvAddr: true });
  let s = backupOf(c);
  // First advert from A1: the sender is not the known master, so it is checked.
  let r = step(s, { type: 'advert', priority: 150, maxAdverInt: 1, src: A1, addressesMatch: false }, 10);
  assert.deepEqual(r.actions, [{ type: 'discard', reason: 'address-mismatch' }]);
  assert.equal(r.state.timers.masterDown, MDI2);
  s = step(s, { type: 'advert', priority: 150, maxAdverInt: 1, src: A1 }, 20).state;
  // Now A1 is the known master: a mismatching list from it is not checked.
  r = step(s, { type: 'advert', priority: 150, maxAdverInt: 1, src: A1, addressesMatch: false }, 30);
  assert.equal(r.state.timers.masterDown, 30 + MDI2);
  // From another sender it is checked again.
  r = step(s, { type: 'advert', priority: 200, maxAdverInt: 1, src: addr('192.0.2.13'), addressesMatch: false }, 40);
  assert.deepEqual(r.actions, [{ type: 'discard', reason: 'address-mismatch' }]);
  // Without the option even the known master is checked.
  const plain = step(backupOf(cfg({ primaryAddress: A2 })), { type: 'advert', priority: 150, maxAdverInt: 1, src: A1 }, 20).state;
  assert.deepEqual(step(plain, { type: 'advert', priority: 150, maxAdverInt: 1, src: A1, addressesMatch: false }, 30).actions,
    [{ type: 'discard', reason: 'address-mismatch' }]);
  // A MASTER checks regardless (vrrp_state_master_rx passes check_vip_addr = true) and resets its advert timer.
  const m = step(s, { type: 'timer', timer: 'masterDown' }, 20 + MDI2).state;
  const mm = step(m, { type: 'advert', priority: 200, maxAdverInt: 1, src: A1, addressesMatch: false }, 21 + MDI2);
  assert.equal(mm.state.state, 'master');
  assert.deepEqual(mm.actions, [{ type: 'discard', reason: 'address-mismatch' }, { type: 'armTimer', timer: 'advert', at: 21 + MDI2 + S }]);
});

test('master advert timer: reset after every advert it handles unless lower_prio_no_advert (keepalived dispatcher)', () => {
  const c = cfg({ primaryAddress: A1 });
  const m = step(backupOf(c), { type: 'timer', timer: 'masterDown' }, MDI2).state;
  // A v2 advert with another interval is dropped, yet the dispatcher still resets the master's timer.
  const r = step(m, { type: 'advert', priority: 50, maxAdverInt: 3, src: A2 }, MDI2 + 7);
  assert.deepEqual(r.actions, [{ type: 'discard', reason: 'interval-mismatch' }, { type: 'armTimer', timer: 'advert', at: MDI2 + 7 + S }]);
  const q = step(backupOf(cfg({ primaryAddress: A1, lowerPrioNoAdvert: true })), { type: 'timer', timer: 'masterDown' }, MDI2).state;
  const z = step(q, { type: 'advert', priority: 0, maxAdverInt: 1, src: A2 }, MDI2 + 7);
  assert.deepEqual(z.actions, [{ type: 'sendAdvert', priority: 100 }]);
  assert.equal(z.state.timers.advert, MDI2 + S);
});

test('owner_ignore_adverts: a MASTER owner drops priority-0, higher-priority-looking and equal adverts alike, touching no timer', () => {
  const owner = backupOf(cfg({ priority: 255, primaryAddress: A1, ownerIgnoreAdverts: true }));
  assert.equal(owner.state, 'master');
  for (const priority of [0, 100, 255]) {
    const r = step(owner, { type: 'advert', priority, maxAdverInt: 1, src: A2 }, 10);
    assert.deepEqual(r.actions, [{ type: 'discard', reason: 'owner-ignore-adverts' }], `priority ${priority}`);
    assert.equal(r.state, owner, 'state object untouched');
  }
  // Without the option the same owner answers a priority 0 and lowers itself on a second owner.
  const plain = backupOf(cfg({ priority: 255, primaryAddress: A1 }));
  assert.equal(step(plain, { type: 'advert', priority: 0, maxAdverInt: 1, src: A2 }, 10).actions[0]!.type, 'sendAdvert');
  assert.equal(step(plain, { type: 'advert', priority: 255, maxAdverInt: 1, src: A2 }, 10).state.effectivePriority, 254);
  // In FAULT nothing is heard anyway ("not-listening" wins).
  const f = step(owner, { type: 'fault' }, 20).state;
  assert.deepEqual(step(f, { type: 'advert', priority: 100, maxAdverInt: 1, src: A2 }, 30).actions, [{ type: 'discard', reason: 'not-listening' }]);
});

test('garp_extra_if: armed one interval after becoming master, fires and re-arms while MASTER, cancelled on leaving', () => {
  const every = 30 * S;
  const c = cfg({ primaryAddress: A1, garpExtraInterval: every });
  const b = backupOf(c);
  assert.equal(b.timers.garpExtra, null, 'not armed in BACKUP');
  const m = step(b, { type: 'timer', timer: 'masterDown' }, MDI2);
  assert.equal(m.state.state, 'master');
  assert.ok(m.actions.some((a) => a.type === 'armTimer' && a.timer === 'garpExtra' && a.at === MDI2 + every));
  assert.ok(!m.actions.some((a) => a.type === 'sendGratuitousExtra'), 'nothing extra at the transition (the full burst covers every VIP)');
  const f1 = step(m.state, { type: 'timer', timer: 'garpExtra' }, MDI2 + every);
  assert.deepEqual(f1.actions, [{ type: 'sendGratuitousExtra' }, { type: 'armTimer', timer: 'garpExtra', at: MDI2 + 2 * every }]);
  const f2 = step(f1.state, { type: 'timer', timer: 'garpExtra' }, MDI2 + 2 * every);
  assert.equal(f2.state.timers.garpExtra, MDI2 + 3 * every);
  // A higher priority takes over: the timer goes with MASTER.
  const y = step(f2.state, { type: 'advert', priority: 200, maxAdverInt: 1, src: A2 }, MDI2 + 2 * every + 1);
  assert.equal(y.state.state, 'backup');
  assert.ok(y.actions.some((a) => a.type === 'cancelTimer' && a.timer === 'garpExtra'));
  assert.equal(y.state.timers.garpExtra, null);
  assert.deepEqual(step(y.state, { type: 'timer', timer: 'garpExtra' }, MDI2 + 3 * every).actions, [], 'a late callback does nothing');
  // Fault, shutdown and syncBackup cancel it too.
  for (const ev of [{ type: 'fault' }, { type: 'shutdown' }, { type: 'syncBackup' }] as const) {
    const r = step(m.state, ev, MDI2 + 1);
    assert.equal(r.state.timers.garpExtra, null, ev.type);
  }
  // Off (0 / absent): never armed.
  const off = step(backupOf(cfg({ primaryAddress: A1, garpExtraInterval: 0 })), { type: 'timer', timer: 'masterDown' }, MDI2);
  assert.equal(off.state.timers.garpExtra, null);
});

test('garp_extra_if on the fake LAN: the master sends one extra round per interval, the backup none', () => {
  const every = 10 * S;
  const lan = pair({ garpExtraInterval: every }, { garpExtraInterval: every });
  lan.startAll();
  lan.clock.advanceTo(MDI1 + 35 * S);
  assert.deepEqual(lan.masters(), ['n1']);
  const at = lan.node('n1').actions.filter((a) => a.action.type === 'sendGratuitousExtra').map((a) => a.at);
  assert.deepEqual(at, [MDI1 + every, MDI1 + 2 * every, MDI1 + 3 * every]);
  assert.equal(lan.node('n2').did('sendGratuitousExtra').length, 0);
});
