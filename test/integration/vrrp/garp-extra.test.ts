// garp_extra_if in namespaces, on the wire: a MASTER with VIPs on other interfaces sends one GARP (or unsolicited NA) per such interface every interval, from that interface's MAC, only with `all` for plain interfaces, never on its own, and stops when it leaves MASTER.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLan, ip, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import { Capture, tcpdumpSkipReason, type CaptureContents } from '../../helpers/pcap';
import { keepalivedSkipReason, keepalivedVersion, startDaemon, tempDir as daemonDir, type DaemonKind } from '../../helpers/daemons';
import { hasAddress, sleep, startNode, tempDir, type Node } from './lab';

const skip = netnsSkipReason() ?? tcpdumpSkipReason();
const ETH1_MAC = '02:74:6b:00:01:01';
const ETH2_MAC = '02:74:6b:00:01:02';

const CONF = `global_defs {
  router_id tska_garp_extra
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 255
  advert_int 1
  garp_master_delay 0
  garp_master_repeat 1
  garp_extra_if all 1
  virtual_ipaddress {
    192.0.2.100/24 dev eth0
    198.51.100.100/24 dev eth1
    198.51.100.102/24 dev eth1
  }
  virtual_ipaddress_excluded {
    fd00:3::100/64 dev eth2
  }
}
vrrp_instance VI_2 {
  state MASTER
  interface eth0
  virtual_router_id 52
  priority 255
  advert_int 1
  garp_master_delay 0
  garp_master_repeat 1
  garp_extra_if 1
  virtual_ipaddress {
    192.0.2.101/24 dev eth0
    198.51.100.101/24 dev eth1
  }
}
`;

const arpsFor = (c: CaptureContents, addr: string): number[] => c.arps.filter((a) => a.senderIp === addr && a.targetIp === addr).map((a) => a.t);

function gaps(ts: readonly number[]): number[] {
  return ts.slice(1).map((t, i) => Math.round(t - ts[i]!));
}

/** Gives n1 eth1 and eth2, whose peers x1 and x2 are in the observer's namespace. */
function addLinks(lan: Lan): void {
  const [a, o] = lan.nodes;
  ip(['link', 'add', 'eth1', 'address', ETH1_MAC, 'type', 'veth', 'peer', 'name', 'x1', 'netns', o!.ns], a!.ns);
  ip(['link', 'add', 'eth2', 'address', ETH2_MAC, 'type', 'veth', 'peer', 'name', 'x2', 'netns', o!.ns], a!.ns);
  for (const l of ['eth1', 'eth2']) ip(['link', 'set', l, 'up'], a!.ns);
  for (const l of ['x1', 'x2']) ip(['link', 'set', l, 'up'], o!.ns);
}

test('garp_extra_if: periodic GARP/NA on the other interfaces of a MASTER (all), none without "all" or on its own interface, none after leaving MASTER', { skip, timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 2 });
  const [a, o] = lan.nodes;
  const dir = tempDir('garp-extra');
  let node: Node | null = null;
  const caps: Capture[] = [];
  try {
    addLinks(lan);
    const c1 = await Capture.start(o!.ns, 'x1', path.join(dir, 'eth1.pcap'));
    caps.push(c1);
    const c2 = await Capture.start(o!.ns, 'x2', path.join(dir, 'eth2.pcap'));
    caps.push(c2);
    const c0 = await Capture.start(o!.ns, 'eth0', path.join(dir, 'eth0.pcap'));
    caps.push(c0);
    node = startNode(a!, 'n1', CONF, dir);
    await node.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000, 0);
    await node.waitLine(/\(VI_2\) Entering MASTER STATE/, 10_000, 0);
    await waitFor(() => hasAddress(a!.ns, '198.51.100.100') && hasAddress(a!.ns, 'fd00:3::100'), 3000);
    await sleep(4600);
    const faultAt = Date.now();
    ip(['link', 'set', 'eth0', 'down'], a!.ns);
    await node.waitLine(/\(VI_1\) Entering FAULT STATE/, 5000);
    await sleep(2500);
    const eth1 = await c1.stop();
    const eth2 = await c2.stop();
    const eth0 = await c0.stop();
    const log = node.lines.join('\n');

    // VI_1 on eth1: the transition burst, then one GARP a second for the first VIP there, from eth1's MAC.
    const v100 = arpsFor(eth1, '198.51.100.100');
    assert.ok(v100.length >= 5, `GARPs for 198.51.100.100 on eth1: ${v100.length}; ${JSON.stringify(eth1.arps)}\n${log}`);
    for (const g of gaps(v100)) assert.ok(g >= 850 && g <= 1400, `gaps ${gaps(v100)}`);
    assert.ok(eth1.arps.filter((x) => x.senderIp === '198.51.100.100').every((x) => x.srcMac === ETH1_MAC && x.senderMac === ETH1_MAC));
    // The second VIP on eth1 only gets the transition burst (keepalived: one message per interface).
    assert.equal(arpsFor(eth1, '198.51.100.102').length, 1, JSON.stringify(eth1.arps));
    // VI_2 has no "all": eth1 is not one of our VMACs, so only its transition burst.
    assert.equal(arpsFor(eth1, '198.51.100.101').length, 1, JSON.stringify(eth1.arps));
    // VI_1's excluded IPv6 VIP on eth2: unsolicited NAs from eth2's MAC, one a second.
    const na = eth2.nas.filter((n) => n.target === 'fd00:3::100');
    assert.ok(na.length >= 5, `NAs on eth2: ${JSON.stringify(eth2.nas)}`);
    for (const g of gaps(na.map((n) => n.t))) assert.ok(g >= 850 && g <= 1400, `NA gaps ${gaps(na.map((n) => n.t))}`);
    assert.ok(na.every((n) => n.srcMac === ETH2_MAC));
    // The instances' own interface: the transition burst only.
    assert.equal(arpsFor(eth0, '192.0.2.100').length, 1, JSON.stringify(eth0.arps));
    assert.equal(arpsFor(eth0, '192.0.2.101').length, 1, JSON.stringify(eth0.arps));
    // No GARP/NA belongs on the wrong link.
    assert.equal(arpsFor(eth0, '198.51.100.100').length, 0);
    assert.equal(eth0.nas.filter((n) => n.target === 'fd00:3::100').length, 0);
    // FAULT: nothing more.
    assert.deepEqual(v100.filter((t) => t > faultAt + 300), [], `GARPs after FAULT at ${faultAt}: ${v100}`);
    assert.deepEqual(na.filter((n) => n.t > faultAt + 300), []);
  } finally {
    for (const c of caps) await c.stop().catch(() => undefined);
    await node?.terminate(3000).catch(() => undefined);
    lan.destroy();
  }
});

/** What went out on each link during the first 4.5 s of MASTER: "<second> <address> <source MAC>". */
async function wire(kind: DaemonKind): Promise<Record<string, string[]>> {
  const lan = createLan({ nodes: 2 });
  const [a, o] = lan.nodes;
  const dir = daemonDir(`garp-extra-${kind}`);
  const caps: Capture[] = [];
  try {
    addLinks(lan);
    for (const l of ['x1', 'x2', 'eth0']) caps.push(await Capture.start(o!.ns, l, path.join(dir, `${l}.pcap`)));
    const d = startDaemon({ kind, ns: a!.ns, name: kind, dir, config: CONF });
    let t0: number;
    try {
      await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000, 0);
      await d.waitLine(/\(VI_2\) Entering MASTER STATE/, 10_000, 0);
      t0 = Date.now();
      await sleep(4500);
    } finally {
      await d.stop(3000);
    }
    const out: Record<string, string[]> = {};
    for (const [name, c] of [['eth1', caps[0]!], ['eth2', caps[1]!], ['eth0', caps[2]!]] as const) {
      const got = await c.stop();
      const first = Math.min(...got.arps.map((x) => x.t), ...got.nas.map((x) => x.t));
      const rows = [
        ...got.arps.filter((x) => x.senderIp === x.targetIp).map((x) => ({ t: x.t, s: `${x.senderIp} ${x.srcMac}` })),
        ...got.nas.map((x) => ({ t: x.t, s: `${x.target} ${x.srcMac}` })),
      ].filter((x) => x.t < t0 + 4300);
      out[name] = rows.sort((x, y) => x.t - y.t).map((x) => `${Math.round((x.t - first) / 1000)} ${x.s}`);
    }
    return out;
  } finally {
    for (const c of caps) await c.stop().catch(() => undefined);
    lan.destroy();
  }
}

test(`garp_extra_if: the same GARPs and NAs on the same links, from the same MACs, at the same seconds as ${keepalivedVersion()}`, { skip: skip ?? keepalivedSkipReason(), timeout: 90_000 }, async () => {
  const ka = await wire('keepalived');
  const ts = await wire('tskeepalived');
  assert.ok(ka['eth1']!.length >= 6, JSON.stringify(ka));
  assert.deepEqual(ts, ka);
});
