// Tracking wired to real daemons in namespaces: a vrrp_script (weight 0 → FAULT, negative weight → lower priority, preemption) and track_interface on a second veth.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ip, netnsSkipReason, waitFor, type Lan } from '../../helpers/netns';
import { configText, hasAddress, sleep, startNode, type Node, withNodes } from './lab';

const skip = netnsSkipReason();
const VIP = '192.0.2.100';

const withLab = (fn: (lan: Lan, dir: string, nodes: Node[]) => Promise<void>): Promise<void> => withNodes('trk', 2, fn);

/** A check script that succeeds while `flag` holds "ok"; returns the vrrp_script block. */
function checkScript(dir: string, weight: number): { flag: string; block: string } {
  const flag = path.join(dir, 'flag');
  fs.writeFileSync(flag, 'ok\n');
  const chk = path.join(dir, 'chk.sh');
  fs.writeFileSync(chk, `#!/bin/sh\n[ "$(cat ${flag})" = ok ]\n`, { mode: 0o755 });
  const block = ['vrrp_script chk {', `  script "${chk}"`, '  interval 1', '  fall 1', '  rise 1', `  weight ${weight}`, '}', ''].join('\n');
  return { flag, block };
}

test('vrrp_script weight 0: a failing script puts the master in FAULT and the backup takes over; success brings it back', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    const { flag, block } = checkScript(dir, 0);
    const n1 = startNode(a!, 'n1', block + configText({ priority: 150, version: 3, advert: '0.1', extra: ['track_script {', '  chk', '}'] }), dir);
    nodes.push(n1);
    await n1.waitLine(/VRRP_Script\(chk\) succeeded/, 10_000);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1' }), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 10_000);
    await waitFor(() => hasAddress(a!.ns, VIP), 2000);
    const m1 = n1.lines.length;
    const m2 = n2.lines.length;
    fs.writeFileSync(flag, 'bad\n');
    await n1.waitLine(/VRRP_Script\(chk\) failed \(exited with status 1\)/, 5000, m1);
    await n1.waitLine(/\(VI_1\) Entering FAULT STATE/, 2000, m1);
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, m2);
    await waitFor(() => hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP), 2000);
    const m3 = n1.lines.length;
    fs.writeFileSync(flag, 'ok\n');
    await n1.waitLine(/VRRP_Script\(chk\) succeeded/, 5000, m3);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, m3);
    await waitFor(() => hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP), 3000);
  });
});

test('vrrp_script weight -60: failure drops the effective priority below the backup, which preempts; recovery preempts back', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    const { flag, block } = checkScript(dir, -60);
    const n1 = startNode(a!, 'n1', block + configText({ priority: 150, version: 3, advert: '0.1', extra: ['track_script {', '  chk', '}'] }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1' }), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(500);
    const m1 = n1.lines.length;
    const m2 = n2.lines.length;
    fs.writeFileSync(flag, 'bad\n');
    await n1.waitLine(/VRRP_Script\(chk\) failed \(exited with status 1\)/, 5000, m1);
    await n1.waitLine(/\(VI_1\) Changing effective priority from 150 to 90/, 2000, m1);
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, m2);
    await n1.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, m1);
    assert.ok(!n1.lines.slice(m1).some((l) => /FAULT/.test(l)), 'a weighted script never faults');
    await waitFor(() => hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP), 2000);
    const m3 = n1.lines.length;
    const m4 = n2.lines.length;
    fs.writeFileSync(flag, 'ok\n');
    await n1.waitLine(/\(VI_1\) Changing effective priority from 90 to 150/, 5000, m3);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, m3);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, m4);
    await waitFor(() => hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP), 2000);
  });
});

test('track_interface on a second veth: its link going down faults the master, up brings it back', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lan, dir, nodes) => {
    const [a, b] = lan.nodes;
    ip(['link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1'], a!.ns);
    ip(['link', 'set', 'trk0', 'up'], a!.ns);
    ip(['link', 'set', 'trk1', 'up'], a!.ns);
    const n1 = startNode(a!, 'n1', configText({ priority: 150, version: 3, advert: '0.1', extra: ['track_interface {', '  trk0', '}'] }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const n2 = startNode(b!, 'n2', configText({ priority: 100, version: 3, advert: '0.1' }), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE \(init\)/, 10_000);
    await sleep(300);
    const m1 = n1.lines.length;
    const m2 = n2.lines.length;
    // The peer going down takes the carrier (IFF_RUNNING) off trk0.
    ip(['link', 'set', 'trk1', 'down'], a!.ns);
    await n1.waitLine(/\(VI_1\) Entering FAULT STATE/, 3000, m1);
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, m2);
    await waitFor(() => hasAddress(b!.ns, VIP) && !hasAddress(a!.ns, VIP), 2000);
    const m3 = n1.lines.length;
    ip(['link', 'set', 'trk1', 'up'], a!.ns);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, m3);
    await waitFor(() => hasAddress(a!.ns, VIP) && !hasAddress(b!.ns, VIP), 3000);
  });
});
