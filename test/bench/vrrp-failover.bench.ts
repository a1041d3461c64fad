// Failover benchmark, keepalived and tskeepalived side by side on one namespace lab: master's last advert -> backup's first advert (SIGKILL) and priority-0 advert -> backup's first advert (SIGTERM), v2 at 1 s and v3 at 0.1 s, from kernel-timestamped captures.
import * as path from 'node:path';
import { createLan, ip, netnsSkipReason, waitFor, type LanNode } from '../helpers/netns';
import { Capture, tcpdumpSkipReason, type WireAdvert } from '../helpers/pcap';
import {
  hasAddress, hostLoad, onInterrupt, keepalivedSkipReason, keepalivedVersion, markdownTable, realtimeMs, sleep, startDaemon, summary, tempDir,
  tskeepalivedSkipReason, vrrpConfig, type Daemon, type DaemonKind,
} from '../helpers/daemons';

const REPS = Number(process.env['VRRP_BENCH_REPS'] ?? 20);
const PROFILES = (process.env['VRRP_BENCH_PROFILES'] ?? 'v2 v3').split(/\s+/).filter(Boolean);
const VARIANTS = (process.env['VRRP_BENCH_VARIANTS'] ?? 'sigkill sigterm').split(/\s+/).filter(Boolean);
const KINDS = (process.env['VRRP_BENCH_KINDS'] ?? 'keepalived tskeepalived').split(/\s+/).filter(Boolean) as DaemonKind[];
const MASTER_PRIO = 150;
const BACKUP_PRIO = 100;
const VIP = '192.0.2.100';

interface Profile {
  readonly name: string;
  readonly version: 2 | 3;
  readonly advert: string;
  readonly authPass?: string;
}
const PROFILE_DEFS: Record<string, Profile> = {
  v2: { name: 'v2 advert 1 s', version: 2, advert: '1', authPass: 'kl51pass' },
  v3: { name: 'v3 advert 0.1 s', version: 3, advert: '0.1' },
};

interface Row {
  readonly kind: DaemonKind;
  readonly profile: string;
  readonly variant: string;
  readonly metric: string;
  readonly expected: number;
  readonly values: number[];
  failures: number;
}

async function runSeries(kind: DaemonKind, prof: Profile, variant: string, n1: LanNode, n2: LanNode, obs: LanNode, dir: string, rows: Row[]): Promise<void> {
  const advertMs = Number(prof.advert) * 1000;
  const skew = ((256 - BACKUP_PRIO) * advertMs) / 256;
  const mdi = 3 * advertMs + skew;
  const main: Row = {
    kind, profile: prof.name, variant, failures: 0, values: [],
    metric: variant === 'sigkill' ? "master's last advert -> backup's first advert" : 'priority-0 advert -> backup\'s first advert',
    expected: variant === 'sigkill' ? mdi : skew,
  };
  const fromKill: Row = { kind, profile: prof.name, variant, failures: 0, values: [], metric: `${variant} -> backup's first advert`, expected: variant === 'sigkill' ? mdi - advertMs / 2 : skew };
  rows.push(main, fromKill);
  const conf = (name: string, prio: number): string => vrrpConfig(`tska_${name}`, [{
    name: 'VI_1', vrid: 51, priority: prio, advert: prof.advert, version: prof.version, vips: [`${VIP}/24 dev eth0`],
    ...(prof.authPass !== undefined ? { authPass: prof.authPass } : {}),
  }]);
  const tag = `${kind}-${prof.version}-${variant}`;
  const cap = await Capture.start(obs.ns, obs.ifname, path.join(dir, `${tag}.pcap`));
  const started: Daemon[] = [];
  try {
    const backup = startDaemon({ kind, ns: n2.ns, name: `${tag}-n2`, dir, config: conf(`${tag}-n2`, BACKUP_PRIO) });
    started.push(backup);
    await backup.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 20_000);
    for (let rep = 1; rep <= REPS; rep++) {
      const name = `${tag}-n1-${rep}`;
      try {
        const bFrom = backup.lines.length;
        const m = startDaemon({ kind, ns: n1.ns, name, dir, config: conf(name, MASTER_PRIO) });
        started.push(m);
        await m.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 20_000);
        await backup.waitLine(/\(VI_1\) Entering BACKUP STATE/, 5000, bFrom);
        await waitFor(() => hasAddress(n1.ns, VIP) && !hasAddress(n2.ns, VIP), 3000);
        await sleep(Math.max(500, 2 * advertMs) + Math.random() * advertMs);
        const tKill = realtimeMs();
        if (variant === 'sigkill') m.hardKill();
        else m.signal('SIGTERM');
        await waitFor(() => cap.read().adverts.some((x) => x.src === n2.ipv4 && x.t > tKill), mdi + 5000, 20);
        await m.exited;
        const adv = cap.read().adverts;
        const firstB = adv.find((x) => x.src === n2.ipv4 && x.t > tKill)!;
        const fromN1 = adv.filter((x: WireAdvert) => x.src === n1.ipv4 && x.t < firstB.t);
        const ref = variant === 'sigkill' ? fromN1.filter((x) => x.priority === MASTER_PRIO).at(-1) : fromN1.find((x) => x.priority === 0 && x.t >= tKill - 5);
        if (ref === undefined) {
          main.failures++;
        } else {
          main.values.push(firstB.t - ref.t);
        }
        fromKill.values.push(firstB.t - tKill);
        await backup.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, bFrom);
        // A killed daemon leaves its VIP behind (as a crashed node would until reboot): clean it.
        if (hasAddress(n1.ns, VIP)) ip(['addr', 'del', `${VIP}/24`, 'dev', 'eth0'], n1.ns);
      } catch (e) {
        main.failures++;
        process.stderr.write(`${tag} rep ${rep}: ${(e as Error).message.split('\n')[0]}\n`);
      } finally {
        for (const d of started.slice(1)) await d.stop(3000);
        started.splice(1);
        if (hasAddress(n1.ns, VIP)) ip(['addr', 'del', `${VIP}/24`, 'dev', 'eth0'], n1.ns);
      }
    }
  } finally {
    for (const d of started) await d.stop(3000);
    await cap.stop();
  }
}

async function main(): Promise<void> {
  const skip = netnsSkipReason() ?? tcpdumpSkipReason();
  if (skip !== undefined) {
    console.log(`vrrp-failover: skipped: ${skip}`);
    return;
  }
  const kinds = KINDS.filter((k) => {
    const why = k === 'keepalived' ? keepalivedSkipReason() : tskeepalivedSkipReason();
    if (why !== undefined) console.log(`vrrp-failover: ${k} skipped: ${why}`);
    return why === undefined;
  });
  const lan = createLan({ nodes: 3 });
  onInterrupt(() => lan.destroy());
  const [n1, n2, obs] = lan.nodes as [LanNode, LanNode, LanNode];
  const dir = tempDir('bench-failover');
  const rows: Row[] = [];
  const loadStart = hostLoad();
  const t0 = Date.now();
  try {
    // Interleave the implementations per profile and variant so both see the same load.
    for (const p of PROFILES) {
      const prof = PROFILE_DEFS[p];
      if (prof === undefined) throw new Error(`unknown profile ${p} (v2, v3)`);
      for (const v of VARIANTS) for (const k of kinds) await runSeries(k, prof, v, n1, n2, obs, dir, rows);
    }
  } finally {
    lan.destroy();
  }
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
  console.log(`\n### VRRP failover: keepalived (${keepalivedVersion()}) vs tskeepalived, ${REPS} repetitions each`);
  console.log(`${hostLoad()} at the end; ${loadStart} at the start; ${((Date.now() - t0) / 1000).toFixed(0)} s; captures in ${dir}\n`);
  console.log(markdownTable(
    ['profile', 'variant', 'metric', 'daemon', 'n (failed)', 'expected ms (RFC; mean for a random-phase kill)', 'min ms', 'median ms', 'mean ms', 'max ms'],
    rows.map((r) => {
      const s = summary(r.values);
      return [r.profile, r.variant, r.metric, r.kind, `${s.n} (${r.failures})`, f(r.expected), f(s.min), f(s.median), f(s.mean), f(s.max)];
    }),
  ));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
