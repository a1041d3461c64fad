// VRRPv2 authentication in namespaces: IPsec AH between tskeepalived and keepalived (one master, failover both ways, no advert refused), PASS between two tskeepalived.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLan, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import {
  hasAddress, invalidDrops, keepalivedSkipReason, keepalivedVersion, startDaemon, tempDir, tskaStats, vrrpConfig,
  type Daemon, type DaemonKind,
} from '../../helpers/daemons';
import { Capture, tcpdumpSkipReason } from '../../helpers/pcap';
import { decodeIpv4Advert } from '../../../src/vrrp/packet';
import { authKey } from '../../../src/vrrp/auth';
import { readFileSync } from 'node:fs';

const skip = netnsSkipReason() ?? keepalivedSkipReason() ?? tcpdumpSkipReason();
const VIP = '192.0.2.100';
const PASS = 'kl51ahpw';

function ahConfig(kind: DaemonKind, priority: number, dir: string, name: string, pass = PASS): string {
  const globals = kind === 'tskeepalived' ? [`stats_dump_file ${path.join(dir, `${name}.stats`)}`] : [];
  return vrrpConfig(`${name}_${kind}`, [{
    name: 'VI_1', vrid: 51, priority, advert: '1', version: 2, vips: [`${VIP}/24 dev eth0`],
    extra: ['authentication {', '  auth_type AH', `  auth_pass ${pass}`, '}'],
  }], globals);
}

/**
 * The AH packets of a classic pcap (Ethernet, IPv4 protocol 51), each re-verified with our codec:
 * ICV, SPI and the VRRP message inside. Returns source, AH sequence and priority of each.
 */
function ahPackets(file: string): { src: string; seq: number; priority: number; ipId: number }[] {
  const b = readFileSync(file);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: { src: string; seq: number; priority: number; ipId: number }[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = u32(o + 8);
    const f = b.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (f.length < 34 || f.readUInt16BE(12) !== 0x0800 || f[14 + 9] !== 51) continue;
    const ipPkt = f.subarray(14, 14 + f.readUInt16BE(16));
    const adv = decodeIpv4Advert(ipPkt, { version: 2, auth: { type: 'ah', key: authKey(PASS) } });
    out.push({ src: Array.from(adv.src).join('.'), seq: adv.ahSequence ?? -1, priority: adv.priority, ipId: ipPkt.readUInt16BE(4) });
  }
  return out;
}

async function withAhLab(fn: (lan: Lan, dir: string, daemons: Daemon[], cap: Capture) => Promise<void>): Promise<void> {
  const lan = createLan({ nodes: 3 });
  const dir = tempDir('vrrp-ah');
  const daemons: Daemon[] = [];
  const cap = await Capture.start(lan.nodes[2]!.ns, 'eth0', path.join(dir, 'obs.pcap'), 'ip proto 51 or ip proto 112');
  try {
    await fn(lan, dir, daemons, cap);
  } finally {
    for (const d of daemons) await d.stop(3000);
    await cap.stop();
    lan.destroy();
  }
}

function assertNoInvalid(daemons: readonly Daemon[]): void {
  for (const d of daemons) assert.deepEqual(d.invalidAdvertLines(), [], `${d.name} (${d.kind}) refused adverts`);
}

async function assertTskaClean(d: Daemon, dir: string): Promise<void> {
  const st = await tskaStats(d, path.join(dir, `${d.name}.stats`));
  assert.deepEqual(invalidDrops(st), {}, `${d.name}: drop counters`);
  const inst = st.vrrp?.instances?.['VI_1'];
  assert.ok(inst && inst.advertRcvd > 0, `${d.name} received adverts: ${JSON.stringify(inst)}`);
}

test(`AH: tskeepalived (150) and ${keepalivedVersion()} (100) elect one master, fail over both ways, refuse nothing`, { skip, timeout: 90_000 }, async () => {
  await withAhLab(async (lan, dir, daemons, cap) => {
    const [a, b] = lan.nodes;
    const ts1 = startDaemon({ kind: 'tskeepalived', ns: a!.ns, name: 'ts1', dir, config: ahConfig('tskeepalived', 150, dir, 'ts1') });
    daemons.push(ts1);
    await ts1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const ka = startDaemon({ kind: 'keepalived', ns: b!.ns, name: 'ka', dir, config: ahConfig('keepalived', 100, dir, 'ka') });
    daemons.push(ka);
    await ka.waitLine(/\(VI_1\) Entering BACKUP STATE/, 10_000);
    // keepalived hears our AH adverts: it stays BACKUP well past its Master_Down_Interval (3.6 s).
    await new Promise((r) => setTimeout(r, 5000));
    assert.ok(!ka.lines.some((l) => /Entering MASTER STATE/.test(l)), 'keepalived accepts our AH adverts and stays BACKUP');
    assert.ok(hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP));
    // The wire: AH (protocol 51) carrying VRRP, with an ICV our codec verifies, sequence counting up.
    const mine = ahPackets(cap.file).filter((p) => p.src === a!.ipv4);
    assert.ok(mine.length >= 5, `AH adverts from tskeepalived: ${mine.length}`);
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.seq > mine[i - 1]!.seq && mine[i]!.ipId !== 0);

    // tskeepalived dies without a word: keepalived takes over.
    ts1.hardKill();
    await ka.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000);
    await waitFor(() => hasAddress(b!.ns, VIP), 2000);
    // tskeepalived comes back, hears keepalived's AH adverts, preempts; keepalived yields to our adverts.
    const ts2 = startDaemon({ kind: 'tskeepalived', ns: a!.ns, name: 'ts2', dir, config: ahConfig('tskeepalived', 150, dir, 'ts2') });
    daemons.push(ts2);
    const mark = ka.lines.length;
    await ts2.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await ka.waitLine(/\(VI_1\) Entering BACKUP STATE/, 5000, mark);
    await waitFor(() => hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP), 3000);
    await new Promise((r) => setTimeout(r, 2500));
    assertNoInvalid(daemons);
    await assertTskaClean(ts2, dir);
    // keepalived's adverts on the wire verify with our codec too (its ICV, SPI, sequence).
    const theirs = ahPackets(cap.file).filter((p) => p.src === b!.ipv4);
    assert.ok(theirs.length >= 1, 'keepalived sent AH adverts while master');
  });
});

test(`AH: ${keepalivedVersion()} (150) master, tskeepalived (100) backup stays quiet; keepalived dies -> tskeepalived master; returns -> preempts`, { skip, timeout: 90_000 }, async () => {
  await withAhLab(async (lan, dir, daemons) => {
    const [a, b] = lan.nodes;
    const ka1 = startDaemon({ kind: 'keepalived', ns: b!.ns, name: 'ka1', dir, config: ahConfig('keepalived', 150, dir, 'ka1') });
    daemons.push(ka1);
    await ka1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const ts = startDaemon({ kind: 'tskeepalived', ns: a!.ns, name: 'ts', dir, config: ahConfig('tskeepalived', 100, dir, 'ts') });
    daemons.push(ts);
    await ts.waitLine(/\(VI_1\) Entering BACKUP STATE/, 10_000);
    await new Promise((r) => setTimeout(r, 5000));
    assert.ok(!ts.lines.some((l) => /Entering MASTER STATE/.test(l)), 'tskeepalived accepts keepalived\'s AH adverts and stays BACKUP');
    await assertTskaClean(ts, dir);
    ka1.hardKill();
    const mark = ts.lines.length;
    await ts.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000, mark);
    await waitFor(() => hasAddress(a!.ns, VIP), 2000);
    const ka2 = startDaemon({ kind: 'keepalived', ns: b!.ns, name: 'ka2', dir, config: ahConfig('keepalived', 150, dir, 'ka2') });
    daemons.push(ka2);
    const mark2 = ts.lines.length;
    await ka2.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await ts.waitLine(/\(VI_1\) Entering BACKUP STATE/, 5000, mark2);
    await waitFor(() => hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP), 3000);
    await new Promise((r) => setTimeout(r, 2000));
    assertNoInvalid(daemons);
    await assertTskaClean(ts, dir);
  });
});

test(`AH with different passwords: ${keepalivedVersion()} refuses our ICV and tskeepalived refuses its ICV (the check is real)`, { skip, timeout: 60_000 }, async () => {
  await withAhLab(async (lan, dir, daemons) => {
    const [a, b] = lan.nodes;
    const ts = startDaemon({ kind: 'tskeepalived', ns: a!.ns, name: 'ts', dir, config: ahConfig('tskeepalived', 150, dir, 'ts') });
    daemons.push(ts);
    await ts.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const ka = startDaemon({ kind: 'keepalived', ns: b!.ns, name: 'ka', dir, config: ahConfig('keepalived', 100, dir, 'ka', 'other-pw') });
    daemons.push(ka);
    await ka.waitLine(/IPSEC-AH : invalid IPSEC HMAC-MD5 value/, 5000);
    await ka.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000);
    await new Promise((r) => setTimeout(r, 1500));
    const st = await tskaStats(ts, path.join(dir, 'ts.stats'));
    assert.ok((st.vrrp?.instances?.['VI_1']?.drops['auth-failure'] ?? 0) > 0, `tskeepalived counts auth failures: ${JSON.stringify(st.vrrp?.instances?.['VI_1']?.drops)}`);
  });
});
