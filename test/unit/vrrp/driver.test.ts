// Pure parts of the VRRP driver: scheduling plan, reload fingerprint, VMAC addressing, VIP netlink specs, drop counters.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { schedPlan, DEFAULT_RT_PRIORITY, MIN_RLIMIT_RTTIME_US } from '../../../src/vrrp/subsystem';
import { instanceFingerprint } from '../../../src/vrrp/driver';
import { newVrrpInstance } from '../../../src/config/model/vrrp';
import { parseMac, virtualMac, vmacName } from '../../../src/vrrp/vmac';
import { addressFlags, addressSpec } from '../../../src/vrrp/vip';
import { IFA_F_NODAD } from '../../../src/vrrp/rtnl';
import { newDropCounters, newInstanceStats, clearInstanceStats } from '../../../src/vrrp/stats';
import { DECODE_REASONS } from '../../../src/vrrp/packet';
import { parseIpPrefix } from '../../../src/net/ip';
import type { VirtualAddress } from '../../../src/config/model/ip';

const loc = { file: 'k.conf', line: 1, col: 1 };

test('schedPlan: automatic SCHED_RR 1 only for sub-second adverts; configured values win; RTTIME floored', () => {
  const base = { noSwap: false, rlimitRttime: 10_000 };
  assert.equal(schedPlan(base, 1_000_000).rtPriority, null);
  const fast = schedPlan(base, 100_000);
  assert.equal(fast.rtPriority, DEFAULT_RT_PRIORITY);
  assert.equal(fast.rtAutomatic, true);
  assert.equal(fast.rttimeUs, MIN_RLIMIT_RTTIME_US);
  const cfg = schedPlan({ ...base, rtPriority: 50, rlimitRttime: 2_000_000, priority: -5, noSwap: true }, 1_000_000);
  assert.deepEqual([cfg.rtPriority, cfg.rtAutomatic, cfg.rttimeUs, cfg.nice, cfg.lockMemory], [50, false, 2_000_000, -5, true]);
});

test('instanceFingerprint ignores source locations but sees real changes', () => {
  const a = newVrrpInstance('VI_1', loc);
  const b = newVrrpInstance('VI_1', { file: 'other.conf', line: 40, col: 3 });
  assert.equal(instanceFingerprint(a), instanceFingerprint(b));
  b.priority = 120;
  assert.notEqual(instanceFingerprint(a), instanceFingerprint(b));
});

test('VMAC: RFC 5798 §7.3 addresses and keepalived naming', () => {
  assert.deepEqual(Array.from(virtualMac(4, 51)), [0, 0, 0x5e, 0, 1, 51]);
  assert.deepEqual(Array.from(virtualMac(6, 1)), [0, 0, 0x5e, 0, 2, 1]);
  assert.equal(vmacName(51), 'vrrp.51');
  assert.deepEqual(Array.from(parseMac('02:aa:0:1:2:ff')!), [2, 0xaa, 0, 1, 2, 0xff]);
  assert.equal(parseMac('zz:00'), null);
});

function vip(text: string, over: Partial<VirtualAddress> = {}): VirtualAddress {
  const p = parseIpPrefix(text)!;
  return {
    loc, text, address: p, dev: 'eth0', family: p.family, devExplicit: true, broadcast: null, scope: 0, label: null, peer: null,
    flags: { home: false, noNodad: false, mngtmpaddr: false, noprefixroute: false, autojoin: false },
    noTrack: false, preferredLft: null, useVmac: false, trackGroup: null, ...over,
  };
}

test('VIP netlink spec: IPv6 gets NODAD unless -nodad; prefix and label kept', () => {
  assert.equal(addressFlags(vip('fd00::1/64')) & IFA_F_NODAD, IFA_F_NODAD);
  assert.equal(addressFlags(vip('fd00::1/64', { flags: { home: false, noNodad: true, mngtmpaddr: false, noprefixroute: false, autojoin: false } })) & IFA_F_NODAD, 0);
  const s = addressSpec(vip('192.0.2.100/24', { label: 'eth0:1' }), 7);
  assert.deepEqual([s.ifindex, s.family, s.prefixLen, s.label, Array.from(s.address)], [7, 4, 24, 'eth0:1', [192, 0, 2, 100]]);
});

test('drop counters cover every codec reason plus the driver reasons, and clear in place', () => {
  const d = newDropCounters();
  for (const r of DECODE_REASONS) assert.equal(d[r], 0);
  assert.equal(d['unknown-vrid'], 0);
  assert.equal(d['addr-list'], 0);
  const s = newInstanceStats();
  s.advertRcvd = 3;
  s.drops['bad-ttl'] = 2;
  clearInstanceStats(s);
  assert.equal(s.advertRcvd, 0);
  assert.equal(s.drops['bad-ttl'], 0);
});
