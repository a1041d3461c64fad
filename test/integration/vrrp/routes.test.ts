// virtual_routes and virtual_rules in namespaces: installed by the master (table, metric, scope, type, preferred source), removed when it goes BACKUP and when it stops.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createLan, ip, ipJson, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import { keepalivedSkipReason, keepalivedVersion, startDaemon, tempDir as daemonDir } from '../../helpers/daemons';
import { configText, hasAddress, sleep, startNode, tempDir, type Node, withNodes } from './lab';

const skip = netnsSkipReason();
const VIP = '192.0.2.100';

interface RouteJson {
  readonly type?: string;
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly prefsrc?: string;
  readonly protocol?: string;
}

interface RuleJson {
  readonly priority: number;
  readonly src?: string;
  readonly srclen?: number;
  readonly dst?: string;
  readonly dstlen?: number;
  readonly table?: string;
}

const routesOf = (ns: string): RouteJson[] => ipJson<RouteJson[]>(['route', 'show', 'table', '100'], ns);
const rulesOf = (ns: string): RuleJson[] => ipJson<RuleJson[]>(['rule', 'show'], ns).filter((r) => r.priority >= 1000 && r.priority < 1100);
const routes6Of = (ns: string): RouteJson[] => ipJson<RouteJson[]>(['-6', 'route', 'show', 'table', '100'], ns);

const EXTRA = [
  'virtual_routes {',
  '  198.51.100.0/24 via 192.0.2.1 dev eth0 table 100 metric 50',
  '  src 192.0.2.100 203.0.113.0/24 dev eth0 scope link table 100',
  '  blackhole 198.51.100.128/25 table 100',
  '  2001:db8:77::/48 via fd00:db8::1 dev eth0 table 100 metric 7',
  '}',
  'virtual_rules {',
  '  from 192.0.2.100 table 100 priority 1000',
  '  to 203.0.113.0/24 table 100 priority 1001',
  '}',
];

function assertInstalled(ns: string): void {
  const r = routesOf(ns);
  const gw = r.find((x) => x.dst === '198.51.100.0/24');
  assert.ok(gw, `routes: ${JSON.stringify(r)}`);
  assert.equal(gw.gateway, '192.0.2.1');
  assert.equal(gw.dev, 'eth0');
  assert.equal(gw.metric, 50);
  assert.equal(gw.protocol, 'keepalived', 'RTPROT_KEEPALIVED, as keepalived installs them');
  const link = r.find((x) => x.dst === '203.0.113.0/24');
  assert.ok(link, `routes: ${JSON.stringify(r)}`);
  assert.equal(link.scope, 'link');
  assert.equal(link.prefsrc, VIP);
  assert.equal(link.dev, 'eth0');
  const bh = r.find((x) => x.dst === '198.51.100.128/25');
  assert.ok(bh, `routes: ${JSON.stringify(r)}`);
  assert.equal(bh.type, 'blackhole');
  const r6 = routes6Of(ns).find((x) => x.dst === '2001:db8:77::/48');
  assert.ok(r6, `IPv6 routes: ${JSON.stringify(routes6Of(ns))}`);
  assert.equal(r6.gateway, 'fd00:db8::1');
  assert.equal(r6.metric, 7);
  const rules = rulesOf(ns);
  const from = rules.find((x) => x.priority === 1000);
  assert.ok(from, `rules: ${JSON.stringify(rules)}`);
  assert.equal(from.src, VIP);
  assert.equal(from.table, '100');
  const to = rules.find((x) => x.priority === 1001);
  assert.ok(to, `rules: ${JSON.stringify(rules)}`);
  assert.equal(to.dst, '203.0.113.0');
  assert.equal(to.dstlen, 24);
  assert.equal(to.table, '100');
}

function assertRemoved(ns: string): void {
  assert.deepEqual(routesOf(ns), [], 'table 100 empty');
  assert.deepEqual(routes6Of(ns).filter((x) => x.dst === '2001:db8:77::/48'), [], 'IPv6 route gone');
  assert.deepEqual(rulesOf(ns), [], 'rules gone');
}

const withLab = (fn: (lan: Lan, dir: string, nodes: Node[]) => Promise<void>): Promise<void> => withNodes('routes', 2, fn);

test('virtual_routes/virtual_rules: master installs (table 100, metric, scope link, prefsrc, blackhole, IPv6), BACKUP removes, MASTER again reinstalls, stop removes', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, c] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 100, version: 3, advert: '0.1', extra: EXTRA }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await waitFor(() => hasAddress(a!.ns, VIP) && rulesOf(a!.ns).length === 2 && routesOf(a!.ns).length === 3, 3000);
    assertInstalled(a!.ns);
    // A higher priority node: n1 goes BACKUP and takes its routes and rules away.
    const n2 = startNode(c!, 'n2', configText({ priority: 150, version: 3, advert: '0.1', extra: EXTRA }), dir);
    nodes.push(n2);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE$/, 10_000);
    await waitFor(() => rulesOf(a!.ns).length === 0 && routesOf(a!.ns).length === 0, 3000);
    assertRemoved(a!.ns);
    await waitFor(() => routesOf(c!.ns).length === 3, 3000);
    assertInstalled(c!.ns);
    // n2 stops: n1 is MASTER again with everything back; n2 removed its own.
    const mark = n1.lines.length;
    await n2.terminate();
    assertRemoved(c!.ns);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, mark);
    await waitFor(() => rulesOf(a!.ns).length === 2 && routesOf(a!.ns).length === 3, 3000);
    assertInstalled(a!.ns);
    await n1.terminate();
    await sleep(100);
    assertRemoved(a!.ns);
    assert.ok(!hasAddress(a!.ns, VIP));
  });
});

test(`virtual_routes/virtual_rules: the kernel tables are the same text as with ${keepalivedVersion()}`, { skip: skip ?? keepalivedSkipReason(), timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 1 });
  const dir = daemonDir('routes-cmp');
  const ns = lan.nodes[0]!.ns;
  const seen: Record<string, string> = {};
  try {
    for (const kind of ['keepalived', 'tskeepalived'] as const) {
      const d = startDaemon({ kind, ns, name: kind, dir, config: configText({ priority: 100, version: 3, advert: '0.1', extra: EXTRA }) });
      try {
        await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
        await waitFor(() => rulesOf(ns).length === 2 && routesOf(ns).length === 3 && routes6Of(ns).length === 1, 3000);
        seen[kind] = [ip(['route', 'show', 'table', '100'], ns), ip(['-6', 'route', 'show', 'table', '100'], ns), ip(['rule', 'show'], ns)].join('\n');
      } finally {
        await d.stop(3000);
      }
      assertRemoved(ns);
    }
    assert.equal(seen['tskeepalived'], seen['keepalived']);
  } finally {
    lan.destroy();
  }
});
