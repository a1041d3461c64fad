// Unicast peers, VRRPv3 over IPv6, use_vmac, and malformed adverts (dropped, counted per reason, no transition), in namespaces.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ipJson, netnsSkipReason, waitFor, withNetns, type Lan } from '../../helpers/netns';
import { VrrpSocket } from '../../../src/sys/vrrp-socket';
import { authKey } from '../../../src/vrrp/auth';
import { encodeAdvert } from '../../../src/vrrp/packet';
import { parseIp } from '../../../src/net/ip';
import { configText, hasAddress, Observer, sleep, startNode, type Node, withNodes } from './lab';

const skip = netnsSkipReason();

/** Three namespaces, the third an observer of the wire. */
function withLab(fn: (lan: Lan, obs: Observer, dir: string, nodes: Node[]) => Promise<void>): Promise<void> {
  return withNodes('modes', 3, async (lan, dir, nodes) => {
    const obs = new Observer(lan.nodes[2]!);
    try {
      await fn(lan, obs, dir, nodes);
    } finally {
      for (const n of nodes.splice(0)) await n.terminate(3000).catch(() => undefined);
      obs.close();
    }
  });
}

function b(s: string): Uint8Array {
  return parseIp(s)!.bytes;
}

test('unicast peers: election and SIGTERM failover without multicast', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const [a, c] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, version: 3, advert: '0.1', unicastSrc: a!.ipv4, unicastPeers: [c!.ipv4] }), dir);
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    const n2 = startNode(c!, 'n2', configText({ priority: 100, version: 3, advert: '0.1', unicastSrc: c!.ipv4, unicastPeers: [a!.ipv4] }), dir);
    nodes.push(n2);
    await n2.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(1000);
    assert.ok(!n2.lines.some((l) => /Entering MASTER STATE/.test(l)), 'n2 hears n1 by unicast and stays BACKUP');
    assert.equal(obs.from(a!.ipv4).length, 0, 'no multicast adverts reach the observer');
    await n1.terminate();
    await n2.waitLine(/Entering MASTER STATE/, 3000, 0);
    await waitFor(() => hasAddress(c!.ns, '192.0.2.100'), 2000);
  });
});

test('VRRPv3 over IPv6: link-local source, VIP moves on SIGTERM', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const [a, c] = lan.nodes;
    const vips = ['fd00:db8::100/64 dev eth0'];
    const n1 = startNode(a!, 'n1', configText({ vrid: 52, priority: 150, version: 3, advert: '0.1', vips }), dir);
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    await waitFor(() => hasAddress(a!.ns, 'fd00:db8::100'), 2000);
    const n2 = startNode(c!, 'n2', configText({ vrid: 52, priority: 100, version: 3, advert: '0.1', vips }), dir);
    nodes.push(n2);
    await n2.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(800);
    assert.ok(!n2.lines.some((l) => /Entering MASTER STATE/.test(l)));
    assert.ok(obs.from(a!.linkLocal).length >= 5, `adverts from ${a!.linkLocal}: ${obs.from(a!.linkLocal).length}`);
    await n1.terminate();
    await n2.waitLine(/Entering MASTER STATE/, 3000, 0);
    await waitFor(() => hasAddress(c!.ns, 'fd00:db8::100') && !hasAddress(a!.ns, 'fd00:db8::100'), 2000);
  });
});

test('use_vmac: macvlan vrrp.51 with 00:00:5e:00:01:33 carries the VIP and sources the GARPs', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const [a] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, version: 3, advert: '0.1', extra: ['use_vmac'] }), dir);
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    await waitFor(() => hasAddress(a!.ns, '192.0.2.100'), 2000);
    const link = ipJson<Array<{ ifname: string; address: string; addr_info?: Array<{ local: string }> }>>(['addr', 'show', 'dev', 'vrrp.51'], a!.ns)[0]!;
    assert.equal(link.address, '00:00:5e:00:01:33');
    assert.ok((link.addr_info ?? []).some((x) => x.local === '192.0.2.100'), 'VIP on vrrp.51');
    await waitFor(() => obs.arps.some((g) => g.senderIp === '192.0.2.100'), 2000);
    assert.equal(obs.arps.find((g) => g.senderIp === '192.0.2.100')!.srcMac, '00:00:5e:00:01:33');
    await n1.terminate();
    assert.ok(ipJson<unknown[]>(['link', 'show'], a!.ns).every((l) => (l as { ifname: string }).ifname !== 'vrrp.51'), 'VMAC removed on stop');
  });
});

test('malformed adverts cause no transition and are counted per reason', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, _obs, dir, nodes) => {
    const [a, , o] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, auth: 'kl51pass' }), dir, 'standalone');
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    const mark = n1.lines.length;
    const src = b(o!.ipv4);
    const grp = b('224.0.0.18');
    const vip = [b('192.0.2.100')];
    const pass = { type: 'pass' as const, key: authKey('kl51pass') };
    const good = { version: 2 as const, vrid: 51, priority: 254, maxAdverInt: 1, addresses: vip };
    const opts = { family: 4 as const, src, dst: grp, auth: pass };
    const badChecksum = encodeAdvert(good, opts);
    badChecksum[6] = badChecksum[6]! ^ 0xff;
    const cases: { why: string; buf: Buffer; ttl?: number; len?: number }[] = [
      { why: 'bad-ttl', buf: encodeAdvert(good, opts), ttl: 64 },
      { why: 'bad-checksum', buf: badChecksum },
      { why: 'auth-failure', buf: encodeAdvert(good, { ...opts, auth: { type: 'pass', key: authKey('wrongpw') } }) },
      { why: 'unknown-vrid', buf: encodeAdvert({ ...good, vrid: 52 }, opts) },
      { why: 'bad-length', buf: encodeAdvert(good, opts), len: 19 },
      { why: 'bad-version', buf: encodeAdvert({ ...good, version: 3, maxAdverInt: 100 }, opts) },
      { why: 'addr-list', buf: encodeAdvert({ ...good, addresses: [...vip, b('192.0.2.101')] }, opts) },
    ];
    withNetns(o!.ns, () => {
      const s = new VrrpSocket({ family: 4, device: 'eth0', ifindex: o!.ifindex });
      const t = s.target('224.0.0.18');
      for (const c of cases) {
        s.setTtl(c.ttl ?? 255);
        for (let i = 0; i < 3; i++) s.send(c.buf, c.len ?? c.buf.length, t);
      }
      s.close();
    });
    await sleep(500);
    process.kill(n1.proc.pid!, 'SIGUSR2');
    const line = await n1.waitLine(/^STATS /, 3000, mark);
    const st = JSON.parse(line.slice(6)) as { receive: { drops: Record<string, number> }; instances: Record<string, { drops: Record<string, number> }> };
    const drops = { ...st.instances['VI_1']!.drops };
    drops['unknown-vrid'] = st.receive.drops['unknown-vrid']!;
    for (const c of cases) assert.equal(drops[c.why], 3, `${c.why}: ${JSON.stringify(drops)}`);
    assert.ok(!n1.lines.slice(mark).some((l) => /Entering (BACKUP|FAULT) STATE/.test(l)), 'still MASTER');
  });
});
