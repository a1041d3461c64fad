// VRRP raw sockets between two namespaces joined by a bridge: multicast and unicast, IPv4 and IPv6, TTL/hop limit, ifindex, addresses.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createLan, netnsSkipReason, withNetns, type Lan, type LanNode } from '../../helpers/netns';
import { VrrpSocket, type VrrpPacket } from '../../../src/sys/vrrp-socket';

const skip = netnsSkipReason();

// VRRP messages from the lab's golden frames (lab README §6): v2 master advert, v3 master advert.
const V2_ADVERT = Buffer.from('21339601010100f3c00002646b6c353170617373', 'hex');
const V3_ADVERT = Buffer.from('31339601000ad3c1c0000264', 'hex');

/** Collects packets; next() resolves with the first packet matching pred (or times out). */
function collector(): { push: (p: VrrpPacket) => void; next: (pred?: (p: VrrpPacket) => boolean, ms?: number) => Promise<VrrpPacket>; all: VrrpPacket[] } {
  const all: VrrpPacket[] = [];
  let waiter: { pred: (p: VrrpPacket) => boolean; resolve: (p: VrrpPacket) => void } | null = null;
  return {
    all,
    push(p) {
      // Copy: the socket reuses its buffers.
      const copy: VrrpPacket = { ...p, payload: Buffer.from(p.payload), srcBytes: Buffer.from(p.srcBytes), dstBytes: Buffer.from(p.dstBytes) };
      all.push(copy);
      if (waiter && waiter.pred(copy)) {
        const w = waiter;
        waiter = null;
        w.resolve(copy);
      }
    },
    next(pred = () => true, ms = 2000) {
      const found = all.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error(`no matching packet within ${ms} ms (got ${all.length})`));
        }, ms);
        waiter = { pred, resolve: (p) => { clearTimeout(timer); resolve(p); } };
      });
    },
  };
}

function open(node: LanNode, family: 4 | 6, onPacket?: (p: VrrpPacket) => void): VrrpSocket {
  return withNetns(node.ns, () => new VrrpSocket({ family, ifindex: node.ifindex, device: node.ifname, ...(onPacket ? { onPacket } : {}) }));
}

describe('VRRP socket in namespaces', { skip }, () => {
  let lan: Lan;
  let n1: LanNode;
  let n2: LanNode;
  const sockets: VrrpSocket[] = [];
  const track = (s: VrrpSocket): VrrpSocket => (sockets.push(s), s);

  before(() => {
    lan = createLan({ nodes: 2 });
    n1 = lan.nodes[0]!;
    n2 = lan.nodes[1]!;
  });
  after(() => {
    for (const s of sockets) s.close();
    lan?.destroy();
  });

  test('IPv4 multicast advert arrives with TTL 255, TOS 0xc0, source, 224.0.0.18 and ifindex', async () => {
    const rx = collector();
    const r = track(open(n2, 4, rx.push));
    r.join();
    const s = track(open(n1, 4));
    s.send(V2_ADVERT, V2_ADVERT.length, s.target('224.0.0.18'));
    const p = await rx.next();
    assert.deepEqual(p.payload, V2_ADVERT);
    assert.equal(p.family, 4);
    assert.equal(p.src, n1.ipv4);
    assert.equal(p.dst, '224.0.0.18');
    assert.equal(p.ifindex, n2.ifindex);
    assert.equal(p.ttl, 255);
    assert.equal(p.tos, 0xc0);
    assert.equal(p.ipv4?.protocol, 112);
    assert.equal(p.ipv4?.ttl, 255);
    assert.equal(p.ipv4?.headerLength, 20);
    assert.equal(p.ipv4?.totalLength, 20 + V2_ADVERT.length);
    assert.equal(p.truncated, false);
    r.close();
  });

  test('IPv6 multicast advert arrives with hop limit 255, traffic class 0xc0, link-local source, ff02::12', async () => {
    const rx = collector();
    const r = track(open(n2, 6, rx.push));
    r.join();
    const s = track(open(n1, 6));
    s.send(V3_ADVERT, V3_ADVERT.length, s.target('ff02::12', { src: n1.linkLocal }));
    const p = await rx.next();
    assert.deepEqual(p.payload, V3_ADVERT);
    assert.equal(p.family, 6);
    assert.equal(p.src, n1.linkLocal);
    assert.equal(p.dst, 'ff02::12');
    assert.equal(p.ifindex, n2.ifindex);
    assert.equal(p.ttl, 255);
    assert.equal(p.tos, 0xc0);
    assert.equal(p.ipv4, undefined);
    r.close();
  });

  test('unicast to a peer with a chosen source address (IPv4 and IPv6)', async () => {
    const rx = collector();
    const r4 = track(open(n2, 4, rx.push));
    const r6 = track(open(n2, 6, rx.push));
    const s4 = track(open(n1, 4));
    const s6 = track(open(n1, 6));
    s4.send(V2_ADVERT, V2_ADVERT.length, s4.target(n2.ipv4, { src: n1.ipv4 }));
    s6.send(V3_ADVERT, V3_ADVERT.length, s6.target(n2.ipv6, { src: n1.ipv6 }));
    const p4 = await rx.next((p) => p.family === 4);
    assert.equal(p4.src, n1.ipv4);
    assert.equal(p4.dst, n2.ipv4);
    assert.equal(p4.ttl, 255);
    assert.deepEqual(p4.payload, V2_ADVERT);
    const p6 = await rx.next((p) => p.family === 6);
    assert.equal(p6.src, n1.ipv6);
    assert.equal(p6.dst, n2.ipv6);
    assert.equal(p6.ttl, 255);
    assert.equal(p6.ifindex, n2.ifindex);
    assert.deepEqual(p6.payload, V3_ADVERT);
    r4.close();
    r6.close();
  });

  test('a packet sent with a lower TTL / hop limit is delivered with its real value', async () => {
    const rx = collector();
    const r4 = track(open(n2, 4, rx.push));
    const r6 = track(open(n2, 6, rx.push));
    r4.join();
    r6.join();
    const s4 = track(withNetns(n1.ns, () => new VrrpSocket({ family: 4, ifindex: n1.ifindex, ttl: 64 })));
    const s6 = track(withNetns(n1.ns, () => new VrrpSocket({ family: 6, ifindex: n1.ifindex, ttl: 1 })));
    s4.send(V2_ADVERT, V2_ADVERT.length, s4.target('224.0.0.18'));
    s6.send(V3_ADVERT, V3_ADVERT.length, s6.target('ff02::12'));
    s4.send(V2_ADVERT, V2_ADVERT.length, s4.target(n2.ipv4));
    assert.equal((await rx.next((p) => p.family === 4 && p.dst === '224.0.0.18')).ttl, 64);
    assert.equal((await rx.next((p) => p.family === 6)).ttl, 1);
    const u = await rx.next((p) => p.family === 4 && p.dst === n2.ipv4);
    assert.equal(u.ttl, 64);
    assert.equal(u.ipv4?.ttl, 64);
    r4.close();
    r6.close();
  });

  test('multicast loop is off: the sender does not hear itself; after leave the group is not delivered', async () => {
    const own = collector();
    const rx = collector();
    const s = track(open(n1, 4, own.push));
    s.join();
    const r = track(open(n2, 4, rx.push));
    r.join();
    s.send(V2_ADVERT, V2_ADVERT.length, s.target('224.0.0.18'));
    await rx.next();
    r.leave();
    s.send(V2_ADVERT, V2_ADVERT.length, s.target('224.0.0.18'));
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(own.all.length, 0, 'the sender received its own multicast');
    assert.equal(rx.all.length, 1, 'delivered after leaving the group');
    r.close();
  });

  test('prepared-target sends reuse one buffer and return nothing; refusals are errno-shaped', () => {
    const s = track(open(n1, 4));
    const t = s.target('224.0.0.18');
    const buf = Buffer.alloc(64);
    V2_ADVERT.copy(buf);
    for (let i = 0; i < 100; i++) s.send(buf, V2_ADVERT.length, t);
    assert.throws(
      () => withNetns(n1.ns, () => new VrrpSocket({ family: 4, bindAddress: '198.51.100.77' })),
      (e: unknown) => (e as { code?: string }).code === 'EADDRNOTAVAIL' && (e as { syscall?: string }).syscall === 'bind',
    );
    const bad = s.trySend(buf, V2_ADVERT.length, s.target('192.0.2.12', { src: '198.51.100.77' }));
    assert.ok(bad < 0, `expected -errno, got ${bad}`);
    assert.throws(() => s.send(buf, 65, t), RangeError);
    s.close();
    assert.equal(s.trySend(buf, 1, t), -9 /* EBADF */);
  });
});
