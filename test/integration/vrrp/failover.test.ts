// Two tskeepalived daemons in namespaces: election, GARP, SIGKILL / SIGTERM / link-down failover with RFC timing, preemption, nopreempt, stop with -V.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ip, netnsSkipReason, spawnIn, waitFor, type Lan } from '../../helpers/netns';
import { configText, hasAddress, MAIN_JS, Node, Observer, sleep, startNode, withNodes } from './lab';

const skip = netnsSkipReason();
const VIP = '192.0.2.100';

/** Three namespaces, the third an observer of the wire. */
function withLab(fn: (lan: Lan, obs: Observer, dir: string, nodes: Node[]) => Promise<void>): Promise<void> {
  return withNodes('fo', 3, async (lan, dir, nodes) => {
    const obs = new Observer(lan.nodes[2]!);
    try {
      await fn(lan, obs, dir, nodes);
    } finally {
      for (const n of nodes.splice(0)) await n.terminate(3000).catch(() => undefined);
      obs.close();
    }
  });
}

test('v2 advert_int 1: higher priority becomes MASTER with GARP; SIGKILL -> backup takes over at Master_Down_Interval', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const [a, b] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, auth: 'kl51pass' }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, auth: 'kl51pass' }), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/);
    await waitFor(() => hasAddress(a!.ns, VIP), 2000);
    await sleep(1500);
    assert.ok(!hasAddress(b!.ns, VIP), 'backup must not hold the VIP');
    assert.ok(!n2.lines.some((l) => /Entering MASTER STATE/.test(l)), 'n2 stays BACKUP');
    const garps = obs.arps.filter((g) => g.senderIp === VIP && g.targetIp === VIP);
    assert.ok(garps.length >= 5, `observer saw ${garps.length} GARPs`);
    assert.equal(garps[0]!.srcMac, a!.mac);
    assert.equal(garps[0]!.op, 1);
    n1.hardKill();
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000);
    await waitFor(() => hasAddress(b!.ns, VIP), 2000);
    const last1 = obs.from(a!.ipv4).filter((x) => x.priority === 150).at(-1);
    assert.ok(last1, `observer saw n1's adverts (${obs.adverts.length} adverts: ${JSON.stringify(obs.adverts.slice(0, 3))})`);
    await waitFor(() => obs.from(b!.ipv4).some((x) => x.t > last1.t), 2000);
    const first2 = obs.from(b!.ipv4).find((x) => x.t > last1.t)!;
    const gap = first2.t - last1.t;
    // RFC 3768: Master_Down_Interval = 3 * 1 s + (256 - 100) / 256 s = 3609.4 ms.
    console.log(`v2 sigkill: n1 last advert -> n2 first advert ${gap.toFixed(1)} ms (expected 3609.4)`);
    assert.ok(gap > 3560 && gap < 3700, `gap ${gap}`);
  });
});

test('v3 advert_int 0.1: SIGTERM sends priority 0 and the backup takes over after Skew_Time', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const [a, b] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, version: 3, advert: '0.1' }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1' }), dir);
    nodes.push(n2);
    await n2.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(1000);
    assert.ok(!n2.lines.some((l) => /Entering MASTER STATE/.test(l)));
    const before = obs.from(a!.ipv4).length;
    assert.ok(before >= 8, `n1 adverts in 1 s: ${before}`);
    await n1.terminate();
    assert.ok(n1.lines.some((l) => /\(VI_1\) sent 0 priority/.test(l)), 'sent 0 priority logged');
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, 0);
    await waitFor(() => obs.from(a!.ipv4).some((x) => x.priority === 0), 2000);
    const p0 = obs.from(a!.ipv4).find((x) => x.priority === 0)!;
    await waitFor(() => obs.from(b!.ipv4).some((x) => x.t > p0.t), 2000);
    const first2 = obs.from(b!.ipv4).find((x) => x.t > p0.t)!;
    const gap = first2.t - p0.t;
    // RFC 5798: Skew_Time = (256 - 100) * 10 cs / 256 = 60.9 ms.
    console.log(`v3 sigterm: priority-0 advert -> n2 first advert ${gap.toFixed(1)} ms (expected 60.9)`);
    assert.ok(gap > 55 && gap < 120, `gap ${gap}`);
    await waitFor(() => hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP), 2000);
  });
});

test('v3 0.1: link down -> FAULT, VIP removed, backup takes over; link up -> preempts back', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, _obs, dir, nodes) => {
    const [a, b] = lan.nodes;
    const n1 = startNode(a!, 'n1', configText({ priority: 150, version: 3, advert: '0.1' }), dir);
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1' }), dir);
    nodes.push(n2);
    await n2.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(500);
    const mark1 = n1.lines.length;
    const mark2 = n2.lines.length;
    ip(['link', 'set', 'eth0', 'down'], a!.ns);
    await n1.waitLine(/\(VI_1\) Entering FAULT STATE/, 3000, mark1);
    await waitFor(() => !hasAddress(a!.ns, VIP), 2000);
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, mark2);
    await waitFor(() => hasAddress(b!.ns, VIP), 2000);
    const mark3 = n2.lines.length;
    ip(['link', 'set', 'eth0', 'up'], a!.ns);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, mark1 + 1);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, mark3);
    await waitFor(() => hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP), 2000);
  });
});

test('v3 0.1: nopreempt keeps the new master when the higher priority node returns', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, _obs, dir, nodes) => {
    const [a, b] = lan.nodes;
    const c1 = configText({ priority: 150, version: 3, advert: '0.1', nopreempt: true });
    const n1 = startNode(a!, 'n1', c1, dir);
    nodes.push(n1);
    await n1.waitLine(/Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1', nopreempt: true }), dir);
    nodes.push(n2);
    await n2.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await n1.terminate();
    await n2.waitLine(/Entering MASTER STATE/, 3000, 0);
    const n1b = startNode(a!, 'n1b', c1, dir);
    nodes.push(n1b);
    await n1b.waitLine(/Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(1500);
    assert.ok(!n1b.lines.some((l) => /Entering MASTER STATE/.test(l)), 'nopreempt: returning node stays BACKUP');
    assert.ok(hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP));
  });
});

test('SIGTERM with -V (--dont-release-vrrp): priority 0 is still sent but the VIPs stay', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, obs, dir, nodes) => {
    const a = lan.nodes[0]!;
    const cf = path.join(dir, 'n1.conf');
    fs.writeFileSync(cf, configText({ priority: 150, version: 3, advert: '0.1' }));
    const args = [MAIN_JS, '-n', '-P', '-l', '-G', '-V', '-f', cf, '-p', path.join(dir, 'n1.pid'), '-r', path.join(dir, 'n1.vrrp.pid'), '-c', path.join(dir, 'n1.check.pid')];
    const n1 = new Node(a.ns, spawnIn(a.ns, process.execPath, args), dir, 'n1');
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await waitFor(() => hasAddress(a.ns, VIP), 2000);
    await n1.terminate();
    assert.notEqual(n1.proc.exitCode ?? n1.proc.signalCode, null, 'the daemon exited');
    await waitFor(() => obs.from(a.ipv4).some((x) => x.priority === 0), 2000);
    assert.ok(hasAddress(a.ns, VIP), '-V leaves the VIP in place');
  });
});
