// Checker sockets in namespaces: bind_if picks the interface, fwmark steers policy routing (TCP, HTTP, genhash, UDP, DNS), ICMP errors on UDP, PING_CHECK via ping sockets (ping_group_range widened and restored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createNetns, deleteNetns, ip, netnsSkipReason, readSysctlIn, spawnNodeIn, sysctlIn, uniqueNsName, withNetns } from '../../helpers/netns';
import { probeTcp } from '../../../src/check/probe-tcp';
import { probeHttp } from '../../../src/check/probe-http';
import { probeUdp, type UdpProbeOptions } from '../../../src/check/probe-udp';
import { probeDns } from '../../../src/check/probe-dns';
import { runGenhash } from '../../../src/check/genhash';
import { nativeIcmpEcho, preparePingSockets } from '../../../src/check/probe-ping';
import { pingSocketError } from '../../../src/sys/icmp-echo';
import { PingGroupRange } from '../../../src/sys/ping-group-range';
import type { ProbeResult, ProbeTarget } from '../../../src/check/types';
import type { HttpChecker } from '../../../src/config/model/lvs';

const skip = netnsSkipReason();
const sig = (): AbortSignal => new AbortController().signal;
const SERVER = '10.98.1.2';
/** UDP ports of S: an echo server, a DNS responder, and a closed port (S answers ICMP port unreachable). */
const ECHO = 9000;
const DNS = 5300;
const CLOSED = 9001;

/**
 * C (client) has c-a -> S (server 10.98.1.2: HTTP on 8080, UDP echo, DNS) and c-b -> X (a dead end
 * that forwards nothing and answers nothing). In C a /32 host route sends the server's address into
 * c-b, so only a socket bound to c-a (or routed by mark 42 through table 100) reaches the server.
 */
async function topology(): Promise<{ c: string; s: string; x: string; destroy(): void }> {
  const c = createNetns(uniqueNsName('chk-c'));
  const s = createNetns(uniqueNsName('chk-s'));
  const x = createNetns(uniqueNsName('chk-x'));
  const destroy = (): void => {
    deleteNetns(c);
    deleteNetns(s);
    deleteNetns(x);
  };
  try {
    ip(['link', 'add', 'c-a', 'type', 'veth', 'peer', 'name', 's-a', 'netns', s], c);
    ip(['link', 'add', 'c-b', 'type', 'veth', 'peer', 'name', 'x-b', 'netns', x], c);
    ip(['addr', 'add', '10.98.1.1/24', 'dev', 'c-a'], c);
    ip(['addr', 'add', '10.98.2.1/24', 'dev', 'c-b'], c);
    ip(['addr', 'add', `${SERVER}/24`, 'dev', 's-a'], s);
    ip(['addr', 'add', '10.98.2.2/24', 'dev', 'x-b'], x);
    for (const [ns, dev] of [[c, 'c-a'], [c, 'c-b'], [s, 's-a'], [x, 'x-b']] as const) ip(['link', 'set', dev, 'up'], ns);
    ip(['route', 'add', `${SERVER}/32`, 'via', '10.98.2.2', 'dev', 'c-b'], c);
    ip(['route', 'add', `${SERVER}/32`, 'dev', 'c-a', 'table', '100'], c);
    ip(['rule', 'add', 'fwmark', '42', 'table', '100'], c);
    // S: HTTP; UDP echo; a DNS responder answering every query with our id, RCODE 0 and one A record.
    const child = spawnNodeIn(
      s,
      `const dgram = require('dgram');
       let n = 0;
       const up = () => { if (++n === 3) console.log('ready'); };
       require('net').createServer((k) => k.once('data', () => k.end('HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'))).listen(8080, '${SERVER}', up);
       const echo = dgram.createSocket('udp4');
       echo.on('message', (m, r) => echo.send(m, r.port, r.address));
       echo.bind(${ECHO}, '${SERVER}', up);
       const dns = dgram.createSocket('udp4');
       dns.on('message', (q, r) => {
         let i = 12;
         while (i < q.length && q[i] !== 0) i += q[i] + 1;
         const h = Buffer.alloc(12);
         h.writeUInt16BE(q.readUInt16BE(0), 0); h.writeUInt16BE(0x8180, 2); h.writeUInt16BE(1, 4); h.writeUInt16BE(1, 6);
         const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 98, 1, 2]);
         dns.send(Buffer.concat([h, q.subarray(12, i + 5), rr]), r.port, r.address);
       });
       dns.bind(${DNS}, '${SERVER}', up);`,
    );
    const [line] = (await Promise.race([once(child.stdout!, 'data'), new Promise((_, rej) => setTimeout(() => rej(new Error('server did not start')), 5000))])) as [Buffer];
    assert.match(line.toString(), /ready/);
  } catch (e) {
    destroy();
    throw e;
  }
  return { c, s, x, destroy };
}

const target = (o: Partial<ProbeTarget> = {}): ProbeTarget => ({ host: SERVER, family: 4, port: 8080, timeoutMs: 400, ...o });

/** Starts a probe with this thread inside namespace ns (sockets are created synchronously), awaits it outside. */
function inNs(ns: string, p: () => Promise<ProbeResult>): Promise<ProbeResult> {
  return withNetns(ns, p);
}

test('TCP_CHECK bind_if: reaches the server only through the bound interface', { skip }, async () => {
  const t = await topology();
  try {
    assert.equal((await inNs(t.c, () => probeTcp(target(), sig()))).ok, false, 'the main table sends it to the dead end');
    assert.deepEqual(await inNs(t.c, () => probeTcp(target({ bindIf: 'c-a' }), sig())), { ok: true });
    const viaB = await inNs(t.c, () => probeTcp(target({ bindIf: 'c-b' }), sig()));
    assert.equal(viaB.ok, false);
    const unknown = await inNs(t.c, () => probeTcp(target({ bindIf: 'nope0' }), sig()));
    assert.ok(!unknown.ok && /ENODEV/.test(unknown.reason), JSON.stringify(unknown));
  } finally {
    t.destroy();
  }
});

test('fwmark: SO_MARK on the SYN selects the policy-routing table (ip rule fwmark 42), for TCP_CHECK and HTTP_GET', { skip }, async () => {
  const t = await topology();
  const loc = { file: 't', line: 1, col: 1 };
  const http: HttpChecker = {
    type: 'HTTP_GET', loc, timers: { connectTimeout: 400_000, retry: 1, delayBeforeRetry: 1e6, warmup: 0, delayLoop: 1e6 }, own: {}, alpha: null,
    logAllFailures: false, connectIp: null, connectPort: null, bindTo: null, bindPort: null, bindIf: null, fwmark: 42,
    httpProtocol: '1.0', virtualhost: null, enableSni: false, sniName: null, fastRecovery: false, tlsCompliant: false,
    urls: [{ loc, path: '/', digest: null, statusCodes: [], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [], regexMinOffset: null, regexMaxOffset: null, regexStack: null, tlsCompliant: false }],
  };
  try {
    assert.deepEqual(await inNs(t.c, () => probeTcp(target({ fwmark: 42 }), sig())), { ok: true });
    assert.equal((await inNs(t.c, () => probeTcp(target({ fwmark: 7 }), sig()))).ok, false, 'another mark takes the main table');
    const h = await inNs(t.c, () => probeHttp(http, target({ fwmark: 42 }), { virtualhost: null }, sig()));
    assert.equal(h.ok, true, JSON.stringify(h));
    const hNoMark = await inNs(t.c, () => probeHttp(http, target(), { virtualhost: null }, sig()));
    assert.equal(hNoMark.ok, false);
  } finally {
    t.destroy();
  }
});

const udpOpts = (o: Partial<UdpProbeOptions> = {}): UdpProbeOptions => ({
  payload: Uint8Array.from([0x74, 0x73, 0x6b, 0x61]), requireReply: true, replyMatch: null, minReplyLength: 0, maxReplyLength: 255, ...o,
});
const udpTarget = (o: Partial<ProbeTarget> = {}): ProbeTarget => target({ port: ECHO, ...o });

function assertFailure(r: ProbeResult, failure: string, reason?: RegExp): void {
  assert.ok(!r.ok, JSON.stringify(r));
  if (!r.ok) {
    assert.equal(r.failure, failure, r.reason);
    if (reason) assert.match(r.reason, reason);
  }
}

/** Resolves after the probe, asserting how long it took (an ICMP error settles at once, silence at the timeout). */
async function within(p: Promise<ProbeResult>, minMs: number, maxMs: number): Promise<ProbeResult> {
  const t0 = performance.now();
  const r = await p;
  const dt = performance.now() - t0;
  assert.ok(dt >= minMs && dt < maxMs, `settled after ${dt.toFixed(0)} ms, expected [${minMs}, ${maxMs})`);
  return r;
}

test('DNS_CHECK bind_if: the exchange leaves through the bound interface only; UDP_CHECK ignores bind_if as keepalived does', { skip }, async () => {
  const t = await topology();
  try {
    // Through the main table the datagram goes into the dead end: no reply, no ICMP error.
    assertFailure(await inNs(t.c, () => probeUdp(udpTarget(), udpOpts(), sig())), 'timeout');
    assert.equal((await inNs(t.c, () => probeUdp(udpTarget(), udpOpts({ requireReply: false }), sig()))).ok, true, 'silence without require_reply passes');
    // keepalived's udp_bind_connect never sets SO_BINDTODEVICE: bind_if changes nothing for UDP_CHECK (not even an unknown name).
    assertFailure(await inNs(t.c, () => probeUdp(udpTarget({ bindIf: 'c-a' }), udpOpts(), sig())), 'timeout');
    assertFailure(await inNs(t.c, () => probeUdp(udpTarget({ bindIf: 'nope0' }), udpOpts(), sig())), 'timeout');
    // fwmark 42 reaches S; with bindto/bind_port the reply comes back to that port.
    const viaMark = await inNs(t.c, () => probeUdp(udpTarget({ fwmark: 42 }), udpOpts({ replyMatch: { data: [0x74, 0x73], mask: [0xff, 0xff] } }), sig()));
    assert.deepEqual(viaMark, { ok: true, detail: 'reply of 4 bytes' });
    const bound = await inNs(t.c, () => probeUdp(udpTarget({ fwmark: 42, bindTo: '10.98.1.1', bindPort: 40123 }), udpOpts(), sig()));
    assert.equal(bound.ok, true, JSON.stringify(bound));
    // DNS_CHECK (keepalived's socket_bind_connect) does bind the device.
    assert.equal((await inNs(t.c, () => probeDns(target({ port: DNS, bindIf: 'c-a' }), 'example.com', 'A', sig()))).ok, true);
    assertFailure(await inNs(t.c, () => probeDns(target({ port: DNS }), 'example.com', 'A', sig())), 'timeout');
    assertFailure(await inNs(t.c, () => probeDns(target({ port: DNS, bindIf: 'c-b' }), 'example.com', 'A', sig())), 'timeout');
    assertFailure(await inNs(t.c, () => probeDns(target({ port: DNS, bindIf: 'nope0' }), 'example.com', 'A', sig())), 'connect-error', /ENODEV/);
    // ICMP port unreachable from S still fails UDP_CHECK without require_reply, at once, and DNS_CHECK.
    const closed = await within(inNs(t.c, () => probeUdp(udpTarget({ port: CLOSED, fwmark: 42, timeoutMs: 2000 }), udpOpts({ requireReply: false }), sig())), 0, 1000);
    assertFailure(closed, 'icmp', /ECONNREFUSED.*ICMP type 3 code 3 from 10\.98\.1\.2/);
    assertFailure(await within(inNs(t.c, () => probeDns(target({ port: CLOSED, bindIf: 'c-a', timeoutMs: 2000 }), '.', 'SOA', sig())), 0, 1000), 'icmp', /ECONNREFUSED/);
  } finally {
    t.destroy();
  }
});

test('UDP_CHECK and DNS_CHECK fwmark: SO_MARK set before connect selects the policy-routing table (ip rule fwmark 42)', { skip }, async () => {
  const t = await topology();
  try {
    assert.equal((await inNs(t.c, () => probeUdp(udpTarget({ fwmark: 42 }), udpOpts(), sig()))).ok, true);
    assertFailure(await inNs(t.c, () => probeUdp(udpTarget({ fwmark: 7 }), udpOpts(), sig())), 'timeout');
    assertFailure(await inNs(t.c, () => probeUdp(udpTarget({ fwmark: 0 }), udpOpts(), sig())), 'timeout');
    assert.equal((await inNs(t.c, () => probeDns(target({ port: DNS, fwmark: 42 }), 'example.com', 'A', sig()))).ok, true);
    assertFailure(await inNs(t.c, () => probeDns(target({ port: DNS, fwmark: 7 }), 'example.com', 'A', sig())), 'timeout');
    // Port unreachable comes back to the marked socket too.
    const closed = await within(inNs(t.c, () => probeUdp(udpTarget({ port: CLOSED, fwmark: 42, timeoutMs: 2000 }), udpOpts({ requireReply: false }), sig())), 0, 1000);
    assertFailure(closed, 'icmp', /ICMP type 3 code 3/);
    assertFailure(await inNs(t.c, () => probeDns(target({ port: CLOSED, fwmark: 42, timeoutMs: 2000 }), '.', 'SOA', sig())), 'icmp');
  } finally {
    t.destroy();
  }
});

test('UDP_CHECK fails on a soft ICMP error (host unreachable after ARP fails), as keepalived with IP_RECVERR; DNS_CHECK waits for its timeout', { skip }, async () => {
  const t = await topology();
  try {
    // 10.98.1.99 is on c-a's subnet but nobody answers ARP: after one 100 ms solicitation the kernel
    // reports ICMP host unreachable from our own address.
    ip(['neigh', 'flush', 'dev', 'c-a'], t.c);
    sysctlIn(t.c, 'net.ipv4.neigh.c-a.mcast_solicit', 1);
    sysctlIn(t.c, 'net.ipv4.neigh.c-a.retrans_time_ms', 100);
    const r = await within(inNs(t.c, () => probeUdp(udpTarget({ host: '10.98.1.99', timeoutMs: 3000 }), udpOpts({ requireReply: false }), sig())), 0, 2500);
    assertFailure(r, 'icmp', /EHOSTUNREACH.*ICMP type 3 code 1 from 10\.98\.1\.1/);
    assertFailure(await within(inNs(t.c, () => probeDns(target({ host: '10.98.1.99', port: DNS, timeoutMs: 1500 }), '.', 'SOA', sig())), 1450, 2500), 'timeout');
  } finally {
    t.destroy();
  }
});

test('genhash -m: the fwmark is applied (policy routing reaches the server only with mark 42)', { skip }, async () => {
  const t = await topology();
  const run = (argv: string[]): Promise<{ rc: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    return inNsAny(t.c, () => runGenhash(argv, { out: (x) => void (out += x), err: (x) => void (err += x) })).then((rc) => ({ rc, out, err }));
  };
  try {
    const ok = await run(['-s', SERVER, '-p', '8080', '-u', '/', '-m', '42', '-t', '2']);
    assert.equal(ok.rc, 0, ok.err);
    assert.equal(ok.out, 'MD5SUM = 444bcb3a3fcf8389296c49467f27e1d6\n\n', 'md5 of "ok"');
    assert.doesNotMatch(ok.err, /not applied/);
    const other = await run(['-s', SERVER, '-p', '8080', '-u', '/', '-m', '7', '-t', '1']);
    assert.equal(other.rc, 1);
    assert.match(other.err, /failed/);
  } finally {
    t.destroy();
  }
});

/** Like inNs for any promise (the socket is made before the first await). */
function inNsAny<T>(ns: string, p: () => Promise<T>): Promise<T> {
  return withNetns(ns, p);
}

test('PING_CHECK: a fresh namespace refuses ping sockets (ping_group_range "1 0"); widened, 127.0.0.1 and ::1 answer, a silent address fails at the timeout; restored', { skip }, async () => {
  const ns = createNetns(uniqueNsName('ping'));
  try {
    // 10.97.0.0/24 is on v0, whose peer v1 answers no ARP for .99: the echo request is never sent on.
    ip(['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ns);
    ip(['addr', 'add', '10.97.0.1/24', 'dev', 'v0'], ns);
    ip(['link', 'set', 'v0', 'up'], ns);
    ip(['link', 'set', 'v1', 'up'], ns);
    const before = readSysctlIn(ns, 'net.ipv4.ping_group_range');
    const range = new PingGroupRange();
    const refused = withNetns(ns, () => pingSocketError(4));
    if (before.split(/\s+/)[0] !== '0') assert.equal(refused?.code, 'EACCES');
    const out = withNetns(ns, () => preparePingSockets(range, new Set([4, 6])));
    assert.equal(out.widened, refused !== null, out.messages.join('\n'));
    assert.equal(readSysctlIn(ns, 'net.ipv4.ping_group_range').split(/\s+/)[0], '0');
    const icmp = nativeIcmpEcho();
    const t4: ProbeTarget = { host: '127.0.0.1', family: 4, port: 0, timeoutMs: 1000 };
    assert.equal((await withNetns(ns, () => icmp.echo(t4, sig()))).ok, true);
    assert.equal((await withNetns(ns, () => icmp.echo({ ...t4, host: '::1', family: 6 }, sig()))).ok, true);
    const t0 = performance.now();
    const silent = await withNetns(ns, () => icmp.echo({ ...t4, host: '10.97.0.99', timeoutMs: 300 }, sig()));
    const dt = performance.now() - t0;
    assert.ok(!silent.ok && silent.failure === 'timeout', JSON.stringify(silent));
    assert.ok(dt >= 290 && dt < 600, `failed after ${dt.toFixed(0)} ms, timeout 300`);
    if (out.widened) {
      assert.equal(withNetns(ns, () => range.restore()), true);
      assert.equal(readSysctlIn(ns, 'net.ipv4.ping_group_range'), before);
    }
  } finally {
    deleteNetns(ns);
  }
});
