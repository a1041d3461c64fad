// UDP_CHECK's error verdict and default payload; the shared UDP exchange settles once on every path (reply, ICMP error, set-up error, timeout, abort) and leaks no fd.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { DEFAULT_UDP_PAYLOAD, probeUdp, udpErrorVerdict, type UdpProbeOptions } from '../../../src/check/probe-udp';
import { probeDns } from '../../../src/check/probe-dns';
import { udpExchange } from '../../../src/check/udp-exchange';
import { type ProbeResult, type ProbeTarget, fail } from '../../../src/check/types';
import type { CheckerUdpError } from '../../../src/sys/checker-udp';

const err = (code: string, detail?: CheckerUdpError['detail']): CheckerUdpError => Object.assign(new Error(`recvmsg: ${code}`), { code, errno: 1, syscall: 'recvmsg' }, detail ? { detail } : {});
const sig = (): AbortSignal => new AbortController().signal;
const fds = (): number => readdirSync('/proc/self/fd').length;

async function server(mode: 'echo' | 'hang' = 'echo'): Promise<{ port: number; seen: Buffer[]; close(): void }> {
  const s = dgram.createSocket('udp4');
  const seen: Buffer[] = [];
  s.on('message', (m, r) => {
    seen.push(m);
    if (mode === 'echo') s.send(m, r.port, r.address);
  });
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return { port: s.address().port, seen, close: () => s.close() };
}

async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
}

test('UDP_CHECK verdict: destination unreachable (any code) fails; other ICMP errors wait; errors without details fail', () => {
  const unreach = udpErrorVerdict(err('EHOSTUNREACH', { origin: 2, type: 3, code: 1, from: '10.0.0.1' }));
  assert.deepEqual(unreach, fail('icmp', 'UDP EHOSTUNREACH (recvmsg: EHOSTUNREACH): ICMP type 3 code 1 from 10.0.0.1'));
  assert.equal(udpErrorVerdict(err('ECONNREFUSED', { origin: 3, type: 1, code: 4, from: '::1' }))?.ok, false);
  assert.equal(udpErrorVerdict(err('EHOSTUNREACH', { origin: 2, type: 11, code: 0, from: '10.0.0.9' })), null, 'time exceeded: keep waiting');
  assert.equal(udpErrorVerdict(err('EMSGSIZE', { origin: 1, type: 0, code: 0, from: null })), null, 'a local error: keep waiting');
  const refused = udpErrorVerdict(err('ECONNREFUSED'));
  assert.ok(refused && !refused.ok && refused.failure === 'icmp');
  const perm = udpErrorVerdict(err('EPERM'));
  assert.ok(perm && !perm.ok && perm.failure === 'connect-error' && /EPERM/.test(perm.reason));
});

test("without a payload UDP_CHECK sends keepalived's 32-byte filler", async () => {
  assert.equal(DEFAULT_UDP_PAYLOAD.toString('latin1'), 'keepalived check - keepalived ch');
  const srv = await server();
  try {
    const o: UdpProbeOptions = { payload: null, requireReply: true, replyMatch: null, minReplyLength: 0, maxReplyLength: 255 };
    const r = await probeUdp({ host: '127.0.0.1', family: 4, port: srv.port, timeoutMs: 1000 }, o, sig());
    assert.deepEqual(r, { ok: true, detail: 'reply of 32 bytes' });
    assert.equal(srv.seen[0]!.toString('latin1'), 'keepalived check - keepalived ch');
  } finally {
    srv.close();
  }
});

test('every path settles once and closes its socket: reply, ICMP error, set-up error, request error, timeout, abort', async () => {
  const echo = await server('echo');
  const hang = await server('hang');
  const closed = await closedPort();
  const t = (port: number, o: Partial<ProbeTarget> = {}): ProbeTarget => ({ host: '127.0.0.1', family: 4, port, timeoutMs: 1000, ...o });
  const x = (o: { request?: () => Buffer; wait?: boolean } = {}) => {
    let calls = 0;
    return {
      get calls() {
        return calls;
      },
      recvErr: true,
      request: o.request ?? (() => Buffer.from('hi')),
      requestError: (e: unknown): ProbeResult => (calls++, fail('protocol', String(e))),
      reply: (): ProbeResult => (calls++, { ok: true }),
      error: (e: CheckerUdpError): ProbeResult | null => (calls++, o.wait ? null : fail('icmp', e.message)),
      timeout: (): ProbeResult => (calls++, fail('timeout', 'timeout')),
    };
  };
  try {
    const before = fds();
    for (let round = 0; round < 20; round++) {
      const xs = [x(), x(), x(), x(), x({ wait: true }), x({ request: () => { throw new Error('bad'); } }), x(), x()];
      const ac = new AbortController();
      const pre = new AbortController();
      pre.abort();
      const results = await Promise.all([
        udpExchange(t(echo.port), sig(), xs[0]!),
        udpExchange(t(closed), sig(), xs[1]!),
        udpExchange(t(closed, { bindIf: 'nope0' }), sig(), xs[2]!),
        udpExchange(t(hang.port, { timeoutMs: 30 }), sig(), xs[3]!),
        udpExchange(t(closed, { timeoutMs: 60 }), sig(), xs[4]!),
        udpExchange(t(echo.port), sig(), xs[5]!),
        (setTimeout(() => ac.abort(), 10), udpExchange(t(hang.port), ac.signal, xs[6]!)),
        udpExchange(t(echo.port), pre.signal, xs[7]!),
      ]);
      assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.failure)), ['ok', 'icmp', 'icmp', 'timeout', 'timeout', 'protocol', 'closed', 'closed']);
      assert.match(results[2]!.ok ? '' : results[2]!.reason, /No such device/);
      // one call each (the waiting one: its ICMP error, then its timeout); the aborted ones none
      assert.deepEqual(xs.map((e) => e.calls), [1, 1, 1, 1, 2, 1, 0, 0]);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fds(), before, 'no fd left open');
  } finally {
    echo.close();
    hang.close();
  }
});

test('DNS_CHECK to a closed port fails on the ICMP error at once, not at the timeout', async () => {
  const t0 = performance.now();
  const r = await probeDns({ host: '127.0.0.1', family: 4, port: await closedPort(), timeoutMs: 2000 }, '.', 'SOA', sig());
  assert.ok(!r.ok && r.failure === 'icmp', JSON.stringify(r));
  assert.ok(performance.now() - t0 < 1000);
});
