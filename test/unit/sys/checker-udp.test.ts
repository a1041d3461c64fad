// The addon's checker UDP socket on loopback: replies, ICMP errors from the error queue (IP_RECVERR) or SO_ERROR, reading goes on after an error, options and bad input; the pure helpers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import {
  EE_ORIGIN_ICMP, EE_ORIGIN_ICMP6, EE_ORIGIN_LOCAL, type CheckerUdpError, type CheckerUdpOptions, type CheckerUdpSocket,
  detailText, isDestinationUnreachable, openCheckerUdp, readErrorDetail,
} from '../../../src/sys/checker-udp';
import { META, native } from '../../../src/sys/native';

type Event = { kind: 'message'; data: Buffer } | { kind: 'error'; e: CheckerUdpError };

/** Opens a socket that records its events; next() waits for the next one. */
function open(o: CheckerUdpOptions): { sock: CheckerUdpSocket; next(ms?: number): Promise<Event> } {
  const queue: Event[] = [];
  let wake: (() => void) | null = null;
  const push = (ev: Event): void => {
    queue.push(ev);
    wake?.();
  };
  const sock = openCheckerUdp(o, { message: (data) => push({ kind: 'message', data }), error: (e) => push({ kind: 'error', e }) });
  const next = async (ms = 2000): Promise<Event> => {
    const deadline = Date.now() + ms;
    while (queue.length === 0) {
      if (Date.now() > deadline) throw new Error('no event');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 20);
      });
    }
    return queue.shift()!;
  };
  return { sock, next };
}

async function echoServer(type: 'udp4' | 'udp6' = 'udp4', port = 0): Promise<{ port: number; seen: { data: string; port: number }[]; close(): void }> {
  const s = dgram.createSocket(type);
  const seen: { data: string; port: number }[] = [];
  s.on('message', (m, r) => {
    seen.push({ data: m.toString('latin1'), port: r.port });
    s.send(m, r.port, r.address);
  });
  s.bind(port, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return { port: s.address().port, seen, close: () => s.close() };
}

/** A UDP port nothing listens on (bound then released). */
async function closedPort(type: 'udp4' | 'udp6' = 'udp4'): Promise<number> {
  const s = dgram.createSocket(type);
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
}

test('error-queue constants are the Linux ABI values the pure helpers use', () => {
  const c = native.constants;
  assert.equal(c.SO_EE_ORIGIN_LOCAL, EE_ORIGIN_LOCAL);
  assert.equal(c.SO_EE_ORIGIN_ICMP, EE_ORIGIN_ICMP);
  assert.equal(c.SO_EE_ORIGIN_ICMP6, EE_ORIGIN_ICMP6);
  assert.equal(c.IP_RECVERR, 11);
  assert.equal(c.IPV6_RECVERR, 25);
});

test('destination unreachable is ICMP type 3 or ICMPv6 type 1, any code; nothing else', () => {
  const d = (origin: number, type: number, code = 0): Parameters<typeof isDestinationUnreachable>[0] => ({ origin, type, code, from: null });
  for (const code of [0, 1, 3, 13]) assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP, 3, code)), true);
  for (const code of [0, 3, 4]) assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP6, 1, code)), true);
  assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP, 11)), false, 'time exceeded');
  assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP, 1)), false, 'type 1 is not unreachable in ICMPv4');
  assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP6, 3)), false, 'ICMPv6 time exceeded');
  assert.equal(isDestinationUnreachable(d(EE_ORIGIN_ICMP6, 2)), false, 'packet too big');
  assert.equal(isDestinationUnreachable(d(EE_ORIGIN_LOCAL, 3)), false, 'a local error is not ICMP');
});

test('readErrorDetail reads the addon meta layout; a plain error has no detail', () => {
  const m = Buffer.alloc(META.size);
  assert.equal(readErrorDetail(m), null);
  m[META.flags] = 2;
  m[META.errOrigin] = EE_ORIGIN_ICMP;
  m[META.errType] = 3;
  m[META.errCode] = 1;
  m[META.srcFamily] = 4;
  m.set([10, 0, 0, 254], META.src);
  const d = readErrorDetail(m)!;
  assert.deepEqual(d, { origin: 2, type: 3, code: 1, from: '10.0.0.254' });
  assert.equal(detailText(d), 'ICMP type 3 code 1 from 10.0.0.254');
  m[META.srcFamily] = 6;
  m.set([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1], META.src);
  m[META.errOrigin] = EE_ORIGIN_ICMP6;
  assert.equal(detailText(readErrorDetail(m)!), 'ICMPv6 type 3 code 1 from 2001:db8::1');
  m[META.srcFamily] = 0;
  m[META.errOrigin] = EE_ORIGIN_LOCAL;
  assert.equal(detailText(readErrorDetail(m)!), 'local error type 3 code 1');
  m[META.flags] = 1; // truncated, not an error entry
  assert.equal(readErrorDetail(m), null);
});

test('a reply comes back to the connected socket; bindto/bind_port and bind_if lo are applied', async () => {
  const srv = await echoServer();
  try {
    const a = open({ host: '127.0.0.1', port: srv.port, bindTo: '127.0.0.1', bindPort: 0, bindIf: 'lo', recvErr: true, ...(process.getuid?.() === 0 ? { fwmark: 5 } : {}) });
    a.sock.send(Buffer.from('ping'));
    const ev = await a.next();
    assert.equal(ev.kind, 'message');
    if (ev.kind === 'message') assert.equal(ev.data.toString(), 'ping');
    a.sock.close();
    a.sock.close();
    assert.throws(() => a.sock.send(Buffer.from('x')), /closed/);
    const p = await closedPort();
    const b = open({ host: '127.0.0.1', port: srv.port, bindPort: p });
    b.sock.send(Uint8Array.from([0x41, 0x42]));
    const ev2 = await b.next();
    assert.ok(ev2.kind === 'message' && ev2.data.toString() === 'AB');
    assert.equal(srv.seen[1]!.port, p, 'the source port is bind_port');
    b.sock.close();
  } finally {
    srv.close();
  }
});

test('ICMP port unreachable: with IP_RECVERR, ECONNREFUSED carries type 3 code 3 and the sender; without, plain ECONNREFUSED', async () => {
  const port = await closedPort();
  const a = open({ host: '127.0.0.1', port, recvErr: true });
  a.sock.send(Buffer.from('x'));
  const ev = await a.next();
  a.sock.close();
  assert.equal(ev.kind, 'error');
  if (ev.kind === 'error') {
    assert.equal((ev.e as { code?: string }).code, 'ECONNREFUSED');
    assert.deepEqual(ev.e.detail, { origin: EE_ORIGIN_ICMP, type: 3, code: 3, from: '127.0.0.1' });
  }
  const b = open({ host: '127.0.0.1', port });
  b.sock.send(Buffer.from('x'));
  const ev2 = await b.next();
  b.sock.close();
  assert.ok(ev2.kind === 'error' && (ev2.e as { code?: string }).code === 'ECONNREFUSED' && ev2.e.detail === undefined, JSON.stringify(ev2));
});

test('ICMPv6 port unreachable from ::1: type 1 code 4', async () => {
  const port = await closedPort('udp6');
  const a = open({ host: '::1', port, recvErr: true });
  a.sock.send(Buffer.from('x'));
  const ev = await a.next();
  a.sock.close();
  assert.ok(ev.kind === 'error', JSON.stringify(ev));
  if (ev.kind === 'error') assert.deepEqual(ev.e.detail, { origin: EE_ORIGIN_ICMP6, type: 1, code: 4, from: '::1' });
});

test('reading goes on after an error: the port opens later and the next datagram gets its reply', async () => {
  const port = await closedPort();
  for (const recvErr of [true, false]) {
    const a = open({ host: '127.0.0.1', port, recvErr });
    a.sock.send(Buffer.from('first'));
    assert.equal((await a.next()).kind, 'error');
    const srv = await echoServer('udp4', port);
    try {
      a.sock.send(Buffer.from('second'));
      const ev = await a.next();
      assert.ok(ev.kind === 'message' && ev.data.toString() === 'second', JSON.stringify(ev));
    } finally {
      a.sock.close();
      srv.close();
    }
  }
});

test('bad input is a thrown error, never a crash; nothing stays open', () => {
  const fds = (): number => readdirSync('/proc/self/fd').length;
  const before = fds();
  assert.throws(() => openCheckerUdp({ host: 'not-an-ip', port: 1 }, { message() {}, error() {} }), /not a literal IP address/);
  assert.throws(() => openCheckerUdp({ host: '127.0.0.1', port: 1, bindTo: '::1' }, { message() {}, error() {} }), /not of the family/);
  assert.throws(() => openCheckerUdp({ host: '127.0.0.1', port: 1, bindIf: 'nope0' }, { message() {}, error() {} }), (e: unknown) => (e as { code?: string }).code === 'ENODEV');
  assert.throws(() => openCheckerUdp({ host: '127.0.0.1', port: 1, bindTo: '192.0.2.1' }, { message() {}, error() {} }), (e: unknown) => (e as { code?: string }).code === 'EADDRNOTAVAIL');
  assert.equal(fds(), before);
});
