// VRRP codec: golden vectors, round trips, and every rejection reason.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { parseIp } from '../../../src/net/ip';
import {
  AdvertFields, DecodeContext, DecodeReason, EncodeOptions, VRRP_MCAST_GROUP4, VrrpDecodeError,
  decodeAdvert, decodeIpv4Advert, encodeAdvert, encodeAdvertInto, encodeIpv4Advert,
} from '../../../src/vrrp/packet';
import { AuthConfig, authKey } from '../../../src/vrrp/auth';

interface VectorFile {
  vectors: {
    name: string; family: 4 | 6; src: string; dst: string; hex: string;
    auth?: { type: 'pass'; secret: string };
    fields: { version: 2 | 3; vrid: number; priority: number; maxAdverInt: number; addresses: string[] };
  }[];
}

const ipb = (s: string): Uint8Array => {
  const a = parseIp(s);
  assert.ok(a, s);
  return a.bytes;
};
const vectors = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'vectors', 'vrrp', 'adverts.json'), 'utf8')) as VectorFile).vectors;

for (const v of vectors) {
  test(`golden vector: ${v.name}`, () => {
    const auth: AuthConfig | undefined = v.auth ? { type: 'pass', key: authKey(v.auth.secret) } : undefined;
    const fields: AdvertFields = { ...v.fields, addresses: v.fields.addresses.map(ipb) };
    const opts: EncodeOptions = { family: v.family, src: ipb(v.src), dst: ipb(v.dst), ...(auth ? { auth } : {}) };
    const bytes = encodeAdvert(fields, opts);
    assert.equal(bytes.toString('hex'), v.hex);
    const ctx: DecodeContext = { family: v.family, src: ipb(v.src), dst: ipb(v.dst), ttl: 255, version: v.fields.version, ...(auth ? { auth } : {}) };
    const d = decodeAdvert(Buffer.from(v.hex, 'hex'), ctx);
    assert.deepEqual(
      { version: d.version, vrid: d.vrid, priority: d.priority, maxAdverInt: d.maxAdverInt, addresses: d.addresses.map((a) => Buffer.from(a).toString('hex')) },
      { ...v.fields, addresses: fields.addresses.map((a) => Buffer.from(a).toString('hex')) },
    );
    assert.equal(d.checksum, parseInt(v.hex.slice(12, 16), 16));
    assert.equal(d.authType, v.auth ? 1 : 0);
  });
}

const src4 = ipb('192.0.2.11');
const vip4 = ipb('192.0.2.100');
const pass: AuthConfig = { type: 'pass', key: authKey('kl51pass') };
const v2fields: AdvertFields = { version: 2, vrid: 51, priority: 150, maxAdverInt: 1, addresses: [vip4] };
const v3fields: AdvertFields = { version: 3, vrid: 51, priority: 150, maxAdverInt: 10, addresses: [vip4] };
const v2ctx: DecodeContext = { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, ttl: 255, version: 2, auth: pass };
const v3ctx: DecodeContext = { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, ttl: 255, version: 3 };
const v2 = (): Buffer => encodeAdvert(v2fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, auth: pass });
const v3 = (): Buffer => encodeAdvert(v3fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4 });

function rejects(buf: Uint8Array, ctx: DecodeContext, reason: DecodeReason): void {
  assert.throws(() => decodeAdvert(buf, ctx), (e: unknown) => e instanceof VrrpDecodeError && e.reason === reason);
}

/** Recomputes the v2 checksum after a deliberate edit, so a later check is what fails. */
function fixV2(b: Buffer): Buffer {
  b.writeUInt16BE(0, 6);
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  b.writeUInt16BE(~s & 0xffff, 6);
  return b;
}

test('rejection: too-short', () => rejects(v3().subarray(0, 7), v3ctx, 'too-short'));
test('rejection: bad-version (unknown, other than the instance, v2 over IPv6)', () => {
  const b = v3();
  b[0] = 0x41;
  rejects(b, v3ctx, 'bad-version');
  rejects(v3(), { ...v3ctx, version: 2 }, 'bad-version');
  rejects(v2(), { ...v2ctx, family: 6, src: ipb('fe80::1'), dst: ipb('ff02::12') }, 'bad-version');
});
test('rejection: bad-type', () => {
  const b = v3();
  b[0] = 0x32;
  rejects(b, v3ctx, 'bad-type');
});
test('rejection: bad-length (too short and too long for the address count)', () => {
  rejects(v3().subarray(0, 11), v3ctx, 'bad-length');
  rejects(Buffer.concat([v3(), Buffer.alloc(4)]), v3ctx, 'bad-length');
  const b = v3();
  b[3] = 2;
  rejects(b, v3ctx, 'bad-length');
});
test('rejection: bad-ttl (RFC 5798 §7.1), but not for unicast or unknown TTL', () => {
  rejects(v3(), { ...v3ctx, ttl: 254 }, 'bad-ttl');
  assert.equal(decodeAdvert(v3(), { ...v3ctx, ttl: 64, unicast: true }).priority, 150);
  const { ttl: _ttl, ...noTtl } = v3ctx;
  assert.equal(decodeAdvert(v3(), noTtl).priority, 150);
});
test('rejection: bad-checksum (v2 and v3, and v3 from another source address)', () => {
  const b = v2();
  b[2] = b[2]! ^ 1;
  rejects(b, v2ctx, 'bad-checksum');
  rejects(v3(), { ...v3ctx, src: ipb('192.0.2.12') }, 'bad-checksum');
});
test('rejection: bad-auth-type, auth-type-mismatch, auth-failure (PASS)', () => {
  const bad = v2();
  bad[4] = 3;
  rejects(fixV2(bad), v2ctx, 'bad-auth-type');
  rejects(v2(), { ...v2ctx, auth: { type: 'none' } }, 'auth-type-mismatch');
  rejects(v2(), { ...v2ctx, auth: { type: 'pass', key: authKey('wrongpwd') } }, 'auth-failure');
});
test('an auth failure message never contains the secret', () => {
  try {
    decodeAdvert(v2(), { ...v2ctx, auth: { type: 'pass', key: authKey('wrongpwd') } });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof VrrpDecodeError);
    assert.ok(!e.message.includes('kl51pass') && !e.message.includes('wrongpwd'));
  }
});
test('PASS uses only the first 8 characters, zero padded', () => {
  assert.deepEqual([...authKey('kl51passEXTRA')], [...authKey('kl51pass')]);
  assert.deepEqual([...authKey('ab')], [0x61, 0x62, 0, 0, 0, 0, 0, 0]);
});

test('v3_checksum_as_v2: message-only checksum on send and receive, the other form refused', () => {
  const opts: EncodeOptions = { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, v3ChecksumAsV2: true };
  const b = encodeAdvert(v3fields, opts);
  assert.notEqual(b.readUInt16BE(6), v3().readUInt16BE(6));
  assert.equal(decodeAdvert(b, { ...v3ctx, v3ChecksumAsV2: true }).checksumForm, 'message-only');
  rejects(b, v3ctx, 'bad-checksum');
  rejects(v3(), { ...v3ctx, v3ChecksumAsV2: true }, 'bad-checksum');
});

test('unicast: keepalived old checksum (pseudo-header dst = group) accepted only in compat mode', () => {
  const peer = ipb('192.0.2.12');
  const old = encodeAdvert(v3fields, { family: 4, src: src4, dst: peer, checksumDst: VRRP_MCAST_GROUP4 });
  const ctx: DecodeContext = { family: 4, src: src4, dst: peer, ttl: 255, unicast: true, version: 3 };
  rejects(old, ctx, 'bad-checksum');
  assert.equal(decodeAdvert(old, { ...ctx, unicastChecksumCompat: true }).checksumForm, 'pseudo-header-mcast-dst');
  const modern = encodeAdvert(v3fields, { family: 4, src: src4, dst: peer });
  assert.equal(decodeAdvert(modern, { ...ctx, unicastChecksumCompat: true }).checksumForm, 'pseudo-header');
});

test('v3 reserved bits are ignored on receive and zero on send (RFC 5798 §5.2.6)', () => {
  const b = encodeAdvert({ ...v3fields, maxAdverInt: 0xfff }, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4 });
  assert.equal(b[4]! & 0xf0, 0);
  // set a reserved bit and fix the checksum by subtracting the same amount from it
  const c = Buffer.from(b);
  c[4] = c[4]! | 0x10;
  let ck = (~c.readUInt16BE(6) & 0xffff) + 0x1000;
  ck = (ck & 0xffff) + (ck >>> 16);
  c.writeUInt16BE(~ck & 0xffff, 6);
  assert.equal(decodeAdvert(c, v3ctx).maxAdverInt, 0xfff);
});

test('encodeAdvertInto writes at an offset of a reused buffer and returns the length', () => {
  const out = Buffer.alloc(64, 0xee);
  const n = encodeAdvertInto(v3fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4 }, out, 20);
  assert.equal(n, 12);
  assert.equal(out.subarray(20, 32).toString('hex'), v3().toString('hex'));
  assert.equal(out[19], 0xee);
  assert.equal(out[32], 0xee);
});

test('encode refuses fields it cannot represent', () => {
  const o: EncodeOptions = { family: 4, src: src4, dst: VRRP_MCAST_GROUP4 };
  assert.throws(() => encodeAdvert({ ...v3fields, priority: 256 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3fields, maxAdverInt: 4096 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v2fields, maxAdverInt: 256 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3fields, addresses: [ipb('fd00::1')] }, o), RangeError);
  assert.throws(() => encodeAdvert(v2fields, { family: 6, src: ipb('fe80::1'), dst: ipb('ff02::12') }), RangeError);
});

test('IPv4 packet: keepalived header fields and whole-packet decode', () => {
  const pkt = encodeIpv4Advert(v2fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, auth: pass, ipId: 1 });
  // Lab capture of keepalived 2.2.7 (IP header of the v2 master advert): TOS c0, id 1, TTL 255, proto 112, checksum 0x1887.
  assert.equal(pkt.subarray(0, 20).toString('hex'), '45c0002800010000ff701887c000020be0000012');
  const d = decodeIpv4Advert(pkt, { version: 2, auth: pass });
  assert.equal(d.priority, 150);
  assert.deepEqual([...d.src], [...src4]);
  const trunc = Buffer.from(pkt);
  trunc.writeUInt16BE(pkt.length + 4, 2);
  assert.throws(() => decodeIpv4Advert(trunc, { version: 2, auth: pass }), (e: unknown) => e instanceof VrrpDecodeError && e.reason === 'bad-length');
  assert.throws(() => decodeIpv4Advert(pkt.subarray(0, 10), { version: 2 }), (e: unknown) => e instanceof VrrpDecodeError && e.reason === 'bad-ip-header');
});

test('AH (keepalived): round trip, tamper, wrong key, SPI, protocol mismatch', () => {
  const ah: AuthConfig = { type: 'ah', key: authKey('secretAH') };
  const pkt = encodeIpv4Advert(v2fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, auth: ah, ipId: 7, ahSequence: 42 });
  assert.equal(pkt[9], 51);
  assert.equal(pkt.length, 20 + 24 + 20);
  assert.equal(pkt.subarray(20, 24).toString('hex'), '70040000'); // next header 112, payload len 4
  assert.equal(pkt.subarray(24, 28).toString('hex'), 'c000020b'); // SPI = source address
  const d = decodeIpv4Advert(pkt, { version: 2, auth: ah });
  assert.equal(d.ahSequence, 42);
  assert.equal(d.authType, 2);
  // mutable fields (TOS, TTL is not mutable for multicast) may change in transit: TOS does not break the ICV
  const tos = Buffer.from(pkt);
  tos[1] = 0;
  assert.equal(decodeIpv4Advert(tos, { version: 2, auth: ah }).priority, 150);
  const bad = (p: Buffer, ctx: Parameters<typeof decodeIpv4Advert>[1], reason: DecodeReason): void =>
    assert.throws(() => decodeIpv4Advert(p, ctx), (e: unknown) => e instanceof VrrpDecodeError && e.reason === reason);
  const seq = Buffer.from(pkt);
  seq[31] = 43;
  bad(seq, { version: 2, auth: ah }, 'auth-failure');
  bad(pkt, { version: 2, auth: { type: 'ah', key: authKey('otherkey') } }, 'auth-failure');
  bad(pkt, { version: 2, auth: pass }, 'auth-type-mismatch');
  const plain = encodeIpv4Advert(v2fields, { family: 4, src: src4, dst: VRRP_MCAST_GROUP4, auth: pass, ipId: 1 });
  bad(plain, { version: 2, auth: ah }, 'auth-type-mismatch');
});
