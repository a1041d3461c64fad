// Unit tests of the IPVS driver through the real client and netlink socket against an in-memory kernel that counts
// requests by command: mapping, ownership, errors, global settings, stop, and what a reload, a health change and a
// stop cost with 10,000 services present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredDest, DesiredService, DesiredState } from '../../../src/check/desired';
import type { IpvsServiceKey } from '../../../src/ipvs/attrs';
import { APPLY_BATCH } from '../../../src/ipvs/client';
import { serviceKeyId } from '../../../src/ipvs/reconcile';
import { createIpvsApply, toIpvsDest, toIpvsService, toSyncDaemons, toTimeouts, toVirtualServers } from '../../../src/ipvs/driver';
import { FakeIpvsKernel } from '../../helpers/fake-ipvs-kernel';

function quietLogger(): { info: (m: string) => void; warn: (m: string) => void; error: (m: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

function dest(address: string, weight = 1, more: Partial<DesiredDest> = {}): DesiredDest {
  return { address, family: 'inet', port: 80, weight, fwdMethod: 'nat', uThreshold: 0, lThreshold: 0, name: `[${address}]:tcp:80`, sorry: false, ...more };
}

function svc(address: string, dests: DesiredDest[], more: Partial<DesiredService> = {}): DesiredService {
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
    ...more,
  };
}

const state = (...services: DesiredService[]): DesiredState => ({ services });

test('mapping: persistence, granularity, engine, scheduler flags and ops', () => {
  const s = toIpvsService(
    svc('10.0.0.1', [], { scheduler: 'sh', flags: { flag1: true, flag2: true, flag3: false }, onePacket: true, timeout: 300, netmask: 24, peName: 'sip', hashed: true }),
  );
  assert.deepEqual(s, {
    key: { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
    scheduler: 'sh',
    schedulerFlags: { flag1: true, flag2: true },
    onePacket: true,
    persistence: { timeout: 300, prefixLength: 24, engine: 'sip' },
  });
  assert.deepEqual(toIpvsService(svc('10.0.0.1', [])), { key: { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 }, scheduler: 'rr' });
  const fw = toIpvsService({ ...svc('::1', []), key: { family: 'inet6', fwmark: 7 }, timeout: 0, netmask: null });
  assert.deepEqual(fw.key, { family: 'inet6', fwmark: 7 });
  assert.deepEqual(fw.persistence, { timeout: 0 });
});

test('mapping: NAT, DR and TUN destinations with thresholds and tunnel options', () => {
  assert.deepEqual(toIpvsDest(dest('10.0.1.1', 3, { uThreshold: 100, lThreshold: 10 })), {
    address: '10.0.1.1', family: 'inet', port: 80, forward: 'nat', weight: 3, upperThreshold: 100, lowerThreshold: 10,
  });
  assert.equal(toIpvsDest(dest('10.0.1.1', 1, { fwdMethod: 'dr' })).forward, 'dr');
  assert.deepEqual(toIpvsDest(dest('2001:db8::1', 1, { family: 'inet6', fwdMethod: 'tun', tunType: 'gue', tunPort: 6080, tunFlags: 'remcsum' })).tunnel, {
    type: 'gue', port: 6080, csum: 'remcsum',
  });
  assert.deepEqual(toIpvsDest(dest('10.0.1.1', 1, { fwdMethod: 'tun' })).tunnel, { type: 'ipip' });
  assert.equal(toIpvsDest(dest('10.0.1.1', 1, { tunType: 'gre' })).tunnel, undefined, 'no tunnel for NAT');
});

test('mapping: duplicate services and destinations keep the first', () => {
  const v = toVirtualServers(state(svc('10.0.0.1', [dest('10.0.1.1', 1), dest('10.0.1.1', 5)]), svc('10.0.0.1', [])));
  assert.equal(v.length, 1);
  assert.equal(v[0]!.dests.length, 1);
  assert.equal(v[0]!.dests[0]!.weight, 1);
});

test('mapping: lvs_timeouts and lvs_sync_daemon', () => {
  assert.equal(toTimeouts(undefined), undefined);
  assert.equal(toTimeouts({}), undefined);
  assert.deepEqual(toTimeouts({ tcp: 900 }), { tcp: 900, tcpFin: 0, udp: 0 });
  assert.deepEqual(toTimeouts({ tcp: 1, tcpfin: 2, udp: 3 }), { tcp: 1, tcpFin: 2, udp: 3 });
  assert.deepEqual(toSyncDaemons({ interface: 'eth0', vrrpInstance: 'VI_1', port: 8848, group: '224.0.0.81' }), []);
  const d = toSyncDaemons({ interface: 'eth0', syncId: 7, maxLen: 1400, port: 8848, group: '224.0.0.81', ttl: 2 });
  assert.deepEqual(d.map((x) => x.state), ['master', 'backup']);
  assert.deepEqual(d[0], { state: 'master', interface: 'eth0', syncId: 7, maxLen: 1400, group: '224.0.0.81', port: 8848, ttl: 2 });
});

const tcp = (address: string, port = 80): IpvsServiceKey => ({ family: 'inet', protocol: 'tcp', address, port });
const weightOf = (k: FakeIpvsKernel, svcAddr: string, dst: string): number | undefined =>
  [...(k.services.get(serviceKeyId(tcp(svcAddr)))?.dests.values() ?? [])].find((d) => d.address === dst)?.weight;
/** Requests that name `key`, whatever the command. */
const touching = (k: FakeIpvsKernel, key: IpvsServiceKey): string[] => k.requests.filter((r) => r.key && serviceKeyId(r.key) === serviceKeyId(key)).map((r) => r.cmd);

test('apply: installs, is idempotent, and a weight change is one edit', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1'), dest('10.0.1.2')])));
  assert.deepEqual(k.counts(), { 'GET_SERVICE dump': 1, NEW_SERVICE: 1, NEW_DEST: 2 });
  assert.equal(k.datagrams, 2, 'the dump, then the three operations in one datagram');
  k.reset();
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1'), dest('10.0.1.2')])));
  assert.deepEqual(k.counts(), {}, 'the same state again: nothing read, nothing sent');
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 0), dest('10.0.1.2')])));
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, SET_DEST: 1 });
  assert.equal(weightOf(k, '10.0.0.1', '10.0.1.1'), 0);
  assert.equal(drv.stats().errors, 0);
  assert.equal(drv.stats().ops, 4);
});

test('apply: foreign services are never read in detail, edited or removed', async () => {
  const k = new FakeIpvsKernel();
  const foreign = tcp('192.0.2.9', 443);
  k.seed(foreign, ['192.0.2.10']);
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  await drv.apply(state());
  await drv.stop(true);
  assert.deepEqual(touching(k, foreign), []);
  assert.deepEqual([...k.services.keys()], [serviceKeyId(foreign)]);
  assert.equal(k.services.get(serviceKeyId(foreign))!.dests.size, 1);
  assert.ok(k.closed);
});

test('apply: a service no longer desired is removed; a pre-existing desired one is taken over', async () => {
  const k = new FakeIpvsKernel();
  k.seed(tcp('10.0.0.2'), ['10.9.9.9']);
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')]), svc('10.0.0.2', [dest('10.0.1.2')])));
  const taken = k.services.get('tcp|inet|10.0.0.2|80')!;
  assert.deepEqual([...taken.dests.values()].map((d) => d.address), ['10.0.1.2']);
  k.reset();
  await drv.apply(state(svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.deepEqual(k.counts(), { DEL_SERVICE: 1 }, 'removing one of ours reads nothing');
  assert.deepEqual([...k.services.keys()], ['tcp|inet|10.0.0.2|80']);
  assert.equal(drv.owned().length, 1);
});

test('apply: a service we removed and someone else then created with the same key is not ours: left alone, even on stop', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')]), svc('10.0.0.2', [dest('10.0.1.2')])));
  await drv.apply(state(svc('10.0.0.2', [dest('10.0.1.2')])));
  k.seed(tcp('10.0.0.1'), ['192.0.2.77']);
  k.reset();
  await drv.apply(state(svc('10.0.0.2', [dest('10.0.1.2', 3)])));
  await drv.stop(true);
  assert.deepEqual(touching(k, tcp('10.0.0.1')), []);
  assert.deepEqual([...k.services.keys()], ['tcp|inet|10.0.0.1|80']);
});

test('apply: a refused service is logged with errno and counted, its destinations skipped, the rest applied, no rejection', async () => {
  const k = new FakeIpvsKernel();
  k.refuse = (r) => (r.cmd === 'NEW_SERVICE' && r.service?.scheduler === 'twos' ? 2 : undefined);
  const log = quietLogger();
  const drv = createIpvsApply(log, { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')], { scheduler: 'twos' }), svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.deepEqual([...k.services.keys()], ['tcp|inet|10.0.0.2|80']);
  const s = drv.stats();
  assert.equal(s.errors, 1);
  assert.deepEqual(s.errnos, { '2': 1 });
  assert.equal(s.owned, 1);
  assert.equal(log.lines.filter((l) => l.startsWith('error')).length, 1, log.lines.join('\n'));
  assert.ok(log.lines.some((l) => /^error IPVS: adding service \[10\.0\.0\.1\]:tcp:80 \(twos\) failed: .*errno 2/.test(l)), log.lines.join('\n'));
  // A later apply of the whole state retries the refused service (it is still desired), and only it.
  k.refuse = () => undefined;
  k.reset();
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')], { scheduler: 'twos' }), svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.equal(k.services.size, 2);
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, NEW_SERVICE: 1, NEW_DEST: 1 });
  assert.equal(drv.stats(true).errors, 1);
  assert.equal(drv.stats().errors, 0, 'cleared');
});

test('apply: an unreachable IPVS family is an error, not a crash; the next apply retries', async () => {
  let attempts = 0;
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), {
    backend: () => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error('no ip_vs')) : Promise.resolve(k.client());
    },
  });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  assert.equal(drv.stats().errors, 1);
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  assert.equal(k.services.size, 1);
});

test('apply: a failed read of the table is counted, the apply resolves, and the next one reads it again', async () => {
  const k = new FakeIpvsKernel();
  k.refuse = (r) => (r.cmd === 'GET_SERVICE' && r.dump ? 1 : undefined);
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(state(svc('10.0.0.1', [])));
  assert.deepEqual(drv.stats().errnos, { '1': 1 });
  assert.equal(k.services.size, 0);
  k.refuse = () => undefined;
  await drv.apply(state(svc('10.0.0.1', [])));
  assert.equal(k.counts()['GET_SERVICE dump'], 2);
  assert.equal(k.services.size, 1);
});

test("verify 'after-error': the kernel is read on the first apply, then only the services an error left in doubt", async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), { backend: k.client(), verify: 'after-error' });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')]), svc('10.0.0.2', [dest('10.0.2.1')])));
  k.reset();
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 2)]), svc('10.0.0.2', [dest('10.0.2.1')])));
  assert.deepEqual(k.counts(), { SET_DEST: 1 }, 'no read at all');
  k.refuse = (r) => (r.cmd === 'SET_DEST' ? 22 : undefined);
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)]), svc('10.0.0.2', [dest('10.0.2.1')])));
  k.refuse = () => undefined;
  k.reset();
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)]), svc('10.0.0.2', [dest('10.0.2.1', 4)])));
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, SET_DEST: 2 }, 'the service in doubt is read, the other is not');
  assert.equal(drv.stats().dumps, 1);
  assert.equal(weightOf(k, '10.0.0.1', '10.0.1.1'), 3);
  assert.equal(weightOf(k, '10.0.0.2', '10.0.2.1'), 4);
});

test('lvs_flush, lvs_timeouts and the sync daemon are set up once, before the first apply', async () => {
  const k = new FakeIpvsKernel();
  k.seed({ family: 'inet', fwmark: 9 });
  const drv = createIpvsApply(quietLogger(), {
    backend: k.client(),
    flush: true,
    timeouts: { tcp: 900, udp: 30 },
    syncDaemon: { interface: 'eth0', syncId: 3, port: 8848, group: '224.0.0.81' },
  });
  await drv.apply(state(svc('10.0.0.1', [])));
  await drv.apply(state(svc('10.0.0.1', [])));
  assert.deepEqual(k.requests.slice(0, 4).map((r) => r.cmd), ['FLUSH', 'SET_CONFIG', 'NEW_DAEMON', 'NEW_DAEMON']);
  assert.deepEqual(k.daemons.map((d) => d.state), ['master', 'backup']);
  assert.equal(k.counts()['FLUSH'], 1);
  assert.deepEqual(k.timeouts, { tcp: 900, tcpFin: 0, udp: 30 });
  await drv.reconfigure({ timeouts: { tcp: 60 } });
  assert.deepEqual(k.timeouts, { tcp: 60, tcpFin: 0, udp: 0 });
  assert.equal(k.daemons.length, 0, 'sync daemon removed from the config: stopped');
  await drv.stop(true);
  assert.equal(k.services.size, 0);
});

test('stop: release removes only our services; -I keeps them; lvs_flush_on_stop flushes everything', async () => {
  const foreign: IpvsServiceKey = { family: 'inet', protocol: 'udp', address: '192.0.2.1', port: 53 };
  for (const [release, flushOnStop, expect] of [
    [true, false, [serviceKeyId(foreign)]],
    [true, 'vs', [serviceKeyId(foreign)]],
    [false, 'on', [serviceKeyId(foreign), 'tcp|inet|10.0.0.1|80']],
    [true, 'on', []],
  ] as const) {
    const k = new FakeIpvsKernel();
    k.seed(foreign);
    const drv = createIpvsApply(quietLogger(), { backend: k.client(), flushOnStop, syncDaemon: { interface: 'eth0', port: 8848, group: '224.0.0.81' } });
    await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
    await drv.stop(release);
    assert.deepEqual([...k.services.keys()], expect, `release ${release} flushOnStop ${flushOnStop}`);
    assert.equal(k.daemons.length, release ? 0 : 2);
    await drv.apply(state(svc('10.0.0.3', [])));
    assert.ok(!k.services.has('tcp|inet|10.0.0.3|80'), 'no apply after stop');
  }
});

test('applies are serialised: concurrent calls run one after the other, the last state wins', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await Promise.all([
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 1)]))),
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 2)]))),
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)]))),
  ]);
  assert.equal(weightOf(k, '10.0.0.1', '10.0.1.1'), 3);
  assert.equal(drv.stats().errors, 0);
});

function farm(n: number, w = (_i: number): number => 1): DesiredState {
  return { services: Array.from({ length: n }, (_, i) => svc(`10.0.0.${i + 1}`, [dest(`10.1.${i}.1`, w(i)), dest(`10.1.${i}.2`)])) };
}

// --- 10,000 services x 5 destinations: what one change costs -------------------------------------------------------

const N = 10_000;
const vip = (i: number): string => `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
function bigState(weightOf0 = 1, drop?: number): DesiredState {
  const services: DesiredService[] = [];
  for (let i = 0; i < N; i++) {
    const dests = [0, 1, 2, 3, 4].filter((d) => !(i === drop && d === 4)).map((d) => dest(`10.0.${d}.${(i % 250) + 1}`, i === N >> 1 && d === 0 ? weightOf0 : 1));
    services.push(svc(vip(i), dests));
  }
  return { services };
}

test('10,000 services: cold start, a reload changing one weight, a health change, stop: each costs what it changes', async (t) => {
  const k = new FakeIpvsKernel();
  const foreign = tcp('192.0.2.1', 443);
  k.seed(foreign, ['192.0.2.2', '192.0.2.3']);
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await t.test('cold start: one dump (the table holds only a foreign service), 60,000 operations in batches', async () => {
    await drv.apply(bigState());
    assert.deepEqual(k.counts(), { 'GET_SERVICE dump': 1, NEW_SERVICE: N, NEW_DEST: 5 * N });
    assert.equal(k.datagrams, 1 + Math.ceil((6 * N) / APPLY_BATCH));
    assert.equal(drv.stats().ops, 6 * N);
  });
  await t.test('reload (the whole state again) whose only change is one weight: one SET_DEST, no dump', async () => {
    k.reset();
    await drv.apply(bigState(7));
    assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, SET_DEST: 1 });
    const changed = tcp(vip(N >> 1));
    assert.ok(k.requests.every((r) => r.key && serviceKeyId(r.key) === serviceKeyId(changed)), 'only the changed service is named');
    assert.equal(weightOf(k, vip(N >> 1), `10.0.0.${((N >> 1) % 250) + 1}`), 7);
  });
  await t.test('health change (a delta): that one service read without a dump', async () => {
    k.reset();
    const after = bigState(7, 4000);
    await drv.apply(after, { services: [after.services[4000]!], removed: [] });
    assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, DEL_DEST: 1 });
    assert.equal(k.services.get(serviceKeyId(tcp(vip(4000))))!.dests.size, 4);
    assert.equal(drv.stats().dumps, 1, 'the cold start only');
  });
  await t.test('stop (the engine withdraws everything, the driver releases the rest): one DEL_SERVICE per service we own, nothing read', async () => {
    k.reset();
    await drv.apply({ services: [] });
    await drv.stop(true);
    assert.deepEqual(k.counts(), { DEL_SERVICE: N });
    assert.equal(k.datagrams, Math.ceil(N / APPLY_BATCH));
    assert.deepEqual(touching(k, foreign), []);
    assert.deepEqual([...k.services.keys()], [serviceKeyId(foreign)]);
    assert.equal(k.services.get(serviceKeyId(foreign))!.dests.size, 2);
    assert.equal(drv.owned().length, 0);
  });
});

test("stop straight from the driver, and a reload with verify 'after-error': no reads either", async () => {
  const k = new FakeIpvsKernel();
  const foreign = tcp('192.0.2.1', 443);
  k.seed(foreign, ['192.0.2.2']);
  const drv = createIpvsApply(quietLogger(), { backend: k.client(), verify: 'after-error' });
  await drv.apply(farm(200));
  k.reset();
  await drv.apply(farm(200, (i) => (i === 150 ? 7 : 1)));
  assert.deepEqual(k.counts(), { SET_DEST: 1 });
  k.reset();
  await drv.stop(true);
  assert.deepEqual(k.counts(), { DEL_SERVICE: 200 });
  assert.deepEqual([...k.services.keys()], [serviceKeyId(foreign)]);
});

// --- failures: the kernel stays the truth for the services concerned ---------------------------------------------------


test('after a refused operation the next apply (a delta elsewhere) reads and repairs just that service; a second refusal waits for a change', async () => {
  const k = new FakeIpvsKernel();
  const log = quietLogger();
  const drv = createIpvsApply(log, { backend: k.client() });
  await drv.apply(farm(50));
  let refusals = 2; // the client retries a refused operation once, alone
  k.refuse = (r) => (r.cmd === 'SET_DEST' && r.key && serviceKeyId(r.key) === 'tcp|inet|10.0.0.1|80' && refusals-- > 0 ? 22 : undefined);
  const s1 = farm(50, (i) => (i === 0 ? 2 : 1));
  await drv.apply(s1, { services: [s1.services[0]!], removed: [] });
  assert.equal(drv.stats().errors, 1);
  assert.equal(weightOf(k, '10.0.0.1', '10.1.0.1'), 1, 'refused');
  k.reset();
  const s2 = farm(50, (i) => (i === 0 ? 2 : i === 9 ? 5 : 1));
  await drv.apply(s2, { services: [s2.services[9]!], removed: [] });
  assert.deepEqual(k.counts(), { GET_SERVICE: 2, 'GET_DEST dump': 2, SET_DEST: 2 }, 'the delta and the service in doubt, no dump');
  assert.equal(weightOf(k, '10.0.0.1', '10.1.0.1'), 2, 'repaired');
  assert.equal(weightOf(k, '10.0.0.10', '10.1.9.1'), 5);
  // A refusal that persists: retried once by the next apply, then left until it changes (or a full apply).
  k.refuse = (r) => (r.cmd === 'SET_DEST' && r.key && serviceKeyId(r.key) === 'tcp|inet|10.0.0.3|80' ? 22 : undefined);
  const s3 = farm(50, (i) => (i === 2 ? 9 : i === 0 ? 2 : i === 9 ? 5 : 1));
  await drv.apply(s3, { services: [s3.services[2]!], removed: [] });
  await drv.apply(s3, { services: [s3.services[20]!], removed: [] });
  k.reset();
  await drv.apply(s3, { services: [s3.services[21]!], removed: [] });
  assert.deepEqual(touching(k, tcp('10.0.0.3')), [], 'not retried on every apply');
  assert.equal(drv.stats().errors, 3);
  k.refuse = () => undefined;
  k.reset();
  await drv.apply(s3); // a reload: what is in doubt is reconciled
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, SET_DEST: 1 });
  assert.equal(weightOf(k, '10.0.0.3', '10.1.2.1'), 9);
});

test('someone else changed one of our services: an apply that concerns it repairs it; EEXIST and ESRCH races are absorbed', async () => {
  const k = new FakeIpvsKernel();
  const drv = createIpvsApply(quietLogger(), { backend: k.client() });
  await drv.apply(farm(3));
  // deleted behind our back, then its weight changes: the read finds it gone, it is added again whole
  k.services.delete('tcp|inet|10.0.0.2|80');
  const s1 = farm(3, (i) => (i === 1 ? 4 : 1));
  await drv.apply(s1, { services: [s1.services[1]!], removed: [] });
  assert.equal(weightOf(k, '10.0.0.2', '10.1.1.1'), 4);
  assert.equal(k.services.get('tcp|inet|10.0.0.2|80')!.dests.size, 2);
  // a destination added by someone between our read and our add: EEXIST becomes an edit
  const s2 = farm(3, (i) => (i === 1 ? 4 : 1));
  const withNew = { ...s2.services[1]!, dests: [...s2.services[1]!.dests, dest('10.1.1.3', 6)] };
  k.refuse = (r) => {
    const table = k.services.get('tcp|inet|10.0.0.2|80')!.dests;
    if (r.cmd === 'NEW_DEST' && r.dest?.address === '10.1.1.3' && !table.has('inet|10.1.1.3|80')) {
      table.set('inet|10.1.1.3|80', { address: '10.1.1.3', family: 'inet', port: 80, forward: 'nat', weight: 1, activeConns: 0, inactiveConns: 0, persistentConns: 0 });
    }
    return undefined;
  };
  k.reset();
  await drv.apply({ services: [s2.services[0]!, withNew, s2.services[2]!] }, { services: [withNew], removed: [] });
  assert.equal(weightOf(k, '10.0.0.2', '10.1.1.3'), 6);
  assert.deepEqual(k.counts(), { GET_SERVICE: 1, 'GET_DEST dump': 1, NEW_DEST: 2, SET_DEST: 1 }, 'NEW_DEST, EEXIST, again alone, EEXIST, SET_DEST');
  // a service we remove that someone removed first: ESRCH is "already gone"
  k.refuse = () => undefined;
  k.services.delete('tcp|inet|10.0.0.3|80');
  await drv.apply({ services: [s2.services[0]!, withNew] }, { services: [], removed: [s2.services[2]!.key] });
  assert.equal(drv.stats().errors, 0);
  assert.equal(drv.owned().length, 2);
});

test('a kernel that stops answering: the operations time out, are counted once each, logged in a bounded number of lines, and repaired later', async () => {
  const k = new FakeIpvsKernel();
  const log = quietLogger();
  const drv = createIpvsApply(log, { backend: k.client(100) });
  await drv.apply(farm(50));
  k.mute = (r) => r.cmd === 'SET_DEST';
  const all = farm(50, () => 3);
  await drv.apply(all);
  const s = drv.stats();
  assert.equal(s.errors, 50, 'every SET_DEST of the batch');
  assert.ok(log.lines.filter((l) => l.startsWith('error')).length <= 21, log.lines.join('\n'));
  assert.ok(log.lines.some((l) => /30 more failure\(s\) not logged/.test(l)), log.lines.join('\n'));
  k.mute = () => false;
  k.reset();
  await drv.apply(all, { services: [], removed: [] });
  assert.equal(k.counts()['GET_SERVICE dump'], 1, 'fifty services in doubt: one dump is cheaper than fifty reads');
  for (let i = 0; i < 50; i++) assert.equal(weightOf(k, `10.0.0.${i + 1}`, `10.1.${i}.1`), 3);
});
