// Benchmark: the checker engine at scale in its own process (10,000 real servers, delay_loop 5 = 2,000 checks/s) against servers in another process: CPU and timer start jitter.
//
// Run: node .tmp/build/test/bench/check-engine.bench.js [tcp|http ...]   (BENCH_SECONDS=30, BENCH_RS=10000)
// Three processes: this one (orchestrates, prints the table), a server process listening on 10 loopback
// addresses x RS/10 ports, and an engine process (CheckEngine from src/check/subsystem.ts with a no-op
// applier and a clock that records, for every check, how late its timer fired against its scheduled time).
// Meanwhile (root, namespaces, tcpdump) a tskeepalived VRRP process in a namespace sends VRRPv3 adverts at
// 0.1 s, and an observer's capture tells whether they stay on time while the checks run.
import { fork, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../../src/core/clock';
import { CheckEngine } from '../../src/check/subsystem';
import type { KeepalivedConfig } from '../../src/config/model';
import { run } from '../unit/config/lvs-helpers';
import { createLan, netnsSkipReason, type Lan, type LanNode } from '../helpers/netns';
import { Capture, tcpdumpSkipReason } from '../helpers/pcap';
import { onInterrupt, percentile, realtimeMs, startDaemon, tempDir, tskeepalivedSkipReason, vrrpConfig, type Daemon } from '../helpers/daemons';

type Kind = 'tcp' | 'http';
interface Endpoint {
  readonly host: string;
  readonly port: number;
}
interface EngineReport {
  readonly kind: Kind;
  readonly checks: number;
  readonly failures: number;
  readonly seconds: number;
  readonly cpuPct: number;
  readonly userPct: number;
  readonly sysPct: number;
  readonly lateP50: number;
  readonly lateP99: number;
  readonly lateMax: number;
  readonly rssMb: number;
  /** Event-loop delay p99 (self-inflicted blocking), ms. */
  readonly eldP99: number;
  /** Time this process was runnable but waiting for a CPU (/proc/self/schedstat), ms per second. */
  readonly runqMsPerS: number;
}

const ADDRESSES = 10;
const HTTP_REPLY = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');

/** Server role: listens on 127.0.0.1..10, one port per real server; replies HTTP (or just closes for TCP). */
async function serve(kind: Kind, count: number): Promise<void> {
  const eps: Endpoint[] = [];
  const onConn =
    kind === 'tcp'
      ? (s: net.Socket): void => {
          s.on('error', () => undefined);
          s.destroy();
        }
      : (s: net.Socket): void => {
          s.on('error', () => undefined);
          s.once('data', () => s.end(HTTP_REPLY));
        };
  for (let i = 0; i < count; i++) {
    const host = `127.0.0.${1 + (i % ADDRESSES)}`;
    const srv = net.createServer(onConn);
    srv.on('error', () => undefined);
    await new Promise<void>((r) => srv.listen({ port: 0, host, backlog: 64 }, () => r()));
    eps.push({ host, port: (srv.address() as net.AddressInfo).port });
  }
  process.send!({ ready: eps });
}

function configText(kind: Kind, eps: readonly Endpoint[]): string {
  const out: string[] = [];
  const perVs = 100;
  for (let v = 0; v * perVs < eps.length; v++) {
    out.push(`virtual_server 10.${Math.floor(v / 250)}.${v % 250}.1 80 {`, '  protocol TCP', '  lb_algo rr', '  delay_loop 5');
    for (const e of eps.slice(v * perVs, (v + 1) * perVs)) {
      out.push(`  real_server ${e.host} ${e.port} {`);
      if (kind === 'tcp') out.push('    TCP_CHECK {', '      connect_timeout 3', '      warmup 5', '    }');
      else out.push('    HTTP_GET {', '      url {', '        path /', '        status_code 200', '      }', '      connect_timeout 3', '      warmup 5', '    }');
      out.push('  }');
    }
    out.push('}');
  }
  return out.join('\n');
}

/** Nanoseconds this process's main thread spent waiting on a run queue. */
function runqWaitNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return NaN;
  }
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Engine role: runs the CheckEngine; after the 5 s warmup spread, measures CPU and timer lateness. */
async function engine(kind: Kind, eps: readonly Endpoint[], seconds: number): Promise<void> {
  const r = run(configText(kind, eps));
  const cfg = r.cfg as unknown as KeepalivedConfig;
  const rsCount = cfg.lvs.virtualServers.reduce((n, vs) => n + vs.realServers.length, 0);
  if (rsCount !== eps.length) throw new Error(`config has ${rsCount} real servers, not ${eps.length}: ${r.messages.join('; ')}`);
  const late: number[] = [];
  let measuring = false;
  const clock: Clock = {
    now: () => performance.now(),
    wallNow: () => new Date(),
    setTimer(ms, fn, unref = false) {
      const due = performance.now() + ms;
      const t = setTimeout(() => {
        if (measuring) late.push(performance.now() - due);
        fn();
      }, ms);
      if (unref) t.unref();
      return { cancel: () => clearTimeout(t) };
    },
  };
  const eng = new CheckEngine({ clock, logger: { info: () => undefined, warn: () => undefined }, apply: () => Promise.resolve(), writeFifo: () => undefined });
  await eng.start(cfg);
  await new Promise((res) => setTimeout(res, 6000)); // the warmup spreads first runs over 5 s
  eng.stats(true); // count only the measured window
  measuring = true;
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const rq0 = runqWaitNs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((res) => setTimeout(res, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  measuring = false;
  eld.disable();
  const rq = runqWaitNs() - rq0;
  const st = eng.stats(true) as { probes: number; failures: number };
  await eng.stop();
  const sorted = Float64Array.from(late).sort();
  const rep: EngineReport = {
    kind,
    checks: st.probes,
    failures: st.failures,
    seconds: wall,
    cpuPct: ((cpu.user + cpu.system) / 1e6 / wall) * 100,
    userPct: (cpu.user / 1e6 / wall) * 100,
    sysPct: (cpu.system / 1e6 / wall) * 100,
    lateP50: pct(sorted, 50),
    lateP99: pct(sorted, 99),
    lateMax: sorted.length ? sorted[sorted.length - 1]! : NaN,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    eldP99: eld.percentile(99) / 1e6,
    runqMsPerS: rq / 1e6 / wall,
  };
  process.send!({ report: rep });
}

function child(args: string[]): ChildProcess {
  return fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env['BENCH_ENGINE_ARGS'] && args[0] === 'engine' ? process.env['BENCH_ENGINE_ARGS'].split(' ') : [] });
}

function message<T>(c: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    c.on('message', (m: Record<string, unknown>) => {
      if (key in m) resolve(m[key] as T);
    });
    c.once('exit', (code) => reject(new Error(`child exited ${code} before '${key}'`)));
  });
}

/** A VRRP master at v3 0.1 s in a namespace, captured by an observer: the adverts' gaps in a time window. */
class VrrpWatch {
  private constructor(private readonly lan: Lan, private readonly n1: LanNode, private readonly d: Daemon, private readonly cap: Capture) {}

  static async start(): Promise<VrrpWatch | string> {
    const skip = netnsSkipReason() ?? tcpdumpSkipReason() ?? tskeepalivedSkipReason();
    if (skip !== undefined) return skip;
    const lan = createLan({ nodes: 2 });
    onInterrupt(() => lan.destroy());
    const [n1, obs] = lan.nodes as [LanNode, LanNode];
    const dir = tempDir('bench-check-vrrp');
    const cap = await Capture.start(obs.ns, obs.ifname, `${dir}/adverts.pcap`, 'ip proto 112');
    const d = startDaemon({
      kind: 'tskeepalived', ns: n1.ns, name: 'vrrp', dir,
      config: vrrpConfig('tska_check_bench', [{ name: 'VI_1', vrid: 51, priority: 150, advert: '0.1', version: 3, vips: ['192.0.2.100/24 dev eth0'], state: 'MASTER' }]),
    });
    await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    return new VrrpWatch(lan, n1, d, cap);
  }

  /** Gap error (gap - 100 ms) p50/p99 and the longest gap, for adverts between two wall-clock times. */
  gaps(from: number, to: number): { n: number; p50: number; p99: number; max: number } {
    const adv = this.cap.read().adverts.filter((x) => x.src === this.n1.ipv4 && x.t >= from && x.t <= to);
    const gaps: number[] = [];
    for (let i = 1; i < adv.length; i++) gaps.push(adv[i]!.t - adv[i - 1]!.t);
    const err = gaps.map((g) => g - 100);
    return { n: adv.length, p50: percentile(err, 50), p99: percentile(err, 99), max: gaps.length ? Math.max(...gaps) : NaN };
  }

  async stop(): Promise<void> {
    await this.d.stop(3000);
    await this.cap.stop();
    this.lan.destroy();
  }
}

async function scenario(kind: Kind, count: number, seconds: number, watch: VrrpWatch | null): Promise<EngineReport & { vrrp?: ReturnType<VrrpWatch['gaps']> }> {
  const srv = child(['server', kind, String(count)]);
  try {
    const eps = await message<Endpoint[]>(srv, 'ready');
    const eng = child(['engine', kind, String(seconds)]);
    eng.send({ eps });
    // The engine measures after a 6 s warmup; the adverts are judged over the same stretch.
    const from = realtimeMs() + 7000;
    const r = await message<EngineReport>(eng, 'report');
    return watch ? { ...r, vrrp: watch.gaps(from, realtimeMs()) } : r;
  } finally {
    srv.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const [role, kindArg, n] = process.argv.slice(2);
  if (role === 'server') return serve(kindArg as Kind, Number(n));
  if (role === 'engine') {
    const eps = await new Promise<Endpoint[]>((r) => process.once('message', (m: { eps: Endpoint[] }) => r(m.eps)));
    await engine(kindArg as Kind, eps, Number(n));
    process.exit(0);
  }
  const kinds = (process.argv.slice(2).length ? process.argv.slice(2) : ['tcp', 'http']) as Kind[];
  const count = Number(process.env['BENCH_RS'] ?? 10_000);
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 30);
  const rows: Array<EngineReport & { vrrp?: ReturnType<VrrpWatch['gaps']> }> = [];
  const w = await VrrpWatch.start();
  const watch = typeof w === 'string' ? null : w;
  if (typeof w === 'string') console.log(`check-engine: VRRP advert timing not measured: ${w}`);
  try {
    for (const k of kinds) rows.push(await scenario(k, count, seconds, watch));
  } finally {
    await watch?.stop();
  }
  const f = (x: number, d = 1): string => x.toFixed(d);
  console.log(`\ncheck-engine: ${count} real servers, delay_loop 5 s (target ${count / 5} checks/s), ${seconds} s measured after a 6 s warmup; servers in another process`);
  console.log('| checker  | checks/s | failures | CPU % core (user+sys) | start lateness p50 | p99      | max      | RSS MB | loop delay p99 | run-queue wait |');
  console.log('|----------|----------|----------|-----------------------|--------------------|----------|----------|--------|----------------|----------------|');
  for (const r of rows) {
    console.log(
      `| ${r.kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET '}| ${f(r.checks / r.seconds, 0).padStart(8)} | ${String(r.failures).padStart(8)} | ${`${f(r.cpuPct)} (${f(r.userPct)}+${f(r.sysPct)})`.padEnd(21)} | ${`${f(r.lateP50, 2)} ms`.padEnd(18)} | ${`${f(r.lateP99, 2)} ms`.padEnd(8)} | ${`${f(r.lateMax, 1)} ms`.padEnd(8)} | ${f(r.rssMb, 0).padStart(6)} | ${`${f(r.eldP99, 1)} ms`.padEnd(14)} | ${`${f(r.runqMsPerS, 0)} ms/s`.padEnd(14)} |`,
    );
  }
  if (watch) {
    console.log('\nMeanwhile, a tskeepalived VRRP process (its own process, as the daemon\'s VRRP worker) sending VRRPv3 adverts at 0.1 s, gaps at an observer (error = gap - 100 ms):');
    console.log('| during   | adverts | gap error p50 | p99      | longest gap |');
    console.log('|----------|---------|---------------|----------|-------------|');
    for (const r of rows) {
      const v = r.vrrp;
      if (v) console.log(`| ${r.kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET '}| ${String(v.n).padStart(7)} | ${`${f(v.p50, 2)} ms`.padEnd(13)} | ${`${f(v.p99, 2)} ms`.padEnd(8)} | ${`${f(v.max, 1)} ms`.padEnd(11)} |`);
    }
  }
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
}

void main();
