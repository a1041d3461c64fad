// Multipath virtual_routes in namespaces: the master installs every nexthop with its weight (IPv4 and IPv6), BACKUP and stop remove them, and the kernel tables read the same as with keepalived.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createLan, ip, ipJson, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import { keepalivedSkipReason, keepalivedVersion, startDaemon, tempDir as daemonDir } from '../../helpers/daemons';
import { configText, startNode, tempDir, type Node, withNodes } from './lab';

const skip = netnsSkipReason();

interface Hop {
  readonly gateway?: string;
  readonly dev?: string;
  readonly weight?: number;
  readonly flags?: readonly string[];
}

interface RouteJson {
  readonly dst: string;
  readonly protocol?: string;
  readonly metric?: number;
  readonly nexthops?: readonly Hop[];
}

const EXTRA = [
  'virtual_routes {',
  '  198.51.100.0/24 table 100 nexthop via 192.0.2.1 dev eth0 weight 2 nexthop via 192.0.2.2 dev eth0 weight 5 onlink',
  '  2001:db8:77::/48 table 100 metric 9 nexthop via fd00:db8::1 dev eth0 nexthop via fd00:db8::2 dev eth0 weight 3',
  '}',
];

const routes4 = (ns: string): RouteJson[] => ipJson<RouteJson[]>(['route', 'show', 'table', '100'], ns);
const routes6 = (ns: string): RouteJson[] => ipJson<RouteJson[]>(['-6', 'route', 'show', 'table', '100'], ns).filter((r) => r.dst === '2001:db8:77::/48');
const installed = (ns: string): boolean => routes4(ns).length === 1 && routes6(ns).length === 1;
const removed = (ns: string): boolean => routes4(ns).length === 0 && routes6(ns).length === 0;

function hops(r: RouteJson | undefined): string[] {
  return (r?.nexthops ?? []).map((h) => `${h.gateway} ${h.dev} w${h.weight ?? 1}${(h.flags ?? []).includes('onlink') ? ' onlink' : ''}`);
}

function assertInstalled(ns: string): void {
  const r4 = routes4(ns)[0];
  assert.equal(r4?.dst, '198.51.100.0/24', JSON.stringify(routes4(ns)));
  assert.equal(r4.protocol, 'keepalived');
  assert.deepEqual(hops(r4), ['192.0.2.1 eth0 w2', '192.0.2.2 eth0 w5 onlink']);
  const r6 = routes6(ns)[0];
  assert.equal(r6?.metric, 9, JSON.stringify(routes6(ns)));
  assert.deepEqual(hops(r6), ['fd00:db8::1 eth0 w1', 'fd00:db8::2 eth0 w3']);
}

const withLab = (fn: (lan: Lan, dir: string, nodes: Node[]) => Promise<void>): Promise<void> => withNodes('multipath', 2, fn);

test('multipath virtual_routes: MASTER installs every nexthop with its weight, BACKUP removes them, MASTER again reinstalls, stop removes', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, c] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 100, version: 3, advert: '0.1', extra: EXTRA }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await waitFor(() => installed(a!.ns), 3000);
    assertInstalled(a!.ns);
    const n2 = startNode(c!, 'n2', configText({ priority: 150, version: 3, advert: '0.1', extra: EXTRA }), dir);
    nodes.push(n2);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE$/, 10_000);
    await waitFor(() => removed(a!.ns), 3000);
    await waitFor(() => installed(c!.ns), 3000);
    assertInstalled(c!.ns);
    const mark = n1.lines.length;
    await n2.terminate();
    assert.ok(removed(c!.ns), `n2 left ${ip(['route', 'show', 'table', '100'], c!.ns)}`);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, mark);
    await waitFor(() => installed(a!.ns), 3000);
    assertInstalled(a!.ns);
    await n1.terminate();
    assert.ok(removed(a!.ns), `n1 left ${ip(['route', 'show', 'table', '100'], a!.ns)}`);
    assert.ok(!n1.lines.some((l) => /cannot (add|remove) route/.test(l)), n1.lines.join('\n'));
  });
});

test(`multipath virtual_routes: the kernel tables are the same text as with ${keepalivedVersion()}`, { skip: skip ?? keepalivedSkipReason(), timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 1 });
  const dir = daemonDir('multipath-cmp');
  const ns = lan.nodes[0]!.ns;
  const seen: Record<string, string> = {};
  try {
    for (const kind of ['keepalived', 'tskeepalived'] as const) {
      const d = startDaemon({ kind, ns, name: kind, dir, config: configText({ priority: 100, version: 3, advert: '0.1', extra: EXTRA }) });
      try {
        await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
        await waitFor(() => installed(ns), 3000);
        seen[kind] = [ip(['route', 'show', 'table', '100'], ns), ip(['-6', 'route', 'show', 'table', '100'], ns)].join('\n');
      } finally {
        await d.stop(3000);
      }
      assert.ok(removed(ns), `${kind} left ${ip(['route', 'show', 'table', '100'], ns)}`);
    }
    assert.equal(seen['tskeepalived'], seen['keepalived']);
  } finally {
    lan.destroy();
  }
});
