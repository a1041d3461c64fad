// Unit tests of notify formats: FIFO lines, notify script argv for instances and groups, and the Notifier's order of effects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFifoLine, notifyCalls, notifyStateOf, Notifier, type FifoWriter } from '../../../src/vrrp/notify';
import { emptyNotify, type NotifyScripts, type ScriptRef } from '../../../src/config/model/vrrp';
import type { ScriptSpec } from '../../../src/vrrp/track/run-script';

const loc = { file: 't', line: 1, col: 1 };
function ref(argv: string[], ok = true, uid: number | null = null): ScriptRef {
  return { loc, command: argv.join(' '), check: { ok, argv, uid, gid: uid } };
}

test('FIFO lines are keepalived\'s `%s "%s" %s %d\\n`', () => {
  assert.equal(formatFifoLine('INSTANCE', 'VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(formatFifoLine('GROUP', 'G1', 'BACKUP', 0), 'GROUP "G1" BACKUP 0\n');
  assert.equal(formatFifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 150), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
  assert.equal(formatFifoLine('INSTANCE', 'VI_1', 'BACKUP_PRIORITY', 80), 'INSTANCE "VI_1" BACKUP_PRIORITY 80\n');
});

test('notify argv: the state script gets its own args only; notify gets TYPE NAME STATE PRIORITY appended', () => {
  const n: NotifyScripts = { ...emptyNotify(), master: ref(['/bin/m', 'a1']), generic: ref(['/bin/n', 'x', 'y'], true, 1000) };
  const calls = notifyCalls('INSTANCE', 'VI_1', n, 'MASTER', 100);
  assert.deepEqual(calls, [
    { spec: { argv: ['/bin/m', 'a1'], uid: null, gid: null }, extraArgs: [] },
    { spec: { argv: ['/bin/n', 'x', 'y'], uid: 1000, gid: 1000 }, extraArgs: ['INSTANCE', 'VI_1', 'MASTER', '100'] },
  ]);
  assert.deepEqual(notifyCalls('INSTANCE', 'VI_1', n, 'FAULT', 90).map((c) => c.extraArgs), [['INSTANCE', 'VI_1', 'FAULT', '90']]);
  assert.deepEqual(notifyCalls('GROUP', 'G1', n, 'BACKUP', 77).map((c) => c.extraArgs), [['GROUP', 'G1', 'BACKUP', '0']]);
  assert.deepEqual(notifyCalls('INSTANCE', 'VI_1', { ...n, generic: ref(['/bin/n'], false) }, 'BACKUP', 1), [], 'a disabled script is not run');
  assert.deepEqual(['init', 'backup', 'master', 'fault'].map((s) => notifyStateOf(s as 'init')), ['STOP', 'BACKUP', 'MASTER', 'FAULT']);
});

test('Notifier writes FIFO lines in order to every FIFO, then starts scripts', () => {
  const log: string[] = [];
  const fifo = (tag: string): FifoWriter => ({ write: (l) => (log.push(`${tag}:${l}`), true) });
  const started: Array<[ScriptSpec, readonly string[]]> = [];
  const n = new Notifier([fifo('a'), fifo('b')], (s, args) => {
    log.push(`run:${s.argv[0]}`);
    started.push([s, args]);
  });
  const subject = { name: 'VI_1', notify: { ...emptyNotify(), backup: ref(['/b']), generic: ref(['/g']), masterRxLowerPri: ref(['/rx']) }, notifyPriorityChanges: true };
  n.instance(subject, 'BACKUP', 100);
  n.masterRxLowerPri(subject, 120);
  n.priorityChanged(subject, 'master', 90);
  n.priorityChanged({ ...subject, notifyPriorityChanges: false }, 'master', 91);
  n.group({ name: 'G1', notify: emptyNotify() }, 'MASTER');
  assert.deepEqual(log, [
    'a:INSTANCE "VI_1" BACKUP 100\n', 'b:INSTANCE "VI_1" BACKUP 100\n', 'run:/b', 'run:/g',
    'a:INSTANCE "VI_1" MASTER_RX_LOWER_PRI 120\n', 'b:INSTANCE "VI_1" MASTER_RX_LOWER_PRI 120\n', 'run:/rx',
    'a:INSTANCE "VI_1" MASTER_PRIORITY 90\n', 'b:INSTANCE "VI_1" MASTER_PRIORITY 90\n',
    'a:GROUP "G1" MASTER 0\n', 'b:GROUP "G1" MASTER 0\n',
  ]);
  assert.deepEqual(started[1]![1], ['INSTANCE', 'VI_1', 'BACKUP', '100']);
});
