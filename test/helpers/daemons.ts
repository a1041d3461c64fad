// Runs keepalived or tskeepalived in a lab namespace (per-node pidfiles in a temp dir, captured logs), waits for log lines, finds the VIP holder, reads per-process CPU/RSS and checks logs for rejected adverts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ipJson } from './netns';
import { Capture } from './pcap';

/** Which implementation a node runs. */
export type DaemonKind = 'keepalived' | 'tskeepalived';

/** tskeepalived's entry point in the same build as this file (<out>/test/helpers → <out>/src/cli/main.js). */
export const TSKA_MAIN = path.resolve(__dirname, '../../src/cli/main.js');

/** Why keepalived cannot be run (not installed), or undefined. */
export function keepalivedSkipReason(): string | undefined {
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  if (r.error) return 'keepalived is not installed (apt-get install keepalived)';
  return undefined;
}

/** keepalived's version line, e.g. "Keepalived v2.2.7 (01/16,2022)". */
export function keepalivedVersion(): string {
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => /Keepalived v/.test(l))?.trim() ?? 'keepalived (unknown version)';
}

/** Why tskeepalived cannot be run from this build (entry point not compiled), or undefined. */
export function tskeepalivedSkipReason(): string | undefined {
  if (!fs.existsSync(TSKA_MAIN)) return `tskeepalived is not built: ${TSKA_MAIN} is missing`;
  // The VRRP worker needs the native addon (raw sockets); without it the worker idles.
  const r = spawnSync(process.execPath, ['-e', "require('tskeepalived-native')"], { cwd: path.dirname(TSKA_MAIN), encoding: 'utf8' });
  if (r.status !== 0) return `tskeepalived's native addon does not load (npm ci builds it): ${(r.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? r.stderr}`;
  return undefined;
}

/** A private temp directory for configs, pidfiles and logs. */
export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tska-${tag}-`));
}

/** One vrrp_instance of a generated config. */
export interface VrrpInstanceSpec {
  readonly name: string;
  readonly vrid: number;
  readonly priority: number;
  /** advert_int as written ("1", "0.1"). */
  readonly advert: string;
  readonly version: 2 | 3;
  /** virtual_ipaddress lines, e.g. "192.0.2.100/24 dev eth0". */
  readonly vips: readonly string[];
  readonly interface?: string;
  readonly authPass?: string;
  readonly state?: 'MASTER' | 'BACKUP';
  readonly extra?: readonly string[];
}

/** keepalived.conf text (the syntax both daemons read) for some instances. */
export function vrrpConfig(routerId: string, instances: readonly VrrpInstanceSpec[], globalExtra: readonly string[] = []): string {
  const out = ['global_defs {', `  router_id ${routerId}`, ...globalExtra.map((l) => `  ${l}`), '}', ''];
  for (const i of instances) {
    out.push(
      `vrrp_instance ${i.name} {`,
      `  state ${i.state ?? 'BACKUP'}`,
      `  interface ${i.interface ?? 'eth0'}`,
      `  virtual_router_id ${i.vrid}`,
      `  priority ${i.priority}`,
      `  advert_int ${i.advert}`,
      `  version ${i.version}`,
    );
    if (i.authPass !== undefined) out.push('  authentication {', '    auth_type PASS', `    auth_pass ${i.authPass}`, '  }');
    for (const e of i.extra ?? []) out.push(`  ${e}`);
    out.push('  virtual_ipaddress {', ...i.vips.map((v) => `    ${v}`), '  }', '}', '');
  }
  return out.join('\n');
}

/** Options for {@link startDaemon}. */
export interface StartOptions {
  readonly kind: DaemonKind;
  /** Namespace to run in. */
  readonly ns: string;
  /** Node name; files are <dir>/<name>.{conf,pid,vrrp.pid,check.pid,log}. */
  readonly name: string;
  readonly dir: string;
  /** keepalived.conf text. */
  readonly config: string;
}

/** The command line (argv) that runs a daemon in the foreground, VRRP only, logging to the console. */
export function daemonArgv(kind: DaemonKind, dir: string, name: string): string[] {
  const f = (ext: string): string => path.join(dir, `${name}.${ext}`);
  const common = ['-n', '-P', '-l', '-G', '-f', f('conf'), '-p', f('pid'), '-r', f('vrrp.pid'), '-c', f('check.pid')];
  if (kind === 'keepalived') return ['keepalived', ...common, '-D', '-b', f('bfd.pid')];
  return [process.execPath, TSKA_MAIN, ...common];
}

/** A daemon running in a namespace: its process (the daemon's parent), its log lines, its files. */
export class Daemon {
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  private waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  private readonly logFd: number;

  constructor(readonly kind: DaemonKind, readonly ns: string, readonly name: string, readonly dir: string, readonly proc: ChildProcess) {
    this.logFd = fs.openSync(path.join(dir, `${name}.log`), 'a');
    let buf = '';
    const onData = (d: Buffer): void => {
      fs.writeSync(this.logFd, d);
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (process.env['TSKA_TEST_VERBOSE']) process.stderr.write(`[${name} ${kind}] ${line}\n`);
        this.waiters = this.waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    live.add(this);
    this.exited = new Promise((r) => proc.on('exit', () => {
      live.delete(this);
      try {
        fs.closeSync(this.logFd);
      } catch {
        // closed
      }
      r();
    }));
  }

  /** The daemon's main PID (`ip netns exec` execs it, so this is keepalived's/tskeepalived's parent). */
  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first line matching `re` logged at or after line index `from` (default: from now). */
  waitLine(re: RegExp, timeoutMs = 15_000, from = this.lines.length): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.name} (${this.kind}): no log line matching ${re} within ${timeoutMs} ms; log tail:\n${this.lines.slice(-30).join('\n')}`));
      }, timeoutMs);
      const done = (l: string): void => {
        clearTimeout(t);
        resolve(l);
      };
      this.waiters.push({ re, resolve: done });
    });
  }

  /** The VRRP child's PID from the -r pidfile (undefined until written). */
  vrrpPid(): number | undefined {
    try {
      const n = Number(fs.readFileSync(path.join(this.dir, `${this.name}.vrrp.pid`), 'utf8').trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** The daemon's PID and all its descendants (from /proc). */
  allPids(): number[] {
    return this.pid > 0 ? [this.pid, ...descendants(this.pid)] : [];
  }

  /** The lab's sigkill: SIGSTOP every process of the daemon, then SIGKILL them (no priority-0 advert can escape). */
  hardKill(): void {
    const pids = this.allPids();
    for (const p of pids) signal(p, 'SIGSTOP');
    for (const p of pids) signal(p, 'SIGKILL');
  }

  /** Sends a signal to the main PID. */
  signal(sig: NodeJS.Signals | number): void {
    signal(this.pid, sig);
  }

  /** SIGTERM, wait up to `graceMs`, then SIGKILL of the whole tree. Never throws. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    const tree = this.allPids();
    this.signal('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
    if (timedOut) for (const p of [...tree, ...this.allPids()]) signal(p, 'SIGKILL');
    await this.exited;
    // The VRRP child may outlive a killed parent for a moment: make sure none is left.
    for (const p of tree) if (isAlive(p)) signal(p, 'SIGKILL');
  }

  /** Lines in which this daemon says it rejected a received advert (see {@link invalidAdvertRe}). */
  invalidAdvertLines(): string[] {
    return this.lines.filter((l) => invalidAdvertRe.test(l));
  }
}

const live = new Set<Daemon>();

/** SIGKILLs (by PID) every process tree of the daemons this process started that still run; for interrupt handlers. */
export function killAllDaemons(): void {
  for (const d of live) d.hardKill();
}

function signal(pid: number, sig: NodeJS.Signals | number): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * keepalived's (2.2.7 and 2.4.x, vrrp/vrrp.c) messages for a received advert it rejects, which
 * tskeepalived reuses: bad length, TTL, version, type, auth, interval, address count/list,
 * checksum, unicast/multicast mix, "bogus" packets; plus our debug-level "dropping received".
 */
export const invalidAdvertRe = new RegExp([
  'vrrp packet too (?:short|long)', 'VRRP packet (?:with AH )?too short', 'invalid TTL/HL', 'TTL/HL \\d+ not in range',
  'wrong version', 'Invalid packet type', 'received a \\d+ auth, expecting', 'received an invalid passwd',
  'Invalid auth type', 'IPSEC-AH', 'AH header', 'advertisement interval mismatch', 'unexpected ip number count',
  'ip_tot_len mismatch', 'Expected \\w*icast packet', 'expected \\d+ VIPs but received', 'not present in MASTER advert',
  'Invalid VRRPv[23] checksum', '[Bb]ogus', 'dropping received VRRP packet', 'with different',
].join('|'));

/** PIDs of all descendants of `root` (children, grandchildren, …), from /proc/<pid>/stat. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(e), Number(rest[1]));
    } catch {
      // exited
    }
  }
  const out: number[] = [];
  const want = new Set([root]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const [pid, pp] of parent) {
      if (!want.has(pid) && want.has(pp)) {
        want.add(pid);
        out.push(pid);
        changed = true;
      }
    }
  }
  return out;
}

/** CPU time (utime+stime, in ms via USER_HZ=100) of one process, or undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after ")" start at field 3 (state): utime is field 14, stime 15.
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** On-CPU time in ns of all threads of a process (/proc/PID/schedstat of each task), ns resolution. */
export function schedNs(pid: number): number | undefined {
  try {
    let sum = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      sum += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    }
    return sum;
  } catch {
    return undefined;
  }
}

/** Rss and Pss (kB) from /proc/PID/smaps_rollup. */
export function memKb(pid: number): { rss: number; pss: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: get('Rss'), pss: get('Pss') };
  } catch {
    return undefined;
  }
}

/** Starts a daemon (foreground, VRRP only, console log) inside a namespace; the config is written to <dir>/<name>.conf. */
export function startDaemon(o: StartOptions): Daemon {
  fs.writeFileSync(path.join(o.dir, `${o.name}.conf`), o.config);
  const argv = daemonArgv(o.kind, o.dir, o.name);
  fs.appendFileSync(path.join(o.dir, `${o.name}.log`), `# ${new Date().toISOString()} ${argv.join(' ')}\n`);
  const proc = spawn('ip', ['netns', 'exec', o.ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Daemon(o.kind, o.ns, o.name, o.dir, proc);
}

/** Whether `addr` (no prefix) is configured on any interface of the namespace. */
export function hasAddress(ns: string, addr: string): boolean {
  const links = ipJson<Array<{ addr_info?: Array<{ local: string }> }>>(['addr', 'show'], ns);
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === addr));
}

/** The namespaces (of those given) that hold `addr`. */
export function vipHolders(namespaces: readonly string[], addr: string): string[] {
  return namespaces.filter((ns) => hasAddress(ns, addr));
}

/** How many of `addrs` are configured in the namespace (one `ip -j addr` call). */
export function countAddresses(ns: string, addrs: ReadonlySet<string>): number {
  const links = ipJson<Array<{ addr_info?: Array<{ local: string }> }>>(['addr', 'show'], ns);
  let n = 0;
  for (const l of links) for (const a of l.addr_info ?? []) if (addrs.has(a.local)) n++;
  return n;
}

/**
 * tskeepalived's per-instance and receive-path drop counters: SIGUSR2 to the parent, which
 * writes global_defs stats_dump_file (the config must set it to `file`). Resolves with the parsed JSON.
 */
export async function tskaStats(d: Daemon, file: string, timeoutMs = 5000): Promise<TskaStatsFile> {
  try {
    fs.unlinkSync(file);
  } catch {
    // none yet
  }
  d.signal('SIGUSR2');
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as TskaStatsFile;
    } catch (e) {
      if (Date.now() > end) throw new Error(`${d.name}: no stats in ${file} within ${timeoutMs} ms (${(e as Error).message})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The parts of tskeepalived's stats dump the interop tests read. */
export interface TskaStatsFile {
  readonly vrrp: {
    readonly receive?: { readonly drops?: Record<string, number> };
    readonly instances?: Record<string, { readonly advertRcvd: number; readonly advertSent: number; readonly drops: Record<string, number> }>;
  } | null;
}

/** Non-zero drop counters that mean "the peer's advert was invalid" (everything but startup/VRID noise). */
export function invalidDrops(s: TskaStatsFile): Record<string, number> {
  const benign = new Set(['unknown-vrid', 'not-listening']);
  const out: Record<string, number> = {};
  const add = (where: string, d: Record<string, number> | undefined): void => {
    for (const [k, v] of Object.entries(d ?? {})) if (v > 0 && !benign.has(k)) out[`${where}.${k}`] = v;
  };
  add('receive', s.vrrp?.receive?.drops);
  for (const [name, i] of Object.entries(s.vrrp?.instances ?? {})) add(name, i.drops);
  return out;
}

/** Sleeps ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The p-th percentile (0..100, nearest rank on sorted copy) of values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** min / median / mean / max of values. */
export function summary(values: readonly number[]): { n: number; min: number; median: number; mean: number; max: number } {
  const n = values.length;
  return {
    n,
    min: n ? Math.min(...values) : NaN,
    median: percentile(values, 50),
    mean: n ? values.reduce((x, y) => x + y, 0) / n : NaN,
    max: n ? Math.max(...values) : NaN,
  };
}

/** A markdown table. */
export function markdownTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Load average and the number of CPUs, for labelling bench output. */
export function hostLoad(): string {
  return `load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} CPUs`;
}

let anchor = { at: -Infinity, offset: 0 };

/**
 * Wall-clock time in ms with sub-ms precision, comparable with pcap (CLOCK_REALTIME) timestamps:
 * performance.now() plus an offset re-anchored to Date.now() every 5 s at the instant Date.now()
 * ticks (performance.timeOrigin alone drifts from the wall clock over a long run).
 */
export function realtimeMs(): number {
  const now = performance.now();
  if (now - anchor.at > 5000) {
    const d0 = Date.now();
    let d = d0;
    let p = performance.now();
    while (d === d0) {
      p = performance.now();
      d = Date.now();
    }
    anchor = { at: p, offset: d - p };
  }
  return performance.now() + anchor.offset;
}

/**
 * On SIGINT/SIGTERM: kill the daemons and captures this process started (by PID), run `cleanup`
 * (e.g. delete the lab's namespaces), exit 130. For benchmarks, which run outside node:test.
 */
export function onInterrupt(cleanup: () => void): void {
  const handler = (): void => {
    killAllDaemons();
    Capture.killAll();
    try {
      cleanup();
    } finally {
      process.exit(130);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
