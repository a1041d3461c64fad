// nlmsghdr / nlattr codec: padding, NLA_F_NESTED, multi-message datagrams, error payloads, malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attr, attrMap, decodeAttrs, decodeErrorPayload, decodeMessages, encodeAttr, encodeMessage, encodeNested,
  NetlinkDecodeError, NLA_F_NESTED, NLM_F_ACK_TLVS, NLMSG_ERROR, read,
} from '../../../src/netlink/message';

test('attributes are padded to 4 bytes and nla_len excludes the padding', () => {
  const a = attr.string(6, 'wlc');
  assert.equal(a.toString('hex'), '08000600776c6300');
  const b = attr.u8(13, 1);
  assert.equal(b.toString('hex'), '05000d0001000000');
  assert.equal(attr.be16(4, 80).toString('hex'), '060004000050' + '0000');
});

test('nested attributes carry NLA_F_NESTED and decode back', () => {
  const n = encodeNested(1, [attr.u16(1, 2), attr.u32(5, 7)]);
  assert.equal(n.readUInt16LE(2), 1 | NLA_F_NESTED);
  const [top] = decodeAttrs(n);
  assert.equal(top?.type, 1);
  assert.equal(top?.nested, true);
  const m = attrMap(top!.value);
  assert.equal(read.u16(m.get(1)!), 2);
  assert.equal(read.u32(m.get(5)!), 7);
});

test('a datagram with several messages splits into each', () => {
  const a = encodeMessage({ type: 32, flags: 2, seq: 9, pid: 1, payload: Buffer.from([1, 2, 3]) });
  const b = encodeMessage({ type: 3, flags: 2, seq: 9, pid: 1, payload: Buffer.alloc(4) });
  assert.equal(a.length, 20); // 19 padded
  const msgs = decodeMessages(Buffer.concat([a, b]));
  assert.deepEqual(msgs.map((m) => [m.type, m.seq, m.payload.length]), [[32, 9, 3], [3, 9, 4]]);
});

test('malformed input throws typed errors with a reason', () => {
  assert.throws(() => decodeMessages(Buffer.alloc(8)), (e: unknown) => e instanceof NetlinkDecodeError && e.reason === 'short-header');
  const bad = encodeMessage({ type: 1, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(4) });
  bad.writeUInt32LE(400, 0);
  assert.throws(() => decodeMessages(bad), (e: unknown) => e instanceof NetlinkDecodeError && e.reason === 'bad-length');
  const badAttr = encodeAttr(1, Buffer.alloc(4));
  badAttr.writeUInt16LE(50, 0);
  assert.throws(() => decodeAttrs(badAttr), (e: unknown) => e instanceof NetlinkDecodeError && e.reason === 'bad-attr-length');
  assert.throws(() => read.u32(Buffer.alloc(2)), (e: unknown) => e instanceof NetlinkDecodeError && e.reason === 'short-value');
});

test('NLMSG_ERROR with extended ACK text', () => {
  const req = encodeMessage({ type: 32, flags: 5, seq: 77, pid: 42, payload: Buffer.alloc(4) });
  const err = Buffer.alloc(4);
  err.writeInt32LE(-22, 0);
  const payload = Buffer.concat([err, req.subarray(0, 16), attr.string(1, 'bad address')]);
  const msg = decodeMessages(encodeMessage({ type: NLMSG_ERROR, flags: 0x100 | NLM_F_ACK_TLVS, seq: 77, pid: 42, payload }))[0]!;
  const e = decodeErrorPayload(msg);
  assert.equal(e.error, -22);
  assert.equal(e.request.seq, 77);
  assert.equal(e.extAckMessage, 'bad address');
});
