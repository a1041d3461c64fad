// Benchmark: SIGHUP reload of a 2,000 virtual servers x 10 real servers configuration: parent parse + validate, IPC, the workers' reload, as the daemon logs them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFromOptions } from '../../src/cli/config-test';
import { parseArgs } from '../../src/cli/options';
import { createLan, netnsSkipReason, spawnIn } from '../helpers/netns';
import { descendants, hostLoad, markdownTable, summary, tempDir, TSKA_MAIN } from '../helpers/daemons';

const SERVICES = 2000;
const REALS = 10;
const RUNS = Number(process.env['TSKA_BENCH_RUNS'] ?? 5);

function generate(routerId: string): string {
  const out = ['global_defs {', `  router_id ${routerId}`, '}'];
  for (let s = 0; s < SERVICES; s++) {
    out.push(`virtual_server 10.${Math.floor(s / 250)}.${1 + (s % 250)}.1 80 {`, '  delay_loop 60', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 0; r < REALS; r++) out.push(`  real_server 172.16.${s % 250}.${r + 1} 8080 {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 3', '    }', '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Console lines with their arrival time (performance.now). */
class Lines {
  readonly seen: Array<{ t: number; l: string }> = [];
  private buf = '';
  feed(d: Buffer): void {
    this.buf += d.toString();
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      this.seen.push({ t: performance.now(), l: this.buf.slice(0, i) });
      this.buf = this.buf.slice(i + 1);
    }
  }
  after(t: number, re: RegExp): Array<{ t: number; l: string }> {
    return this.seen.filter((x) => x.t >= t && re.test(x.l));
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly covers: string;
}

async function runVariant(ns: string, dir: string, conf: string, v: Variant): Promise<string[]> {
  const lines = new Lines();
  const p = spawnIn(ns, process.execPath, [TSKA_MAIN, '-n', '-l', '-G', ...v.args, '-f', conf, '-p', path.join(dir, 'p.pid'), '-r', path.join(dir, 'v.pid'), '-c', path.join(dir, 'c.pid')]);
  p.stdout?.on('data', (d: Buffer) => lines.feed(d));
  p.stderr?.on('data', (d: Buffer) => lines.feed(d));
  const toSighup: number[] = [];
  const parentParse: number[] = [];
  const workersDone: number[] = [];
  let notes = '';
  try {
    await until(() => lines.seen.some((x) => /child process, pid=/.test(x.l)), 20_000);
    await sleep(4000); // the workers load the same configuration at start
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      process.kill(p.pid!, 'SIGHUP');
      const ok = await until(() => lines.after(t0, /^.*: Reload finished$/).length > 0 && lines.after(t0, /Reloading \.\.\. \(SIGHUP\)/).length > 0 && lines.after(t0, /Reload finished|kept its running|reload: /).length >= 1 && parentDone(lines, t0), 120_000);
      if (!ok) {
        notes += `run ${i + 1}: no 'Reload finished' from the parent within 120 s; `;
        break;
      }
      const workerFinished = lines.after(t0, /: Reload finished$/);
      const parentFinished = workerFinished.at(-1)!;
      toSighup.push(parentFinished.t - t0);
      // the parent logs "Reloading ..." before parsing; a worker logs "Reloading" when the request arrives
      const workerStart = lines.after(t0, /: Reloading$/)[0];
      if (workerStart) parentParse.push(workerStart.t - t0);
      if (workerFinished.length > 1) workersDone.push(workerFinished.at(-2)!.t - t0);
      const failed = lines.after(t0, /kept its running configuration|reload: .*not running|did not answer/);
      if (failed.length > 0 && i === 0) notes += failed.map((x) => x.l.replace(/^.*?\d{4}: /, '')).join('; ') + '; ';
      await sleep(1000);
    }
  } finally {
    const all = [p.pid!, ...descendants(p.pid!)];
    p.kill('SIGTERM');
    await sleep(2000);
    for (const x of all) {
      try {
        process.kill(x, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  const s = (v: number[]): string => (v.length ? `${summary(v).min.toFixed(0)} / ${summary(v).median.toFixed(0)} / ${summary(v).max.toFixed(0)}` : '-');
  const startFail = lines.seen.filter((x) => /subsystem failed to start|died \(/.test(x.l)).slice(0, 2).map((x) => x.l.replace(/^.*?\d{4}: /, ''));
  return [v.name, String(toSighup.length), s(parentParse), s(workersDone), s(toSighup), v.covers, (notes + startFail.join('; ')).slice(0, 300) || '-'];
}

function parentDone(lines: Lines, t0: number): boolean {
  // the parent's "Reload finished" is the last of them; it follows every worker's
  const fin = lines.after(t0, /: Reload finished$/);
  const reqs = lines.after(t0, /: Reloading$/);
  return fin.length >= reqs.length + 1;
}

async function main(): Promise<void> {
  const skip = netnsSkipReason();
  if (skip) {
    console.log(`daemon-reload: skipped (${skip})`);
    return;
  }
  const dir = tempDir('reload-bench');
  const conf = path.join(dir, 'keepalived.conf');
  const text = generate('reload_bench');
  fs.writeFileSync(conf, text);
  console.log(`daemon-reload: ${SERVICES} virtual servers x ${REALS} real servers (${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB); ${RUNS} SIGHUPs per variant; ${hostLoad()}; Node ${process.version}`);
  // in this process: what the parent does before it asks the workers (load = parse + validate)
  const opts = parseArgs(['-f', conf]);
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = loadFromOptions(opts);
    loads.push(performance.now() - t0);
    if (i === 0) console.log(`config load: ${r.config.lvs.virtualServers.length} virtual servers, ${r.config.lvs.virtualServers.reduce((n, v) => n + v.realServers.length, 0)} real servers, exit code ${r.exitCode}`);
  }
  const ls = summary(loads);
  console.log(`in-process loadConfig (parse + validate) ms: min ${ls.min.toFixed(0)} / median ${ls.median.toFixed(0)} / max ${ls.max.toFixed(0)}`);
  const lan = createLan({ nodes: 1 });
  const rows: string[][] = [];
  try {
    const variants: Variant[] = [
      { name: 'default (checker worker)', args: [], covers: 'parent load + IPC + checker worker load and engine reload (if the checker is running)' },
      { name: '-P --all (VRRP worker)', args: ['-P', '--all'], covers: 'parent load + IPC + VRRP worker load and reload (no instances)' },
      { name: '--all (both workers)', args: ['--all'], covers: 'parent load + IPC + both workers in parallel' },
    ];
    for (const v of variants) rows.push(await runVariant(lan.nodes[0]!.ns, dir, conf, v));
  } finally {
    lan.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(markdownTable(['variant', 'reloads', 'SIGHUP → worker "Reloading" ms (parent load + IPC) min/med/max', 'SIGHUP → last worker "Reload finished" ms', 'SIGHUP → parent "Reload finished" ms', 'covers', 'notes'], rows));
  console.log('Times are when the console lines reached this process (pipe), so they include a few ms of logging latency.');
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
