// NetlinkSocket over a fake transport: seq matching, ACKs, multipart dumps, errno errors, timeouts, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkSocket, type NetlinkTransport } from '../../../src/netlink/socket';
import { NetlinkError, NetlinkTransportError } from '../../../src/netlink/errors';
import { decodeMessages, encodeMessage, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, type NetlinkMessage } from '../../../src/netlink/message';

/** A fake kernel: records requests; `reply` pushes datagrams to the socket. */
function fakeKernel(): { transport: NetlinkTransport; sent: NetlinkMessage[]; reply: (...msgs: Buffer[]) => void; closed: () => boolean } {
  let deliver: (d: Buffer) => void = () => undefined;
  const sent: NetlinkMessage[] = [];
  let closed = false;
  return {
    sent,
    closed: () => closed,
    reply: (...msgs) => deliver(Buffer.concat(msgs)),
    transport: {
      portId: 4242,
      send: async (d) => {
        sent.push(...decodeMessages(d));
      },
      listen: (onDatagram) => {
        deliver = onDatagram;
      },
      close: () => {
        closed = true;
      },
    },
  };
}

function ack(seq: number, errno = 0): Buffer {
  const p = Buffer.alloc(20);
  p.writeInt32LE(-errno, 0);
  p.writeUInt32LE(16, 4);
  p.writeUInt32LE(seq, 12);
  return encodeMessage({ type: NLMSG_ERROR, flags: 0x100, seq, pid: 4242, payload: p });
}
const data = (seq: number, byte: number, flags = 0): Buffer => encodeMessage({ type: 32, flags, seq, pid: 4242, payload: Buffer.from([byte, 0, 0, 0]) });
const done = (seq: number, err = 0): Buffer => {
  const p = Buffer.alloc(4);
  p.writeInt32LE(err, 0);
  return encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq, pid: 4242, payload: p });
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a request resolves with its replies when the ACK arrives', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const p = s.request(32, Buffer.from([15, 1, 0, 0]));
  await tick();
  const req = k.sent[0]!;
  assert.equal(req.flags, NLM_F_REQUEST | NLM_F_ACK);
  assert.equal(req.pid, 4242);
  k.reply(data(req.seq, 7), ack(req.seq));
  const replies = await p;
  assert.deepEqual(replies.map((r) => r.payload[0]), [7]);
  s.close();
});

test('a dump collects parts over several datagrams until NLMSG_DONE', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const p = s.request(32, Buffer.alloc(4), { flags: NLM_F_DUMP });
  await tick();
  const seq = k.sent[0]!.seq;
  assert.equal(k.sent[0]!.flags & NLM_F_DUMP, NLM_F_DUMP);
  k.reply(data(seq, 1, NLM_F_MULTI), data(seq, 2, NLM_F_MULTI));
  k.reply(data(seq, 3, NLM_F_MULTI));
  k.reply(done(seq));
  assert.deepEqual((await p).map((r) => r.payload[0]), [1, 2, 3]);
  s.close();
});

test('answers are matched by seq, whatever their order', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const a = s.request(32, Buffer.alloc(4));
  const b = s.request(32, Buffer.alloc(4));
  await tick();
  const [sa, sb] = k.sent.map((m) => m.seq);
  assert.notEqual(sa, sb);
  k.reply(data(sb!, 2), ack(sb!), data(sa!, 1), ack(sa!));
  assert.deepEqual((await a).map((r) => r.payload[0]), [1]);
  assert.deepEqual((await b).map((r) => r.payload[0]), [2]);
  s.close();
});

test('NLMSG_ERROR rejects with errno and its name; an error in DONE too', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const p = s.request(32, Buffer.alloc(4), { info: { cmd: 5, label: 'IPVS_CMD_NEW_DEST' } });
  await tick();
  k.reply(ack(k.sent[0]!.seq, 3));
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.errno, 3);
    assert.equal(e.errnoName, 'ESRCH');
    assert.equal(e.code, 'TSKA_ERR_NETLINK_KERNEL');
    assert.match(e.message, /IPVS_CMD_NEW_DEST: ESRCH \(errno 3\)/);
    return true;
  });
  const d = s.request(32, Buffer.alloc(4), { flags: NLM_F_DUMP });
  await tick();
  k.reply(done(k.sent[1]!.seq, -16));
  await assert.rejects(d, (e: unknown) => e instanceof NetlinkError && e.errnoName === 'EBUSY');
  s.close();
});

test('no answer: the request times out; late answers are ignored', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport, 30);
  const p = s.request(32, Buffer.alloc(4));
  await assert.rejects(p, (e: unknown) => e instanceof NetlinkTransportError && e.code === 'TSKA_ERR_NETLINK_TIMEOUT');
  k.reply(ack(k.sent[0]!.seq));
  s.close();
});

test('close rejects pending requests and closes the transport; later requests fail', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const p = s.request(32, Buffer.alloc(4));
  s.close();
  await assert.rejects(p, (e: unknown) => e instanceof NetlinkTransportError && e.code === 'TSKA_ERR_NETLINK_CLOSED');
  assert.equal(k.closed(), true);
  await assert.rejects(s.request(32, Buffer.alloc(4)), (e: unknown) => e instanceof NetlinkTransportError && e.code === 'TSKA_ERR_NETLINK_CLOSED');
});

test('requestMany: one datagram, one answer per request in order; a refusal is an answer, not a rejection', async () => {
  const k = fakeKernel();
  let datagrams = 0;
  const send = k.transport.send;
  const s = new NetlinkSocket({ ...k.transport, send: (d) => (datagrams++, send(d)) });
  const p = s.requestMany([0, 1, 2].map((i) => ({ type: 32, payload: Buffer.from([i, 0, 0, 0]), info: { cmd: 5, label: `CMD_${i}` } })));
  await tick();
  assert.equal(datagrams, 1);
  assert.deepEqual(k.sent.map((m) => m.payload[0]), [0, 1, 2]);
  assert.ok(k.sent.every((m) => m.flags === (NLM_F_REQUEST | NLM_F_ACK)), 'every message asks for its ACK');
  const [a, b, c] = k.sent.map((m) => m.seq);
  assert.equal(new Set([a, b, c]).size, 3);
  k.reply(ack(a!), ack(b!, 17));
  k.reply(data(c!, 9), ack(c!));
  const answers = await p;
  assert.equal(answers.length, 3);
  assert.deepEqual(answers[0], { ok: true, replies: [] });
  assert.ok(!answers[1]!.ok && answers[1]!.error instanceof NetlinkError && answers[1]!.error.errnoName === 'EEXIST');
  assert.match(answers[1]!.ok ? '' : answers[1]!.error.message, /CMD_1: EEXIST/);
  assert.ok(answers[2]!.ok && answers[2]!.replies[0]!.payload[0] === 9);
  s.close();
});

test('requestMany: the batch timeout answers the requests still waiting; nothing is sent for an empty batch', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport, 30);
  assert.deepEqual(await s.requestMany([]), []);
  assert.equal(k.sent.length, 0);
  const p = s.requestMany([{ type: 32, payload: Buffer.alloc(4) }, { type: 32, payload: Buffer.alloc(4) }]);
  await tick();
  k.reply(ack(k.sent[0]!.seq));
  const answers = await p;
  assert.deepEqual(answers[0], { ok: true, replies: [] });
  assert.ok(!answers[1]!.ok && answers[1]!.error instanceof NetlinkTransportError && answers[1]!.error.code === 'TSKA_ERR_NETLINK_TIMEOUT');
  k.reply(ack(k.sent[1]!.seq)); // late: ignored
  s.close();
});

test('requestMany: closing the socket answers every waiting request with CLOSED; a closed socket sends nothing', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport);
  const p = s.requestMany([{ type: 32, payload: Buffer.alloc(4) }, { type: 32, payload: Buffer.alloc(4) }]);
  await tick();
  s.close();
  for (const a of await p) assert.ok(!a.ok && a.error instanceof NetlinkTransportError && a.error.code === 'TSKA_ERR_NETLINK_CLOSED');
  const sent = k.sent.length;
  const later = await s.requestMany([{ type: 32, payload: Buffer.alloc(4) }]);
  assert.ok(!later[0]!.ok);
  assert.equal(k.sent.length, sent);
});

test('requestMany ackLast: only the last asks for an ACK; its answer settles the ones the kernel did not refuse', async () => {
  const k = fakeKernel();
  const s = new NetlinkSocket(k.transport, 50);
  const p = s.requestMany([0, 1, 2, 3].map((i) => ({ type: 32, payload: Buffer.from([i, 0, 0, 0]) })), { ackLast: true });
  await tick();
  assert.deepEqual(k.sent.map((m) => m.flags), [NLM_F_REQUEST, NLM_F_REQUEST, NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK]);
  const seqs = k.sent.map((m) => m.seq);
  k.reply(ack(seqs[1]!, 22)); // refusals always come back, in order, before the last answer
  k.reply(ack(seqs[3]!));
  const answers = await p;
  assert.deepEqual(answers.map((a) => a.ok), [true, false, true, true]);
  assert.ok(!answers[1]!.ok && answers[1]!.error instanceof NetlinkError && answers[1]!.error.errnoName === 'EINVAL');
  // the last one refused also ends the batch
  const q = s.requestMany([{ type: 32, payload: Buffer.alloc(4) }, { type: 32, payload: Buffer.alloc(4) }], { ackLast: true });
  await tick();
  k.reply(ack(k.sent[5]!.seq, 17));
  assert.deepEqual((await q).map((a) => a.ok), [true, false]);
  // no last answer (the receive buffer overflowed, or no kernel): nothing is taken for a success
  const r = s.requestMany([{ type: 32, payload: Buffer.alloc(4) }, { type: 32, payload: Buffer.alloc(4) }], { ackLast: true });
  for (const a of await r) assert.ok(!a.ok && a.error instanceof NetlinkTransportError && a.error.code === 'TSKA_ERR_NETLINK_TIMEOUT');
  s.close();
});
