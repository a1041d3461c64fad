// Benchmark (real IPVS, in the VM): the daemon's own path with N services x 5 destinations in the kernel — cold start, a SIGHUP
// reload whose only change is one real server's weight, one real server's health check failing and coming back, SIGTERM with
// -I (nothing sent), a restart over the table -I kept, and SIGTERM without -I (the services removed within child_wait_time).
//
//   TSKA_BUILD_DIR=<build> TSKA_VM_ENV=TSKA_BUILD_DIR scripts/vm/run.sh node scripts/run-bench.js ipvs-daemon
//   (BENCH_IPVS_DAEMON_SERVICES, default 10000; add it to TSKA_VM_ENV to pass it into the VM)
//
// The real daemon (`main.js -n -C -l -G`, checker worker + IPVS driver) runs in a network namespace of its own. Every
// real server has no checker (keepalived keeps those up) except CHECKS of them, one per service spread over the range,
// with TCP_CHECK against small TCP listeners in a second namespace. The kernel is read in-process (one IPVS_CMD_GET_DEST
// of the service concerned, every POLL_MS); the daemon's IPVS traffic is counted twice: by the driver (SIGUSR2 stats)
// and on an nlmon device (every generic netlink request, by command), in separate runs so capturing costs no timing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IpvsServiceKey } from '../../src/ipvs/attrs';
import { IpvsClient } from '../../src/ipvs/client';

const N = Number(process.env['BENCH_IPVS_DAEMON_SERVICES'] ?? 10_000);
const DESTS = 5;
const CHECKS = 4;
const POLL_MS = 100;
const RS_NET = '10.255.0';
const MAIN_JS = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

function vip(i: number): string {
  return `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}
const key = (i: number): IpvsServiceKey => ({ family: 'inet', protocol: 'tcp', address: vip(i), port: 80 });
/** The services that have one checked real server (its first), and the service whose weight the reload changes. */
const checked = Array.from({ length: CHECKS }, (_, k) => Math.floor(((k + 1) * N) / (CHECKS + 1)));
const RELOADED = checked.includes(N >> 1) ? (N >> 1) + 1 : N >> 1;
const checkPort = (k: number): number => 9001 + k;
const plainDest = (i: number, d: number): string => `10.0.${d}.${(i % 250) + 1}`;

function config(statsFile: string, reloadedWeight: number): string {
  const out = ['global_defs {', '  router_id ipvs_daemon_bench', `  stats_dump_file ${statsFile}`, '}'];
  for (let i = 0; i < N; i++) {
    const k = checked.indexOf(i);
    out.push(`virtual_server ${vip(i)} 80 {`, `  delay_loop ${k >= 0 ? 1 : 60}`, '  lvs_sched wlc', '  lvs_method NAT', '  protocol TCP');
    for (let d = 0; d < DESTS; d++) {
      if (d === 0 && k >= 0) {
        out.push(`  real_server ${RS_NET}.2 ${checkPort(k)} {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 1', '      retry 1', '      delay_before_retry 1', '    }', '  }');
      } else {
        out.push(`  real_server ${plainDest(i, d)} 8080 {`, `    weight ${i === RELOADED && d === 0 ? reloadedWeight : 1}`, '  }');
      }
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now();

/** Console lines of the daemon with their arrival time. */
class Lines {
  readonly seen: Array<{ t: number; l: string }> = [];
  private buf = '';
  feed(b: Buffer): void {
    this.buf += b.toString();
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      this.seen.push({ t: now(), l: this.buf.slice(0, i) });
      this.buf = this.buf.slice(i + 1);
    }
  }
  after(t: number, re: RegExp): Array<{ t: number; l: string }> {
    return this.seen.filter((x) => x.t >= t && re.test(x.l));
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = POLL_MS): Promise<{ value: T; t: number }> {
  const end = now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return { value: v, t: now() };
    if (now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The destinations of service i as "addr:port weight" (empty when the service is absent). */
async function destsOf(c: IpvsClient, i: number): Promise<string[]> {
  try {
    return (await c.listDests(key(i))).map((d) => `${d.address}:${d.port} ${d.weight}`).sort();
  } catch {
    return [];
  }
}

/** Services and destinations in /proc/net/ip_vs (a read that costs no netlink request). */
function procCounts(): { services: number; dests: number } {
  const lines = fs.readFileSync('/proc/net/ip_vs', 'utf8').split('\n');
  return { services: lines.filter((l) => /^(TCP|UDP|SCTP|FWM) /.test(l)).length, dests: lines.filter((l) => /^\s+->\s+[0-9A-F]{8}:/.test(l)).length };
}

interface DriverStats {
  applies: number;
  ops: number;
  errors: number;
  dumps: number;
  /** Services read one by one (GET_SERVICE without a dump); absent from older builds. */
  reads?: number;
  partial: number;
}

/** Generic netlink requests (NLM_F_REQUEST) of one family in an nlmon pcap, by command name, and the kernel's reply messages. */
function countCapture(file: string, family: number): { requests: Map<string, number>; replies: number; bytes: number } {
  const CMDS = ['UNSPEC', 'NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'GET_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'GET_DEST', 'NEW_DAEMON', 'DEL_DAEMON', 'GET_DAEMON', 'SET_CONFIG', 'GET_CONFIG', 'SET_INFO', 'GET_INFO', 'ZERO', 'FLUSH'];
  const pcap = fs.readFileSync(file);
  const requests = new Map<string, number>();
  let replies = 0;
  if (pcap.length < 24) return { requests, replies, bytes: pcap.length };
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number): number => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  if (u32(20) !== 253) throw new Error(`pcap link type ${u32(20)}, expected 253 (NETLINK)`);
  for (let off = 24; off + 16 <= pcap.length; ) {
    const incl = u32(off + 8);
    const pkt = pcap.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    for (let m = 16; m + 20 <= pkt.length; ) {
      const len = pkt.readUInt32LE(m);
      const type = pkt.readUInt16LE(m + 4);
      const flags = pkt.readUInt16LE(m + 6);
      if (type === family) {
        if (flags & 1) {
          const name = CMDS[pkt.readUInt8(m + 16)] ?? `cmd${pkt.readUInt8(m + 16)}`;
          requests.set(name, (requests.get(name) ?? 0) + 1);
        } else replies++;
      }
      if (len < 16) break;
      m += (len + 3) & ~3;
    }
  }
  return { requests, replies, bytes: pcap.length };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-bench-ipvsd-'));
  const conf = path.join(dir, 'keepalived.conf');
  const statsFile = path.join(dir, 'keepalived.stats');
  const rsNs = `tska-bench-rs-${process.pid}`;
  const children: ChildProcess[] = [];
  const rows: string[][] = [];
  const row = (what: string, ms: number | string, note = ''): void => {
    rows.push([what, typeof ms === 'number' ? ms.toFixed(0) : ms, note]);
    console.error(`ipvs-daemon: ${rows.at(-1)!.join(' | ')}`); // progress: the table comes at the end
  };
  const run = (cmd: string, args: readonly string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || `status ${r.status}`).trim()}`);
    return r.stdout;
  };
  let daemon: ChildProcess | undefined;
  let c: IpvsClient | undefined;
  const t0Bench = now();
  try {
    run('ip', ['link', 'set', 'lo', 'up']);
    run('ipvsadm', ['-C']);
    // The checked real servers live in a namespace of their own behind a veth (a local address would be IPVS's "local node").
    run('ip', ['netns', 'add', rsNs]);
    run('ip', ['link', 'add', 'veth-d', 'type', 'veth', 'peer', 'name', 'veth-r', 'netns', rsNs]);
    run('ip', ['addr', 'add', `${RS_NET}.1/24`, 'dev', 'veth-d']);
    run('ip', ['link', 'set', 'veth-d', 'up']);
    run('ip', ['-n', rsNs, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', rsNs, 'addr', 'add', `${RS_NET}.2/24`, 'dev', 'veth-r']);
    run('ip', ['-n', rsNs, 'link', 'set', 'veth-r', 'up']);
    // One listener process; its stdin takes "close PORT" / "open PORT".
    const serverJs =
      "const net=require('net');const s=new Map();const open=(p)=>{if(s.has(p))return;const v=net.createServer((c)=>c.destroy());v.listen(p,process.argv[1],()=>console.log('open '+p));s.set(p,v);};" +
      "for(const p of process.argv.slice(2))open(Number(p));let b='';process.stdin.on('data',(d)=>{b+=d;let i;while((i=b.indexOf('\\n'))>=0){const[w,p]=b.slice(0,i).split(' ');b=b.slice(i+1);" +
      "if(w==='close'){s.get(Number(p))?.close();s.delete(Number(p));console.log('closed '+p);}else open(Number(p));}});";
    const servers = spawn('ip', ['netns', 'exec', rsNs, process.execPath, '-e', serverJs, `${RS_NET}.2`, ...checked.map((_, k) => String(checkPort(k)))], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(servers);
    let serverOut = '';
    servers.stdout?.on('data', (b: Buffer) => (serverOut += b.toString()));
    await until('the check listeners', () => (checked.every((_, k) => serverOut.includes(`open ${checkPort(k)}`)) ? true : undefined), 120_000);
    const serverCmd = async (cmd: string, port: number): Promise<void> => {
      const want = `${cmd === 'close' ? 'closed' : 'open'} ${port}`;
      const before = serverOut.split(want).length;
      servers.stdin?.write(`${cmd} ${port}\n`);
      await until(want, () => (serverOut.split(want).length > before ? true : undefined), 30_000, 20);
    };

    fs.writeFileSync(conf, config(statsFile, 1));
    c = await IpvsClient.open();
    const client = c;
    const family = client.familyId;

    /** Starts `main.js -n -C -l -G [flags]` on the configuration; its console lines are timestamped as they arrive. */
    const startDaemon = (flags: readonly string[]): { proc: ChildProcess; lines: Lines; exited: Promise<void>; t: number } => {
      const lines = new Lines();
      const t = now();
      const proc = spawn(process.execPath, [MAIN_JS, '-n', '-C', '-l', '-G', ...flags, '-f', conf, '-p', path.join(dir, 'main.pid'), '-c', path.join(dir, 'check.pid')], {
        env: { ...process.env, TSKA_SUBSYSTEM_MODULES: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      daemon = proc;
      children.push(proc);
      proc.stdout?.on('data', (b: Buffer) => lines.feed(b));
      proc.stderr?.on('data', (b: Buffer) => lines.feed(b));
      const exited = new Promise<void>((r) => proc.on('exit', () => r()));
      return { proc, lines, exited, t };
    };
    /** SIGTERM, then the time to the daemon's exit (at most 300 s). */
    const terminate = async (x: { proc: ChildProcess; exited: Promise<void> }): Promise<number> => {
      const t = now();
      x.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([x.exited, new Promise<void>((r) => (timer = setTimeout(r, 300_000)))]);
      clearTimeout(timer);
      return now() - t;
    };
    const A = startDaemon(['-I']);
    const d = A.proc;
    const lines = A.lines;
    const tStart = A.t;
    const worry = (l: Lines = lines): string =>
      l.seen
        .filter((x) => /not responding|killing it|died|failed|did not answer|timed out|error/i.test(x.l) && !/TCP_CHECK on service/.test(x.l))
        .slice(0, 4)
        .map((x) => x.l.replace(/^.*?\d{4}: /, ''))
        .join('; ');

    const stats = async (pid: number = d.pid!): Promise<DriverStats> => {
      const before = fs.existsSync(statsFile) ? fs.statSync(statsFile).mtimeMs : 0;
      process.kill(pid, 'SIGUSR2');
      const r = await until('the SIGUSR2 stats file', () => {
        if (!fs.existsSync(statsFile) || fs.statSync(statsFile).mtimeMs === before) return undefined;
        try {
          const j = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { check?: { ipvs?: DriverStats } | null };
          return j.check?.ipvs ?? undefined;
        } catch {
          return undefined; // being written
        }
      }, 60_000, 200);
      return r.value;
    };
    const diff = (a: DriverStats, b: DriverStats): string =>
      `driver: ${b.ops - a.ops} op(s) sent, ${b.dumps - a.dumps} service dump(s), ${(b.reads ?? 0) - (a.reads ?? 0)} single service read(s), ${b.applies - a.applies} apply(ies) of which ${b.partial - a.partial} partial, ${b.errors - a.errors} error(s)`;

    // 1. Cold start: daemon start -> first service, -> every service with its destinations (the last one is added last).
    let first = 0;
    const all = await until('every service programmed', async () => {
      if (!first && (await destsOf(client, 0)).length > 0) first = now();
      return (await destsOf(client, N - 1)).length === DESTS ? true : undefined;
    }, 3_600_000, 500);
    const counts = procCounts();
    const started = lines.after(tStart, /Starting Healthcheck child process/)[0];
    row('cold start: daemon start → first service in the kernel', first - tStart, started ? `worker forked at ${(started.t - tStart).toFixed(0)} ms` : '');
    row('cold start: daemon start → all services programmed', all.t - tStart, `${counts.services} services, ${counts.dests} destinations in /proc/net/ip_vs (polled every 500 ms)`);
    await sleep(3_000);
    const s0 = await stats();
    row('  driver counters after start', '-', `${s0.ops} op(s), ${s0.dumps} dump(s), ${s0.reads ?? 0} single read(s), ${s0.applies} apply(ies), ${s0.errors} error(s) ${worry()}`);

    // 2. SIGHUP whose only change is one real server's weight (1 -> 7).
    const reloadOnce = async (weight: number, capture: boolean): Promise<{ kernel?: number; finished: number; reloading?: number; note: string }> => {
      fs.writeFileSync(conf, config(statsFile, weight));
      let pcap: { proc: ChildProcess; file: string } | undefined;
      if (capture) pcap = await startCapture();
      const a = await stats();
      const t0 = now();
      process.kill(d.pid!, 'SIGHUP');
      let kernel: number | undefined;
      if (!capture) {
        const k = await until(`weight ${weight} in the kernel`, async () => ((await destsOf(client, RELOADED)).includes(`${plainDest(RELOADED, 0)}:8080 ${weight}`) ? true : undefined), 1_800_000);
        kernel = k.t - t0;
      }
      const fin = await until('"Reload finished" from the parent', () => {
        const f = lines.after(t0, /: Reload finished$/);
        return f.length >= lines.after(t0, /: Reloading$/).length + 1 ? f.at(-1)!.t : undefined;
      }, 1_800_000, 50);
      let note = '';
      if (pcap) note = await stopCapture(pcap, 2_000);
      if (capture && !(await destsOf(client, RELOADED)).includes(`${plainDest(RELOADED, 0)}:8080 ${weight}`)) note += '; weight NOT in the kernel after the reload';
      const b = await stats();
      const reloading = lines.after(t0, /: Reloading$/)[0];
      return { ...(kernel !== undefined ? { kernel } : {}), finished: fin.value - t0, ...(reloading ? { reloading: reloading.t - t0 } : {}), note: `${diff(a, b)}${note ? `; ${note}` : ''}` };
    };
    const startCapture = async (): Promise<{ proc: ChildProcess; file: string }> => {
      spawnSync('ip', ['link', 'del', 'nlmon0']);
      run('ip', ['link', 'add', 'nlmon0', 'type', 'nlmon']);
      run('ip', ['link', 'set', 'nlmon0', 'up']);
      const file = path.join(dir, `cap-${Date.now()}.pcap`);
      const proc = spawn('tcpdump', ['-i', 'nlmon0', '-U', '-Z', 'root', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(proc);
      let err = '';
      proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      await until('tcpdump listening', () => (/listening on/.test(err) ? true : undefined), 60_000);
      return { proc, file };
    };
    const stopCapture = async (p: { proc: ChildProcess; file: string }, settleMs: number): Promise<string> => {
      await sleep(settleMs);
      p.proc.kill('SIGINT');
      await until('tcpdump exit', () => (p.proc.exitCode !== null || p.proc.signalCode !== null ? true : undefined), 60_000);
      spawnSync('ip', ['link', 'del', 'nlmon0']);
      const r = countCapture(p.file, family);
      fs.rmSync(p.file, { force: true });
      const req = [...r.requests].map(([k, v]) => `${k} ${v}`).join(', ');
      const total = [...r.requests.values()].reduce((x, y) => x + y, 0);
      return `nlmon: ${total} IPVS request(s) (${req || 'none'}), ${r.replies} reply message(s) from the kernel`;
    };

    const r1 = await reloadOnce(7, false);
    row('SIGHUP (1 weight changed) → new weight in the kernel', r1.kernel ?? '-', r1.reloading !== undefined ? `worker "Reloading" at ${r1.reloading.toFixed(0)} ms (parent parse + IPC)` : '');
    row('SIGHUP (1 weight changed) → "Reload finished"', r1.finished, `${r1.note} ${worry()}`);
    const r2 = await reloadOnce(1, true);
    row('SIGHUP (weight back), nlmon capturing → "Reload finished"', r2.finished, r2.note);

    // 3. One checked real server goes down (its port closes), then comes back.
    const k0 = 0;
    const rsText = `${RS_NET}.2:${checkPort(k0)}`;
    const health = async (k: number, down: boolean, capture: boolean): Promise<{ decided: number; kernel?: number; note: string }> => {
      const i = checked[k]!;
      const name = `\\[${RS_NET.replace(/\./g, '\\.')}\\.2\\]:tcp:${checkPort(k)}`;
      let pcap: { proc: ChildProcess; file: string } | undefined;
      if (capture) pcap = await startCapture();
      const a = await stats();
      const t0 = now();
      await serverCmd(down ? 'close' : 'open', checkPort(k));
      const decided = await until(down ? 'the checker removing the server' : 'the checker adding the server back', () => lines.after(t0, new RegExp(`${down ? 'Removing' : 'Adding'} service ${name} (from|to) VS`))[0]?.t, 600_000, 20);
      let kernel: number | undefined;
      let note = '';
      if (!capture) {
        const want = `${RS_NET}.2:${checkPort(k)} 1`;
        const kt = await until('the kernel change', async () => ((await destsOf(client, i)).includes(want) !== down ? true : undefined), 600_000, 50);
        kernel = kt.t - decided.value;
      } else {
        await until('the driver to send the change', async () => ((await stats()).ops > a.ops ? true : undefined), 600_000, 500);
        note = await stopCapture(pcap!, 1_000);
      }
      const b = await stats();
      return { decided: decided.value - t0, ...(kernel !== undefined ? { kernel } : {}), note: `${diff(a, b)}${note ? `; ${note}` : ''}` };
    };
    const h1 = await health(k0, true, false);
    row(`health: port closed → checker decides ${rsText} is down`, h1.decided, 'delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1');
    row('health: checker decision ("Removing service") → destination gone from the kernel', h1.kernel ?? '-', `${h1.note} ${worry()}`);
    const h2 = await health(k0, false, false);
    row(`health: port reopened → checker decides ${rsText} is up`, h2.decided);
    row('health: checker decision ("Adding service") → destination back in the kernel', h2.kernel ?? '-', h2.note);
    const h3 = await health(1, true, true);
    row(`health: another server down, nlmon capturing (service ${checked[1]})`, '-', h3.note);

    // 4. SIGTERM of a daemon started with -I: nothing is sent, the table stays as it is.
    const tableBefore = fs.readFileSync('/proc/net/ip_vs', 'utf8');
    const stopA = await terminate(A);
    const tableAfter = fs.readFileSync('/proc/net/ip_vs', 'utf8');
    const kept = procCounts();
    row('SIGTERM with -I → daemon exit', stopA, `/proc/net/ip_vs ${tableAfter === tableBefore ? 'identical' : 'CHANGED'}: ${kept.services} services, ${kept.dests} destinations kept ${worry()}`);

    // 5. A new daemon (no -I) over the table -I left, its configuration differing in one weight (1 -> 3): start -> that change.
    fs.writeFileSync(conf, config(statsFile, 3));
    const B = startDaemon([]);
    const restart = await until('weight 3 in the kernel', async () => ((await destsOf(client, RELOADED)).includes(`${plainDest(RELOADED, 0)}:8080 3`) ? true : undefined), 3_600_000, 500);
    await sleep(3_000);
    const sb = await stats(B.proc.pid!);
    const forkedB = B.lines.after(B.t, /Starting Healthcheck child process/)[0];
    row('restart over the kept table, 1 weight differs → that weight in the kernel', restart.t - B.t, `${forkedB ? `worker forked at ${(forkedB.t - B.t).toFixed(0)} ms; ` : ''}driver: ${sb.ops} op(s), ${sb.dumps} dump(s), ${sb.reads ?? 0} single read(s), ${sb.errors} error(s) ${worry(B.lines)}`);

    // 6. SIGTERM without -I: the worker removes its services, within child_wait_time (else the parent kills it).
    // When were the services gone (the worker logs its shutdown lines after)? One GET_SERVICE of the service removed
    // last every 50 ms (reading /proc/net/ip_vs that often would take a vCPU from the daemon), then /proc to confirm.
    const tTerm = now();
    let cleanAt: number | undefined;
    let polling = true;
    const poller = (async (): Promise<void> => {
      while (polling && cleanAt === undefined) {
        if ((await client.findService(key(N - 1)).catch(() => undefined)) === null && procCounts().services === 0) cleanAt = now() - tTerm;
        else await sleep(50);
      }
    })();
    const stopB = await terminate(B);
    polling = false;
    await poller;
    const left = procCounts();
    const shutLines = B.lines.after(tTerm, /Shutting down service/);
    row(
      'SIGTERM without -I → services gone from the kernel',
      cleanAt ?? '-',
      `${shutLines.length} "Shutting down service" line(s) seen before exit${shutLines.length ? `, the last ${(shutLines.at(-1)!.t - tTerm).toFixed(0)} ms after SIGTERM` : ''} (polled every 50 ms)`,
    );
    const killed = B.lines.seen.filter((x) => /did not stop|killing|SIGKILL|not responding/i.test(x.l)).map((x) => x.l.replace(/^.*?\d{4}: /, ''));
    row('SIGTERM without -I → daemon exit', stopB, `${left.services} services, ${left.dests} destinations left in the kernel${killed.length ? `; ${killed.slice(0, 2).join('; ')}` : ''}`);
  } finally {
    c?.close();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', rsNs]);
    spawnSync('ipvsadm', ['-C']);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nIPVS daemon benchmark (kernel ${os.release()}, ${os.cpus().length} vCPU, node ${process.version}${process.env['TSKA_VM'] === '1' ? ', in the QEMU VM' : ''}; ` +
      `${N} virtual servers x ${DESTS} real servers, ${CHECKS} of them with TCP_CHECK, the rest without checker; whole run ${((now() - t0Bench) / 1000).toFixed(0)} s)\n`,
  );
  console.log('| what | ms | note |');
  console.log('|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

const inVm = process.env['TSKA_VM'] === '1';
const hasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
if (process.getuid?.() !== 0 || (!inVm && !hasIpvs)) {
  console.log('ipvs-daemon: skipped: needs root and a kernel with ip_vs (run in the VM: scripts/vm/run.sh node <build>/test/bench/ipvs-daemon.bench.js)');
} else if (!fs.existsSync(MAIN_JS)) {
  console.log(`ipvs-daemon: skipped: the daemon (${MAIN_JS}) is not built`);
} else if (process.env['TSKA_BENCH_NETNS'] !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, __filename], { env: { ...process.env, TSKA_BENCH_NETNS: '1' }, stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
