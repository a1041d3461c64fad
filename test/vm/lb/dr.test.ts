// On real IPVS, one LAN (a bridge in its own namespace) of client, director(s) and real servers:
//  1. DR end to end: tskeepalived -n -C balances HTTP by direct routing; replies bypass the director (0 OutPkts).
//  2. A SIGHUP reload that changes one real server's weight sends exactly one IPVS_CMD_SET_DEST (netlink captured
//     on an nlmon device in the director's namespace) and leaves every destination's counters as they were.
//  3. VRRP + IPVS: two directors (full daemon) share the VIP and the virtual_server; the master dies, the backup
//     takes the VIP and the client's traffic still reaches the real servers, now through the backup.
// The checker worker loads the IPVS driver itself (src/core/subsystem.ts): TSKA_SUBSYSTEM_MODULES is emptied.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const inVm = process.env.TSKA_VM === '1';
const isRoot = process.getuid?.() === 0;
const kernelHasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
const buildRoot = path.resolve(__dirname, '..', '..', '..');
const mainJs = path.join(buildRoot, 'src', 'cli', 'main.js');
const checkJs = path.join(buildRoot, 'src', 'check', 'subsystem.js');
const hasTool = (cmd: string, args: readonly string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined;
const skipReason = !isRoot
  ? 'needs root (network namespaces, IPVS)'
  : !inVm && !kernelHasIpvs
    ? 'needs a kernel with ip_vs: run inside the VM (scripts/vm/run.sh node --test <build>/test/vm/lb/)'
    : !fs.existsSync(mainJs) || !fs.existsSync(checkJs)
      ? `the daemon (${mainJs}) or the checker subsystem (${checkJs}) is not built`
      : !hasTool('busybox', ['httpd', '--help'])
        ? 'needs busybox (httpd) on PATH'
        : !hasTool('curl', ['--version']) || !hasTool('ipvsadm', ['-v'])
          ? 'needs curl and ipvsadm on PATH'
          : undefined;
const captureSkip = skipReason ?? (!hasTool('tcpdump', ['--version']) || !hasTool('genl', ['help']) ? 'needs tcpdump and genl (netlink capture)' : undefined);

const VIP = '10.20.0.100';
const CLIENT = '10.20.0.2';
const DIR1 = '10.20.0.1';
const DIR2 = '10.20.0.3';
const RS = ['10.20.0.11', '10.20.0.12', '10.20.0.13'] as const;
// Daemon start to a programmed table: 38-53 s were seen warm under TCG on a loaded 2-core host, over 60 s on the VM's first start.
const START_MS = 180_000;

// ---- namespace plumbing (our own: test/helpers/netns needs the native addon) ----
let nsCounter = 0;
function uniqueNsName(tag: string): string {
  return `tska-dr-${process.pid}-${++nsCounter}-${tag}`;
}
function ip(args: readonly string[], ns?: string): string {
  const full = ns ? ['-n', ns, ...args] : [...args];
  const r = spawnSync('ip', full, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${full.join(' ')} failed: ${(r.stderr || `status ${r.status}`).trim()}`);
  return r.stdout;
}
function execIn(ns: string, cmd: string, args: readonly string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function sysctlIn(ns: string, key: string, value: number): void {
  const r = execIn(ns, 'sysctl', ['-qw', `${key}=${value}`]);
  if (r.status !== 0) throw new Error(`sysctl ${key} in ${ns} failed: ${r.stderr.trim()}`);
}
async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
async function until<T>(what: string, fn: () => T | undefined, timeoutMs: number, everyMs = 200): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
function alive(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}

/** One lab: a bridge namespace, member namespaces on it (eth0, 10.20.0.0/24), children and a temp dir, all undone after the test. */
class Lab {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-dr-'));
  readonly bridge = uniqueNsName('br');
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];
  private ports = 0;

  constructor(t: TestContext) {
    ip(['netns', 'add', this.bridge]);
    this.namespaces.push(this.bridge);
    ip(['link', 'set', 'lo', 'up'], this.bridge);
    ip(['link', 'add', 'br0', 'type', 'bridge'], this.bridge);
    ip(['link', 'set', 'br0', 'up'], this.bridge);
    t.after(() => this.close());
  }

  /** A namespace with lo up and eth0 on the bridge holding addr/24. */
  member(tag: string, addr: string): string {
    const ns = uniqueNsName(tag);
    ip(['netns', 'add', ns]);
    this.namespaces.push(ns);
    ip(['link', 'set', 'lo', 'up'], ns);
    const port = `p${++this.ports}`;
    ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns], this.bridge);
    ip(['link', 'set', port, 'master', 'br0', 'up'], this.bridge);
    ip(['link', 'set', 'eth0', 'up'], ns);
    ip(['addr', 'add', `${addr}/24`, 'dev', 'eth0'], ns);
    return ns;
  }

  /** A DR real server: the VIP on lo, no ARP for it on eth0, busybox httpd on :80 answering `name`. */
  realServer(tag: string, addr: string): { ns: string; httpd: ChildProcess } {
    const ns = this.member(tag, addr);
    ip(['addr', 'add', `${VIP}/32`, 'dev', 'lo'], ns);
    for (const iface of ['all', 'eth0']) {
      sysctlIn(ns, `net.ipv4.conf.${iface}.arp_ignore`, 1);
      sysctlIn(ns, `net.ipv4.conf.${iface}.arp_announce`, 2);
    }
    const root = path.join(this.dir, `www-${tag}`);
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), `${tag}\n`);
    return { ns, httpd: this.spawn(ns, 'busybox', ['httpd', '-f', '-p', '80', '-h', root]) };
  }

  spawn(ns: string, cmd: string, args: readonly string[]): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore' });
    this.children.push(c);
    return c;
  }

  /** tskeepalived -n (-C when checkerOnly) -l in ns with this config text; its output is collected in `log`. */
  daemon(ns: string, name: string, conf: string, checkerOnly: boolean): Daemon {
    const file = path.join(this.dir, `${name}.conf`);
    fs.writeFileSync(file, conf);
    const pid = (k: string): string => path.join(this.dir, `${name}-${k}.pid`);
    const args = [mainJs, '-n', ...(checkerOnly ? ['-C'] : []), '-l', '-f', file, '-p', pid('main'), '-c', pid('check'), '-r', pid('vrrp')];
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], {
      env: { ...process.env, TSKA_SUBSYSTEM_MODULES: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(proc);
    const d: Daemon = { proc, file, log: '' };
    proc.stdout?.on('data', (b: Buffer) => (d.log += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (d.log += b.toString()));
    return d;
  }

  private close(): void {
    for (const c of this.children) if (alive(c) && c.pid) process.kill(c.pid, 'SIGKILL');
    for (const ns of this.namespaces) {
      // Whatever the namespace still runs (the daemon's workers, tcpdump) goes with it.
      for (const p of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split(/\s+/) ?? []) {
        if (/^\d+$/.test(p)) {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
interface Daemon {
  readonly proc: ChildProcess;
  readonly file: string;
  log: string;
}

// ---- IPVS table reading (ipvsadm in the director's namespace) ----
interface Dest {
  readonly addr: string;
  readonly forward: string;
  readonly weight: number;
}
interface Stats {
  readonly conns: number;
  readonly inPkts: number;
  readonly outPkts: number;
  readonly inBytes: number;
  readonly outBytes: number;
}
/** Lines of one service's block (`TCP  VIP:80 ...` up to the next service). */
function serviceBlock(text: string, vip: string): { head: string; rows: string[] } | undefined {
  let found: { head: string; rows: string[] } | undefined;
  let inside = false;
  for (const line of text.split('\n')) {
    if (/^(TCP|UDP|FWM)/.test(line)) {
      inside = line.includes(`${vip}:80`);
      if (inside) found = { head: line, rows: [] };
    } else if (inside && found && /^\s+->\s+\d/.test(line)) found.rows.push(line);
  }
  return found;
}
function dests(ns: string): Dest[] {
  const block = serviceBlock(execIn(ns, 'ipvsadm', ['-Ln']).stdout, VIP);
  const out: Dest[] = [];
  for (const row of block?.rows ?? []) {
    const m = /->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(row);
    if (m) out.push({ addr: m[1] ?? '', forward: m[2] ?? '', weight: Number(m[3]) });
  }
  return out.sort((a, b) => a.addr.localeCompare(b.addr));
}
function parseStats(cols: string): Stats {
  const n = cols.trim().split(/\s+/).map((s) => {
    // ipvsadm prints large numbers with K/M/G suffixes; these tests stay well below.
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`unexpected ipvsadm --stats figure ${s}`);
    return v;
  });
  return { conns: n[0] ?? NaN, inPkts: n[1] ?? NaN, outPkts: n[2] ?? NaN, inBytes: n[3] ?? NaN, outBytes: n[4] ?? NaN };
}
/** `ipvsadm -Ln --stats` for the VIP: the service's figures and each destination's. */
function stats(ns: string): { service: Stats; dests: Map<string, Stats> } | undefined {
  const block = serviceBlock(execIn(ns, 'ipvsadm', ['-Ln', '--stats']).stdout, VIP);
  if (!block) return undefined;
  const head = /^\S+\s+\S+\s+(.*)$/.exec(block.head);
  const per = new Map<string, Stats>();
  for (const row of block.rows) {
    const m = /->\s+(\S+)\s+(.*)$/.exec(row);
    if (m) per.set(m[1] ?? '', parseStats(m[2] ?? ''));
  }
  return { service: parseStats(head?.[1] ?? ''), dests: per };
}
/** Stats once the service has counted `conns` connections and two reads 2.5 s apart agree (the estimator folds per-CPU counters every 2 s). */
async function settledStats(ns: string, conns: number): Promise<{ service: Stats; dests: Map<string, Stats> }> {
  const first = await until(`IPVS to count ${conns} connections`, () => {
    const s = stats(ns);
    return s && s.service.conns >= conns ? s : undefined;
  }, 20_000, 500);
  let prev = first.value;
  for (let i = 0; i < 10; i++) {
    await sleep(2_500);
    const cur = stats(ns);
    if (cur && JSON.stringify([...cur.dests]) === JSON.stringify([...prev.dests]) && JSON.stringify(cur.service) === JSON.stringify(prev.service)) return cur;
    if (cur) prev = cur;
  }
  throw new Error('IPVS stats never settled');
}

function curl(client: string): string {
  return execIn(client, 'curl', ['-s', '--max-time', '3', `http://${VIP}/`], 10_000).stdout.trim();
}

const TCP_CHECK = '    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n';
function virtualServer(weights: readonly number[], method = 'DR'): string {
  const rs = weights.map((w, i) => `  real_server ${RS[i]} 80 {\n    weight ${w}\n${TCP_CHECK}  }\n`).join('');
  return `virtual_server ${VIP} 80 {\n  delay_loop 1\n  lvs_sched rr\n  lvs_method ${method}\n  protocol TCP\n${rs}}\n`;
}

function report(d: Daemon, ns: string): string {
  return `# daemon log:\n${d.log}\n# table:\n${execIn(ns, 'ipvsadm', ['-Ln', '--stats']).stdout}`;
}

test('DR: tskeepalived -n -C balances by direct routing; both real servers answer, replies bypass the director', { skip: skipReason, timeout: 300_000 }, async (t) => {
  const lab = new Lab(t);
  const client = lab.member('cli', CLIENT);
  const director = lab.member('dir', DIR1);
  ip(['addr', 'add', `${VIP}/32`, 'dev', 'eth0'], director);
  lab.realServer('rs1', RS[0]);
  lab.realServer('rs2', RS[1]);
  const d = lab.daemon(director, 'dr', `global_defs {\n  router_id dr\n}\n${virtualServer([1, 1])}`, true);
  try {
    const up = await until('both real servers programmed', () => (dests(director).length === 2 ? true : undefined), START_MS);
    assert.deepEqual(dests(director), [
      { addr: `${RS[0]}:80`, forward: 'Route', weight: 1 },
      { addr: `${RS[1]}:80`, forward: 'Route', weight: 1 },
    ]);
    const answers = Array.from({ length: 6 }, () => curl(client));
    assert.deepEqual([...answers].sort(), ['rs1', 'rs1', 'rs1', 'rs2', 'rs2', 'rs2'], `rr over DR: ${answers.join(' ')}`);
    const s = await settledStats(director, 6);
    assert.equal(s.service.conns, 6);
    assert.ok(s.service.inPkts >= 6 * 4, `client->VIP packets went through the director: ${JSON.stringify(s.service)}`);
    assert.equal(s.service.outPkts, 0, 'no reply packet crossed the director');
    assert.equal(s.service.outBytes, 0);
    for (const rs of [RS[0], RS[1]]) {
      const ds = s.dests.get(`${rs}:80`);
      assert.ok(ds && ds.conns === 3 && ds.inPkts > 0 && ds.outPkts === 0, `${rs}: ${JSON.stringify(ds)}`);
    }
    console.log(`# DR: programmed in ${up.ms} ms; 6 requests -> ${answers.join(' ')}; service ${JSON.stringify(s.service)}`);
    d.proc.kill('SIGTERM');
    await until('daemon exit', () => (alive(d.proc) ? undefined : true), 30_000);
    assert.equal(serviceBlock(execIn(director, 'ipvsadm', ['-Ln']).stdout, VIP), undefined, 'service removed on SIGTERM');
  } catch (e) {
    console.log(report(d, director));
    throw e;
  }
});

/** Genetlink requests (NLM_F_REQUEST) of one family in a pcap of an nlmon device: their genl cmd bytes, in order. */
function genlRequests(pcap: Buffer, family: number): number[] {
  const cmds: number[] = [];
  if (pcap.length < 24) return cmds;
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number): number => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  const linktype = u32(20);
  if (linktype !== 253) throw new Error(`pcap link type ${linktype}, expected 253 (NETLINK)`);
  for (let off = 24; off + 16 <= pcap.length; ) {
    const incl = u32(off + 8);
    const pkt = pcap.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    // 16-byte cooked header; netlink messages (host order, little endian here) follow.
    for (let m = 16; m + 20 <= pkt.length; ) {
      const len = pkt.readUInt32LE(m);
      const type = pkt.readUInt16LE(m + 4);
      const flags = pkt.readUInt16LE(m + 6);
      if (type === family && (flags & 1) !== 0) cmds.push(pkt.readUInt8(m + 16));
      if (len < 16) break;
      m += (len + 3) & ~3;
    }
  }
  return cmds;
}
const IPVS_CMD = ['UNSPEC', 'NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'GET_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'GET_DEST', 'NEW_DAEMON', 'DEL_DAEMON', 'GET_DAEMON', 'SET_CONFIG', 'GET_CONFIG', 'SET_INFO', 'GET_INFO', 'ZERO', 'FLUSH'];
const READ_ONLY = new Set(['GET_SERVICE', 'GET_DEST', 'GET_DAEMON', 'GET_CONFIG', 'GET_INFO']);

test('reload changing one real server weight: one IPVS_CMD_SET_DEST, no counter reset', { skip: captureSkip, timeout: 300_000 }, async (t) => {
  const lab = new Lab(t);
  const client = lab.member('cli', CLIENT);
  const director = lab.member('dir', DIR1);
  ip(['addr', 'add', `${VIP}/32`, 'dev', 'eth0'], director);
  RS.forEach((a, i) => lab.realServer(`rs${i + 1}`, a));
  const head = 'global_defs {\n  router_id reload\n}\n';
  const d = lab.daemon(director, 'reload', head + virtualServer([1, 1, 1]), true);
  try {
    await until('three real servers programmed', () => (dests(director).length === 3 ? true : undefined), START_MS);
    const answers = Array.from({ length: 9 }, () => curl(client));
    assert.deepEqual([...answers].sort(), ['rs1', 'rs1', 'rs1', 'rs2', 'rs2', 'rs2', 'rs3', 'rs3', 'rs3'], answers.join(' '));
    const before = await settledStats(director, 9);
    const destsBefore = dests(director);

    // Capture every netlink message of the director's namespace while the reload runs.
    ip(['link', 'add', 'nlmon0', 'type', 'nlmon'], director);
    ip(['link', 'set', 'nlmon0', 'up'], director);
    const familyOut = execIn(director, 'genl', ['ctrl', 'get', 'name', 'IPVS']).stdout;
    const family = Number(/ID:\s*(0x[0-9a-f]+)/i.exec(familyOut)?.[1]);
    assert.ok(Number.isInteger(family) && family > 0, `IPVS genetlink family id: ${familyOut}`);
    const pcapFile = path.join(lab.dir, 'reload.pcap');
    const dump = spawn('ip', ['netns', 'exec', director, 'tcpdump', '-i', 'nlmon0', '-U', '-Z', 'root', '-w', pcapFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpErr = '';
    dump.stderr?.on('data', (b: Buffer) => (dumpErr += b.toString()));
    await until('tcpdump listening', () => (/listening on/.test(dumpErr) ? true : undefined), 20_000);

    fs.writeFileSync(d.file, head + virtualServer([1, 5, 1]));
    const t0 = Date.now();
    d.proc.kill('SIGHUP');
    // Only our own reads (ipvsadm: GET_*) hit IPVS besides the daemon; the daemon's writes are what we count.
    const changed = await until('rs2 weight 5', () => (dests(director).find((x) => x.addr === `${RS[1]}:80`)?.weight === 5 ? true : undefined), 30_000, 250);
    const reloadMs = Date.now() - t0;
    await sleep(3_000); // anything else the reload would do (a late delete/re-add) lands in the capture too
    dump.kill('SIGINT');
    await until('tcpdump exit', () => (alive(dump) ? undefined : true), 10_000);
    const writes = genlRequests(fs.readFileSync(pcapFile), family)
      .map((c) => IPVS_CMD[c] ?? `cmd${c}`)
      .filter((c) => !READ_ONLY.has(c));
    assert.deepEqual(writes, ['SET_DEST'], `IPVS writes during the reload: ${writes.join(' ')}`);

    const destsAfter = dests(director);
    assert.deepEqual(
      destsAfter,
      destsBefore.map((x) => (x.addr === `${RS[1]}:80` ? { ...x, weight: 5 } : x)),
      'only rs2 weight differs',
    );
    const after = stats(director);
    assert.ok(after);
    assert.deepEqual(after.service, before.service, 'service counters unchanged');
    for (const a of RS) assert.deepEqual(after.dests.get(`${a}:80`), before.dests.get(`${a}:80`), `${a} counters kept (no delete + re-add)`);
    console.log(`# reload: rs2 weight 1 -> 5 visible ${changed.ms} ms after SIGHUP (${reloadMs} ms incl. polling); IPVS writes: ${writes.join(' ')}; counters per RS ${RS.map((a) => before.dests.get(`${a}:80`)?.conns).join('/')} kept`);
  } catch (e) {
    console.log(report(d, director));
    throw e;
  }
});

test('VRRP + IPVS: two directors share VIP and virtual_server; the master dies, the backup takes over the traffic', { skip: skipReason, timeout: 300_000 }, async (t) => {
  const lab = new Lab(t);
  const client = lab.member('cli', CLIENT);
  const dir1 = lab.member('dir1', DIR1);
  const dir2 = lab.member('dir2', DIR2);
  lab.realServer('rs1', RS[0]);
  lab.realServer('rs2', RS[1]);
  const conf = (id: string, state: string, prio: number): string =>
    `global_defs {\n  router_id ${id}\n}\n` +
    `vrrp_instance VI_1 {\n  state ${state}\n  interface eth0\n  virtual_router_id 51\n  priority ${prio}\n  advert_int 1\n` +
    `  virtual_ipaddress {\n    ${VIP}/32 dev eth0\n  }\n}\n` +
    virtualServer([1, 1]);
  const d1 = lab.daemon(dir1, 'd1', conf('d1', 'MASTER', 150), false);
  const d2 = lab.daemon(dir2, 'd2', conf('d2', 'BACKUP', 100), false);
  const hasVip = (ns: string): boolean => ip(['-4', '-o', 'addr', 'show', 'dev', 'eth0'], ns).includes(`${VIP}/32`);
  try {
    const up = await until('d1 master with the VIP, both tables programmed', () =>
      hasVip(dir1) && !hasVip(dir2) && dests(dir1).length === 2 && dests(dir2).length === 2 ? true : undefined, START_MS);
    const before = Array.from({ length: 4 }, () => curl(client));
    assert.deepEqual([...before].sort(), ['rs1', 'rs1', 'rs2', 'rs2'], `through d1: ${before.join(' ')}`);
    const s1 = await settledStats(dir1, 4);
    assert.equal(s1.service.outPkts, 0);

    // The master director dies: every process in its namespace is killed and its link goes down (the VIP stays on the dead box).
    const tKill = Date.now();
    for (const p of spawnSync('ip', ['netns', 'pids', dir1], { encoding: 'utf8' }).stdout.split(/\s+/)) if (/^\d+$/.test(p)) process.kill(Number(p), 'SIGKILL');
    ip(['link', 'set', 'eth0', 'down'], dir1);
    const took = await until('d2 holds the VIP', () => (hasVip(dir2) ? true : undefined), 30_000, 100);
    const served = await until('client served again', () => (curl(client) !== '' ? true : undefined), 30_000, 100);
    const failoverMs = Date.now() - tKill;
    const after = Array.from({ length: 4 }, () => curl(client));
    assert.deepEqual([...after].sort(), ['rs1', 'rs1', 'rs2', 'rs2'], `through d2: ${after.join(' ')}`);
    const s2 = await settledStats(dir2, 4);
    assert.ok(s2.service.conns >= 4 && s2.service.inPkts > 0, `the backup director carries the traffic: ${JSON.stringify(s2.service)}`);
    assert.equal(s2.service.outPkts, 0);
    assert.ok(alive(d2.proc), 'd2 still running');
    assert.match(d2.log, /\(VI_1\) Entering MASTER STATE/, 'd2 logged its transition');
    console.log(`# VRRP+IPVS: ready ${up.ms} ms; master killed -> VIP on d2 ${took.ms} ms, client served ${served.ms} ms later (${failoverMs} ms total); after: ${after.join(' ')}`);
  } catch (e) {
    console.log(report(d1, dir1));
    console.log(report(d2, dir2));
    throw e;
  }
});
