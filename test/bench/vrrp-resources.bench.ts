// Resource benchmark, keepalived and tskeepalived side by side: a master/backup pair with 100 VRRPv3 instances at 0.1 s; CPU % of a core (schedstat) and RSS/PSS (smaps_rollup) of the VRRP process and of all daemon processes, adverts/s at the observer, wake-ups/s of the VRRP process. Env: VRRP_BENCH_KINDS, VRRP_BENCH_INSTANCES, VRRP_BENCH_MEASURE_S, VRRP_BENCH_SETTLE_S.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, netnsSkipReason, waitFor, type LanNode } from '../helpers/netns';
import { Capture, tcpdumpSkipReason } from '../helpers/pcap';
import {
  countAddresses, hostLoad, keepalivedSkipReason, keepalivedVersion, markdownTable, memKb, onInterrupt, realtimeMs, schedNs, sleep,
  startDaemon, tempDir, tskeepalivedSkipReason, vrrpConfig, type Daemon, type DaemonKind, type VrrpInstanceSpec,
} from '../helpers/daemons';

const K = Number(process.env['VRRP_BENCH_INSTANCES'] ?? 100);
const MEASURE_S = Number(process.env['VRRP_BENCH_MEASURE_S'] ?? 30);
const SETTLE_S = Number(process.env['VRRP_BENCH_SETTLE_S'] ?? 10);
/** Which daemons to run, space-separated: keepalived, tskeepalived. */
const KINDS = (process.env['VRRP_BENCH_KINDS'] ?? 'keepalived tskeepalived').split(/\s+/).filter(Boolean) as DaemonKind[];
const ADVERT = '0.1';

function instances(prio: number): VrrpInstanceSpec[] {
  const out: VrrpInstanceSpec[] = [];
  for (let i = 1; i <= K; i++) {
    out.push({ name: `VI_${i}`, vrid: i, priority: prio, advert: ADVERT, version: 3, vips: [`198.51.100.${i}/32 dev eth0`], state: prio > 100 ? 'MASTER' : 'BACKUP' });
  }
  return out;
}

interface Row {
  readonly kind: DaemonKind;
  readonly role: string;
  readonly procs: number;
  readonly vrrpCpu: number;
  readonly allCpu: number;
  readonly vrrpRss: number;
  /** Median and maximum of the VRRP process's RSS sampled every second through the window. */
  readonly vrrpRssMedian: number;
  readonly vrrpRssMax: number;
  readonly allRss: number;
  readonly allPss: number;
  readonly advertsPerS: number;
  /** Voluntary context switches of the VRRP process per second: how often it sleeps and wakes. */
  readonly vrrpWakeups: number;
}

/** Voluntary context switches of every thread of `pid` (/proc/PID/status counts the main thread only). */
function wakeups(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    let n = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) n += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))?.[1] ?? 0);
    return n;
  } catch {
    return NaN;
  }
}

async function measurePair(kind: DaemonKind, n1: LanNode, n2: LanNode, obs: LanNode, dir: string): Promise<Row[]> {
  const vips = new Set(Array.from({ length: K }, (_, i) => `198.51.100.${i + 1}`));
  const cap = await Capture.start(obs.ns, obs.ifname, path.join(dir, `${kind}.pcap`), 'ip proto 112');
  const ds: Daemon[] = [];
  try {
    const m = startDaemon({ kind, ns: n1.ns, name: `${kind}-n1`, dir, config: vrrpConfig(`tska_${kind}_n1`, instances(150)) });
    ds.push(m);
    await waitFor(() => countAddresses(n1.ns, vips) === K, 60_000, 100);
    const b = startDaemon({ kind, ns: n2.ns, name: `${kind}-n2`, dir, config: vrrpConfig(`tska_${kind}_n2`, instances(100)) });
    ds.push(b);
    await waitFor(() => b.lines.filter((l) => /Entering BACKUP STATE/.test(l)).length >= K, 60_000, 100);
    await sleep(SETTLE_S * 1000);
    if (countAddresses(n1.ns, vips) !== K || countAddresses(n2.ns, vips) !== 0) throw new Error(`${kind}: not stable: n1 ${countAddresses(n1.ns, vips)} VIPs, n2 ${countAddresses(n2.ns, vips)}`);
    const snap = (d: Daemon): { pids: number[]; vrrp: number | undefined; cpu: Map<number, number>; wakeups: number } => {
      const pids = d.allPids();
      const vrrp = d.vrrpPid();
      return { pids, vrrp, cpu: new Map(pids.map((p) => [p, schedNs(p) ?? 0])), wakeups: wakeups(vrrp) };
    };
    const t0 = realtimeMs();
    const h0 = process.hrtime.bigint();
    const s0 = ds.map(snap);
    // The VRRP process's RSS, sampled every second through the window (it moves with the GC by a MB or two).
    const rssSamples: number[][] = ds.map(() => []);
    for (let waited = 0; waited < MEASURE_S * 1000; waited += 1000) {
      await sleep(Math.min(1000, MEASURE_S * 1000 - waited));
      ds.forEach((d, i) => {
        const pid = s0[i]!.vrrp;
        const rss = pid !== undefined ? memKb(pid)?.rss : undefined;
        if (rss !== undefined) rssSamples[i]!.push(rss);
      });
    }
    const elapsedNs = Number(process.hrtime.bigint() - h0);
    const t1 = realtimeMs();
    await sleep(500);
    const adverts = cap.read().adverts.filter((x) => x.t >= t0 && x.t <= t1);
    return ds.map((d, i) => {
      const before = s0[i]!;
      let all = 0;
      let vrrpCpu = NaN;
      let allRss = 0;
      let allPss = 0;
      let vrrpRss = NaN;
      for (const p of before.pids) {
        const delta = (schedNs(p) ?? NaN) - (before.cpu.get(p) ?? 0);
        const pct = (delta / elapsedNs) * 100;
        all += pct;
        const mem = memKb(p);
        allRss += mem?.rss ?? 0;
        allPss += mem?.pss ?? 0;
        if (p === before.vrrp) {
          vrrpCpu = pct;
          vrrpRss = mem?.rss ?? NaN;
        }
      }
      const src = i === 0 ? n1.ipv4 : n2.ipv4;
      const sorted = [...rssSamples[i]!].sort((a, b) => a - b);
      return {
        kind, role: i === 0 ? 'n1 master' : 'n2 backup', procs: before.pids.length, vrrpCpu, allCpu: all, vrrpRss, allRss, allPss,
        vrrpRssMedian: sorted[sorted.length >> 1] ?? NaN, vrrpRssMax: sorted[sorted.length - 1] ?? NaN,
        advertsPerS: adverts.filter((x) => x.src === src).length / ((t1 - t0) / 1000),
        vrrpWakeups: (wakeups(before.vrrp) - before.wakeups) / (elapsedNs / 1e9),
      };
    });
  } finally {
    for (const d of ds) await d.stop(5000);
    await cap.stop();
  }
}

async function main(): Promise<void> {
  const skip = netnsSkipReason() ?? tcpdumpSkipReason();
  if (skip !== undefined) {
    console.log(`vrrp-resources: skipped: ${skip}`);
    return;
  }
  const kinds = KINDS.filter((k) => {
    const why = k === 'keepalived' ? keepalivedSkipReason() : tskeepalivedSkipReason();
    if (why !== undefined) console.log(`vrrp-resources: ${k} skipped: ${why}`);
    return why === undefined;
  });
  const lan = createLan({ nodes: 3 });
  onInterrupt(() => lan.destroy());
  const [n1, n2, obs] = lan.nodes as [LanNode, LanNode, LanNode];
  const dir = tempDir('bench-resources');
  const loadStart = hostLoad();
  const rows: Row[] = [];
  try {
    for (const k of kinds) rows.push(...(await measurePair(k, n1, n2, obs, dir)));
  } finally {
    lan.destroy();
  }
  const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log(`\n### ${K} VRRPv3 instances at advert_int ${ADVERT} s: CPU and memory over ${MEASURE_S} s (after ${SETTLE_S} s settled); keepalived = ${keepalivedVersion()}`);
  console.log(`${loadStart} at the start; ${hostLoad()} at the end; CPU from /proc/PID/task/*/schedstat, memory from /proc/PID/smaps_rollup at the end; logs in ${dir}\n`);
  console.log(markdownTable(
    ['daemon', 'node', 'processes', 'VRRP process CPU % of a core', 'all processes CPU %', 'VRRP process RSS kB (end)', 'VRRP RSS kB median / max (1 s samples)', 'all processes RSS kB', 'all processes PSS kB', 'adverts/s sent', 'VRRP process wake-ups/s'],
    rows.map((r) => [r.kind, r.role, String(r.procs), f(r.vrrpCpu, 3), f(r.allCpu, 3), f(r.vrrpRss, 0), `${f(r.vrrpRssMedian, 0)} / ${f(r.vrrpRssMax, 0)}`, f(r.allRss, 0), f(r.allPss, 0), f(r.advertsPerS, 1), f(r.vrrpWakeups, 0)]),
  ));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
