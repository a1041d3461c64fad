// Real-kernel IPVS tests of the netlink client and reconcile, in a network namespace of their own (run in the VM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { IpvsClient } from '../../../src/ipvs/client';
import { reconcile, destSettingsEqual, serviceKeyId, serviceSettingsEqual, type IpvsOp, type IpvsVirtualServer } from '../../../src/ipvs/reconcile';
import { IPVS_SCHEDULERS } from '../../../src/ipvs/constants';
import type { IpvsDest, IpvsServiceKey } from '../../../src/ipvs/attrs';
import { NetlinkError } from '../../../src/netlink/errors';

const inVm = process.env.TSKA_VM === '1';
const isRoot = process.getuid?.() === 0;
const kernelHasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
const skipReason = !isRoot
  ? 'needs root (network namespaces, IPVS)'
  : !inVm && !kernelHasIpvs
    ? 'needs a kernel with ip_vs: run inside the VM (scripts/vm/run.sh node --test <build>/test/vm/)'
    : undefined;

// The tests run in a fresh network namespace: this file re-runs itself under `unshare --net` once.
const inOwnNetns = process.env.TSKA_IPVS_TEST_NETNS === '1';

if (!inOwnNetns) {
  test('IPVS client against the kernel (in its own network namespace)', { skip: skipReason }, () => {
    // Run as a plain script (not under --test, whose context variable would make the child skip its tests).
    const env: NodeJS.ProcessEnv = { ...process.env, TSKA_IPVS_TEST_NETNS: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('unshare', ['--net', '--', process.execPath, '--test-reporter=spec', __filename], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    assert.equal(r.status, 0, `the namespaced run failed (status ${r.status}, signal ${r.signal})`);
  });
} else {
  namespacedTests();
}

function ipvsadm(...args: string[]): string {
  return execFileSync('ipvsadm', args, { encoding: 'utf8' });
}

/** `ipvsadm -Ln` as { 'TCP 10.1.0.1:80': { sched, dests: ['10.2.0.1:80 Masq 1'] } }. */
function ipvsadmList(): Map<string, { sched: string; dests: string[] }> {
  const out = new Map<string, { sched: string; dests: string[] }>();
  let cur: { sched: string; dests: string[] } | undefined;
  for (const line of ipvsadm('-Ln').split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\S+)/.exec(line);
    if (svc) {
      cur = { sched: svc[3]!, dests: [] };
      out.set(`${svc[1]} ${svc[2]}`, cur);
      continue;
    }
    const d = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(line);
    if (d && cur && d[1] !== 'RemoteAddress:Port') cur.dests.push(`${d[1]} ${d[2]} ${d[3]}`);
  }
  return out;
}

function ipvsadmName(k: IpvsServiceKey): string {
  if ('fwmark' in k) return `FWM ${k.fwmark}`;
  const a = k.family === 'inet6' ? `[${k.address}]` : k.address;
  return `${k.protocol.toUpperCase()} ${a}:${k.port}`;
}

const FORWARD_NAMES: Record<string, string> = { nat: 'Masq', dr: 'Route', tun: 'Tunnel', local: 'Local' };

function destName(d: IpvsDest): string {
  const a = d.address.includes(':') ? `[${d.address}]` : d.address;
  return `${a}:${d.port} ${FORWARD_NAMES[d.forward]} ${d.weight}`;
}

/** Schedulers whose ip_vs_<name> module this kernel has (Debian 6.1 has no ip_vs_twos: it came with Linux 6.2). */
function kernelSchedulers(): { have: string[]; missing: string[] } {
  const dir = `/lib/modules/${fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}/kernel/net/netfilter/ipvs`;
  const have: string[] = [];
  const missing: string[] = [];
  for (const s of IPVS_SCHEDULERS) {
    const present = fs.existsSync(dir) ? fs.readdirSync(dir).some((f) => f.startsWith(`ip_vs_${s}.ko`)) : true;
    (present ? have : missing).push(s);
  }
  return { have, missing };
}

/** One service per scheduler, cycling NAT / DR / TUN (ipip, gue, gre) destinations, plus v6, fwmark and SCTP services. */
function desiredState(schedulers: readonly string[]): IpvsVirtualServer[] {
  const out: IpvsVirtualServer[] = [];
  schedulers.forEach((scheduler, i) => {
    const key = { family: 'inet' as const, protocol: 'tcp' as const, address: `10.1.0.${i + 1}`, port: 80 };
    const dests: IpvsDest[] = [
      { address: `10.2.${i}.1`, port: 8080, forward: 'nat', weight: 1 + i, upperThreshold: 100, lowerThreshold: 10 },
      { address: `10.2.${i}.2`, port: 80, forward: 'dr', weight: 2 },
      i % 3 === 0
        ? { address: `10.2.${i}.3`, port: 80, forward: 'tun', weight: 3, tunnel: { type: 'ipip' } }
        : i % 3 === 1
          ? { address: `10.2.${i}.3`, port: 80, forward: 'tun', weight: 3, tunnel: { type: 'gue', port: 6080, csum: 'csum' } }
          : { address: `10.2.${i}.3`, port: 80, forward: 'tun', weight: 3, tunnel: { type: 'gre', csum: 'nocsum' } },
    ];
    out.push({
      service: {
        key,
        scheduler,
        ...(scheduler === 'sh' || scheduler === 'mh' ? { schedulerFlags: { flag1: true, flag2: true } } : {}),
        ...(i % 4 === 0 ? { persistence: { timeout: 300, prefixLength: 24 } } : {}),
      },
      dests,
    });
  });
  out.push({
    service: {
      key: { family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 },
      scheduler: 'sh',
      schedulerFlags: { flag2: true },
      onePacket: true,
      persistence: { timeout: 60, prefixLength: 64 },
    },
    dests: [
      { address: '2001:db8::10', port: 53, forward: 'nat', weight: 1 },
      { address: '2001:db8::11', port: 53, forward: 'dr', weight: 0 },
    ],
  });
  out.push({
    service: { key: { family: 'inet', fwmark: 7 }, scheduler: 'wrr', persistence: { timeout: 120, engine: 'sip' } },
    dests: [{ address: '10.3.0.1', port: 0, forward: 'dr', weight: 5 }],
  });
  out.push({
    service: { key: { family: 'inet', protocol: 'sctp', address: '10.1.1.1', port: 3868 }, scheduler: 'rr' },
    dests: [{ address: '10.3.1.1', port: 3868, forward: 'nat', weight: 1 }],
  });
  return out;
}

function namespacedTests(): void {
  let client: IpvsClient;
  const schedulers = kernelSchedulers();
  const desired = desiredState(schedulers.have);

  test.before(async () => {
    execFileSync('ip', ['link', 'set', 'lo', 'up']); // a new netns's lo is down; IPVS refuses dests until it was up once
    execFileSync('modprobe', ['ip_vs']);
    client = await IpvsClient.open();
  });
  test.after(() => client?.close());

  test('GET_INFO reports the kernel IPVS version', async () => {
    const info = await client.info();
    assert.match(info.version, /^1\.\d+\.\d+$/);
    assert.ok(info.connTabSize > 0);
  });

  test('reconcile from nothing creates every scheduler and forwarding method; dump and ipvsadm -Ln agree', async () => {
    assert.deepEqual(await client.dump(), []);
    const ops = reconcile(desired, []);
    assert.equal(ops.filter((o) => o.op === 'add-service').length, desired.length);
    const applied = await client.apply(ops);
    assert.ok(applied.every((a) => a.outcome === 'done'));

    const dump = await client.dump();
    assert.equal(dump.length, desired.length);
    const byId = new Map(dump.map((s) => [serviceKeyId(s.service.key), s]));
    const list = ipvsadmList();
    for (const want of desired) {
      const have = byId.get(serviceKeyId(want.service.key));
      assert.ok(have, `service ${serviceKeyId(want.service.key)} read back`);
      assert.ok(serviceSettingsEqual(want.service, have.service), `settings of ${serviceKeyId(want.service.key)}: ${JSON.stringify(have.service, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      assert.equal(have.service.stats?.conns, 0n);
      assert.equal(have.dests.length, want.dests.length);
      for (const d of want.dests) {
        const hd = have.dests.find((x) => x.address === d.address && x.port === d.port);
        assert.ok(hd, `dest ${d.address}:${d.port}`);
        assert.ok(destSettingsEqual(d, hd), `dest ${d.address}: ${JSON.stringify(hd, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      }
      const row = list.get(ipvsadmName(want.service.key));
      assert.ok(row, `ipvsadm -Ln lists ${ipvsadmName(want.service.key)}`);
      assert.equal(row.sched, want.service.scheduler);
      assert.deepEqual([...row.dests].sort(), want.dests.map(destName).sort());
    }
  });

  test('schedulers the kernel lacks are refused with ENOENT', async (t) => {
    t.diagnostic(`schedulers without a module in this kernel: ${schedulers.missing.join(' ') || 'none'}`);
    assert.ok(schedulers.have.length >= 13, `only ${schedulers.have.join(' ')}`);
    for (const scheduler of schedulers.missing) {
      const svc = { key: { family: 'inet' as const, protocol: 'tcp' as const, address: '10.1.9.9', port: 80 }, scheduler };
      await assert.rejects(client.addService(svc), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'ENOENT');
    }
  });

  test('a second reconcile finds nothing to do', async () => {
    assert.deepEqual(reconcile(desired, await client.dump()), []);
  });

  test('changing one destination gives one SET_DEST and touches nothing else', async () => {
    const before = ipvsadm('-Ln');
    const changed = desired.map((v, i) => (i === 2 ? { ...v, dests: v.dests.map((d, j) => (j === 1 ? { ...d, weight: 9 } : d)) } : v));
    const ops = reconcile(changed, await client.dump());
    assert.equal(ops.length, 1);
    assert.equal(ops[0]?.op, 'edit-dest');
    await client.apply(ops);
    const after = ipvsadm('-Ln');
    const diff = after.split('\n').filter((l, i) => l !== before.split('\n')[i]);
    assert.deepEqual(diff.map((l) => l.trim().split(/\s+/).slice(0, 3)), [['->', '10.2.2.2:80', 'Route']]);
    assert.match(diff[0]!, /Route\s+9\s/);
    assert.deepEqual(reconcile(changed, await client.dump()), []);
    await client.apply(reconcile(desired, await client.dump()));
  });

  test('a service added with ipvsadm is never touched, and removing ours leaves it', async () => {
    ipvsadm('-A', '-t', '192.0.2.200:443', '-s', 'lc');
    ipvsadm('-a', '-t', '192.0.2.200:443', '-r', '10.9.9.9:443', '-m', '-w', '4');
    const owned = desired.map((v) => v.service.key);
    assert.deepEqual(reconcile(desired, await client.dump(), { owned }), []);
    const fewer = desired.slice(1);
    const ops = reconcile(fewer, await client.dump(), { owned });
    assert.deepEqual(ops, [{ op: 'del-service', key: desired[0]!.service.key }]);
    await client.apply(ops);
    const list = ipvsadmList();
    assert.deepEqual(list.get('TCP 192.0.2.200:443'), { sched: 'lc', dests: ['10.9.9.9:443 Masq 4'] });
    assert.equal(list.has(ipvsadmName(desired[0]!.service.key)), false);
    await client.apply(reconcile(desired, await client.dump(), { owned }));
    assert.deepEqual(reconcile(desired, await client.dump(), { owned }), []);
  });

  test('kernel refusals come back with errno and its name', async () => {
    const missing = { family: 'inet' as const, protocol: 'tcp' as const, address: '192.0.2.99', port: 80 };
    await assert.rejects(client.addDest(missing, { address: '10.0.0.9', port: 80, forward: 'dr', weight: 1 }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.errnoName, 'ESRCH');
      assert.equal(e.errno, 3);
      assert.equal(e.request.label, 'IPVS_CMD_NEW_DEST');
      return true;
    });
    await assert.rejects(client.addService(desired[0]!.service), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'EEXIST');
    await assert.rejects(client.addService({ key: missing, scheduler: 'nosuch' }), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'ENOENT');
    await assert.rejects(client.deleteDest(desired[0]!.service.key, { address: '10.250.0.1', port: 1 }), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'ENOENT');
    await assert.rejects(client.getService(missing), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'ESRCH');
  });

  test('apply absorbs races: add of an existing dest edits it, delete of a missing one is done', async () => {
    const key = desired[1]!.service.key;
    const dest = { ...desired[1]!.dests[0]!, weight: 7 };
    const applied = await client.apply([
      { op: 'add-dest', key, dest },
      { op: 'del-dest', key, dest: { address: '10.250.0.2', port: 80, forward: 'nat', weight: 0 } },
    ]);
    assert.deepEqual(applied.map((a) => a.outcome), ['existed-edited', 'already-gone']);
    const d = (await client.listDests(key)).find((x) => x.address === dest.address);
    assert.equal(d?.weight, 7);
    await client.apply(reconcile(desired, await client.dump()));
  });

  test('applyMany: many operations per datagram, each answered by the kernel; races absorbed; a refused service\'s destinations skipped', async () => {
    const k = (i: number): IpvsServiceKey => ({ family: 'inet', protocol: 'tcp', address: `10.7.${i >> 8}.${i & 255}`, port: 80 });
    const d = (i: number, j: number, weight = 1): IpvsDest => ({ address: `10.8.${i & 255}.${j + 1}`, port: 8080, forward: 'nat', weight });
    const n = 300; // three datagrams of services, then destinations
    const ops: IpvsOp[] = [];
    for (let i = 1; i <= n; i++) ops.push({ op: 'add-service', service: { key: k(i), scheduler: 'wlc' } });
    for (let i = 1; i <= n; i++) for (let j = 0; j < 2; j++) ops.push({ op: 'add-dest', key: k(i), dest: d(i, j) });
    const r = await client.applyMany(ops);
    assert.ok(r.every((x) => 'outcome' in x && x.outcome === 'done'), JSON.stringify(r.find((x) => !('outcome' in x && x.outcome === 'done'))));
    const sorted = (v: { sched: string; dests: string[] } | undefined): unknown => v && { sched: v.sched, dests: [...v.dests].sort() };
    const list = ipvsadmList();
    for (let i = 1; i <= n; i++) assert.deepEqual(sorted(list.get(`TCP 10.7.${i >> 8}.${i & 255}:80`)), { sched: 'wlc', dests: [`10.8.${i & 255}.1:8080 Masq 1`, `10.8.${i & 255}.2:8080 Masq 1`] });
    const again = await client.applyMany([
      { op: 'add-service', service: { key: k(1), scheduler: 'rr' } }, // exists: edited
      { op: 'add-dest', key: k(1), dest: d(1, 0, 9) }, // exists: edited
      { op: 'del-dest', key: k(1), dest: d(1, 7) }, // absent: done
      { op: 'del-service', key: k(n + 1) }, // absent: done
      { op: 'edit-service', service: { key: k(n + 2), scheduler: 'rr' } }, // absent: added
      { op: 'edit-dest', key: k(n + 2), dest: d(n + 2, 0, 3) }, // its service was missing: added after it
      { op: 'add-service', service: { key: k(n + 3), scheduler: 'nosuch' } }, // refused (ENOENT)
      { op: 'add-dest', key: k(n + 3), dest: d(n + 3, 0) }, // skipped
      { op: 'edit-dest', key: k(2), dest: d(2, 1, 4) }, // done
    ]);
    const what = again.map((x) => ('outcome' in x ? x.outcome : 'skipped' in x ? 'skipped' : `error ${(x.error as NetlinkError).errnoName}`));
    assert.deepEqual(what, ['existed-edited', 'existed-edited', 'already-gone', 'already-gone', 'missing-added', 'missing-added', 'error ENOENT', 'skipped', 'done']);
    const after = ipvsadmList();
    assert.deepEqual(sorted(after.get('TCP 10.7.0.1:80')), { sched: 'rr', dests: ['10.8.1.1:8080 Masq 9', '10.8.1.2:8080 Masq 1'] });
    assert.deepEqual(sorted(after.get('TCP 10.7.1.46:80')), { sched: 'rr', dests: ['10.8.46.1:8080 Masq 3'] });
    assert.equal(after.has('TCP 10.7.1.47:80'), false);
    assert.deepEqual(sorted(after.get('TCP 10.7.0.2:80')), { sched: 'wlc', dests: ['10.8.2.1:8080 Masq 1', '10.8.2.2:8080 Masq 4'] });
    // findService: one service without a dump; null when absent
    assert.equal((await client.findService(k(2)))?.scheduler, 'wlc');
    assert.equal(await client.findService(k(n + 1)), null);
    // one DEL_SERVICE each removes the services with their destinations
    const del = await client.applyMany([...Array.from({ length: n }, (_, i) => k(i + 1)), k(n + 2)].map((key) => ({ op: 'del-service' as const, key })));
    assert.ok(del.every((x) => 'outcome' in x && x.outcome === 'done'));
    assert.ok(![...ipvsadmList().keys()].some((s) => s.startsWith('TCP 10.7.')));
    assert.deepEqual(reconcile(desired, await client.dump()), [], 'the other services are as they were');
  });

  test('timeouts: SET_CONFIG then GET_CONFIG', async () => {
    await client.setTimeouts({ tcp: 901, tcpFin: 121, udp: 301 });
    assert.deepEqual(await client.getTimeouts(), { tcp: 901, tcpFin: 121, udp: 301 });
    assert.match(ipvsadm('-L', '--timeout'), /901 121 301/);
  });

  test('sync daemon: NEW_DAEMON, GET_DAEMON, DEL_DAEMON', async () => {
    await client.startDaemon({ state: 'master', interface: 'lo', syncId: 5, port: 8848, ttl: 1 });
    const ds = await client.listDaemons();
    assert.equal(ds.length, 1);
    assert.equal(ds[0]?.state, 'master');
    assert.equal(ds[0]?.interface, 'lo');
    assert.equal(ds[0]?.syncId, 5);
    assert.equal(ds[0]?.port, 8848);
    assert.match(ipvsadm('-L', '--daemon'), /master sync daemon \(mcast=lo, syncid=5/);
    await client.stopDaemon('master');
    assert.deepEqual(await client.listDaemons(), []);
  });

  test('stats read back after real connections through a NAT service', async () => {
    execFileSync('ip', ['addr', 'add', '10.99.0.1/32', 'dev', 'lo']);
    execFileSync('ip', ['addr', 'add', '10.99.0.2/32', 'dev', 'lo']);
    const server = net.createServer((s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(8080, '10.99.0.2', r));
    const key = { family: 'inet' as const, protocol: 'tcp' as const, address: '10.99.0.1', port: 80 };
    await client.addService({ key, scheduler: 'rr' });
    await client.addDest(key, { address: '10.99.0.2', port: 8080, forward: 'nat', weight: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const got = await new Promise<string>((resolve, reject) => {
          const c = net.connect(80, '10.99.0.1');
          let buf = '';
          c.setEncoding('utf8');
          c.on('data', (d: string) => (buf += d));
          c.on('end', () => resolve(buf));
          c.on('error', reject);
          c.setTimeout(5000, () => c.destroy(new Error('timeout')));
        });
        assert.equal(got, 'hi');
      }
      // The kernel folds per-CPU counters into the reported ones on its estimator timer (~2 s): poll.
      let conns = 0n;
      for (let t = 0; t < 40 && conns < 3n; t++) {
        conns = (await client.getService(key)).stats?.conns ?? 0n;
        if (conns < 3n) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(conns, 3n);
      const [d] = await client.listDests(key);
      assert.equal(d?.stats?.conns, 3n);
      assert.ok((d?.stats?.inPkts ?? 0n) > 0n && (d?.stats?.inBytes ?? 0n) > 0n);
    } finally {
      server.close();
      await client.deleteService(key);
    }
  });
}
