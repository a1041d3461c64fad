// Interop with the real keepalived for use_vmac over IPv6 (VRRPv3, 0.1 s): mixed pairs, each implementation as master and as backup; both send from 00:00:5e:00:02:VRID with their eth0 link-local, neither rejects the other's adverts, SIGKILL takeover moves the VIP to the other VMAC.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLan, ipJson, netnsSkipReason, waitFor, type Lan, type LanNode } from '../../helpers/netns';
import { Capture, tcpdumpSkipReason, type WireAdvert } from '../../helpers/pcap';
import {
  invalidDrops, keepalivedSkipReason, sleep, startDaemon, tempDir, tskaStats, tskeepalivedSkipReason, vrrpConfig, type Daemon, type DaemonKind,
} from '../../helpers/daemons';

const skip = netnsSkipReason() ?? keepalivedSkipReason() ?? tcpdumpSkipReason() ?? tskeepalivedSkipReason();
const VRID = 52;
const VMAC = '00:00:5e:00:02:34';
const VIP = 'fd00:db8::100';
const IFNAME = `vrrp.${VRID}`;

/** Whether `addr` is on the namespace's VMAC. */
function onVmac(ns: string, addr: string): boolean {
  const l = ipJson<Array<{ ifname: string; addr_info?: Array<{ local: string }> }>>(['addr', 'show'], ns).find((x) => x.ifname === IFNAME);
  return (l?.addr_info ?? []).some((a) => a.local === addr);
}

async function mixedPair(masterKind: DaemonKind, backupKind: DaemonKind): Promise<void> {
  const lan: Lan = createLan({ nodes: 3 });
  const [a, b, o] = lan.nodes as [LanNode, LanNode, LanNode];
  const dir = tempDir('interop-vmac6');
  const daemons: Daemon[] = [];
  let cap: Capture | undefined;
  const start = (name: string, kind: DaemonKind, node: LanNode, prio: number): Daemon => {
    const config = vrrpConfig(`tska_${name}`, [{
      name: 'VI_1', vrid: VRID, priority: prio, advert: '0.1', version: 3, vips: [`${VIP}/64 dev eth0`],
      state: prio === 150 ? 'MASTER' : 'BACKUP', extra: ['use_vmac'],
    }], kind === 'tskeepalived' ? [`stats_dump_file ${path.join(dir, `${name}.stats`)}`] : []);
    const d = startDaemon({ kind, ns: node.ns, name, dir, config });
    daemons.push(d);
    return d;
  };
  const advertsFrom = (n: LanNode, all: readonly WireAdvert[]): WireAdvert[] => all.filter((x) => x.src === n.linkLocal && x.vrid === VRID);
  try {
    cap = await Capture.start(o.ns, o.ifname, path.join(dir, 'obs.pcap'));
    const m = start('m', masterKind, a, 150);
    await m.waitLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await waitFor(() => onVmac(a.ns, VIP), 3000);
    const bk = start('b', backupKind, b, 100);
    await bk.waitLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
    await sleep(2000);
    assert.ok(!bk.lines.some((l) => /Entering MASTER STATE/.test(l)), `backup (${backupKind}) stayed BACKUP:\n${bk.lines.join('\n')}`);
    assert.ok(!onVmac(b.ns, VIP), 'only the master holds the VIP');

    const w1 = cap.read();
    const fromM = advertsFrom(a, w1.adverts);
    assert.ok(fromM.length >= 10, `the master's adverts from ${a.linkLocal}: ${fromM.length}`);
    assert.ok(fromM.every((x) => x.srcMac === VMAC && x.ttl === 255 && x.priority === 150 && x.dst === 'ff02::12'), `master (${masterKind}) adverts: ${JSON.stringify(fromM[0])}`);
    assert.equal(advertsFrom(b, w1.adverts).length, 0, 'a backup sends no adverts');
    for (const d of daemons) assert.deepEqual(d.invalidAdvertLines(), [], `${d.name} (${d.kind}) logged rejected adverts`);
    for (const d of daemons.filter((x) => x.kind === 'tskeepalived')) {
      const s = await tskaStats(d, path.join(dir, `${d.name}.stats`));
      assert.deepEqual(invalidDrops(s), {}, `${d.name} (tskeepalived) dropped adverts: ${JSON.stringify(s.vrrp)}`);
      if (d === bk) assert.ok((s.vrrp?.instances?.['VI_1']?.advertRcvd ?? 0) > 0, `the tskeepalived backup received the master's adverts: ${JSON.stringify(s.vrrp)}`);
    }

    // SIGKILL the master: the backup takes over on its own VMAC, same virtual MAC on the wire.
    m.hardKill();
    await bk.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, bk.lines.length);
    await waitFor(() => onVmac(b.ns, VIP), 3000);
    await waitFor(() => advertsFrom(b, cap!.read().adverts).length >= 3, 3000);
    const w2 = cap.read();
    const fromB = advertsFrom(b, w2.adverts);
    assert.ok(fromB.every((x) => x.srcMac === VMAC && x.priority === 100), `the new master (${backupKind}) sends from the virtual MAC: ${JSON.stringify(fromB[0])}`);
    const nas = w2.nas.filter((n) => n.target === VIP && n.t >= fromB[0]!.t - 50);
    assert.ok(nas.length >= 1 && nas.every((n) => n.srcMac === VMAC), `the new master (${backupKind}) announces the VIP from its VMAC`);
  } finally {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await cap?.stop().catch(() => undefined);
    lan.destroy();
  }
}

const PAIRS: ReadonlyArray<readonly [DaemonKind, DaemonKind]> = [['tskeepalived', 'keepalived'], ['keepalived', 'tskeepalived']];
for (const [mk, bk] of PAIRS) {
  test(`use_vmac IPv6 (v3 0.1 s): ${mk} master, ${bk} backup: virtual MAC on the wire, no advert rejected, SIGKILL takeover`, { skip, timeout: 60_000 }, async () => {
    await mixedPair(mk, bk);
  });
}
