// Pure network helpers: RFC 1071 checksum, IPv4 header, gratuitous ARP, unsolicited NA.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { internetChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from '../../../src/net/checksum';
import { decodeIpv4Header, encodeIpv4Header, Ipv4Error } from '../../../src/net/ipv4';
import { encodeGratuitousArp } from '../../../src/net/arp';
import { ALL_NODES, encodeUnsolicitedNa, encodeUnsolicitedNaFrame } from '../../../src/net/ndisc';
import { parseIp } from '../../../src/net/ip';

const ipb = (s: string): Uint8Array => parseIp(s)!.bytes;
const mac = Uint8Array.from(Buffer.from('026b6c000001', 'hex'));

test('RFC 1071 §3 worked example: sum of 0001 f203 f4f5 f6f7 is 0xddf2', () => {
  const b = Buffer.from('0001f203f4f5f6f7', 'hex');
  assert.equal(sumWords(b), 0xddf2);
  assert.equal(internetChecksum(b), ~0xddf2 & 0xffff);
});

test('odd length pads with a zero byte; a buffer with its checksum sums to zero', () => {
  assert.equal(sumWords(Uint8Array.of(0x12)), 0x1200);
  const b = Buffer.from('4500003c1c4640004006000' + '0ac100002ac10000c', 'hex');
  const c = internetChecksum(b);
  b.writeUInt16BE(c, 10);
  assert.equal(internetChecksum(b), 0);
});

test('pseudo-header sums match a slow reference built as bytes', () => {
  const s4 = ipb('192.0.2.11');
  const d4 = ipb('224.0.0.18');
  const ref4 = Buffer.concat([Buffer.from(s4), Buffer.from(d4), Buffer.from([0, 112, 0, 12])]);
  assert.equal(pseudoHeaderSum4(s4, d4, 112, 12), sumWords(ref4));
  const s6 = ipb('fe80::1');
  const ref6 = Buffer.concat([Buffer.from(s6), Buffer.from(ALL_NODES), Buffer.from([0, 0, 0, 32, 0, 0, 0, 58])]);
  assert.equal(pseudoHeaderSum6(s6, ALL_NODES, 58, 32), sumWords(ref6));
});

test('IPv4 header: encode then decode; malformed headers are typed errors', () => {
  const out = new Uint8Array(20);
  encodeIpv4Header({ payloadLength: 20, id: 1, ttl: 255, protocol: 112, src: ipb('192.0.2.11'), dst: ipb('224.0.0.18') }, out);
  assert.equal(Buffer.from(out).toString('hex'), '45c0002800010000ff701887c000020be0000012');
  const h = decodeIpv4Header(out);
  assert.equal(h.ttl, 255);
  assert.equal(h.totalLength, 40);
  assert.equal(internetChecksum(out), 0);
  assert.throws(() => decodeIpv4Header(out.subarray(0, 19)), (e: unknown) => e instanceof Ipv4Error && e.reason === 'ipv4-too-short');
  const v6 = Uint8Array.from(out);
  v6[0] = 0x65;
  assert.throws(() => decodeIpv4Header(v6), (e: unknown) => e instanceof Ipv4Error && e.reason === 'ipv4-bad-version');
  const ihl = Uint8Array.from(out);
  ihl[0] = 0x44;
  assert.throws(() => decodeIpv4Header(ihl), (e: unknown) => e instanceof Ipv4Error && e.reason === 'ipv4-bad-ihl');
});

test('gratuitous ARP is the frame keepalived sends (op 1, sender = target = VIP, broadcast target MAC)', () => {
  // Layout per RFC 826 with keepalived's choices (lab README §3); bytes written out by hand.
  const expected =
    'ffffffffffff' + '026b6c000001' + '0806' + // Ethernet: broadcast, our MAC, ARP
    '0001' + '0800' + '06' + '04' + '0001' + // Ethernet/IPv4, request
    '026b6c000001' + 'c0000264' + 'ffffffffffff' + 'c0000264';
  assert.equal(Buffer.from(encodeGratuitousArp({ senderMac: mac, ip: ipb('192.0.2.100') })).toString('hex'), expected);
  const buf = new Uint8Array(50);
  encodeGratuitousArp({ senderMac: mac, ip: ipb('192.0.2.100') }, buf, 8);
  assert.equal(Buffer.from(buf.subarray(8, 50)).toString('hex'), expected);
});

test('unsolicited NA: Override only, target option, checksum verifies, hop limit 255 to ff02::1', () => {
  const target = ipb('fd00:db8::100');
  const na = encodeUnsolicitedNa({ mac, target });
  assert.equal(na[0], 136);
  assert.equal(na[4], 0x20);
  assert.equal(Buffer.from(na.subarray(24, 32)).toString('hex'), '0201026b6c000001');
  assert.equal(internetChecksum(na, 0, na.length, pseudoHeaderSum6(target, ALL_NODES, 58, 32)), 0);
  const frame = encodeUnsolicitedNaFrame({ mac, target });
  assert.equal(Buffer.from(frame.subarray(0, 6)).toString('hex'), '333300000001');
  assert.equal(frame[14 + 7], 255);
  assert.equal(frame[14 + 6], 58);
  assert.equal(Buffer.from(frame.subarray(54)).toString('hex'), Buffer.from(na).toString('hex'));
});
