// The addon's checker sockets on loopback: ICMP echo over ping sockets, TCP connects with options set before connect, ping_group_range handling.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ECHO_PAYLOAD_BYTES, buildEchoRequest, echoOnce, pingSocketError } from '../../../src/sys/icmp-echo';
import { startTcpConnect, type ConnectedFd } from '../../../src/sys/checker-socket';
import { PingGroupRange, parsePingGroupRange, type SysctlFile } from '../../../src/sys/ping-group-range';
import { preparePingSockets } from '../../../src/check/probe-ping';
import { native } from '../../../src/sys/native';

const ping4 = pingSocketError(4);
const ping6 = pingSocketError(6);
const noPing4 = ping4 ? `ping sockets refused here (${ping4.code}): net.ipv4.ping_group_range excludes our groups` : undefined;
const noPing6 = ping6 ? `ICMPv6 ping sockets refused here (${ping6.code})` : undefined;

function connect(o: Parameters<typeof startTcpConnect>[0]): Promise<{ err: (Error & { code?: string }) | null; conn: ConnectedFd | null }> {
  return new Promise((resolve) => startTcpConnect(o, (err, conn) => resolve({ err, conn })));
}

async function listen(host = '127.0.0.1'): Promise<net.Server> {
  const srv = net.createServer((s) => s.end('hello\n'));
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  return srv;
}

test('echo request: type 8 / 128, id and checksum left to the kernel, sequence big-endian, keepalived-sized payload', () => {
  const b = buildEchoRequest(4, 0x1234);
  assert.equal(b.length, 8 + ECHO_PAYLOAD_BYTES);
  assert.deepEqual([...b.subarray(0, 8)], [8, 0, 0, 0, 0, 0, 0x12, 0x34]);
  assert.equal(buildEchoRequest(6, 1)[0], 128);
});

test('ICMP echo to 127.0.0.1 gets its reply', { skip: noPing4 }, async () => {
  const r = await echoOnce({ host: '127.0.0.1', timeoutMs: 1000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  if (r.ok) assert.ok(r.rttMs < 1000);
});

test('ICMPv6 echo to ::1 gets its reply', { skip: noPing6 }, async () => {
  const r = await echoOnce({ host: '::1', timeoutMs: 1000 });
  assert.equal(r.ok, true, JSON.stringify(r));
});

test('many echoes at once each get their own reply (one socket, one kernel id per echo)', { skip: noPing4 }, async () => {
  const rs = await Promise.all(Array.from({ length: 50 }, () => echoOnce({ host: '127.0.0.1', timeoutMs: 2000 })));
  assert.equal(rs.filter((r) => r.ok).length, 50);
});

test('echo: abort resolves at once; a bad address and a bad bindto are errors, not exceptions', { skip: noPing4 }, async () => {
  const ac = new AbortController();
  ac.abort();
  assert.equal((await echoOnce({ host: '127.0.0.1', timeoutMs: 1000 }, ac.signal)).ok, false);
  const bad = await echoOnce({ host: 'not-an-ip', timeoutMs: 100 });
  assert.ok(!bad.ok && bad.reason === 'error');
  const fam = await echoOnce({ host: '127.0.0.1', bindTo: '::1', timeoutMs: 100 });
  assert.ok(!fam.ok && fam.reason === 'error');
});

test('TCP connect through the addon: success hands a working fd to net.Socket; refused is ECONNREFUSED', async () => {
  const srv = await listen();
  const port = (srv.address() as net.AddressInfo).port;
  try {
    const ok = await connect({ host: '127.0.0.1', port, bindTo: '127.0.0.1', bindIf: 'lo' });
    assert.equal(ok.err, null);
    const sock = new net.Socket({ fd: ok.conn!.detach(), readable: true, writable: true });
    const data = await new Promise<string>((r) => {
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('end', () => r(text));
    });
    assert.equal(data, 'hello\n');
    sock.destroy();
  } finally {
    srv.close();
  }
  const refused = await connect({ host: '127.0.0.1', port });
  assert.equal(refused.err?.code, 'ECONNREFUSED');
  assert.equal(refused.conn, null);
});

test('TCP connect: bind_port is the local port; IPv6 works; unknown bind_if is ENODEV; a host name is a TypeError', async () => {
  const srv = net.createServer();
  const seen = new Promise<number>((resolve) =>
    srv.once('connection', (s) => {
      resolve(s.remotePort ?? -1);
      s.destroy();
    }),
  );
  await new Promise<void>((r) => srv.listen(0, '::1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const freePort = (): Promise<number> =>
    new Promise<number>((resolve) => {
      const t = net.createServer().listen(0, '::1', () => {
        const p = (t.address() as net.AddressInfo).port;
        t.close(() => resolve(p));
      });
    });
  try {
    // A port just freed can be taken by someone else before we bind it: retry a few times (bounded).
    let free = 0;
    let r: Awaited<ReturnType<typeof connect>> = { err: null, conn: null };
    for (let i = 0; i < 5; i++) {
      free = await freePort();
      r = await connect({ host: '::1', port, bindPort: free });
      if (r.err?.code !== 'EADDRINUSE') break;
    }
    assert.equal(r.err, null);
    assert.equal(await seen, free);
    r.conn!.close();
    const dev = await connect({ host: '::1', port, bindIf: 'no-such-if0' });
    assert.equal(dev.err?.code, 'ENODEV');
    const badHost = await connect({ host: 'localhost', port });
    assert.ok(badHost.err instanceof TypeError);
  } finally {
    srv.close();
  }
});

test('SO_MARK is set on the socket before connect (root), or refused with EPERM', async () => {
  const s = new native.NativeSocket(native.constants.KIND_TCP4, 0, 0);
  try {
    s.setIntOption(native.constants.SOL_SOCKET, native.constants.SO_MARK, 42);
    assert.equal(s.getIntOption(native.constants.SOL_SOCKET, native.constants.SO_MARK), 42);
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'EPERM');
  } finally {
    s.close();
  }
});

test('cancel closes a pending connect and suppresses its callback', async () => {
  let called = false;
  // TEST-NET-1 is either unroutable (immediate error) or blackholed (pending): cancel must silence both.
  const p = startTcpConnect({ host: '192.0.2.1', port: 9 }, () => (called = true));
  p.cancel();
  p.cancel();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(called, false);
});

/** An in-memory sysctl file. */
function fakeFile(text: string): SysctlFile & { text: string; writes: string[] } {
  const f = {
    text,
    writes: [] as string[],
    read: () => f.text,
    write: (t: string) => {
      f.writes.push(t);
      f.text = t;
    },
  };
  return f;
}

test('ping_group_range: parse; widen lowers the minimum to 0 keeping the maximum; restore puts the minimum back', () => {
  assert.deepEqual(parsePingGroupRange('1\t0\n'), [1, 0]);
  assert.deepEqual(parsePingGroupRange('0 2147483647\n'), [0, 2147483647]);
  assert.equal(parsePingGroupRange('garbage'), null);
  assert.equal(parsePingGroupRange('1\t4294967296\n'), null);

  const f = fakeFile('1\t0\n');
  const r = new PingGroupRange(f);
  assert.deepEqual(r.widen(), { changed: true });
  assert.equal(f.text, '0\t0\n');
  assert.deepEqual(r.widen(), { changed: false }, 'idempotent');
  assert.equal(r.widened, true);
  f.text = '0\t5\n'; // someone raised the maximum meanwhile: keepalived keeps the maximum it finds
  assert.equal(r.restore(), true);
  assert.equal(f.text, '1\t5\n');
  assert.equal(r.restore(), false);
});

test('ping_group_range: already 0 is left alone; a wide range warns like keepalived; unreadable or malformed files are reported', () => {
  const zero = fakeFile('0\t2147483647\n');
  assert.deepEqual(new PingGroupRange(zero).widen(), { changed: false });
  assert.deepEqual(zero.writes, []);
  const wide = fakeFile('100\t200\n');
  const w = new PingGroupRange(wide).widen();
  assert.equal(w.changed, true);
  assert.equal(w.warning, 'Warning: /proc/sys/net/ipv4/ping_group_range being expanded from 100 200 to 0 200');
  assert.equal(wide.text, '0\t200\n');
  assert.ok(new PingGroupRange(fakeFile('x')).widen().error);
  const ro = { read: () => '1\t0\n', write: () => { throw new Error('EROFS'); } };
  const e = new PingGroupRange(ro).widen();
  assert.equal(e.changed, false);
  assert.match(e.error ?? '', /EROFS/);
});

test('preparePingSockets rewrites the range only when a ping socket is refused with EACCES', () => {
  const f = fakeFile('1\t0\n');
  const range = new PingGroupRange(f);
  assert.deepEqual(preparePingSockets(range, new Set([4, 6]), () => null), { widened: false, messages: [] });
  assert.deepEqual(f.writes, []);
  let refused = true;
  const out = preparePingSockets(range, new Set([4]), () => {
    const r = refused ? { code: 'EACCES' } : null;
    refused = false;
    return r;
  });
  assert.equal(out.widened, true);
  assert.deepEqual(out.messages, []);
  assert.equal(f.text, '0\t0\n');
  const still = preparePingSockets(new PingGroupRange(fakeFile('0\t0\n')), new Set([6]), () => ({ code: 'EACCES' }));
  assert.equal(still.widened, false);
  assert.match(still.messages.join('\n'), /ICMPv6 ping sockets unavailable \(EACCES\)/);
});
