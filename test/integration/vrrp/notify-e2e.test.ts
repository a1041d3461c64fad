// Notify wired to a real daemon: notify_master/backup/fault/stop and `notify` get keepalived's arguments, the FIFO gets ordered lines, no zombie is left.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLan, execIn, ip, netnsSkipReason, waitFor } from '../../helpers/netns';
import { configText, startNode, tempDir, type Node } from './lab';

const skip = netnsSkipReason();

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** Zombie children of `pid` (state Z in /proc/N/stat with that parent). */
function zombiesOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' && Number(rest[1]) === pid) out.push(Number(d));
  }
  return out;
}

test('notify scripts and notify_fifo: keepalived arguments, FIFO lines in order, fire-and-forget without zombies', { skip, timeout: 60_000 }, async () => {
  const lan = createLan({ nodes: 1 });
  const dir = tempDir('notify');
  const nodes: Node[] = [];
  const out = path.join(dir, 'calls');
  const fifo = path.join(dir, 'fifo');
  execIn(lan.nodes[0]!.ns, 'mkfifo', [fifo]);
  // A reader that is there before the daemon opens the FIFO: every line reaches it.
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  let fifoText = '';
  reader.stdout.on('data', (d: Buffer) => { fifoText += d.toString('utf8'); });
  const script = path.join(dir, 'n.sh');
  fs.writeFileSync(script, `#!/bin/sh\necho "$@" >> ${out}\n`, { mode: 0o755 });
  try {
    const a = lan.nodes[0]!;
    const conf = configText({
      priority: 150, version: 3, advert: '0.1',
      extra: [
        `notify_master "${script} master-script"`, `notify_backup "${script} backup-script"`,
        `notify_fault "${script} fault-script"`, `notify_stop "${script} stop-script"`, `notify ${script}`,
      ],
    }).replace('global_defs {', `global_defs {\n  notify_fifo ${fifo}`);
    const n1 = startNode(a, 'n1', conf, dir);
    nodes.push(n1);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    const mark = n1.lines.length;
    ip(['link', 'set', 'eth0', 'down'], a.ns);
    await n1.waitLine(/\(VI_1\) Entering FAULT STATE/, 3000, mark);
    ip(['link', 'set', 'eth0', 'up'], a.ns);
    await n1.waitLine(/\(VI_1\) Entering MASTER STATE/, 5000, mark);
    const vrrpPid = n1.pids()[0]!;
    await waitFor(() => lines(out).length >= 10, 3000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(zombiesOf(vrrpPid), [], 'notify scripts are reaped');
    await n1.terminate();
    await waitFor(() => lines(out).length >= 12, 3000);
    await new Promise((r) => setTimeout(r, 300));
    const calls = lines(out);
    const expectPairs = [
      ['backup-script', 'INSTANCE VI_1 BACKUP 150'],
      ['master-script', 'INSTANCE VI_1 MASTER 150'],
      ['fault-script', 'INSTANCE VI_1 FAULT 150'],
      ['backup-script', 'INSTANCE VI_1 BACKUP 150'],
      ['master-script', 'INSTANCE VI_1 MASTER 150'],
      ['stop-script', 'INSTANCE VI_1 STOP 150'],
    ];
    // Scripts are fire-and-forget (keepalived does not wait for them), so two scripts of one
    // event may append in either order; the set of calls is exact. (A quick down/up used to give one
    // extra FAULT/BACKUP pair under load, when two netlink watchers saw the link at different times:
    // the link monitor is now the only one.)
    assert.deepEqual([...calls].sort(), expectPairs.flat().sort(), `daemon log:\n${n1.lines.join('\n')}`);
    await waitFor(() => fifoText.split('\n').filter((l) => l !== '').length >= 6, 3000);
    const fifoLines = fifoText.split('\n').filter((l) => l !== '');
    assert.deepEqual(fifoLines, ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER', 'STOP'].map((x) => `INSTANCE "VI_1" ${x} 150`), 'FIFO lines in order');
  } finally {
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    if (reader.exitCode === null && reader.pid !== undefined) process.kill(reader.pid, 'SIGTERM');
    lan.destroy();
  }
});
