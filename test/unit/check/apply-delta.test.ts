// The engine -> IPVS driver contract for deltas: only the services a delta names are read (one by one, no dump) and
// reconciled; a service an apply failed on is read and reconciled again by the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredDest, DesiredService, DesiredState } from '../../../src/check/desired';
import { createIpvsApply } from '../../../src/ipvs/driver';
import { serviceKeyId } from '../../../src/ipvs/reconcile';
import { FakeIpvsKernel } from '../../helpers/fake-ipvs-kernel';
import { CheckEngine } from '../../../src/check/subsystem';
import type { Clock } from '../../../src/core/clock';
import type { KeepalivedConfig } from '../../../src/config/model';
import { run } from '../config/lvs-helpers';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function dest(address: string, weight = 1): DesiredDest {
  return { address, family: 'inet', port: 80, weight, fwdMethod: 'nat', uThreshold: 0, lThreshold: 0, name: `[${address}]:tcp:80`, sorry: false };
}

function svc(address: string, dests: DesiredDest[]): DesiredService {
  return {
    key: { family: 'inet', protocol: 'tcp', address, port: 80 },
    name: `[${address}]:tcp:80`,
    scheduler: 'rr',
    flags: { flag1: false, flag2: false, flag3: false },
    onePacket: false,
    hashed: false,
    timeout: null,
    netmask: null,
    peName: null,
    dests,
  };
}

/** 50 services of 2 destinations each. */
function farm(): DesiredService[] {
  return Array.from({ length: 50 }, (_, i) => svc(`10.0.0.${i + 1}`, [dest(`10.1.${i}.1`), dest(`10.1.${i}.2`)]));
}

test('a delta is reconciled alone: one service read (no dump), one destination removed, nothing else touched', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quiet, { backend: k.client() });
  const all = farm();
  await drv.apply({ services: all });
  assert.equal(k.services.size, 50);
  k.reset();
  const changed = svc('10.0.0.7', [dest('10.1.6.2')]);
  const state: DesiredState = { services: all.map((s) => (s.name === changed.name ? changed : s)) };
  await drv.apply(state, { services: [changed], removed: [] });
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, DEL_DEST: 1 });
  assert.ok(k.requests.every((r) => r.key && serviceKeyId(r.key) === 'tcp|inet|10.0.0.7|80'));
  assert.deepEqual([...k.services.get('tcp|inet|10.0.0.7|80')!.dests.keys()], ['inet|10.1.6.2|80']);
  assert.equal(drv.stats().partial, 1);
});

test('a delta removal deletes that owned service only, without reading it', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quiet, { backend: k.client() });
  const all = farm();
  await drv.apply({ services: all });
  k.reset();
  const gone = all[3]!;
  await drv.apply({ services: all.filter((s) => s !== gone) }, { services: [], removed: [gone.key] });
  assert.deepEqual(k.counts(), { DEL_SERVICE: 1 });
  assert.equal(serviceKeyId(k.requests[0]!.key!), 'tcp|inet|10.0.0.4|80');
  assert.equal(k.services.size, 49);
});

test('the first apply reconciles everything even when given a delta; after a refused operation only that service is reconciled again', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quiet, { backend: k.client() });
  const all = farm();
  await drv.apply({ services: all }, { services: [all[0]!], removed: [] });
  assert.equal(k.services.size, 50, 'first apply: full');
  k.refuse = (r) => (r.cmd === 'SET_DEST' ? 22 : undefined);
  const w2 = svc('10.0.0.1', [dest('10.1.0.1', 2), dest('10.1.0.2')]);
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [w2], removed: [] });
  assert.equal(drv.stats().errors, 1);
  k.refuse = () => undefined;
  // a change elsewhere: the failed service is read and repaired too, and nothing else
  k.reset();
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [all[9]!], removed: [] });
  assert.deepEqual(k.counts(), { GET_SERVICE: 2, 'GET_DEST dump': 2, SET_DEST: 1 });
  assert.equal(k.services.get('tcp|inet|10.0.0.1|80')!.dests.get('inet|10.1.0.1|80')!.weight, 2);
  // and once repaired, deltas concern their own services again
  k.reset();
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [all[9]!], removed: [] });
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1 });
});

test('opening IPVS failing is logged once; full applies retry it, delta applies wait', async () => {
  const lines: string[] = [];
  const drv = createIpvsApply({ info: () => undefined, warn: () => undefined, error: (m) => void lines.push(m) }, { backend: () => Promise.reject(new Error('no ip_vs')) });
  for (let i = 0; i < 5; i++) await drv.apply({ services: farm() });
  const before = drv.stats().errors;
  for (let i = 0; i < 5; i++) await drv.apply({ services: farm() }, { services: [], removed: [] });
  assert.equal(drv.stats().errors, before, 'delta applies do not reopen right after a failure');
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.ok(drv.stats().errors >= 1);
});

/** `n` virtual servers of 5 real servers without checker (always up); virtual server `v` has its first weight `w`. */
function conf(n: number, v: number, w: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`virtual_server 10.0.${i >> 8}.${i & 255} 80 {`, '  lvs_sched wlc', '  lvs_method NAT', '  protocol TCP');
    for (let d = 0; d < 5; d++) out.push(`  real_server 10.1.${d}.${(i % 250) + 1} 8080 {`, `    weight ${i === v && d === 0 ? w : 1}`, '  }');
    out.push('}');
  }
  return out.join('\n');
}

test('the engine over the driver: a reload changing one weight among 2,000 virtual servers is one SET_DEST; stop is one DEL_SERVICE each', async () => {
  const k = new FakeIpvsKernel();
  const foreign = { family: 'inet' as const, protocol: 'tcp' as const, address: '192.0.2.1', port: 443 };
  k.seed(foreign, ['192.0.2.2']);
  const drv = createIpvsApply(quiet, { backend: k.client() });
  const idle: Clock = { now: () => 0, wallNow: () => new Date(0), setTimer: () => ({ cancel: () => undefined }) };
  const e = new CheckEngine({ clock: idle, logger: { info: () => undefined, warn: () => undefined }, apply: drv.apply, writeFifo: () => undefined, random: () => 0 });
  await e.start(run(conf(2000, 1234, 1)).cfg as unknown as KeepalivedConfig);
  assert.deepEqual(k.counts(), { 'GET_SERVICE dump': 1, NEW_SERVICE: 2000, NEW_DEST: 10_000 });
  k.reset();
  await e.reload(run(conf(2000, 1234, 7)).cfg as unknown as KeepalivedConfig);
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, SET_DEST: 1 });
  assert.equal(k.services.get('tcp|inet|10.0.4.210|80')!.dests.get('inet|10.1.0.235|8080')!.weight, 7);
  k.reset();
  await e.reload(run(conf(2000, 1234, 7)).cfg as unknown as KeepalivedConfig);
  assert.deepEqual(k.counts(), {}, 'a reload that changes nothing sends nothing');
  await e.stop();
  await drv.stop(true);
  assert.deepEqual(k.counts(), { DEL_SERVICE: 2000 });
  assert.deepEqual([...k.services.keys()], ['tcp|inet|192.0.2.1|443']);
});

test("stop withdraws the services first; keepalived's shutdown lines follow, in slices that let the event loop turn", async () => {
  const events: string[] = [];
  const idle: Clock = { now: () => 0, wallNow: () => new Date(0), setTimer: () => ({ cancel: () => undefined }) };
  const e = new CheckEngine({
    clock: idle,
    logger: { info: (m) => void events.push(m.startsWith('Shutting down service') ? 'line' : m), warn: () => undefined },
    apply: async (s) => void events.push(`apply ${s.services.length}`),
    writeFifo: () => undefined,
    random: () => 0,
    installSliceMs: 0,
  });
  await e.start(run(conf(200, -1, 1)).cfg as unknown as KeepalivedConfig);
  events.length = 0;
  let stopping = true;
  const tick = (): void => {
    events.push('tick');
    if (stopping) setImmediate(tick);
  };
  setImmediate(tick);
  await e.stop();
  stopping = false;
  const work = events.filter((x) => x !== 'tick');
  assert.equal(work[0], 'apply 0', 'the withdrawal comes before any shutdown line');
  assert.equal(work.filter((x) => x === 'line').length, 1000);
  const first = events.indexOf('line');
  const last = events.lastIndexOf('line');
  assert.ok(events.slice(first, last).includes('tick'), 'the event loop turned while the lines were logged');
});
