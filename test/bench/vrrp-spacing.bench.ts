// Advert spacing benchmark, keepalived and tskeepalived side by side: a VRRPv3 master at advert_int 0.05 s, idle and with both cores busy (niced spin loops); gap error p50/p99 and max gap from kernel-timestamped captures.
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLan, netnsSkipReason, waitFor, type LanNode } from '../helpers/netns';
import { Capture, tcpdumpSkipReason } from '../helpers/pcap';
import {
  hasAddress, hostLoad, keepalivedSkipReason, keepalivedVersion, markdownTable, onInterrupt, percentile, realtimeMs, sleep, startDaemon, tempDir,
  tskeepalivedSkipReason, vrrpConfig, type DaemonKind,
} from '../helpers/daemons';

const SECONDS = Number(process.env['VRRP_BENCH_SPACING_S'] ?? 20);
const SPIN_NICE = Number(process.env['VRRP_BENCH_SPIN_NICE'] ?? 10);
const SPINNERS = Number(process.env['VRRP_BENCH_SPINNERS'] ?? os.cpus().length);
const KINDS = (process.env['VRRP_BENCH_KINDS'] ?? 'keepalived tskeepalived').split(/\s+/).filter(Boolean) as DaemonKind[];
const ADVERT = '0.05';
const VIP = '192.0.2.100';

const spinners: ChildProcess[] = [];
function startSpinners(): void {
  for (let i = 0; i < SPINNERS; i++) spinners.push(spawn('nice', ['-n', String(SPIN_NICE), process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
}
function stopSpinners(): void {
  for (const s of spinners.splice(0)) if (s.pid !== undefined && s.exitCode === null) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

interface Result {
  readonly kind: DaemonKind;
  readonly load: string;
  readonly gaps: number[];
}

async function measure(kind: DaemonKind, busy: boolean, n1: LanNode, obs: LanNode, dir: string): Promise<Result> {
  const name = `${kind}-${busy ? 'busy' : 'idle'}`;
  const cap = await Capture.start(obs.ns, obs.ifname, path.join(dir, `${name}.pcap`), 'ip proto 112');
  const d = startDaemon({
    kind, ns: n1.ns, name, dir,
    config: vrrpConfig(`tska_${name}`, [{ name: 'VI_1', vrid: 51, priority: 150, advert: ADVERT, version: 3, vips: [`${VIP}/24 dev eth0`], state: 'MASTER' }]),
  });
  try {
    await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await waitFor(() => hasAddress(n1.ns, VIP), 3000);
    if (busy) startSpinners();
    await sleep(1000);
    const from = realtimeMs(); // wall-clock ms, as in the capture
    await sleep(SECONDS * 1000);
    const to = realtimeMs();
    stopSpinners();
    const adv = cap.read().adverts.filter((x) => x.src === n1.ipv4 && x.t >= from && x.t <= to && x.priority === 150);
    const gaps: number[] = [];
    for (let i = 1; i < adv.length; i++) gaps.push(adv[i]!.t - adv[i - 1]!.t);
    return { kind, load: busy ? `${SPINNERS} spin loops (nice ${SPIN_NICE})` : 'idle', gaps };
  } finally {
    stopSpinners();
    await d.stop(3000);
    await cap.stop();
  }
}

async function main(): Promise<void> {
  const skip = netnsSkipReason() ?? tcpdumpSkipReason();
  if (skip !== undefined) {
    console.log(`vrrp-spacing: skipped: ${skip}`);
    return;
  }
  const kinds = KINDS.filter((k) => {
    const why = k === 'keepalived' ? keepalivedSkipReason() : tskeepalivedSkipReason();
    if (why !== undefined) console.log(`vrrp-spacing: ${k} skipped: ${why}`);
    return why === undefined;
  });
  const lan = createLan({ nodes: 2 });
  onInterrupt(() => {
    stopSpinners();
    lan.destroy();
  });
  const [n1, obs] = lan.nodes as [LanNode, LanNode];
  const dir = tempDir('bench-spacing');
  const loadStart = hostLoad();
  const results: Result[] = [];
  try {
    for (const busy of [false, true]) for (const k of kinds) results.push(await measure(k, busy, n1, obs, dir));
  } finally {
    stopSpinners();
    lan.destroy();
  }
  const want = Number(ADVERT) * 1000;
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
  console.log(`\n### VRRPv3 advert spacing at advert_int ${ADVERT} s (${want} ms), ${SECONDS} s per row; keepalived = ${keepalivedVersion()}`);
  console.log(`${loadStart} at the start; ${hostLoad()} at the end; error = gap - ${want} ms; captures in ${dir}\n`);
  console.log(markdownTable(
    ['load', 'daemon', 'adverts', 'p50 error ms', 'p99 error ms', 'p50 |error| ms', 'p99 |error| ms', 'min gap ms', 'max gap ms'],
    results.map((r) => {
      const err = r.gaps.map((g) => g - want);
      const abs = err.map(Math.abs);
      return [r.load, r.kind, String(r.gaps.length + 1), f(percentile(err, 50)), f(percentile(err, 99)), f(percentile(abs, 50)), f(percentile(abs, 99)),
        f(r.gaps.length ? Math.min(...r.gaps) : NaN), f(r.gaps.length ? Math.max(...r.gaps) : NaN)];
    }),
  ));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
