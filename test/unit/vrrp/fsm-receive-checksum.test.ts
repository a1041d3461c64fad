// What the state machine is fed: keepalived's v3_checksum_as_v2 receive rule (one checksum form, IPv4 VRRPv3 only).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseIp } from '../../../src/net/ip';
import { AdvertFields, DecodeContext, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, VrrpDecodeError, decodeAdvert, encodeAdvert } from '../../../src/vrrp/packet';

const ip = (s: string): Uint8Array => parseIp(s)!.bytes;
const reason = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    assert.ok(e instanceof VrrpDecodeError);
    return e.reason;
  }
};

test('v3 IPv4: exactly the configured form is accepted, with or without v3_checksum_as_v2', () => {
  const f: AdvertFields = { version: 3, vrid: 51, priority: 100, maxAdverInt: 100, addresses: [ip('192.0.2.100')] };
  const src = ip('192.0.2.11');
  const pseudo = encodeAdvert(f, { family: 4, src, dst: VRRP_MCAST_GROUP4 });
  const plain = encodeAdvert(f, { family: 4, src, dst: VRRP_MCAST_GROUP4, v3ChecksumAsV2: true });
  assert.notEqual(pseudo.readUInt16BE(6), plain.readUInt16BE(6));
  const ctx: DecodeContext = { family: 4, src, dst: VRRP_MCAST_GROUP4, ttl: 255, version: 3 };
  assert.equal(reason(() => decodeAdvert(pseudo, ctx)), 'accepted');
  assert.equal(reason(() => decodeAdvert(plain, ctx)), 'bad-checksum');
  assert.equal(reason(() => decodeAdvert(plain, { ...ctx, v3ChecksumAsV2: true })), 'accepted');
  assert.equal(reason(() => decodeAdvert(pseudo, { ...ctx, v3ChecksumAsV2: true })), 'bad-checksum');
});

test('v3 IPv6 and v2 ignore v3_checksum_as_v2', () => {
  const src6 = ip('fe80::6b:6cff:fe00:1');
  const f6: AdvertFields = { version: 3, vrid: 52, priority: 100, maxAdverInt: 100, addresses: [ip('fd00:db8::100')] };
  const b6 = encodeAdvert(f6, { family: 6, src: src6, dst: VRRP_MCAST_GROUP6, v3ChecksumAsV2: true });
  assert.deepEqual(b6, encodeAdvert(f6, { family: 6, src: src6, dst: VRRP_MCAST_GROUP6 }));
  const ctx6: DecodeContext = { family: 6, src: src6, dst: VRRP_MCAST_GROUP6, ttl: 255, version: 3 };
  assert.equal(decodeAdvert(b6, { ...ctx6, v3ChecksumAsV2: true }).checksumForm, 'pseudo-header');
  const f2: AdvertFields = { version: 2, vrid: 51, priority: 100, maxAdverInt: 1, addresses: [ip('192.0.2.100')] };
  const b2 = encodeAdvert(f2, { family: 4, src: ip('192.0.2.11'), dst: VRRP_MCAST_GROUP4 });
  const ctx2: DecodeContext = { family: 4, src: ip('192.0.2.11'), dst: VRRP_MCAST_GROUP4, ttl: 255, version: 2 };
  assert.equal(decodeAdvert(b2, { ...ctx2, v3ChecksumAsV2: true }).checksumForm, 'message-only');
});
