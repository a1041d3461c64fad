// Interop with the real keepalived: mixed pairs (each implementation as master and as backup) for v2+auth PASS, v3 at 0.1 s over IPv4 and IPv6; kill, takeover, preemption back, priority 0; neither side rejects the other's adverts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLan, ip, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import { Capture, tcpdumpSkipReason, type WireAdvert } from '../../helpers/pcap';
import {
  hasAddress, invalidDrops, keepalivedSkipReason, sleep, startDaemon, tempDir, tskaStats, tskeepalivedSkipReason, vipHolders, vrrpConfig,
  type Daemon, type DaemonKind,
} from '../../helpers/daemons';

const baseSkip = netnsSkipReason() ?? keepalivedSkipReason() ?? tcpdumpSkipReason();
const tsSkip = baseSkip ?? tskeepalivedSkipReason();

interface Scenario {
  readonly tag: string;
  readonly version: 2 | 3;
  readonly advert: string;
  readonly family: 4 | 6;
  readonly vip: string;
  readonly vipLine: string;
  readonly authPass?: string;
}

const SCENARIOS: readonly Scenario[] = [
  { tag: 'v2 advert_int 1 auth PASS (IPv4)', version: 2, advert: '1', family: 4, vip: '192.0.2.100', vipLine: '192.0.2.100/24 dev eth0', authPass: 'kl51pass' },
  { tag: 'v3 advert_int 0.1 (IPv4)', version: 3, advert: '0.1', family: 4, vip: '192.0.2.100', vipLine: '192.0.2.100/24 dev eth0' },
  { tag: 'v3 advert_int 0.1 (IPv6)', version: 3, advert: '0.1', family: 6, vip: 'fd00:db8::100', vipLine: 'fd00:db8::100/64 dev eth0' },
];

const PAIRS: ReadonlyArray<readonly [DaemonKind, DaemonKind]> = [
  ['keepalived', 'keepalived'],
  ['keepalived', 'tskeepalived'],
  ['tskeepalived', 'keepalived'],
];

const MASTER_PRIO = 150;
const BACKUP_PRIO = 100;

/** RFC 5798 §6.1 with keepalived's arithmetic, in ms. */
function rfcTimes(advertS: number): { skew: number; mdi: number } {
  const skew = ((256 - BACKUP_PRIO) * advertS * 1000) / 256;
  return { skew, mdi: 3 * advertS * 1000 + skew };
}

async function runPair(sc: Scenario, masterKind: DaemonKind, backupKind: DaemonKind): Promise<void> {
  const advertS = Number(sc.advert);
  const { skew, mdi } = rfcTimes(advertS);
  const lan: Lan = createLan({ nodes: 3 });
  const [a, b, o] = lan.nodes as [typeof lan.nodes[0], typeof lan.nodes[0], typeof lan.nodes[0]];
  const dir = tempDir('interop');
  const daemons: Daemon[] = [];
  let cap: Capture | undefined;
  const conf = (name: string, kind: DaemonKind, prio: number): string => vrrpConfig(`tska_${name}`, [{
    name: 'VI_1', vrid: 51, priority: prio, advert: sc.advert, version: sc.version, vips: [sc.vipLine],
    state: prio === MASTER_PRIO ? 'MASTER' : 'BACKUP', ...(sc.authPass !== undefined ? { authPass: sc.authPass } : {}),
  }], kind === 'tskeepalived' ? [`stats_dump_file ${path.join(dir, `${name}.stats`)}`] : []);
  // Each start has its own name (so its own pidfiles): a killed daemon's pidfiles can name a zombie.
  const start = (name: string): Daemon => {
    const isM = name.startsWith('m');
    const kind = isM ? masterKind : backupKind;
    const d = startDaemon({ kind, ns: (isM ? a : b).ns, name, dir, config: conf(name, kind, isM ? MASTER_PRIO : BACKUP_PRIO) });
    daemons.push(d);
    return d;
  };
  const nsList = [a.ns, b.ns];
  const srcOf = (n: typeof a): string => (sc.family === 4 ? n.ipv4 : n.linkLocal);
  const advertsFrom = (n: typeof a, all: readonly WireAdvert[]): WireAdvert[] => all.filter((x) => x.src === srcOf(n) && x.vrid === 51);
  const checkInvalid = async (): Promise<void> => {
    for (const d of daemons) {
      assert.deepEqual(d.invalidAdvertLines(), [], `${d.name} (${d.kind}) logged rejected adverts`);
    }
    for (const d of daemons.filter((x) => x.kind === 'tskeepalived' && x.running)) {
      const s = await tskaStats(d, path.join(dir, `${d.name}.stats`));
      assert.deepEqual(invalidDrops(s), {}, `${d.name} (tskeepalived) counted dropped adverts: ${JSON.stringify(s.vrrp)}`);
      const inst = s.vrrp?.instances?.['VI_1'];
      assert.ok(inst !== undefined && inst.advertRcvd > 0, `${d.name} (tskeepalived) received the peer's adverts: ${JSON.stringify(s.vrrp)}`);
    }
  };
  try {
    cap = await Capture.start(o.ns, o.ifname, path.join(dir, 'obs.pcap'));
    // 1. The master first (so the slower-starting side cannot win the first election), then the backup.
    let m = start('m');
    await m.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 15_000);
    await waitFor(() => hasAddress(a.ns, sc.vip), 3000);
    const bk = start('b');
    await bk.waitLine(/\(VI_1\) Entering BACKUP STATE/, 15_000);
    await sleep(Math.max(2000, 5 * advertS * 1000));
    assert.deepEqual(vipHolders(nsList, sc.vip), [a.ns], 'only the master holds the VIP');
    assert.ok(!bk.lines.some((l) => /Entering MASTER STATE/.test(l)), `backup (${backupKind}) stayed BACKUP:\n${bk.lines.join('\n')}`);

    // 2. Wire format of both sides' adverts so far.
    const w1 = cap.read();
    const fromM = advertsFrom(a, w1.adverts);
    assert.ok(fromM.length >= 3, `observer saw the master's adverts (${fromM.length})`);
    for (const x of fromM) {
      assert.equal(x.ttl, 255);
      assert.equal(x.version, sc.version);
      assert.equal(x.type, 1);
      assert.equal(x.priority, MASTER_PRIO);
      assert.deepEqual(x.addresses, [sc.vip]);
      assert.equal(x.dst, sc.family === 4 ? '224.0.0.18' : 'ff02::12');
      if (sc.version === 2) {
        assert.equal(x.authType, 1);
        assert.equal(x.interval, advertS);
      } else {
        assert.equal(x.interval, Math.round(advertS * 100));
      }
    }
    assert.equal(advertsFrom(b, w1.adverts).length, 0, 'a backup sends no adverts');

    // 3. Kill the master hard (no priority 0): the backup takes over after Master_Down_Interval.
    m.hardKill();
    await bk.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 5000);
    // A killed daemon leaves its VIP behind: the backup must hold it too now.
    await waitFor(() => hasAddress(b.ns, sc.vip), 3000);
    await waitFor(() => advertsFrom(b, cap!.read().adverts).length > 0, 3000);
    const w2 = cap.read();
    const lastM = advertsFrom(a, w2.adverts).at(-1)!;
    const firstB = advertsFrom(b, w2.adverts)[0]!;
    const gap = firstB.t - lastM.t;
    console.log(`# ${sc.tag} ${masterKind}->${backupKind}: master last advert -> backup first advert ${gap.toFixed(1)} ms (RFC MDI ${mdi.toFixed(1)})`);
    assert.ok(gap > mdi - advertS * 1000 * 0.5 && gap < mdi + Math.max(300, advertS * 1000), `takeover gap ${gap.toFixed(1)} ms vs MDI ${mdi.toFixed(1)} ms`);
    assert.equal(firstB.priority, BACKUP_PRIO);
    assert.equal(firstB.ttl, 255);
    if (sc.family === 4) {
      const garps = w2.arps.filter((g) => g.senderIp === sc.vip && g.targetIp === sc.vip && g.t >= firstB.t - 50);
      assert.ok(garps.length >= 1, 'the new master sent gratuitous ARPs for the VIP');
      assert.equal(garps[0]!.srcMac, b.mac);
    } else {
      const nas = w2.nas.filter((n) => n.target === sc.vip && n.t >= firstB.t - 50);
      assert.ok(nas.length >= 1, 'the new master sent unsolicited NAs for the VIP');
      assert.equal(nas[0]!.srcMac, b.mac);
    }
    await m.exited;
    // As after a reboot of the killed node: its stale VIP is gone.
    ip(['addr', 'del', sc.vipLine.split(' ')[0]!, 'dev', 'eth0'], a.ns);

    // 4. Restart the killed node: it hears the other implementation's lower-priority adverts and preempts.
    m = start('m2');
    await m.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 15_000);
    await bk.waitLine(/\(VI_1\) Entering BACKUP STATE/, 5000, bk.lines.findIndex((l) => /Entering MASTER STATE/.test(l)) + 1);
    await waitFor(() => vipHolders(nsList, sc.vip).join() === a.ns, 3000);
    await sleep(Math.max(1000, 5 * advertS * 1000));
    await checkInvalid();

    // 5. SIGTERM the master: it sends priority 0 and the backup takes over after Skew_Time.
    const bFrom = bk.lines.length;
    const before = cap.read().adverts.length;
    m.signal('SIGTERM');
    await bk.waitLine(/\(VI_1\) Entering MASTER STATE/, mdi + 5000, bFrom);
    await m.exited;
    await waitFor(() => vipHolders(nsList, sc.vip).join() === b.ns, 3000);
    await waitFor(() => advertsFrom(b, cap!.read().adverts.slice(before)).length > 0, 3000);
    const w3 = cap.read().adverts.slice(before);
    const p0 = advertsFrom(a, w3).find((x) => x.priority === 0);
    assert.ok(p0, 'the stopping master sent a priority-0 advert');
    const firstB2 = advertsFrom(b, w3).find((x) => x.t > p0.t)!;
    const gap0 = firstB2.t - p0.t;
    console.log(`# ${sc.tag} ${masterKind}->${backupKind}: priority-0 advert -> backup first advert ${gap0.toFixed(1)} ms (RFC Skew_Time ${skew.toFixed(1)})`);
    assert.ok(gap0 < skew + Math.max(150, advertS * 1000 * 0.5), `priority-0 takeover ${gap0.toFixed(1)} ms vs Skew_Time ${skew.toFixed(1)} ms`);
    assert.ok(bk.lines.slice(bFrom).some((l) => /Backup received priority 0 advertisement/.test(l)), `backup (${backupKind}) logged the priority-0 advert`);
    await checkInvalid();
  } finally {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await cap?.stop().catch(() => undefined);
    lan.destroy();
  }
}

for (const sc of SCENARIOS) {
  for (const [mk, bk] of PAIRS) {
    const skip = mk === 'keepalived' && bk === 'keepalived' ? baseSkip : tsSkip;
    const timeout = sc.version === 2 ? 90_000 : 45_000;
    test(`${sc.tag}: ${mk} master, ${bk} backup: kill -> takeover, preempt back, priority 0, no advert rejected`, { skip, timeout }, async () => {
      await runPair(sc, mk, bk);
    });
  }
}

// Negative control: the detectors above must fire when adverts really are invalid (auth PASS mismatch).
test('negative control: a password mismatch is caught in keepalived\'s log and in tskeepalived\'s drop counters', { skip: tsSkip, timeout: 60_000 }, async () => {
  const lan: Lan = createLan({ nodes: 2 });
  const [a, b] = lan.nodes as [typeof lan.nodes[0], typeof lan.nodes[0]];
  const dir = tempDir('interop-neg');
  const daemons: Daemon[] = [];
  try {
    const spec = (prio: number, pass: string): Parameters<typeof vrrpConfig>[1][number] => ({ name: 'VI_1', vrid: 51, priority: prio, advert: '1', version: 2, vips: ['192.0.2.100/24 dev eth0'], authPass: pass });
    const ts = startDaemon({ kind: 'tskeepalived', ns: a.ns, name: 'ts', dir, config: vrrpConfig('tska_ts', [spec(150, 'kl51pass')], [`stats_dump_file ${path.join(dir, 'ts.stats')}`]) });
    daemons.push(ts);
    await ts.waitLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    const ka = startDaemon({ kind: 'keepalived', ns: b.ns, name: 'ka', dir, config: vrrpConfig('tska_ka', [spec(100, 'otherpw1')]) });
    daemons.push(ka);
    // keepalived refuses ours ("received an invalid passwd!"), becomes MASTER too, and we refuse its adverts.
    await ka.waitLine(/invalid passwd/, 10_000);
    await ka.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await sleep(2500);
    assert.ok(ka.invalidAdvertLines().length > 0, 'keepalived logged the invalid adverts');
    const s = await tskaStats(ts, path.join(dir, 'ts.stats'));
    const drops = invalidDrops(s);
    assert.ok(Object.keys(drops).length > 0, `tskeepalived counted the invalid adverts: ${JSON.stringify(s.vrrp)}`);
    assert.ok(Object.keys(drops).some((k) => /auth/.test(k)), `an auth drop: ${JSON.stringify(drops)}`);
  } finally {
    for (const d of daemons) await d.stop().catch(() => undefined);
    lan.destroy();
  }
});
