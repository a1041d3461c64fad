// Unit tests of the IPVS driver against an in-memory IPVS table: mapping, ownership, errors, global settings, stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredDest, DesiredService, DesiredState } from '../../../src/check/desired';
import type { IpvsDaemon, IpvsDestEntry, IpvsServiceEntry, IpvsServiceKey, IpvsTimeouts } from '../../../src/ipvs/attrs';
import { serviceFlags } from '../../../src/ipvs/attrs';
import type { AppliedOp } from '../../../src/ipvs/client';
import { destKeyId, serviceKeyId, type IpvsOp } from '../../../src/ipvs/reconcile';
import { NetlinkError } from '../../../src/netlink/errors';
import {
  createIpvsApply,
  toIpvsDest,
  toIpvsService,
  toSyncDaemons,
  toTimeouts,
  toVirtualServers,
  type IpvsBackend,
} from '../../../src/ipvs/driver';

function nlError(errno: number): NetlinkError {
  return new NetlinkError(errno, { type: 32, label: 'IPVS_CMD_TEST' });
}

/** An in-memory IPVS table with the client's surface, recording calls; `refuse` makes an operation fail. */
class FakeIpvs implements IpvsBackend {
  services = new Map<string, { service: IpvsServiceEntry; dests: Map<string, IpvsDestEntry> }>();
  calls: string[] = [];
  timeouts: IpvsTimeouts | null = null;
  daemons: IpvsDaemon[] = [];
  closed = false;
  refuse: (op: IpvsOp) => number | undefined = () => undefined;

  seed(key: IpvsServiceKey, dests: string[] = []): void {
    const service: IpvsServiceEntry = { key, scheduler: 'rr', rawFlags: 2 };
    const m = new Map<string, IpvsDestEntry>();
    for (const a of dests) {
      const d: IpvsDestEntry = { address: a, port: 80, forward: 'nat', weight: 1, activeConns: 0, inactiveConns: 0, persistentConns: 0 };
      m.set(destKeyId(d), d);
    }
    this.services.set(serviceKeyId(key), { service, dests: m });
  }

  listServices(): Promise<IpvsServiceEntry[]> {
    this.calls.push('list-services');
    return Promise.resolve([...this.services.values()].map((s) => s.service));
  }

  listDests(key: IpvsServiceKey): Promise<IpvsDestEntry[]> {
    this.calls.push(`list-dests ${serviceKeyId(key)}`);
    const s = this.services.get(serviceKeyId(key));
    if (!s) return Promise.reject(nlError(3));
    return Promise.resolve([...s.dests.values()]);
  }

  apply(ops: readonly IpvsOp[]): Promise<AppliedOp[]> {
    const done: AppliedOp[] = [];
    for (const op of ops) {
      const errno = this.refuse(op);
      if (errno !== undefined) return Promise.reject(nlError(errno));
      this.calls.push(op.op);
      switch (op.op) {
        case 'add-service':
        case 'edit-service':
          this.services.set(serviceKeyId(op.service.key), {
            service: { ...op.service, rawFlags: serviceFlags(op.service) | 2 },
            dests: this.services.get(serviceKeyId(op.service.key))?.dests ?? new Map(),
          });
          break;
        case 'del-service':
          this.services.delete(serviceKeyId(op.key));
          break;
        case 'add-dest':
        case 'edit-dest': {
          const s = this.services.get(serviceKeyId(op.key));
          if (!s) return Promise.reject(nlError(3));
          s.dests.set(destKeyId(op.dest), { ...op.dest, activeConns: 0, inactiveConns: 0, persistentConns: 0 });
          break;
        }
        case 'del-dest':
          this.services.get(serviceKeyId(op.key))?.dests.delete(destKeyId(op.dest));
          break;
      }
      done.push({ op, outcome: 'done' });
    }
    return Promise.resolve(done);
  }

  flush(): Promise<void> {
    this.calls.push('flush');
    this.services.clear();
    return Promise.resolve();
  }

  setTimeouts(t: IpvsTimeouts): Promise<void> {
    this.calls.push('set-timeouts');
    this.timeouts = t;
    return Promise.resolve();
  }

  startDaemon(d: IpvsDaemon): Promise<void> {
    this.calls.push(`start-daemon ${d.state}`);
    this.daemons.push(d);
    return Promise.resolve();
  }

  stopDaemon(state: IpvsDaemon['state']): Promise<void> {
    this.calls.push(`stop-daemon ${state}`);
    this.daemons = this.daemons.filter((d) => d.state !== state);
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }
}

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

test('apply: installs, is idempotent, and a weight change is one edit', async () => {
  const k = new FakeIpvs();
  const drv = createIpvsApply(quietLogger(), { backend: k });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1'), dest('10.0.1.2')])));
  assert.deepEqual(k.calls.filter((c) => !c.startsWith('list')), ['add-service', 'add-dest', 'add-dest']);
  k.calls = [];
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1'), dest('10.0.1.2')])));
  assert.deepEqual(k.calls.filter((c) => !c.startsWith('list')), []);
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 0), dest('10.0.1.2')])));
  assert.deepEqual(k.calls.filter((c) => !c.startsWith('list')), ['edit-dest']);
  assert.equal(drv.stats().errors, 0);
  assert.equal(drv.stats().ops, 4);
});

test('apply: foreign services are never read in detail, edited or removed', async () => {
  const k = new FakeIpvs();
  const foreign: IpvsServiceKey = { family: 'inet', protocol: 'tcp', address: '192.0.2.9', port: 443 };
  k.seed(foreign, ['192.0.2.10']);
  const drv = createIpvsApply(quietLogger(), { backend: k });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  await drv.apply(state());
  await drv.stop(true);
  assert.ok(!k.calls.includes(`list-dests ${serviceKeyId(foreign)}`));
  assert.deepEqual([...k.services.keys()], [serviceKeyId(foreign)]);
  assert.equal(k.services.get(serviceKeyId(foreign))!.dests.size, 1);
  assert.ok(k.closed);
});

test('apply: a service no longer desired is removed; a pre-existing desired one is taken over', async () => {
  const k = new FakeIpvs();
  k.seed({ family: 'inet', protocol: 'tcp', address: '10.0.0.2', port: 80 }, ['10.9.9.9']);
  const drv = createIpvsApply(quietLogger(), { backend: k });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')]), svc('10.0.0.2', [dest('10.0.1.2')])));
  const taken = k.services.get('tcp|inet|10.0.0.2|80')!;
  assert.deepEqual([...taken.dests.values()].map((d) => d.address), ['10.0.1.2']);
  await drv.apply(state(svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.deepEqual([...k.services.keys()], ['tcp|inet|10.0.0.2|80']);
  assert.equal(drv.owned().length, 1);
});

test('apply: a refused service is logged with errno and counted, its destinations skipped, the rest applied, no rejection', async () => {
  const k = new FakeIpvs();
  k.refuse = (op) => (op.op === 'add-service' && op.service.scheduler === 'twos' ? 2 : undefined);
  const log = quietLogger();
  const drv = createIpvsApply(log, { backend: k });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')], { scheduler: 'twos' }), svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.deepEqual([...k.services.keys()], ['tcp|inet|10.0.0.2|80']);
  const s = drv.stats();
  assert.equal(s.errors, 1);
  assert.deepEqual(s.errnos, { '2': 1 });
  assert.equal(s.owned, 1);
  assert.ok(log.lines.some((l) => /^error IPVS: adding service \[10\.0\.0\.1\]:tcp:80 \(twos\) failed: .*errno 2/.test(l)), log.lines.join('\n'));
  // A later apply retries the refused service (it is still desired).
  k.refuse = () => undefined;
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')], { scheduler: 'twos' }), svc('10.0.0.2', [dest('10.0.1.2')])));
  assert.equal(k.services.size, 2);
  assert.equal(drv.stats(true).errors, 1);
  assert.equal(drv.stats().errors, 0, 'cleared');
});

test('apply: an unreachable IPVS family is an error, not a crash; the next apply retries', async () => {
  let attempts = 0;
  const k = new FakeIpvs();
  const drv = createIpvsApply(quietLogger(), {
    backend: () => {
      attempts++;
      return attempts === 1 ? Promise.reject(nlError(2)) : Promise.resolve(k);
    },
  });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  assert.equal(drv.stats().errors, 1);
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  assert.equal(k.services.size, 1);
});

test('apply: a kernel read error is counted and the apply resolves', async () => {
  const k = new FakeIpvs();
  k.listServices = () => Promise.reject(nlError(1));
  const drv = createIpvsApply(quietLogger(), { backend: k });
  await drv.apply(state(svc('10.0.0.1', [])));
  assert.deepEqual(drv.stats().errnos, { '1': 1 });
});

test("verify 'after-error': the kernel is read on the first apply and after an error only", async () => {
  const k = new FakeIpvs();
  const drv = createIpvsApply(quietLogger(), { backend: k, verify: 'after-error' });
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 2)])));
  assert.equal(drv.stats().dumps, 1);
  k.refuse = (op) => (op.op === 'edit-dest' ? 22 : undefined);
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)])));
  k.refuse = () => undefined;
  await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)])));
  assert.equal(drv.stats().dumps, 2);
  assert.equal([...k.services.get('tcp|inet|10.0.0.1|80')!.dests.values()][0]!.weight, 3);
});

test('lvs_flush, lvs_timeouts and the sync daemon are set up once, before the first apply', async () => {
  const k = new FakeIpvs();
  k.seed({ family: 'inet', fwmark: 9 });
  const drv = createIpvsApply(quietLogger(), {
    backend: k,
    flush: true,
    timeouts: { tcp: 900, udp: 30 },
    syncDaemon: { interface: 'eth0', syncId: 3, port: 8848, group: '224.0.0.81' },
  });
  await drv.apply(state(svc('10.0.0.1', [])));
  await drv.apply(state(svc('10.0.0.1', [])));
  assert.deepEqual(k.calls.slice(0, 4), ['flush', 'set-timeouts', 'start-daemon master', 'start-daemon backup']);
  assert.equal(k.calls.filter((c) => c === 'flush').length, 1);
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
    const k = new FakeIpvs();
    k.seed(foreign);
    const drv = createIpvsApply(quietLogger(), { backend: k, flushOnStop, syncDaemon: { interface: 'eth0', port: 8848, group: '224.0.0.81' } });
    await drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1')])));
    await drv.stop(release);
    assert.deepEqual([...k.services.keys()], expect, `release ${release} flushOnStop ${flushOnStop}`);
    assert.equal(k.daemons.length, release ? 0 : 2);
    await drv.apply(state(svc('10.0.0.3', [])));
    assert.ok(!k.services.has('tcp|inet|10.0.0.3|80'), 'no apply after stop');
  }
});

test('applies are serialised: concurrent calls run one after the other, the last state wins', async () => {
  const k = new FakeIpvs();
  const drv = createIpvsApply(quietLogger(), { backend: k });
  await Promise.all([
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 1)]))),
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 2)]))),
    drv.apply(state(svc('10.0.0.1', [dest('10.0.1.1', 3)]))),
  ]);
  assert.equal([...k.services.get('tcp|inet|10.0.0.1|80')!.dests.values()][0]!.weight, 3);
  assert.equal(drv.stats().errors, 0);
});
