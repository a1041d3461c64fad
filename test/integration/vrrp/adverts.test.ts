// What the driver does with the state machine's verdicts on received adverts, in namespaces: address-list mismatches ignored and counted, the two-owners rule, garp_lower_prio_repeat/delay bursts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createLan, netnsSkipReason, waitFor, withNetns, type Lan, type LanNode } from '../../helpers/netns';
import { VrrpSocket } from '../../../src/sys/vrrp-socket';
import { encodeAdvert, type AdvertFields } from '../../../src/vrrp/packet';
import { parseIp } from '../../../src/net/ip';
import { configText, hasAddress, Observer, sleep, startNode, tempDir, type Node } from './lab';

const skip = netnsSkipReason();
const VIP = '192.0.2.100';

function b(s: string): Uint8Array {
  return parseIp(s)!.bytes;
}

/** Sends crafted adverts from the third node's eth0 (its real address as source, TTL 255, to 224.0.0.18). */
class Injector {
  private readonly sock: VrrpSocket;
  private timer: NodeJS.Timeout | null = null;
  sent = 0;

  constructor(private readonly node: LanNode) {
    this.sock = withNetns(node.ns, () => new VrrpSocket({ family: 4, device: 'eth0', ifindex: node.ifindex }));
  }

  private send(f: AdvertFields): void {
    const buf = encodeAdvert(f, { family: 4, src: b(this.node.ipv4), dst: b('224.0.0.18') });
    this.sock.send(buf, buf.length, this.sock.target('224.0.0.18'));
    this.sent++;
  }

  /** Sends `f` now and then every `everyMs` until {@link stop}. */
  every(f: AdvertFields, everyMs: number): void {
    this.stop();
    this.send(f);
    this.timer = setInterval(() => this.send(f), everyMs);
  }

  once(f: AdvertFields): void {
    this.send(f);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  close(): void {
    this.stop();
    this.sock.close();
  }
}

async function withLab(fn: (lan: Lan, obs: Observer, inj: Injector, dir: string, nodes: Node[]) => Promise<void>): Promise<void> {
  const lan = createLan({ nodes: 3 });
  const obs = new Observer(lan.nodes[2]!);
  const inj = new Injector(lan.nodes[2]!);
  const nodes: Node[] = [];
  try {
    await fn(lan, obs, inj, tempDir('adverts'), nodes);
  } finally {
    inj.close();
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    obs.close();
    lan.destroy();
  }
}

interface StatsLine {
  instances: Record<string, { advertRcvd: number; drops: Record<string, number> }>;
}

async function stats(n: Node): Promise<StatsLine> {
  const mark = n.lines.length;
  process.kill(n.proc.pid!, 'SIGUSR2');
  const line = await n.waitLine(/^STATS /, 3000, mark);
  return JSON.parse(line.slice(6)) as StatsLine;
}

const v2 = (priority: number, addresses: string[]): AdvertFields => ({ version: 2, vrid: 51, priority, maxAdverInt: 1, addresses: addresses.map(b) });

test('address list mismatch: a higher-priority advert with other VIPs or another count is ignored (logged, counted as addr-list); a matching one is obeyed', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, _obs, inj, dir, nodes) => {
    const a = lan.nodes[0]!;
    const n1 = startNode(a, 'n1', configText({ priority: 100 }), dir, 'standalone');
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 10_000);
    // A would-be master at 200 whose list lacks our VIP: the backup ignores it and takes over at Master_Down_Interval.
    inj.every(v2(200, ['192.0.2.200']), 1000);
    await n1.waitLine(/\(VI_1\) ip address associated with VRID 51 not present in MASTER advert : 192\.0\.2\.100/, 3000);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 6000);
    await waitFor(() => hasAddress(a.ns, VIP), 2000);
    // Two addresses where we have one: as MASTER the advert is still ignored.
    inj.every(v2(200, [VIP, '192.0.2.101']), 200);
    await n1.waitLine(/\(VI_1\) received an invalid ip number count 2, expected 1!/, 3000);
    await sleep(1500);
    assert.ok(!n1.lines.some((l) => /Entering BACKUP STATE$/.test(l)), 'MASTER ignores the mismatching higher priority');
    const st = await stats(n1);
    assert.ok(st.instances['VI_1']!.drops['addr-list']! >= 8, `addr-list drops: ${JSON.stringify(st.instances['VI_1']!.drops)}`);
    // The same priority with our exact list: the master yields.
    const mark = n1.lines.length;
    inj.every(v2(200, [VIP]), 1000);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, mark);
    await waitFor(() => !hasAddress(a.ns, VIP), 2000);
  });
});

test('two address owners: keepalived\'s CONFIGURATION ERROR, priority 254 from then on (base too), yields to the other owner', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, inj, dir, nodes) => {
    const a = lan.nodes[0]!;
    const n1 = startNode(a, 'n1', configText({ priority: 255 }), dir, 'standalone');
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await waitFor(() => obs.from(a.ipv4).some((x) => x.priority === 255), 2000);
    // Another owner with a higher address (192.0.2.13 > 192.0.2.11).
    inj.every(v2(255, [VIP]), 1000);
    await n1.waitLine(/\(VI_1\) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority/, 3000);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000);
    await waitFor(() => !hasAddress(a.ns, VIP), 2000);
    // The other owner goes away: we take over again, as 254 (keepalived lowered base_priority too).
    inj.stop();
    const t0 = performance.now();
    const mark = n1.lines.length;
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 6000, mark);
    await waitFor(() => obs.from(a.ipv4).some((x) => x.t > t0 && x.priority !== 0), 3000);
    const after = obs.from(a.ipv4).filter((x) => x.t > t0 && x.priority !== 0);
    assert.ok(after.every((x) => x.priority === 254), `priorities after the conflict: ${after.map((x) => x.priority).join(',')}`);
  });
});

test('garp_lower_prio_repeat 2 + garp_lower_prio_delay 1: a lower-priority advert brings 2 GARPs at once and 2 more 1 s later', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, inj, dir, nodes) => {
    const a = lan.nodes[0]!;
    const conf = configText({ priority: 150, extra: ['garp_master_delay 0', 'garp_lower_prio_repeat 2', 'garp_lower_prio_delay 1'] });
    const n1 = startNode(a, 'n1', conf, dir, 'standalone');
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await sleep(500);
    const before = obs.arps.length;
    const t0 = performance.now();
    inj.once(v2(100, [VIP]));
    await waitFor(() => obs.arps.length >= before + 4, 3000);
    const g = obs.arps.slice(before).filter((x) => x.senderIp === VIP);
    assert.equal(g.length, 4, `GARPs: ${JSON.stringify(g)}`);
    assert.ok(g[0]!.t - t0 < 200 && g[1]!.t - t0 < 200, 'first burst at once');
    const late = g[2]!.t - t0;
    assert.ok(late > 950 && late < 1300, `second burst ${late.toFixed(0)} ms later`);
    assert.equal(g[2]!.srcMac, a.mac);
    // Master answered the lower priority at once (RFC 9568 §6.4.3 / keepalived default).
    assert.ok(obs.from(a.ipv4).some((x) => x.t > t0 && x.t - t0 < 100), 'an advert in reply');
    await sleep(1500);
    assert.equal(obs.arps.slice(before).filter((x) => x.senderIp === VIP).length, 4, 'nothing more');
  });
});
