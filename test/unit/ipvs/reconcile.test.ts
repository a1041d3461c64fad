// reconcile(desired, actual): only differences, foreign services untouched, owned ones removed, stable order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, sameVirtualServer, serviceKeyId, type IpvsVirtualServer } from '../../../src/ipvs/reconcile';
import type { IpvsServiceKey } from '../../../src/ipvs/attrs';

const web: IpvsServiceKey = { family: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 };
const dns: IpvsServiceKey = { family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 };
const mark: IpvsServiceKey = { family: 'inet', fwmark: 7 };
const foreign: IpvsServiceKey = { family: 'inet', protocol: 'tcp', address: '198.51.100.9', port: 443 };

const desired: IpvsVirtualServer[] = [
  {
    service: { key: web, scheduler: 'wlc', persistence: { timeout: 300, prefixLength: 24 } },
    dests: [
      { address: '10.0.0.1', port: 80, forward: 'nat', weight: 1 },
      { address: '10.0.0.2', port: 80, forward: 'dr', weight: 2, upperThreshold: 10 },
    ],
  },
  { service: { key: dns, scheduler: 'sh', schedulerFlags: { flag1: true }, onePacket: true }, dests: [{ address: '2001:db8::10', port: 53, forward: 'tun', weight: 1, tunnel: { type: 'gue', port: 6080 } }] },
  { service: { key: mark, scheduler: 'rr' }, dests: [] },
];

test('from nothing: every service, then every destination, in order', () => {
  const ops = reconcile(desired, []);
  assert.deepEqual(ops.map((o) => o.op), ['add-service', 'add-service', 'add-service', 'add-dest', 'add-dest', 'add-dest']);
});

test('equal state gives no operation (idempotent)', () => {
  assert.deepEqual(reconcile(desired, desired), []);
});

test('kernel defaults and spellings compare equal: prefix 32, zero thresholds, IPv6 text form', () => {
  const kernelView: IpvsVirtualServer[] = [
    { service: { key: { ...web }, scheduler: 'rr', persistence: { timeout: 60, prefixLength: 32 } }, dests: [{ address: '10.0.0.1', port: 80, forward: 'nat', weight: 1, upperThreshold: 0, lowerThreshold: 0 }] },
    { service: { key: { ...dns, address: '2001:0db8:0:0::1' }, scheduler: 'rr' }, dests: [] },
  ];
  const want: IpvsVirtualServer[] = [
    { service: { key: web, scheduler: 'rr', persistence: { timeout: 60 } }, dests: [{ address: '10.0.0.1', port: 80, forward: 'nat', weight: 1 }] },
    { service: { key: dns, scheduler: 'rr' }, dests: [] },
  ];
  assert.deepEqual(reconcile(want, kernelView), []);
});

test('one changed destination gives exactly one edit', () => {
  const actual = desired.map((v) => ({ ...v, dests: v.dests.map((d) => (d.address === '10.0.0.2' ? { ...d, weight: 7 } : d)) }));
  assert.deepEqual(reconcile(desired, actual), [{ op: 'edit-dest', key: web, dest: desired[0]!.dests[1] }]);
});

test('tunnel parameters matter only for tun destinations', () => {
  const actual = desired.map((v) => ({ ...v, dests: v.dests.map((d) => (d.forward === 'tun' ? { ...d, tunnel: { type: 'gue' as const, port: 6081 } } : { ...d, tunnel: { type: 'gre' as const } })) }));
  const ops = reconcile(desired, actual);
  assert.deepEqual(ops.map((o) => o.op), ['edit-dest']);
  assert.equal(ops[0]?.op === 'edit-dest' && ops[0].dest.address, '2001:db8::10');
});

test('service settings: scheduler, flags, persistence, engine each cause one edit-service', () => {
  const variants = [
    { scheduler: 'wrr' },
    { onePacket: true },
    { schedulerFlags: { flag3: true } },
    { persistence: { timeout: 301, prefixLength: 24 } },
    { persistence: { timeout: 300, prefixLength: 16 } },
    { persistence: { timeout: 300, prefixLength: 24, engine: 'sip' } },
    { persistence: undefined },
  ];
  for (const change of variants) {
    const actual = [{ ...desired[0]!, service: { ...desired[0]!.service, ...change } }, ...desired.slice(1)];
    assert.deepEqual(reconcile(desired, actual).map((o) => o.op), ['edit-service'], JSON.stringify(change));
  }
});

test('foreign services are never touched; owned ones no longer desired are deleted', () => {
  const actual: IpvsVirtualServer[] = [...desired, { service: { key: foreign, scheduler: 'lc' }, dests: [{ address: '10.9.9.9', port: 443, forward: 'nat', weight: 1 }] }];
  assert.deepEqual(reconcile(desired, actual), []);
  assert.deepEqual(reconcile(desired, actual, { owned: desired.map((v) => v.service.key) }), []);
  const ops = reconcile(desired.slice(1), actual, { owned: desired.map((v) => v.service.key) });
  assert.deepEqual(ops, [{ op: 'del-service', key: web }]);
});

test('destinations the desired service does not list are removed, before additions', () => {
  const actual: IpvsVirtualServer[] = [{ ...desired[0]!, dests: [...desired[0]!.dests.slice(1), { address: '10.0.0.99', port: 80, forward: 'nat', weight: 1 }] }, desired[1]!, desired[2]!];
  const ops = reconcile(desired, actual);
  assert.deepEqual(ops.map((o) => [o.op, 'dest' in o ? o.dest.address : '']), [['del-dest', '10.0.0.99'], ['add-dest', '10.0.0.1']]);
});

test('applying the ops to a model of the kernel converges in one pass', () => {
  // A tiny in-memory kernel: apply ops, then reconcile again must be empty.
  const kernel = new Map<string, IpvsVirtualServer>();
  for (const v of [{ service: { key: foreign, scheduler: 'lc' }, dests: [] }, { ...desired[0]!, dests: [] }]) kernel.set(serviceKeyId(v.service.key), v);
  for (const op of reconcile(desired, [...kernel.values()])) {
    if (op.op === 'add-service' || op.op === 'edit-service') kernel.set(serviceKeyId(op.service.key), { service: op.service, dests: kernel.get(serviceKeyId(op.service.key))?.dests ?? [] });
    else if (op.op === 'del-service') kernel.delete(serviceKeyId(op.key));
    else {
      const v = kernel.get(serviceKeyId(op.key))!;
      const rest = v.dests.filter((d) => !(d.address === op.dest.address && d.port === op.dest.port));
      kernel.set(serviceKeyId(op.key), { ...v, dests: op.op === 'del-dest' ? rest : [...rest, op.dest] });
    }
  }
  assert.deepEqual(reconcile(desired, [...kernel.values()]), []);
  assert.ok(kernel.has(serviceKeyId(foreign)));
});

test('duplicate keys in the desired state are rejected', () => {
  assert.throws(() => reconcile([desired[0]!, desired[0]!], []), /duplicate desired service/);
});

test('sameVirtualServer: what a reload compares with what was applied (settings and destinations, any order)', () => {
  const w = desired[0]!;
  assert.ok(sameVirtualServer(w, { ...w, dests: [...w.dests].reverse() }), 'destination order does not matter');
  assert.ok(!sameVirtualServer(w, { ...w, dests: w.dests.map((d, i) => (i === 1 ? { ...d, weight: 3 } : d)) }), 'a weight');
  assert.ok(!sameVirtualServer(w, { ...w, dests: w.dests.slice(1) }), 'a destination fewer');
  assert.ok(!sameVirtualServer(w, { ...w, dests: [w.dests[0]!, { ...w.dests[1]!, address: '10.0.0.3' }] }), 'another destination');
  assert.ok(!sameVirtualServer(w, { ...w, dests: [w.dests[0]!, w.dests[0]!] }), 'a duplicate is not the same list');
  assert.ok(!sameVirtualServer(w, { ...w, service: { ...w.service, scheduler: 'rr' } }), 'the scheduler');
  assert.ok(!sameVirtualServer(w, { ...w, service: { key: web, scheduler: 'wlc' } }), 'persistence dropped');
  assert.ok(!sameVirtualServer({ ...w, service: { key: web, scheduler: 'wlc' } }, w), 'persistence added');
  assert.ok(!sameVirtualServer(w, { ...w, service: { ...w.service, key: { ...web, port: 81 } } }), 'another key');
  const t = desired[1]!;
  assert.ok(sameVirtualServer(t, { ...t, service: { ...t.service, key: { ...dns, address: '2001:0db8:0::1' } } }), 'the same address written otherwise');
  assert.ok(!sameVirtualServer(t, { ...t, dests: [{ ...t.dests[0]!, tunnel: { type: 'gue', port: 6081 } }] }), 'tunnel port');
});
