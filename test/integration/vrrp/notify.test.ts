// Integration: notify scripts receive exactly keepalived's arguments; the notify FIFO gets the right lines in order, never blocks, and feeds notify_fifo_script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Notifier, NotifyFifo } from '../../../src/vrrp/notify';
import { emptyNotify, type ScriptRef } from '../../../src/config/model/vrrp';
import { waitFor } from '../../helpers/netns';

const loc = { file: 't', line: 1, col: 1 };
const ref = (argv: string[]): ScriptRef => ({ loc, command: argv.join(' '), check: { ok: true, argv, uid: null, gid: null } });

function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

test('notify scripts get exactly keepalived\'s arguments', { timeout: 20_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-notify-'));
  const out = path.join(dir, 'out');
  const s = path.join(dir, 'n.sh');
  fs.writeFileSync(s, `#!/bin/sh\necho "$0|$*" >> ${out}\n`, { mode: 0o755 });
  const n = new Notifier([]);
  try {
    const inst = { name: 'VI_1', notify: { ...emptyNotify(), master: ref([s, 'm-arg']), generic: ref([s, 'g1', 'g 2']) } };
    n.instance(inst, 'MASTER', 100);
    await waitFor(() => lines(out).length === 2, 5000);
    n.instance(inst, 'STOP', 100);
    await waitFor(() => lines(out).length === 3, 5000);
    n.group({ name: 'G1', notify: { ...emptyNotify(), backup: ref([s]), generic: ref([s]) } }, 'BACKUP');
    await waitFor(() => lines(out).length === 5, 5000);
    const got = lines(out);
    assert.deepEqual(new Set(got.slice(0, 2)), new Set([`${s}|m-arg`, `${s}|g1 g 2 INSTANCE VI_1 MASTER 100`]));
    assert.equal(got[2], `${s}|g1 g 2 INSTANCE VI_1 STOP 100`);
    assert.deepEqual(new Set(got.slice(3)), new Set([`${s}|`, `${s}|GROUP G1 BACKUP 0`]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('notify FIFO: created if absent, lines in order, never blocks without a reader, removed on close', { timeout: 20_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-fifo-'));
  const p = path.join(dir, 'fifo');
  const fifo = new NotifyFifo({ path: p });
  try {
    await fifo.open();
    assert.ok(fs.statSync(p).isFIFO());
    const n = new Notifier([fifo]);
    const subject = { name: 'VI_1', notify: emptyNotify() };
    n.instance(subject, 'BACKUP', 100);
    n.instance(subject, 'MASTER', 100);
    n.masterRxLowerPri(subject, 100);
    n.group({ name: 'G1', notify: emptyNotify() }, 'MASTER');
    const rd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const buf = Buffer.alloc(4096);
    const got = buf.subarray(0, fs.readSync(rd, buf, 0, buf.length, null)).toString();
    fs.closeSync(rd);
    assert.equal(got, 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\nGROUP "G1" MASTER 0\n');
    const t0 = Date.now();
    for (let i = 0; i < 5000; i++) n.instance(subject, 'MASTER', 100);
    assert.ok(fifo.dropped > 0, 'a full pipe drops lines');
    assert.ok(Date.now() - t0 < 2000, 'never blocked');
  } finally {
    fifo.close();
  }
  assert.equal(fs.existsSync(p), false, 'the FIFO we created is removed');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('notify_fifo_script reads the FIFO it is given and is stopped on close', { timeout: 20_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-fifo-'));
  const p = path.join(dir, 'fifo');
  const out = path.join(dir, 'out');
  const reader = path.join(dir, 'reader.sh');
  fs.writeFileSync(reader, `#!/bin/sh\nwhile read -r line; do echo "$line" >> ${out}; done < "$1"\n`, { mode: 0o755 });
  const fifo = new NotifyFifo({ path: p, script: { argv: [reader], uid: null, gid: null } });
  try {
    await fifo.open();
    const n = new Notifier([fifo]);
    n.instance({ name: 'VI_1', notify: emptyNotify() }, 'FAULT', 50);
    n.group({ name: 'G1', notify: emptyNotify() }, 'FAULT');
    await waitFor(() => lines(out).length === 2, 5000);
    assert.deepEqual(lines(out), ['INSTANCE "VI_1" FAULT 50', 'GROUP "G1" FAULT 0']);
    const pid = fifo.readerPid!;
    fifo.close();
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000);
  } finally {
    fifo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
