// Unit tests of sync-group decisions: members move together, the group notifies once per transition, masters only when all want it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncGroup, syncMasterSeen, syncMayBecomeMaster, syncMemberTransition, syncTrackingChanged, type SyncGroupModel } from '../../../src/vrrp/sync-group';

function running(): SyncGroupModel {
  let g = createSyncGroup('G1', ['VI_1', 'VI_2', 'VI_3']);
  for (const m of g.members) g = syncMemberTransition(g, m, 'backup').group;
  return g;
}

test('initial group state: BACKUP, MASTER when all members are owners, FAULT when one starts faulted', () => {
  assert.equal(createSyncGroup('G', ['a', 'b']).state, 'BACKUP');
  assert.equal(createSyncGroup('G', ['a', 'b'], { owners: new Set(['a', 'b']) }).state, 'MASTER');
  assert.equal(createSyncGroup('G', ['a', 'b'], { owners: new Set(['a']) }).state, 'BACKUP');
  assert.equal(createSyncGroup('G', ['a', 'b'], { faulted: new Set(['b']) }).state, 'FAULT');
});

test('a member may become master only when every other member wants to as well', () => {
  let g = running();
  let r = syncMayBecomeMaster(g, 'VI_1');
  assert.equal(r.allowed, false);
  g = r.group;
  r = syncMayBecomeMaster(g, 'VI_2');
  assert.equal(r.allowed, false);
  g = syncMasterSeen(r.group, 'VI_2');
  r = syncMayBecomeMaster(g, 'VI_3');
  assert.equal(r.allowed, false, 'VI_2 heard a master again');
  r = syncMayBecomeMaster(r.group, 'VI_2');
  assert.equal(r.allowed, true);
});

test('one member becoming master takes the others along, with one group notify', () => {
  const g = running();
  const s = syncMemberTransition(g, 'VI_2', 'master');
  assert.equal(s.notify, 'MASTER');
  assert.equal(s.group.state, 'MASTER');
  assert.deepEqual(s.commands, [{ instance: 'VI_1', action: 'master' }, { instance: 'VI_3', action: 'master' }]);
  const s2 = syncMemberTransition(s.group, 'VI_1', 'master');
  assert.deepEqual([s2.notify, s2.commands.length], [null, 0], 'no second notify for the group');
});

test('a master member dropping to BACKUP brings the others to BACKUP', () => {
  let g = running();
  g = syncMemberTransition(g, 'VI_1', 'master').group;
  g = syncMemberTransition(g, 'VI_2', 'master').group;
  g = syncMemberTransition(g, 'VI_3', 'master').group;
  const s = syncMemberTransition(g, 'VI_3', 'backup');
  assert.equal(s.notify, 'BACKUP');
  assert.deepEqual(s.commands, [{ instance: 'VI_1', action: 'backup' }, { instance: 'VI_2', action: 'backup' }]);
  assert.equal(syncMemberTransition(s.group, 'VI_1', 'backup').notify, null);
});

test('a member fault puts the whole group in FAULT; it leaves only when no member is faulted', () => {
  let g = running();
  g = syncMemberTransition(g, 'VI_1', 'master').group;
  let s = syncTrackingChanged(g, 'VI_2', true);
  assert.equal(s.notify, 'FAULT');
  assert.deepEqual(s.commands.map((c) => [c.instance, c.action]), [['VI_1', 'fault'], ['VI_2', 'fault'], ['VI_3', 'fault']]);
  g = s.group;
  for (const m of g.members) g = syncMemberTransition(g, m, 'fault').group;
  s = syncTrackingChanged(g, 'VI_3', true);
  assert.deepEqual([s.notify, s.commands.length], [null, 0]);
  s = syncTrackingChanged(s.group, 'VI_2', false);
  assert.deepEqual([s.group.state, s.notify, s.commands.length], ['FAULT', null, 0], 'VI_3 still faulted');
  s = syncTrackingChanged(s.group, 'VI_3', false);
  assert.equal(s.group.state, 'BACKUP');
  assert.equal(s.notify, 'BACKUP');
  assert.deepEqual(s.commands.map((c) => c.action), ['faultCleared', 'faultCleared', 'faultCleared']);
  assert.equal(syncMayBecomeMaster(createSyncGroup('G', ['a', 'b'], { faulted: new Set(['a']) }), 'b').allowed, false);
});

test('a member reaching FAULT through its state machine faults the others once', () => {
  const g = running();
  const s = syncMemberTransition(g, 'VI_1', 'fault');
  assert.equal(s.notify, 'FAULT');
  assert.deepEqual(s.commands.map((c) => c.instance), ['VI_2', 'VI_3']);
  assert.equal(syncMemberTransition(s.group, 'VI_2', 'fault').notify, null);
  assert.deepEqual(syncMemberTransition(g, 'nope', 'fault').commands, []);
});
