// A vrrp_sync_group of two instances on real daemons: one member's tracking failure moves both to FAULT, the peer takes both VIPs; one group notify.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, netnsSkipReason, waitFor } from '../../helpers/netns';
import { hasAddress, sleep, startNode, tempDir, type Node } from './lab';

const skip = netnsSkipReason();
const VIP1 = '192.0.2.100';
const VIP2 = '192.0.2.101';

function conf(priority: number, extra: { script?: string; chk?: string } = {}): string {
  const inst = (name: string, vrid: number, vip: string, track: boolean): string[] => [
    `vrrp_instance ${name} {`, '  state BACKUP', '  interface eth0', `  virtual_router_id ${vrid}`, `  priority ${priority}`,
    '  advert_int 0.1', '  version 3',
    ...(track ? ['  track_script {', '    chk', '  }'] : []),
    '  virtual_ipaddress {', `    ${vip}/24 dev eth0`, '  }', '}',
  ];
  return [
    'global_defs {', '  router_id tska_sync', '}',
    ...(extra.chk ? ['vrrp_script chk {', `  script "${extra.chk}"`, '  interval 1', '  fall 1', '  rise 1', '}'] : []),
    'vrrp_sync_group G1 {', '  group {', '    VI_1', '    VI_2', '  }', ...(extra.script ? [`  notify ${extra.script}`] : []), '}',
    ...inst('VI_1', 51, VIP1, !!extra.chk),
    ...inst('VI_2', 52, VIP2, false),
    '',
  ].join('\n');
}

test('sync group: a member failing its track script takes the whole group to FAULT; the peer takes both VIPs; group notify once', { skip, timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 2 });
  const dir = tempDir('sync');
  const nodes: Node[] = [];
  try {
    const [a, b] = lan.nodes;
    const flag = path.join(dir, 'flag');
    fs.writeFileSync(flag, 'ok\n');
    const chk = path.join(dir, 'chk.sh');
    fs.writeFileSync(chk, `#!/bin/sh\n[ "$(cat ${flag})" = ok ]\n`, { mode: 0o755 });
    const calls = path.join(dir, 'calls');
    const script = path.join(dir, 'n.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho "$@" >> ${calls}\n`, { mode: 0o755 });
    const n1 = startNode(a!, 'n1', conf(150, { chk, script }), dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await n1.waitLine(/\(VI_2\) Entering MASTER STATE/, 3000);
    const n2 = startNode(b!, 'n2', conf(100), dir);
    nodes.push(n2);
    await n2.waitLine(/\(VI_2\) Entering BACKUP STATE \(init\)/, 10_000);
    await waitFor(() => hasAddress(a!.ns, VIP1) && hasAddress(a!.ns, VIP2), 2000);
    await sleep(500);
    assert.ok(!hasAddress(b!.ns, VIP1) && !hasAddress(b!.ns, VIP2));
    const groupCalls = (): string[] => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '').split('\n').filter((l) => l.startsWith('GROUP'));
    await waitFor(() => groupCalls().includes('GROUP G1 MASTER 0'), 2000);
    const before = groupCalls().length;

    const m1 = n1.lines.length;
    const m2 = n2.lines.length;
    fs.writeFileSync(flag, 'bad\n');
    await n1.waitLine(/VRRP_Group\(G1\) Syncing instances to FAULT state/, 5000, m1);
    await n1.waitLine(/\(VI_1\) Entering FAULT STATE/, 2000, m1);
    await n1.waitLine(/\(VI_2\) Entering FAULT STATE/, 2000, m1);
    await n2.waitLine(/\(VI_1\) Entering MASTER STATE/, 3000, m2);
    await n2.waitLine(/\(VI_2\) Entering MASTER STATE/, 3000, m2);
    await waitFor(() => hasAddress(b!.ns, VIP1) && hasAddress(b!.ns, VIP2) && !hasAddress(a!.ns, VIP1) && !hasAddress(a!.ns, VIP2), 3000);
    await sleep(500);
    assert.deepEqual(groupCalls().slice(before), ['GROUP G1 FAULT 0'], 'one group notify for the FAULT');

    const m3 = n1.lines.length;
    const m4 = n2.lines.length;
    fs.writeFileSync(flag, 'ok\n');
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 8000, m3);
    await n1.waitLine(/\(VI_2\) Entering MASTER STATE/, 3000, m3);
    await n2.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, m4);
    await n2.waitLine(/\(VI_2\) Entering BACKUP STATE/, 3000, m4);
    await waitFor(() => hasAddress(a!.ns, VIP1) && hasAddress(a!.ns, VIP2) && !hasAddress(b!.ns, VIP1) && !hasAddress(b!.ns, VIP2), 3000);
    await sleep(300);
    assert.deepEqual(groupCalls().slice(before), ['GROUP G1 FAULT 0', 'GROUP G1 BACKUP 0', 'GROUP G1 MASTER 0']);
  } finally {
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    lan.destroy();
  }
});
