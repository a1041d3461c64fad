// The pure VRRP reload plan: unchanged / in-place / restart / added / removed instances and VIPs moving between instances.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { newVrrpInstance, emptyVrrpConfig, type VrrpInstance } from '../../../src/config/model/vrrp';
import type { VirtualAddress } from '../../../src/config/model/ip';
import { parseIpPrefix } from '../../../src/net/ip';
import { changedFields, planReload, trackingFingerprint, syncGroupFingerprint, vipKeys } from '../../../src/vrrp/reload';
import { scriptRunMessage } from '../../../src/vrrp/driver';

const loc = { file: 'k.conf', line: 1, col: 1 };

function vip(text: string): VirtualAddress {
  const p = parseIpPrefix(text)!;
  return {
    loc, text, address: p, dev: 'eth0', family: p.family, devExplicit: true, broadcast: null, scope: 0, label: null, peer: null,
    flags: { home: false, noNodad: false, mngtmpaddr: false, noprefixroute: false, autojoin: false },
    noTrack: false, preferredLft: null, useVmac: false, trackGroup: null,
  };
}

function inst(name: string, vrid: number, vips: string[], at = loc): VrrpInstance {
  const i = newVrrpInstance(name, at);
  i.interface = 'eth0';
  i.vrid = vrid;
  i.priority = 150;
  i.vips = vips.map(vip);
  return i;
}

test('an identical configuration (other source locations) is all unchanged', () => {
  const a = [inst('VI_1', 1, ['192.0.2.1/24']), inst('VI_2', 2, ['192.0.2.2/24'])];
  const b = [inst('VI_1', 1, ['192.0.2.1/24'], { file: 'x.conf', line: 9, col: 2 }), inst('VI_2', 2, ['192.0.2.2/24'])];
  const p = planReload(a, b);
  assert.deepEqual(p, { unchanged: ['VI_1', 'VI_2'], changed: [], added: [], removed: [], vipMoves: [] });
});

test('a priority change is applied in place; an interface or VRID change restarts the instance', () => {
  const a = [inst('VI_1', 1, []), inst('VI_2', 2, []), inst('VI_3', 3, [])];
  const b = [inst('VI_1', 1, []), inst('VI_2', 2, []), inst('VI_3', 33, [])];
  b[0]!.priority = 50;
  b[1]!.interface = 'eth1';
  const p = planReload(a, b);
  assert.deepEqual(p.unchanged, []);
  assert.deepEqual(p.changed, [
    { name: 'VI_1', fields: ['priority'], restart: false },
    { name: 'VI_2', fields: ['interface'], restart: true },
    { name: 'VI_3', fields: ['vrid'], restart: true },
  ]);
});

test('VIP, tracking, notify and advert_int changes are in place; a version change restarts', () => {
  const a = inst('VI_1', 1, ['192.0.2.1/24']);
  const b = inst('VI_1', 1, ['192.0.2.1/24', '192.0.2.9/24']);
  b.trackScripts.push({ loc, name: 'chk', weight: -20, reverse: false });
  b.nopreempt = true;
  assert.deepEqual(changedFields(a, b), ['nopreempt', 'trackScripts', 'vips']);
  assert.equal(planReload([a], [b]).changed[0]!.restart, false);
  const c = inst('VI_1', 1, ['192.0.2.1/24']);
  c.advertIntUs = 100_000;
  c.version = 3;
  assert.deepEqual(planReload([a], [c]).changed, [{ name: 'VI_1', fields: ['advertIntUs', 'version'], restart: true }]);
  const d = inst('VI_1', 1, ['192.0.2.1/24']);
  d.advertIntUs = 100_000;
  assert.deepEqual(planReload([a], [d]).changed, [{ name: 'VI_1', fields: ['advertIntUs'], restart: false }]);
});

test('added and removed instances; a VIP moving from one instance to another is one move', () => {
  const a = [inst('VI_1', 1, ['192.0.2.1/24', '192.0.2.50/24']), inst('VI_2', 2, ['192.0.2.2/24']), inst('VI_OLD', 9, ['192.0.2.9/24'])];
  const b = [inst('VI_1', 1, ['192.0.2.1/24']), inst('VI_2', 2, ['192.0.2.2/24', '192.0.2.50/24']), inst('VI_NEW', 10, ['192.0.2.9/24'])];
  const p = planReload(a, b);
  assert.deepEqual(p.removed, ['VI_OLD']);
  assert.deepEqual(p.added, ['VI_NEW']);
  assert.deepEqual(p.vipMoves, [
    { address: '192.0.2.50/24', from: 'VI_1', to: 'VI_2' },
    { address: '192.0.2.9/24', from: 'VI_OLD', to: 'VI_NEW' },
  ]);
});

test('vipKeys include virtual_ipaddress_excluded; prefix length distinguishes', () => {
  const i = inst('VI_1', 1, ['192.0.2.1/24']);
  i.excludedVips = [vip('198.51.100.1/32')];
  assert.deepEqual(vipKeys(i), ['192.0.2.1/24', '198.51.100.1/32']);
  const j = inst('VI_1', 1, ['192.0.2.1/25']);
  assert.equal(planReload([inst('VI_1', 1, ['192.0.2.1/24'])], [j]).changed[0]!.fields.join(), 'vips');
});

test('tracking and sync-group fingerprints ignore what the Tracker does not use', () => {
  const a = emptyVrrpConfig();
  a.instances.push(inst('VI_1', 1, ['192.0.2.1/24']));
  const b = emptyVrrpConfig();
  b.instances.push(inst('VI_1', 1, ['192.0.2.7/24']));
  b.instances[0]!.priority = 10;
  assert.equal(trackingFingerprint(a), trackingFingerprint(b));
  b.instances[0]!.trackInterfaces.push({ loc, name: 'eth1', weight: 0, reverse: false });
  assert.notEqual(trackingFingerprint(a), trackingFingerprint(b));
  assert.equal(syncGroupFingerprint(a), syncGroupFingerprint(b));
});

test('vrrp_script log lines use keepalived wording, only when the status changes', () => {
  const base = { name: 'chk', up: false, changed: true, ok: false } as const;
  assert.equal(scriptRunMessage({ ...base, outcome: { type: 'exit', code: 1 } }), 'VRRP_Script(chk) failed (exited with status 1)');
  assert.equal(scriptRunMessage({ ...base, outcome: { type: 'timeout' } }), 'VRRP_Script(chk) timed_out');
  assert.equal(scriptRunMessage({ ...base, outcome: { type: 'signal', signal: 'SIGKILL' } }), 'VRRP_Script(chk) failed (due to signal SIGKILL)');
  assert.equal(scriptRunMessage({ ...base, ok: true, up: true, outcome: { type: 'exit', code: 0 } }), 'VRRP_Script(chk) succeeded');
  assert.equal(scriptRunMessage({ ...base, changed: false, outcome: { type: 'exit', code: 1 } }), null);
});
