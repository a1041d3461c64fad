// SIGHUP reloads of real daemons: unchanged configs disturb nothing (100 reloads, 10 instances at 0.1 s), and priority changes, VIP moves, removed/added instances and broken configs do exactly what they should.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { netnsSkipReason, spawnIn, waitFor, type Lan, type LanNode } from '../../helpers/netns';
import { Capture, tcpdumpSkipReason } from '../../helpers/pcap';
import { hasAddress, sleep, startNode, type Node, withNodes } from './lab';

const skip = netnsSkipReason();

interface Inst {
  readonly name: string;
  readonly vrid: number;
  readonly priority: number;
  readonly vips: readonly string[];
  /** advert_int (default 0.1). */
  readonly advert?: string;
}

function conf(insts: readonly Inst[]): string {
  const out = ['global_defs {', '  router_id tska_reload', '}'];
  for (const i of insts) {
    out.push(
      `vrrp_instance ${i.name} {`, '  state BACKUP', '  interface eth0', `  virtual_router_id ${i.vrid}`, `  priority ${i.priority}`,
      `  advert_int ${i.advert ?? '0.1'}`, '  version 3', '  skip_check_adv_addr',
      '  virtual_ipaddress {', ...i.vips.map((v) => `    ${v}/24 dev eth0`), '  }', '}',
    );
  }
  return `${out.join('\n')}\n`;
}

/** Rewrites a node's config file and sends SIGHUP to its daemon; resolves when the reload is over (the VRRP worker's and the parent's "Reload finished"). */
async function reload(n: Node, text: string | null): Promise<void> {
  if (text !== null) fs.writeFileSync(path.join(n.dir, `${n.name}.conf`), text);
  const done = n.lines.filter((l) => /Reload finished/.test(l)).length;
  process.kill(n.proc.pid!, 'SIGHUP');
  await waitFor(() => n.lines.filter((l) => /Reload finished/.test(l)).length >= done + 2, 10_000, 5);
}

/** `ip -ts monitor address` in a namespace: every address event, timestamped by ip(8). */
class AddrMonitor {
  readonly events: string[] = [];
  private readonly proc: ChildProcess;
  constructor(node: LanNode) {
    this.proc = spawnIn(node.ns, 'ip', ['-ts', 'monitor', 'address']);
    let buf = '';
    this.proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (l.trim() !== '') this.events.push(l);
      }
    });
  }
  close(): void {
    if (this.proc.exitCode === null && this.proc.pid !== undefined) process.kill(this.proc.pid, 'SIGTERM');
  }
}

function entering(n: Node, from: number, inst?: string): string[] {
  return n.lines.slice(from).filter((l) => /Entering \w+ STATE/.test(l) && (inst === undefined || l.includes(`(${inst})`)));
}

const withLab = (fn: (lan: Lan, dir: string, nodes: Node[]) => Promise<void>): Promise<void> => withNodes('reload', 2, fn);

test('100 SIGHUP reloads of an unchanged config (10 instances, advert_int 0.1): no transition, no address event', { skip, timeout: 120_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    const insts = (prio: number): Inst[] => Array.from({ length: 10 }, (_, k) => ({ name: `VI_${k + 1}`, vrid: k + 1, priority: prio, vips: [`192.0.2.${101 + k}`] }));
    const n1 = startNode(a!, 'n1', conf(insts(150)), dir);
    nodes.push(n1);
    for (let k = 1; k <= 10; k++) await n1.waitLine(new RegExp(`\\(VI_${k}\\) Entering MASTER STATE`), 10_000, 0);
    const n2 = startNode(b!, 'n2', conf(insts(100)), dir);
    nodes.push(n2);
    for (let k = 1; k <= 10; k++) await n2.waitLine(new RegExp(`\\(VI_${k}\\) Entering BACKUP STATE`), 10_000, 0);
    await waitFor(() => Array.from({ length: 10 }, (_, k) => `192.0.2.${101 + k}`).every((v) => hasAddress(a!.ns, v)), 3000);
    await sleep(500);
    const monA = new AddrMonitor(a!);
    const monB = new AddrMonitor(b!);
    try {
      await sleep(300);
      const m1 = n1.lines.length;
      const m2 = n2.lines.length;
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) await reload(n1, null);
      const ms = performance.now() - t0;
      console.log(`100 reloads in ${ms.toFixed(0)} ms (${(ms / 100).toFixed(1)} ms each)`);
      await sleep(500);
      assert.deepEqual(entering(n1, m1), [], 'no transition on the reloaded node');
      assert.deepEqual(entering(n2, m2), [], 'no transition on the peer');
      assert.deepEqual(monA.events, [], 'no address event on the reloaded node');
      assert.deepEqual(monB.events, [], 'no address event on the peer');
      assert.equal(n1.lines.slice(m1).filter((l) => /: Reloading$/.test(l)).length, 100, 'the VRRP worker reloaded 100 times');
    } finally {
      monA.close();
      monB.close();
    }
  });
});

test('reload: a priority change moves only that instance; a VIP moves between instances in one reload; removed instances release, added ones start; a broken config changes nothing', { skip, timeout: 120_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    const A: Inst[] = [
      { name: 'VI_1', vrid: 1, priority: 150, vips: ['192.0.2.101', '192.0.2.150'] },
      { name: 'VI_2', vrid: 2, priority: 150, vips: ['192.0.2.102'] },
      { name: 'VI_3', vrid: 3, priority: 150, vips: ['192.0.2.103'] },
    ];
    const B: Inst[] = A.map((i) => ({ ...i, priority: 100 }));
    const n1 = startNode(a!, 'n1', conf(A), dir);
    nodes.push(n1);
    for (const i of A) await n1.waitLine(new RegExp(`\\(${i.name}\\) Entering MASTER STATE`), 10_000, 0);
    const n2 = startNode(b!, 'n2', conf(B), dir);
    nodes.push(n2);
    for (const i of B) await n2.waitLine(new RegExp(`\\(${i.name}\\) Entering BACKUP STATE`), 10_000, 0);
    await waitFor(() => ['192.0.2.101', '192.0.2.150', '192.0.2.102', '192.0.2.103'].every((v) => hasAddress(a!.ns, v)), 3000);
    await sleep(300);

    // 1. VI_2's priority drops below the peer's: only VI_2 moves.
    let m1 = n1.lines.length;
    let m2 = n2.lines.length;
    const A1 = A.map((i) => (i.name === 'VI_2' ? { ...i, priority: 50 } : i));
    await reload(n1, conf(A1));
    await n1.waitLine(/\(VI_2\) Changing effective priority from 150 to 50/, 2000, m1);
    await n2.waitLine(/\(VI_2\) Entering MASTER STATE/, 3000, m2);
    await n1.waitLine(/\(VI_2\) Entering BACKUP STATE/, 3000, m1);
    await waitFor(() => hasAddress(b!.ns, '192.0.2.102') && !hasAddress(a!.ns, '192.0.2.102'), 2000);
    await sleep(500);
    for (const other of ['VI_1', 'VI_3']) {
      assert.deepEqual(entering(n1, m1, other), [], `${other} untouched on n1`);
      assert.deepEqual(entering(n2, m2, other), [], `${other} untouched on n2`);
    }
    assert.ok(hasAddress(a!.ns, '192.0.2.101') && hasAddress(a!.ns, '192.0.2.150') && hasAddress(a!.ns, '192.0.2.103'));

    // 2. 192.0.2.150 moves from VI_1 (master on n1) to VI_2 (master on n2), on both nodes, one reload each.
    m1 = n1.lines.length;
    m2 = n2.lines.length;
    const move = (l: Inst[]): Inst[] => l.map((i) => (i.name === 'VI_1' ? { ...i, vips: ['192.0.2.101'] } : i.name === 'VI_2' ? { ...i, vips: ['192.0.2.102', '192.0.2.150'] } : i));
    const A2 = move(A1);
    const B2 = move(B);
    await Promise.all([reload(n1, conf(A2)), reload(n2, conf(B2))]);
    await waitFor(() => hasAddress(b!.ns, '192.0.2.150') && !hasAddress(a!.ns, '192.0.2.150'), 3000);
    await sleep(500);
    assert.ok(hasAddress(b!.ns, '192.0.2.150') && !hasAddress(a!.ns, '192.0.2.150'), 'the moved VIP is on VI_2\'s master only');
    assert.ok(hasAddress(a!.ns, '192.0.2.101'), 'VI_1 keeps its other VIP');
    assert.deepEqual(entering(n1, m1), [], 'no transition on n1');
    assert.deepEqual(entering(n2, m2), [], 'no transition on n2');

    // 3. VI_3 removed from n1: priority 0, its VIP released, the peer takes over.
    m1 = n1.lines.length;
    m2 = n2.lines.length;
    const A3 = A2.filter((i) => i.name !== 'VI_3');
    await reload(n1, conf(A3));
    await waitFor(() => !hasAddress(a!.ns, '192.0.2.103'), 2000);
    await n2.waitLine(/\(VI_3\) Entering MASTER STATE/, 3000, m2);
    await waitFor(() => hasAddress(b!.ns, '192.0.2.103'), 2000);
    assert.ok(n1.lines.slice(m1).some((l) => /\(VI_3\) sent 0 priority/.test(l)), 'the removed master sent priority 0');
    assert.deepEqual(entering(n1, m1).filter((l) => !l.includes('(VI_3)')), [], 'only VI_3 changes on n1');

    // 4. VI_4 added on n1: it starts and, alone on its VRID, becomes master.
    m1 = n1.lines.length;
    const A4 = [...A3, { name: 'VI_4', vrid: 4, priority: 150, vips: ['192.0.2.104'] }];
    await reload(n1, conf(A4));
    await n1.waitLine(/\(VI_4\) Entering BACKUP STATE \(init\)/, 3000, m1);
    await n1.waitLine(/\(VI_4\) Entering MASTER STATE/, 3000, m1);
    await waitFor(() => hasAddress(a!.ns, '192.0.2.104'), 2000);

    // 5. A broken config is refused by the parent: nothing changes.
    m1 = n1.lines.length;
    fs.writeFileSync(path.join(n1.dir, 'n1.conf'), 'vrrp_instance VI_1 {\n  virtual_router_id 300\n  priority nonsense\n');
    process.kill(n1.proc.pid!, 'SIGHUP');
    await sleep(1500);
    assert.equal(n1.proc.exitCode, null, 'the daemon keeps running');
    assert.deepEqual(entering(n1, m1), [], 'no transition');
    assert.equal(n1.lines.slice(m1).filter((l) => /Reload finished/.test(l)).length, 0, 'the VRRP worker was not asked to reload');
    for (const v of ['192.0.2.101', '192.0.2.104']) assert.ok(hasAddress(a!.ns, v), `${v} stays`);
  });
});

test('reload: advert_int changed in place (keepalived keeps the state of an instance with the same VRID, family and interface): no transition, adverts at the new interval at once', { skip: skip ?? tcpdumpSkipReason(), timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    const one = (priority: number, advert: string): Inst[] => [{ name: 'VI_1', vrid: 7, priority, vips: ['192.0.2.107'], advert }];
    const n1 = startNode(a!, 'n1', conf(one(150, '1')), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000, 0);
    const n2 = startNode(b!, 'n2', conf(one(100, '1')), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 10_000, 0);
    const cap = await Capture.start(b!.ns, b!.ifname, path.join(dir, 'adverts.pcap'), 'ip proto 112');
    try {
      await sleep(1500);
      const m1 = n1.lines.length;
      const m2 = n2.lines.length;
      // The backup first (its down timer must not run out at the master's new, faster pace), then the master.
      await reload(n2, conf(one(100, '0.1')));
      await reload(n1, conf(one(150, '0.1')));
      const t = performance.now();
      await sleep(1500);
      const fromA = cap.read().adverts.filter((x) => x.src === a!.ipv4);
      const after = fromA.filter((x) => x.interval === 10);
      assert.ok(after.length >= 10, `adverts at 0.1 s after the reload: ${after.length}`);
      const gaps = after.slice(1).map((x, i) => x.t - after[i]!.t).sort((p, q) => p - q);
      const median = gaps[gaps.length >> 1]!;
      assert.ok(median > 80 && median < 120, `median gap ${median.toFixed(1)} ms`);
      assert.ok(fromA.some((x) => x.interval === 100), 'adverts at 1 s before it');
      assert.deepEqual(entering(n1, m1), [], 'no transition on the master');
      assert.deepEqual(entering(n2, m2), [], 'no transition on the backup');
      assert.ok(n1.lines.slice(m1).some((l) => /\(VI_1\) advert interval changed from 1000 ms to 100 ms/.test(l)));
      assert.ok(performance.now() - t < 5000);
      assert.ok(hasAddress(a!.ns, '192.0.2.107') && !hasAddress(b!.ns, '192.0.2.107'));
    } finally {
      await cap.stop();
    }
  });
});
