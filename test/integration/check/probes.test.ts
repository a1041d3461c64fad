// Every probe against loopback servers that misbehave: each fails cleanly, within its timeout, with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHttp, startSmtp, startUdp, startDns, closedPort, selfSignedCert, type TestServer } from '../../helpers/servers';
import { probeTcp } from '../../../src/check/probe-tcp';
import { probeHttp, httpGet } from '../../../src/check/probe-http';
import { probeSmtp } from '../../../src/check/probe-smtp';
import { probeDns } from '../../../src/check/probe-dns';
import { probeUdp } from '../../../src/check/probe-udp';
import { probeMisc } from '../../../src/check/probe-misc';
import { probeFile } from '../../../src/check/probe-file';
import type { ProbeResult, ProbeTarget } from '../../../src/check/types';
import type { HttpChecker, HttpUrl } from '../../../src/config/model/lvs';

const loc = { file: 't', line: 1, col: 1 };
const target = (port: number, timeoutMs = 400): ProbeTarget => ({ host: '127.0.0.1', family: 4, port, timeoutMs });
const sig = (): AbortSignal => new AbortController().signal;

function url(p: Partial<HttpUrl> = {}): HttpUrl {
  return {
    loc, path: '/', digest: null, statusCodes: [], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [],
    regexMinOffset: null, regexMaxOffset: null, regexStack: null, tlsCompliant: false, ...p,
  };
}
function http(urls: HttpUrl[], p: Partial<HttpChecker> = {}): HttpChecker {
  return {
    type: 'HTTP_GET', loc, timers: { connectTimeout: 400_000, retry: 1, delayBeforeRetry: 1e6, warmup: 0, delayLoop: 1e6 }, own: {}, alpha: null,
    logAllFailures: false, connectIp: null, connectPort: null, bindTo: null, bindPort: null, bindIf: null, fwmark: null,
    httpProtocol: '1.0', virtualhost: null, enableSni: false, sniName: null, fastRecovery: false, tlsCompliant: false, urls, ...p,
  };
}

/** Runs a probe, asserting it settles within `bound` ms. */
async function timed(p: Promise<ProbeResult>, bound: number): Promise<ProbeResult> {
  const t0 = performance.now();
  const r = await p;
  const dt = performance.now() - t0;
  assert.ok(dt < bound, `took ${dt.toFixed(0)} ms, bound ${bound}`);
  return r;
}

function assertFail(r: ProbeResult, failure: string): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  if (!r.ok) {
    assert.equal(r.failure, failure, r.reason);
    assert.ok(r.reason.length > 0);
  }
}

async function withServer<T>(s: Promise<TestServer>, fn: (s: TestServer) => Promise<T>): Promise<T> {
  const srv = await s;
  try {
    return await fn(srv);
  } finally {
    await srv.close();
  }
}

test('TCP_CHECK: connect succeeds; refused; hung accept still connects; timeout to a blackholed address fails', async () => {
  await withServer(startHttp(), async (s) => assert.deepEqual(await probeTcp(target(s.port), sig()), { ok: true }));
  assertFail(await timed(probeTcp(target(await closedPort()), sig()), 300), 'refused');
  // 192.0.2.1 (TEST-NET-1) may have no route (immediate error) or be blackholed (timeout): either fails within the timeout
  const r = await timed(probeTcp({ ...target(80, 300), host: '192.0.2.1' }, sig()), 1_000);
  assert.equal(r.ok, false);
});

test('HTTP_GET: status, digest and regex pass on a good server; the request has keepalived\'s shape', async () => {
  const body = '<html>hello world 42</html>\n';
  const digest = createHash('md5').update(body).digest('hex');
  await withServer(startHttp({ body }), async (s) => {
    const c = http([url({ path: '/index.html', digest, regex: 'world \\d+' })], { httpProtocol: '1.1', virtualhost: 'www.example.com' });
    const r = await probeHttp(c, target(s.port), { virtualhost: null }, sig());
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(s.requests[0], `GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com:${s.port}\r\n\r\n`);
    assertFail(await probeHttp(http([url({ digest: '0'.repeat(32) })]), target(s.port), { virtualhost: null }, sig()), 'digest');
    assertFail(await probeHttp(http([url({ regex: 'world', regexNoMatch: true })]), target(s.port), { virtualhost: null }, sig()), 'regex');
    assertFail(await probeHttp(http([url({ regex: 'hello', regexMinOffset: 10 })]), target(s.port), { virtualhost: null }, sig()), 'regex');
    assert.equal((await probeHttp(http([url({ regex: 'world', regexMaxOffset: 12 })]), target(s.port), { virtualhost: null }, sig())).ok, true);
  });
});

test('HTTP_GET: status code ranges', async () => {
  await withServer(startHttp({ status: 503 }), async (s) => {
    assertFail(await probeHttp(http([url()]), target(s.port), { virtualhost: null }, sig()), 'status');
    assert.equal((await probeHttp(http([url({ statusCodes: [{ min: 500, max: 503 }] })]), target(s.port), { virtualhost: null }, sig())).ok, true);
  });
});

test('HTTP_GET against slow, hung, half-open, garbage, oversized and closing servers fails cleanly within the timeout', async () => {
  const cases: [Parameters<typeof startHttp>[0], string][] = [
    [{ mode: 'slow', delayMs: 2_000 }, 'timeout'],
    [{ mode: 'hang' }, 'timeout'],
    [{ mode: 'half-open' }, 'timeout'],
    [{ mode: 'garbage' }, 'protocol'],
    [{ mode: 'oversized', oversizeBytes: 8 << 20 }, 'oversized'],
    [{ mode: 'close' }, 'protocol'],
  ];
  for (const [o, failure] of cases) {
    await withServer(startHttp(o), async (s) => {
      const r = await timed(probeHttp(http([url()]), target(s.port, 400), { virtualhost: null, maxBytes: 1 << 20 }, sig()), 1_000);
      assertFail(r, failure);
    });
  }
});

test('SSL_GET: TLS with SNI; certificate verification against SSL{ca}', async (t) => {
  const cert = selfSignedCert();
  if (!cert) return t.skip('openssl not installed');
  let sni = '';
  const body = 'secure\n';
  await withServer(startHttp({ tls: cert, body, sni: (n) => (sni = n) }), async (s) => {
    const c = http([url({ digest: createHash('md5').update(body).digest('hex') })], { type: 'SSL_GET', enableSni: true, sniName: 'svc.example' });
    const r = await probeHttp(c, target(s.port, 2_000), { virtualhost: null, tls: { servername: 'svc.example' } }, sig());
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(sni, 'svc.example');
    // with the right CA the chain verifies
    assert.equal((await probeHttp(c, target(s.port, 2_000), { virtualhost: null, tls: { ca: cert.cert } }, sig())).ok, true);
    // with another CA it does not
    const other = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0lQ\n-----END CERTIFICATE-----\n';
    const bad = await probeHttp(c, target(s.port, 2_000), { virtualhost: null, tls: { ca: other } }, sig());
    assert.equal(bad.ok, false);
  });
  // TLS to a plain HTTP server fails as a TLS error, not a crash
  await withServer(startHttp(), async (s) => {
    const r = await httpGet(target(s.port, 500), { path: '/', protocol: '1.0', host: 'x', tls: {} }, sig());
    assert.equal('ok' in r && r.ok === false, true, JSON.stringify(r));
  });
});

test('SMTP_CHECK: banner/HELO/QUIT; wrong codes, garbage, hangs fail cleanly', async () => {
  await withServer(startSmtp(), async (s) => {
    assert.deepEqual(await probeSmtp(target(s.port), 'checker.example', sig()), { ok: true });
    assert.match(s.requests.join(''), /^HELO checker\.example\r\n/);
  });
  const cases: [Parameters<typeof startSmtp>[0], string][] = [
    [{ bannerCode: 554 }, 'protocol'],
    [{ heloCode: 501 }, 'protocol'],
    [{ mode: 'garbage' }, 'protocol'],
    [{ mode: 'hang' }, 'timeout'],
    [{ mode: 'half-open' }, 'timeout'],
    [{ mode: 'slow', delayMs: 2_000 }, 'timeout'],
    [{ mode: 'oversized', oversizeBytes: 100_000 }, 'oversized'],
  ];
  for (const [o, failure] of cases) await withServer(startSmtp(o), async (s) => assertFail(await timed(probeSmtp(target(s.port), 'h', sig()), 1_000), failure));
});

test('DNS_CHECK: answer with our id and RCODE 0; RCODE, no answer, wrong id, garbage and silence fail', async () => {
  await withServer(startDns(), async (s) => assert.equal((await probeDns(target(s.port), 'example.com', 'A', sig())).ok, true));
  await withServer(startDns({ rcode: 3 }), async (s) => assertFail(await probeDns(target(s.port), 'x.', 'A', sig()), 'protocol'));
  await withServer(startDns({ answers: 0 }), async (s) => assertFail(await probeDns(target(s.port), '.', 'SOA', sig()), 'protocol'));
  await withServer(startDns({ wrongId: true }), async (s) => assertFail(await timed(probeDns(target(s.port), '.', 'SOA', sig()), 1_000), 'timeout'));
  await withServer(startDns({ mode: 'garbage' }), async (s) => assertFail(await probeDns(target(s.port), '.', 'SOA', sig()), 'protocol'));
  await withServer(startDns({ mode: 'hang' }), async (s) => assertFail(await timed(probeDns(target(s.port), '.', 'SOA', sig()), 1_000), 'timeout'));
  assertFail(await timed(probeDns(target(await closedPort()), '.', 'SOA', sig()), 1_000), 'icmp');
});

test('UDP_CHECK: ICMP port unreachable fails; require_reply with X wildcards; length bounds', async () => {
  const base = { payload: Uint8Array.from([1, 2, 3, 4]), requireReply: false, replyMatch: null, minReplyLength: 0, maxReplyLength: 0 };
  assertFail(await timed(probeUdp(target(await closedPort()), base, sig()), 1_000), 'icmp');
  await withServer(startUdp({ mode: 'hang' }), async (s) => {
    assert.equal((await probeUdp(target(s.port, 200), base, sig())).ok, true, 'silence without require_reply is success');
    assertFail(await probeUdp(target(s.port, 200), { ...base, requireReply: true }, sig()), 'timeout');
  });
  await withServer(startUdp(), async (s) => {
    const m = { data: Uint8Array.from([1, 0, 3, 0]), mask: Uint8Array.from([0xff, 0x00, 0xff, 0xf0]) };
    assert.equal((await probeUdp(target(s.port), { ...base, requireReply: true, replyMatch: m }, sig())).ok, true);
    const m2 = { data: Uint8Array.from([9]), mask: Uint8Array.from([0xff]) };
    assertFail(await probeUdp(target(s.port), { ...base, requireReply: true, replyMatch: m2 }, sig()), 'mismatch');
    assertFail(await probeUdp(target(s.port), { ...base, requireReply: true, minReplyLength: 10 }, sig()), 'mismatch');
    assertFail(await probeUdp(target(s.port), { ...base, requireReply: true, maxReplyLength: 2 }, sig()), 'oversized');
  });
  await withServer(startUdp({ mode: 'oversized', oversizeBytes: 9000 }), async (s) =>
    assertFail(await probeUdp(target(s.port), { ...base, requireReply: true, maxReplyLength: 1500 }, sig()), 'oversized'),
  );
});

/** Running (a zombie re-parented to init is dead: only init can reap it, and it is not ours). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test('MISC_CHECK: exit codes, misc_dynamic weights, and a timeout kills the whole process group', async () => {
  const base = { uid: null, gid: null, timeoutMs: 2_000, dynamic: false };
  assert.equal((await probeMisc({ ...base, argv: ['/bin/sh', '-c', 'exit 0'] }, sig())).ok, true);
  assertFail(await probeMisc({ ...base, argv: ['/bin/sh', '-c', 'exit 1'] }, sig()), 'exit-status');
  assertFail(await probeMisc({ ...base, argv: ['/bin/sh', '-c', 'exit 7'] }, sig()), 'exit-status');
  assert.deepEqual(await probeMisc({ ...base, dynamic: true, argv: ['/bin/sh', '-c', 'exit 7'] }, sig()), { ok: true, weight: 5, detail: 'exited with status 7' });
  assertFail(await probeMisc({ ...base, dynamic: true, argv: ['/bin/sh', '-c', 'exit 1'] }, sig()), 'exit-status');
  assertFail(await probeMisc({ ...base, argv: ['/nonexistent/script'] }, sig()), 'spawn');
  assertFail(await probeMisc({ ...base, argv: ['/bin/sh', '-c', 'kill -9 $$'] }, sig()), 'signal');

  // a script that starts a grandchild ignoring SIGTERM and hangs: the group must be gone afterwards
  const dir = mkdtempSync(join(tmpdir(), 'tska-misc-'));
  const pidFile = join(dir, 'pids');
  try {
    const script = `trap '' TERM; (trap '' TERM; sleep 30) & echo $! > ${pidFile}; echo $$ >> ${pidFile}; sleep 30`;
    const r = await timed(probeMisc({ ...base, timeoutMs: 300, killGraceMs: 200, argv: ['/bin/sh', '-c', script] }, sig()), 2_000);
    assertFail(r, 'timeout');
    const pids = execFileSync('cat', [pidFile], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.equal(pids.length, 2);
    await new Promise((res) => setTimeout(res, 100));
    for (const p of pids) assert.equal(alive(p), false, `process ${p} survived`);
    // and no zombie: our child was reaped (ps shows no <defunct> child of ours)
    const ps = execFileSync('ps', ['-o', 'pid=,stat=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    assert.doesNotMatch(ps, /\sZ/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FILE_CHECK: value x weight, reverse, and <= -254 fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tska-file-'));
  const f = join(dir, 'v');
  try {
    writeFileSync(f, '5\n');
    assert.deepEqual(await probeFile({ path: f, weight: 2, reverse: false }), { ok: true, weightDelta: 10 });
    assert.deepEqual(await probeFile({ path: f, weight: 2, reverse: true }), { ok: true, weightDelta: -10 });
    writeFileSync(f, '-200');
    assertFail(await probeFile({ path: f, weight: 2, reverse: false }), 'file');
    writeFileSync(f, '3');
    assertFail(await probeFile({ path: f, weight: 0, reverse: false }), 'file');
    writeFileSync(f, 'junk');
    assert.equal((await probeFile({ path: f, weight: 0, reverse: false })).ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an aborted probe settles at once', async () => {
  await withServer(startHttp({ mode: 'hang' }), async (s) => {
    const ac = new AbortController();
    const p = probeHttp(http([url()]), target(s.port, 10_000), { virtualhost: null }, ac.signal);
    setTimeout(() => ac.abort(), 50);
    assertFail(await timed(p, 1_000), 'closed');
  });
});
