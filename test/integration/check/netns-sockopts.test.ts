// Checker sockets in namespaces: bind_if picks the interface, fwmark steers policy routing, PING_CHECK via ping sockets (ping_group_range widened and restored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createNetns, deleteNetns, ip, netnsSkipReason, readSysctlIn, spawnNodeIn, uniqueNsName, withNetns } from '../../helpers/netns';
import { probeTcp } from '../../../src/check/probe-tcp';
import { probeHttp } from '../../../src/check/probe-http';
import { nativeIcmpEcho, preparePingSockets } from '../../../src/check/probe-ping';
import { pingSocketError } from '../../../src/sys/icmp-echo';
import { PingGroupRange } from '../../../src/sys/ping-group-range';
import type { ProbeResult, ProbeTarget } from '../../../src/check/types';
import type { HttpChecker } from '../../../src/config/model/lvs';

const skip = netnsSkipReason();
const sig = (): AbortSignal => new AbortController().signal;
const SERVER = '10.98.1.2';

/**
 * C (client) has c-a -> S (server 10.98.1.2:8080, HTTP) and c-b -> X (a dead end). In C a /32 host route
 * sends the server's address into c-b, so only a socket bound to c-a (or routed by mark 42 through
 * table 100) reaches the server.
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
    const child = spawnNodeIn(
      s,
      `require('net').createServer((k) => k.once('data', () => k.end('HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'))).listen(8080, '${SERVER}', () => console.log('ready'));`,
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
