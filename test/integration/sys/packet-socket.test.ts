// AF_PACKET: a gratuitous ARP and an unsolicited NA built as whole frames in one namespace are seen byte for byte in another.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createLan, netnsSkipReason, withNetns, type Lan } from '../../helpers/netns';
import { PacketSocket, type ReceivedFrame } from '../../../src/sys/packet-socket';
import { native } from '../../../src/sys/native';
import { encodeGratuitousArp, GARP_FRAME_LEN } from '../../../src/net/arp';
import { encodeUnsolicitedNaFrame, NA_FRAME_LEN } from '../../../src/net/ndisc';
import { parseIp } from '../../../src/net/ip';

const skip = netnsSkipReason();
const macBytes = (m: string): Buffer => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));

describe('AF_PACKET send in namespaces', { skip }, () => {
  let lan: Lan;
  before(() => {
    lan = createLan({ nodes: 2 });
  });
  after(() => lan?.destroy());

  async function roundTrip(proto: number, frame: Buffer, match: (f: ReceivedFrame) => boolean): Promise<ReceivedFrame> {
    const n1 = lan.nodes[0]!;
    const n2 = lan.nodes[1]!;
    const got: ReceivedFrame[] = [];
    let wake: (() => void) | null = null;
    const rx = withNetns(n2.ns, () => new PacketSocket(n2.ifindex, {
      receiveProtocol: proto,
      onFrame: (f) => {
        if (!match(f)) return;
        got.push({ ...f, frame: Buffer.from(f.frame), srcMac: Buffer.from(f.srcMac) });
        wake?.();
      },
    }));
    const tx = withNetns(n1.ns, () => new PacketSocket(n1.ifindex));
    try {
      tx.send(frame);
      await new Promise<void>((resolve, reject) => {
        if (got.length) return resolve();
        const t = setTimeout(() => reject(new Error('frame not received')), 2000);
        wake = () => { clearTimeout(t); resolve(); };
      });
      return got[0]!;
    } finally {
      tx.close();
      rx.close();
    }
  }

  test('a gratuitous ARP frame crosses the bridge unchanged', async () => {
    const n1 = lan.nodes[0]!;
    const frame = Buffer.from(encodeGratuitousArp({ senderMac: macBytes(n1.mac), ip: parseIp('192.0.2.100')!.bytes }));
    assert.equal(frame.length, GARP_FRAME_LEN);
    const f = await roundTrip(native.constants.ETH_P_ARP, frame, (x) => x.frame.length >= 42 && x.frame[41] === 100);
    assert.deepEqual(f.frame.subarray(0, GARP_FRAME_LEN), frame);
    assert.equal(f.protocol, 0x0806);
    assert.equal(f.pktType, 1 /* PACKET_BROADCAST */);
    assert.deepEqual(f.srcMac, macBytes(n1.mac));
    assert.equal(f.ifindex, lan.nodes[1]!.ifindex);
  });

  test('an unsolicited NA frame crosses the bridge unchanged', async () => {
    const n1 = lan.nodes[0]!;
    const frame = Buffer.from(encodeUnsolicitedNaFrame({ mac: macBytes(n1.mac), target: parseIp('fd00:db8::100')!.bytes }));
    assert.equal(frame.length, NA_FRAME_LEN);
    const f = await roundTrip(native.constants.ETH_P_IPV6, frame, (x) => x.frame.length === NA_FRAME_LEN && x.frame[54] === 136);
    assert.deepEqual(f.frame, frame);
    assert.equal(f.protocol, 0x86dd);
    assert.equal(f.pktType, 2 /* PACKET_MULTICAST */);
  });

  test('a frame shorter than an Ethernet header is refused', () => {
    const n1 = lan.nodes[0]!;
    const tx = withNetns(n1.ns, () => new PacketSocket(n1.ifindex));
    try {
      assert.throws(() => tx.send(Buffer.alloc(10)), TypeError);
    } finally {
      tx.close();
    }
  });

  test('opening on a missing interface is an errno-shaped error', () => {
    assert.throws(() => withNetns(lan.nodes[0]!.ns, () => new PacketSocket(999_999)), (e: unknown) => (e as { code?: string }).code === 'ENODEV' && (e as { syscall?: string }).syscall === 'bind');
  });
});
