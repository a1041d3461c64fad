// use_vmac with two routers in namespaces: VRRPv3 over IPv6 (virtual MAC 00:00:5e:00:02:VRID, the base link-local on the VMAC, unsolicited NA, the client's neighbour entry, SIGKILL failover), vmac_xmit_base over IPv6, and the IPv4 pair.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, execIn, ip, ipJson, netnsSkipReason, waitFor, withNetns, type Lan, type LanNode } from '../../helpers/netns';
import { Capture, tcpdumpSkipReason, type CaptureContents } from '../../helpers/pcap';
import { configText, hasAddress, sleep, startNode, tempDir, type Node } from './lab';

const skip = netnsSkipReason() ?? tcpdumpSkipReason();
const VRID = 52;
const VMAC6 = '00:00:5e:00:02:34';
const VMAC4 = '00:00:5e:00:01:34';
const VIP6 = 'fd00:db8::100';
const VIP4 = '192.0.2.100';
const IFNAME = `vrrp.${VRID}`;

interface Lab {
  readonly lan: Lan;
  readonly a: LanNode;
  readonly b: LanNode;
  readonly client: LanNode;
  readonly cap: Capture;
  readonly dir: string;
  readonly nodes: Node[];
}

async function withLab(tag: string, fn: (lab: Lab) => Promise<void>): Promise<void> {
  const lan = createLan({ nodes: 3 });
  const [a, b, client] = lan.nodes as [LanNode, LanNode, LanNode];
  const dir = tempDir(tag);
  const nodes: Node[] = [];
  let cap: Capture | undefined;
  try {
    cap = await Capture.start(client.ns, client.ifname, path.join(dir, 'client.pcap'));
    await fn({ lan, a, b, client, cap, dir, nodes });
  } finally {
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    await cap?.stop().catch(() => undefined);
    lan.destroy();
  }
}

interface AddrInfoJson {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  nodad?: boolean;
  deprecated?: boolean;
  preferred_life_time?: number;
}
interface LinkJson {
  ifname: string;
  address: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
  addr_info?: AddrInfoJson[];
}

function vmacLink(ns: string): LinkJson | undefined {
  return ipJson<LinkJson[]>(['-d', 'addr', 'show'], ns).find((l) => l.ifname === IFNAME);
}

function hasVmacVip(ns: string, vip: string): boolean {
  return (vmacLink(ns)?.addr_info ?? []).some((x) => x.local === vip);
}

/** A sysctl of the VMAC (its name has a dot, so no dotted-key helper). */
function vmacSysctl(ns: string, fam: 'ipv4' | 'ipv6', key: string): string {
  return withNetns(ns, () => fs.readFileSync(`/proc/sys/net/${fam}/conf/${IFNAME}/${key}`, 'utf8').trim());
}

/** The client's neighbour entry for `addr`: its MAC, or null. */
function neighbourMac(ns: string, addr: string): string | null {
  const m = /lladdr ([0-9a-f:]{17})/.exec(ip(['neigh', 'show', addr], ns));
  return m ? m[1]! : null;
}

/**
 * Reachability without a ping binary: a TCP connect to port 7 of `addr` from the client; the
 * holder's kernel answers with RST (ECONNREFUSED), which proves neighbour resolution worked and the
 * address answers. Retried for up to `ms` (the bridge may still forward the virtual MAC elsewhere).
 */
async function reachable(ns: string, addr: string, ms = 4000): Promise<boolean> {
  const script = `const s=require('net').connect(7,'${addr}');s.setTimeout(700);` +
    `s.on('connect',()=>process.exit(0));s.on('error',(e)=>process.exit(e.code==='ECONNREFUSED'?0:1));s.on('timeout',()=>process.exit(1));`;
  const end = Date.now() + ms;
  do {
    if (execIn(ns, process.execPath, ['-e', script], { timeoutMs: 5000 }).status === 0) return true;
    await sleep(100);
  } while (Date.now() < end);
  return false;
}

function advertsFrom(c: CaptureContents, src: string): CaptureContents['adverts'] {
  return c.adverts.filter((x) => x.src === src && x.vrid === VRID);
}

test('use_vmac, VRRPv3 over IPv6: adverts from 00:00:5e:00:02:34 and the base link-local, VIP and NA on the VMAC, client neighbour entry on the virtual MAC, SIGKILL failover', { skip, timeout: 90_000 }, async () => {
  await withLab('vmac6', async ({ a, b, client, cap, dir, nodes }) => {
    const conf = (prio: number): string => configText({ vrid: VRID, priority: prio, version: 3, advert: '0.1', vips: [`${VIP6}/64 dev eth0`], extra: ['use_vmac'] });
    const n1 = startNode(a, 'n1', conf(150), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000);
    await waitFor(() => hasVmacVip(a.ns, VIP6), 3000);

    // The VMAC as keepalived makes it: private macvlan on eth0, the IPv6 virtual MAC, no EUI-64
    // link-local of its own but eth0's (NODAD, deprecated), the VIP (NODAD).
    const l = vmacLink(a.ns)!;
    assert.equal(l.address, VMAC6);
    assert.equal(l.link, 'eth0');
    assert.equal(l.linkinfo?.info_kind, 'macvlan');
    assert.equal(l.linkinfo?.info_data?.mode, 'private');
    const lls = (l.addr_info ?? []).filter((x) => x.family === 'inet6' && x.scope === 'link');
    assert.deepEqual(lls.map((x) => x.local), [a.linkLocal], `the VMAC's only link-local is eth0's: ${JSON.stringify(l.addr_info)}`);
    assert.equal(lls[0]!.nodad, true);
    assert.equal(lls[0]!.preferred_life_time, 0, 'deprecated (preferred_lft 0)');
    assert.equal((l.addr_info ?? []).find((x) => x.local === VIP6)?.nodad, true);
    assert.equal(vmacSysctl(a.ns, 'ipv6', 'addr_gen_mode'), '1', 'addr_gen_mode none');
    assert.equal(vmacSysctl(a.ns, 'ipv6', 'disable_ipv6'), '0');
    assert.equal(vmacSysctl(a.ns, 'ipv6', 'accept_ra'), '0');
    assert.equal(vmacSysctl(a.ns, 'ipv4', 'arp_ignore'), '1');
    assert.ok(!(ipJson<LinkJson[]>(['addr', 'show', 'dev', 'eth0'], a.ns)[0]?.addr_info ?? []).some((x) => x.local === VIP6), 'the VIP is not on eth0');

    // The backup hears the master on its own VMAC (same MAC: the private macvlan takes those frames) and stays BACKUP.
    const n2 = startNode(b, 'n2', conf(100), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 15_000);
    await sleep(1500);
    assert.ok(!n2.lines.some((x) => /Entering MASTER STATE/.test(x)), `n2 stayed BACKUP:\n${n2.lines.join('\n')}`);
    assert.ok(!hasAddress(b.ns, VIP6), 'the backup does not hold the VIP');
    assert.equal(vmacLink(b.ns)?.address, VMAC6, 'the backup has its VMAC too');

    // On the wire: the master's adverts leave from the virtual MAC with eth0's link-local; the backup sends none.
    const w1 = cap.read();
    const fromA = advertsFrom(w1, a.linkLocal);
    assert.ok(fromA.length >= 10, `adverts from ${a.linkLocal}: ${fromA.length}`);
    for (const x of fromA) {
      assert.equal(x.srcMac, VMAC6);
      assert.equal(x.dst, 'ff02::12');
      assert.equal(x.ttl, 255);
      assert.equal(x.version, 3);
      assert.equal(x.priority, 150);
      assert.deepEqual(x.addresses, [VIP6]);
    }
    assert.equal(advertsFrom(w1, b.linkLocal).length, 0, 'the backup sends no adverts');
    const na1 = w1.nas.filter((n) => n.target === VIP6);
    assert.ok(na1.length >= 1, 'unsolicited NA for the VIP');
    assert.equal(na1[0]!.srcMac, VMAC6, 'the NA leaves from the VMAC');

    // The client resolves the VIP to the virtual MAC and reaches it.
    assert.ok(await reachable(client.ns, VIP6), 'the client reaches the VIP');
    assert.equal(neighbourMac(client.ns, VIP6), VMAC6, 'the client\'s neighbour entry names the virtual MAC');

    // SIGKILL the master (no priority 0): the backup takes over after Master_Down_Interval.
    const t0 = cap.read().frames;
    n1.hardKill();
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000);
    await waitFor(() => hasVmacVip(b.ns, VIP6), 3000);
    // As after a reboot of the killed node: its VMAC (and the stale VIP on it) is gone.
    ip(['link', 'del', IFNAME], a.ns);
    await waitFor(() => advertsFrom(cap.read(), b.linkLocal).length >= 3, 3000);
    const w2 = cap.read();
    assert.ok(w2.frames > t0);
    for (const x of advertsFrom(w2, b.linkLocal)) {
      assert.equal(x.srcMac, VMAC6, 'the new master\'s adverts also leave from the virtual MAC');
      assert.equal(x.priority, 100);
    }
    const na2 = w2.nas.filter((n) => n.target === VIP6 && n.t > (advertsFrom(w2, b.linkLocal)[0]!.t - 50));
    assert.ok(na2.length >= 1 && na2.every((n) => n.srcMac === VMAC6), 'the new master announces the VIP from the VMAC');
    assert.ok(await reachable(client.ns, VIP6), 'the client reaches the VIP on the new master');
    assert.equal(neighbourMac(client.ns, VIP6), VMAC6, 'the neighbour entry still names the virtual MAC (nothing to update)');
    assert.ok(!hasAddress(a.ns, VIP6));

    // A clean stop removes the VMAC.
    await n2.terminate();
    assert.equal(vmacLink(b.ns), undefined, 'VMAC removed on stop');
  });
});

test('use_vmac with vmac_xmit_base over IPv6: adverts from eth0 (its MAC and link-local), the VIP and its NA on the VMAC, which has no link-local', { skip, timeout: 60_000 }, async () => {
  await withLab('vmac6xb', async ({ a, b, cap, dir, nodes }) => {
    const conf = (prio: number): string => configText({ vrid: VRID, priority: prio, version: 3, advert: '0.1', vips: [`${VIP6}/64 dev eth0`], extra: ['use_vmac', 'vmac_xmit_base'] });
    const n1 = startNode(a, 'n1', conf(150), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000);
    await waitFor(() => hasVmacVip(a.ns, VIP6), 3000);
    const l = vmacLink(a.ns)!;
    assert.equal(l.address, VMAC6);
    assert.deepEqual((l.addr_info ?? []).filter((x) => x.scope === 'link').map((x) => x.local), [], 'no link-local on the VMAC');
    const n2 = startNode(b, 'n2', conf(100), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 15_000);
    await sleep(1000);
    assert.ok(!n2.lines.some((x) => /Entering MASTER STATE/.test(x)), 'n2 hears the master on eth0 and stays BACKUP');
    const w = cap.read();
    const fromA = advertsFrom(w, a.linkLocal);
    assert.ok(fromA.length >= 5 && fromA.every((x) => x.srcMac === a.mac), `adverts from eth0's MAC ${a.mac}: ${JSON.stringify(fromA.slice(0, 2))}`);
    const na = w.nas.filter((n) => n.target === VIP6);
    assert.ok(na.length >= 1 && na[0]!.srcMac === VMAC6, 'the NA for the VIP leaves from the VMAC');
    n1.hardKill();
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000);
    await waitFor(() => hasVmacVip(b.ns, VIP6), 3000);
  });
});

test('use_vmac over IPv4, two routers: the backup hears the master on its VMAC and stays BACKUP; SIGKILL failover; no IPv6 on the VMAC', { skip, timeout: 60_000 }, async () => {
  await withLab('vmac4', async ({ a, b, client, cap, dir, nodes }) => {
    const conf = (prio: number): string => configText({ vrid: VRID, priority: prio, version: 3, advert: '0.1', extra: ['use_vmac'] });
    const n1 = startNode(a, 'n1', conf(150), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000);
    await waitFor(() => hasVmacVip(a.ns, VIP4), 3000);
    assert.equal(vmacSysctl(a.ns, 'ipv6', 'disable_ipv6'), '1', 'IPv6 off on an IPv4 VMAC');
    assert.deepEqual((vmacLink(a.ns)?.addr_info ?? []).filter((x) => x.family === 'inet6'), []);
    const n2 = startNode(b, 'n2', conf(100), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 15_000);
    await sleep(1500);
    assert.ok(!n2.lines.some((x) => /Entering MASTER STATE/.test(x)), `n2 stayed BACKUP:\n${n2.lines.join('\n')}`);
    const fromA = cap.read().adverts.filter((x) => x.src === a.ipv4 && x.vrid === VRID);
    assert.ok(fromA.length >= 10 && fromA.every((x) => x.srcMac === VMAC4), 'adverts from the IPv4 virtual MAC');
    assert.ok(await reachable(client.ns, VIP4), 'the client reaches the VIP');
    n1.hardKill();
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000);
    await waitFor(() => hasVmacVip(b.ns, VIP4), 3000);
  });
});
