// Benchmark: idle memory (RSS, PSS from /proc/PID/smaps_rollup) of tskeepalived's three processes with 1 and 100 VRRP instances in a namespace pair, next to keepalived's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, netnsSkipReason, spawnIn } from '../helpers/netns';
import { countAddresses, descendants, hostLoad, keepalivedSkipReason, keepalivedVersion, markdownTable, memKb, startDaemon, tempDir, TSKA_MAIN, vrrpConfig, type VrrpInstanceSpec } from '../helpers/daemons';

const SETTLE_MS = Number(process.env['TSKA_BENCH_SETTLE_MS'] ?? 10_000);

function instances(k: number, priority: number): VrrpInstanceSpec[] {
  return Array.from({ length: k }, (_, i) => ({ name: `VI_${i + 1}`, vrid: i + 1, priority, advert: '1', version: 2 as const, vips: [`198.51.100.${i + 1}/32 dev eth0`], state: priority > 100 ? ('MASTER' as const) : ('BACKUP' as const) }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

function procName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

interface Row {
  impl: string;
  k: number;
  node: string;
  procs: Array<{ name: string; rss: number; pss: number }>;
}

function measure(root: number): Array<{ name: string; rss: number; pss: number }> {
  const out: Array<{ name: string; rss: number; pss: number }> = [];
  for (const pid of [root, ...descendants(root)]) {
    const m = memKb(pid);
    if (m) out.push({ name: `${procName(pid)}(${pid})`, ...m });
  }
  return out;
}

function kill(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // gone
    }
  }
}

/** One pair for one implementation and K; returns both nodes' rows. */
async function run(impl: 'tskeepalived' | 'keepalived', k: number): Promise<Row[]> {
  const lan = createLan({ nodes: 2 });
  const dir = tempDir(`mem-${impl}-${k}`);
  const roots: number[] = [];
  const rows: Row[] = [];
  try {
    const vips = new Set(Array.from({ length: k }, (_, i) => `198.51.100.${i + 1}`));
    for (const [idx, prio] of [[0, 150], [1, 100]] as const) {
      const node = lan.nodes[idx]!;
      const name = `n${idx + 1}`;
      const config = vrrpConfig(name, instances(k, prio));
      if (impl === 'keepalived') {
        const d = startDaemon({ kind: 'keepalived', ns: node.ns, name, dir, config });
        roots.push(d.pid);
      } else {
        // no -P and --all: the parent, the VRRP worker and the (idle) checker worker, as a default install runs
        const cf = path.join(dir, `${name}.conf`);
        fs.writeFileSync(cf, config);
        const p = spawnIn(node.ns, process.execPath, [TSKA_MAIN, '-n', '-G', '--all', '-f', cf, '-p', path.join(dir, `${name}.pid`), '-r', path.join(dir, `${name}.vrrp.pid`), '-c', path.join(dir, `${name}.check.pid`)], { stdio: 'ignore' });
        roots.push(p.pid!);
      }
    }
    const ok = await until(() => countAddresses(lan.nodes[0]!.ns, vips) === k && countAddresses(lan.nodes[1]!.ns, vips) === 0, 30_000);
    if (!ok) console.log(`# ${impl} K=${k}: the pair did not settle (n1 holds ${countAddresses(lan.nodes[0]!.ns, vips)}/${k} VIPs) - measuring anyway`);
    await sleep(SETTLE_MS);
    roots.forEach((root, i) => rows.push({ impl, k, node: i === 0 ? 'n1 master' : 'n2 backup', procs: measure(root) }));
  } finally {
    const all = roots.flatMap((r) => [r, ...descendants(r)]);
    kill(roots, 'SIGTERM');
    await sleep(2000);
    kill(all, 'SIGKILL');
    lan.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const skip = netnsSkipReason();
  if (skip) {
    console.log(`daemon-memory: skipped (${skip})`);
    return;
  }
  console.log(`daemon-memory: idle memory after the pair settles + ${SETTLE_MS / 1000} s; ${hostLoad()}; Node ${process.version}`);
  const rows: Row[] = [];
  for (const k of [1, 100]) rows.push(...(await run('tskeepalived', k)));
  const ka = keepalivedSkipReason();
  if (!ka) for (const k of [1, 100]) rows.push(...(await run('keepalived', k)));
  else console.log(`# keepalived not measured: ${ka}`);
  const mb = (kb: number): string => (kb / 1024).toFixed(1);
  console.log('\nPer process (MB):');
  console.log(markdownTable(['impl', 'K', 'node', 'process', 'RSS', 'PSS'], rows.flatMap((r) => r.procs.map((p) => [r.impl, String(r.k), r.node, p.name, mb(p.rss), mb(p.pss)]))));
  console.log('\nTotals per node (MB; target for tskeepalived: total PSS < 100 MB):');
  console.log(markdownTable(['impl', 'K', 'node', 'processes', 'RSS total', 'PSS total', 'PSS < 100 MB'], rows.map((r) => {
    const rss = r.procs.reduce((n, p) => n + p.rss, 0);
    const pss = r.procs.reduce((n, p) => n + p.pss, 0);
    return [r.impl === 'keepalived' ? `keepalived (${keepalivedVersion()}, -P)` : r.impl, String(r.k), r.node, String(r.procs.length), mb(rss), mb(pss), r.impl === 'tskeepalived' ? (pss < 100 * 1024 ? 'yes' : 'NO') : '-'];
  })));
  console.log('\nReference (lab README §4, keepalived -P, 2 processes): RSS sum 13.4-13.7 MB, PSS sum 4.5-4.6 MB.');
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
