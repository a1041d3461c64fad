// The daemon with the real VRRP engine in namespaces, side by side with keepalived: kill -9 of the master's VRRP worker (respawn), SIGKILL of the parent, -V.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, netnsSkipReason, spawnIn, type Lan } from '../../helpers/netns';
import { descendants, hasAddress, keepalivedSkipReason, keepalivedVersion, markdownTable, realtimeMs, startDaemon, tempDir, TSKA_MAIN, vrrpConfig, type Daemon, type DaemonKind } from '../../helpers/daemons';
import { Capture, tcpdumpSkipReason, type WireAdvert } from '../../helpers/pcap';

const skip = netnsSkipReason();
const capSkip = skip ?? tcpdumpSkipReason();
const kaSkip = capSkip ?? keepalivedSkipReason();
const VIP = '192.0.2.100';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function conf(name: string, priority: number, state: 'MASTER' | 'BACKUP'): string {
  return vrrpConfig(name, [{ name: 'VI_1', vrid: 51, priority, advert: '1', version: 2, vips: [`${VIP}/24 dev eth0`], authPass: 'dproof1', state }]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number, what: string, every = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out (${ms} ms) waiting for ${what}`);
    await sleep(every);
  }
}

/** What the observer (tcpdump on node 3, kernel timestamps in epoch ms) saw. */
interface Obs {
  from(src: string): WireAdvert[];
}

/** A pair (n1 priority 150 MASTER, n2 priority 100 BACKUP) of one implementation, and an observer on node 3. */
async function withPair(kind: DaemonKind, fn: (n1: Daemon, n2: Daemon, lan: Lan, obs: Obs) => Promise<void>): Promise<void> {
  const lan = createLan({ nodes: 3 });
  const dir = tempDir(`dp-${kind}`);
  const cap = await Capture.start(lan.nodes[2]!.ns, 'eth0', path.join(dir, 'obs.pcap'), 'ip proto 112');
  const obs: Obs = { from: (src) => cap.read().adverts.filter((a) => a.src === src) };
  const ds: Daemon[] = [];
  try {
    const n1 = startDaemon({ kind, ns: lan.nodes[0]!.ns, name: 'n1', dir, config: conf('n1', 150, 'MASTER') });
    ds.push(n1);
    await until(() => hasAddress(lan.nodes[0]!.ns, VIP), 15_000, `${kind} n1 to hold the VIP`);
    const n2 = startDaemon({ kind, ns: lan.nodes[1]!.ns, name: 'n2', dir, config: conf('n2', 100, 'BACKUP') });
    ds.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 15_000);
    await sleep(2500);
    assert.ok(!hasAddress(lan.nodes[1]!.ns, VIP), 'n2 does not hold the VIP before the kill');
    await fn(n1, n2, lan, obs);
  } finally {
    for (const d of ds) await d.stop(4000).catch(() => undefined);
    await cap.stop();
    lan.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What happened after the kill, from the observer's adverts and sampled VIP holders (times in ms after the kill). */
interface Outcome {
  kind: DaemonKind;
  respawnMs: number | null;
  n1SilentMs: number | null;
  n1Prio0Ms: number | null;
  n2FirstAdvertMs: number | null;
  n2LastAdvertMs: number | null;
  n2Adverts: number;
  n1VipLostMs: number | null;
  n1VipBackMs: number | null;
  n2VipFromMs: number | null;
  n2VipForMs: number;
  bothVipMs: number;
  n1Final: boolean;
  n2Final: boolean;
}

/** Samples VIP holders every 20 ms for `ms`; returns per-sample holders with times relative to t0. */
async function sampleVip(lan: Lan, t0: number, ms: number, extra?: (t: number) => void): Promise<Array<{ t: number; n1: boolean; n2: boolean }>> {
  const out: Array<{ t: number; n1: boolean; n2: boolean }> = [];
  const end = realtimeMs() + ms;
  while (realtimeMs() < end) {
    const t = realtimeMs() - t0;
    out.push({ t, n1: hasAddress(lan.nodes[0]!.ns, VIP), n2: hasAddress(lan.nodes[1]!.ns, VIP) });
    extra?.(t);
    await sleep(20);
  }
  return out;
}

function summarise(kind: DaemonKind, lan: Lan, obs: Obs, t0: number, samples: Array<{ t: number; n1: boolean; n2: boolean }>, respawnMs: number | null): Outcome {
  const a1 = obs.from(lan.nodes[0]!.ipv4);
  const a2 = obs.from(lan.nodes[1]!.ipv4);
  const lastBefore = a1.filter((a) => a.t <= t0 && a.priority > 0).at(-1);
  const prio0 = a1.find((a) => a.t > t0 && a.priority === 0);
  const firstAfter = a1.find((a) => a.t > t0 && a.priority > 0);
  const n2After = a2.filter((a) => a.t > t0 && a.priority > 0);
  const held = (f: (s: { n1: boolean; n2: boolean }) => boolean): number => {
    let ms = 0;
    for (let i = 0; i + 1 < samples.length; i++) if (f(samples[i]!)) ms += samples[i + 1]!.t - samples[i]!.t;
    return ms;
  };
  const firstWhere = (f: (s: { n1: boolean; n2: boolean }) => boolean, from = 0): number | null => samples.find((s) => s.t >= from && f(s))?.t ?? null;
  const n1Lost = firstWhere((s) => !s.n1);
  const rel = (t: number | undefined): number | null => (t === undefined ? null : t - t0);
  return {
    kind,
    respawnMs,
    n1SilentMs: lastBefore && firstAfter ? firstAfter.t - lastBefore.t : null,
    n1Prio0Ms: rel(prio0?.t),
    n2FirstAdvertMs: rel(n2After[0]?.t),
    n2LastAdvertMs: rel(n2After.at(-1)?.t),
    n2Adverts: n2After.length,
    n1VipLostMs: n1Lost,
    n1VipBackMs: n1Lost === null ? null : firstWhere((s) => s.n1, n1Lost),
    n2VipFromMs: firstWhere((s) => s.n2),
    n2VipForMs: held((s) => s.n2),
    bothVipMs: held((s) => s.n1 && s.n2),
    n1Final: samples.at(-1)?.n1 ?? false,
    n2Final: samples.at(-1)?.n2 ?? false,
  };
}

const fmt = (v: number | null | boolean): string => (v === null ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : v.toFixed(0));

function table(title: string, rows: readonly Outcome[]): string {
  const keys: Array<[keyof Outcome, string]> = [
    ['respawnMs', 'kill → new VRRP process (pidfile) ms'],
    ['n1Prio0Ms', 'kill → n1 priority-0 advert ms'],
    ['n1SilentMs', "n1's last advert before → first advert after (priority > 0) ms"],
    ['n2FirstAdvertMs', 'kill → n2 first advert (n2 took over) ms'],
    ['n2LastAdvertMs', 'kill → n2 last advert ms'],
    ['n2Adverts', 'n2 adverts sent'],
    ['n1VipLostMs', 'kill → VIP gone from n1 ms'],
    ['n1VipBackMs', 'kill → VIP back on n1 ms'],
    ['n2VipFromMs', 'kill → VIP on n2 ms'],
    ['n2VipForMs', 'VIP held by n2 for ms (sampled with ip -j addr)'],
    ['bothVipMs', 'VIP on both nodes for ms'],
    ['n1Final', 'n1 holds the VIP at the end'],
    ['n2Final', 'n2 holds the VIP at the end'],
  ];
  return `${title}\n${markdownTable(['', ...rows.map((r) => `${r.kind}${r.kind === 'keepalived' ? ` (${keepalivedVersion()})` : ''}`)], keys.map(([k, label]) => [label, ...rows.map((r) => fmt(r[k] as number | null | boolean))]))}`;
}

async function workerKill(kind: DaemonKind): Promise<{ o: Outcome; log: string[] }> {
  let result: { o: Outcome; log: string[] } | undefined;
  await withPair(kind, async (n1, _n2, lan, obs) => {
    const v1 = await waitPid(() => n1.vrrpPid() ?? childPid(n1));
    const t0 = realtimeMs();
    process.kill(v1, 'SIGKILL');
    let respawnMs: number | null = null;
    const samples = await sampleVip(lan, t0, 12_000, (t) => {
      if (respawnMs !== null) return;
      const p = n1.vrrpPid() ?? childPid(n1);
      if (p !== undefined && p !== v1 && alive(p)) respawnMs = t;
    });
    result = { o: summarise(kind, lan, obs, t0, samples, respawnMs), log: n1.lines.slice() };
  });
  return result!;
}

/** keepalived's VRRP child when no -r pidfile was written yet: the parent's only child. */
function childPid(d: Daemon): number | undefined {
  const kids = descendants(d.pid);
  return kids.length > 0 ? kids[0] : undefined;
}

async function waitPid(get: () => number | undefined): Promise<number> {
  let p: number | undefined;
  await until(() => (p = get()) !== undefined && alive(p), 5000, 'the VRRP process pid');
  return p!;
}

async function parentKill(kind: DaemonKind): Promise<{ o: Outcome; workerGoneMs: number | null }> {
  let result: { o: Outcome; workerGoneMs: number | null } | undefined;
  await withPair(kind, async (n1, _n2, lan, obs) => {
    const v1 = await waitPid(() => n1.vrrpPid() ?? childPid(n1));
    // keepalived's VRRP child keeps writing to the pipe after the parent died: take the output over
    // (the helper closes its log file when the parent exits)
    for (const st of [n1.proc.stdout, n1.proc.stderr]) {
      st?.removeAllListeners('data');
      st?.on('data', (b: Buffer) => n1.lines.push(...b.toString().split('\n').filter((l) => l !== '')));
    }
    const t0 = realtimeMs();
    process.kill(n1.pid, 'SIGKILL');
    let workerGoneMs: number | null = null;
    const samples = await sampleVip(lan, t0, 6_000, (t) => {
      if (workerGoneMs === null && !alive(v1)) workerGoneMs = t;
    });
    if (alive(v1)) process.kill(v1, 'SIGKILL');
    result = { o: summarise(kind, lan, obs, t0, samples, null), workerGoneMs };
  });
  return result!;
}

const outcomes: { worker: Outcome[]; parent: Outcome[] } = { worker: [], parent: [] };

test('kill -9 of the master\'s VRRP worker: the parent respawns it and VRRP recovers (tskeepalived)', { skip: capSkip, timeout: 90_000 }, async () => {
  const { o, log } = await workerKill('tskeepalived');
  outcomes.worker.push(o);
  assert.ok(log.some((l) => /VRRP child process\(\d+\) died \(signal SIGKILL\): Respawning( in \d+ s)?$/m.test(l)), 'the parent logs the respawn');
  assert.ok(o.respawnMs !== null && o.respawnMs < 1000, `respawned after ${o.respawnMs} ms`);
  assert.ok(o.n1SilentMs !== null, 'n1 advertises again after the respawn');
  assert.ok(o.n1Final, 'n1 (priority 150) holds the VIP at the end');
  assert.ok(!o.n2Final, 'n2 gave the VIP back');
  console.log(table('kill -9 of the master VRRP process (tskeepalived)', [o]));
});

test('kill -9 of the master\'s VRRP child with keepalived, for comparison', { skip: kaSkip, timeout: 90_000 }, async () => {
  const { o } = await workerKill('keepalived');
  outcomes.worker.push(o);
  assert.ok(o.respawnMs !== null, 'keepalived respawned its VRRP child');
  console.log(table('kill -9 of the master VRRP process (keepalived)', [o]));
});

test('SIGKILL of the parent (real engine): the VRRP worker sends priority 0 and releases the VIP, as keepalived\'s child does', { skip: capSkip, timeout: 60_000 }, async () => {
  const { o, workerGoneMs } = await parentKill('tskeepalived');
  outcomes.parent.push(o);
  console.log(`tskeepalived: VRRP worker gone ${fmt(workerGoneMs)} ms after the parent's SIGKILL`);
  assert.ok(workerGoneMs !== null, 'the worker ends with its parent');
  assert.ok(o.n1Prio0Ms !== null && o.n1Prio0Ms < 1000, `priority-0 advert ${o.n1Prio0Ms} ms after the kill`);
  assert.ok(o.n1VipLostMs !== null, 'the VIP is released on n1');
  assert.ok(o.n2Final && !o.n1Final, 'n2 holds the VIP at the end');
  console.log(table('SIGKILL of the parent (tskeepalived)', [o]));
});

test('SIGKILL of the parent with keepalived, for comparison; both side by side', { skip: kaSkip, timeout: 60_000 }, async () => {
  const { o, workerGoneMs } = await parentKill('keepalived');
  outcomes.parent.push(o);
  console.log(`keepalived: VRRP child gone ${fmt(workerGoneMs)} ms after the parent's SIGKILL`);
  const ours = outcomes.parent.find((x) => x.kind === 'tskeepalived');
  if (ours) {
    assert.equal(ours.n1VipLostMs !== null, o.n1VipLostMs !== null, 'VIP released on n1 as keepalived does');
    assert.equal(ours.n1Prio0Ms !== null, o.n1Prio0Ms !== null, 'priority-0 advert sent as keepalived does');
  }
  console.log(table('kill -9 of the master VRRP process, side by side', outcomes.worker));
  console.log(table('SIGKILL of the parent, side by side', outcomes.parent));
});

test('-V: VIPs stay on the interface after SIGTERM with the real engine; without -V they are removed', { skip, timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 1 });
  const dir = tempDir('dp-V');
  try {
    const ns = lan.nodes[0]!.ns;
    for (const keep of [true, false]) {
      const cf = path.join(dir, `v${keep}.conf`);
      fs.writeFileSync(cf, conf('v', 150, 'MASTER'));
      const args = [TSKA_MAIN, '-n', '-P', '-l', '-G', '-f', cf, '-p', path.join(dir, 'p.pid'), '-r', path.join(dir, 'v.pid'), '-c', path.join(dir, 'c.pid'), ...(keep ? ['-V'] : [])];
      const p = spawnIn(ns, process.execPath, args);
      const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
      await until(() => hasAddress(ns, VIP), 15_000, 'the VIP');
      p.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(hasAddress(ns, VIP), keep, keep ? '-V keeps the VIP' : 'the VIP is removed on stop');
      if (keep) {
        spawnIn(ns, 'ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
        await until(() => !hasAddress(ns, VIP), 3000, 'cleanup');
      }
    }
  } finally {
    lan.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
