// Unit tests for pidfiles as the single-instance lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { isOurCmdline, parsePidfile, pidfileHolder, removePidfile, writePidfile } from '../../../src/core/pidfile';

const TITLES = ['tskeepalived', 'tskeepalived_vrrp', 'tskeepalived_ipvs'];

test('parsePidfile', () => {
  assert.equal(parsePidfile('123\n'), 123);
  assert.equal(parsePidfile(' 7 '), 7);
  assert.equal(parsePidfile('0\n'), undefined);
  assert.equal(parsePidfile('12a'), undefined);
  assert.equal(parsePidfile(''), undefined);
});

test('isOurCmdline recognises our titles and our CLI, nothing else', () => {
  assert.equal(isOurCmdline('tskeepalived\0\0\0', TITLES), true);
  assert.equal(isOurCmdline('tskeepalived_vrrp', TITLES), true);
  assert.equal(isOurCmdline('/usr/bin/node\0/opt/tska/dist/src/cli/main.js\0-n\0', TITLES), true);
  assert.equal(isOurCmdline('/usr/sbin/sshd\0-D\0', TITLES), false);
  assert.equal(isOurCmdline('custom_parent', ['custom_parent']), true);
  assert.equal(isOurCmdline('', TITLES), false);
});

test('a pidfile naming a live process of ours is held; stale or foreign ones are not', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-pid-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'sub', 'k.pid');
  writePidfile(f, 999_999_99);
  assert.equal(fs.statSync(f).mode & 0o777, 0o644);
  assert.equal(pidfileHolder(f, TITLES), undefined, 'stale pid');
  // a live process that is not ours
  const sleeper = spawn('sleep', ['30']);
  t.after(() => sleeper.kill('SIGKILL'));
  writePidfile(f, sleeper.pid!);
  assert.equal(pidfileHolder(f, TITLES), undefined, 'foreign process');
  // a live process that looks like ours (title set the way the daemon does)
  const ours = spawn(process.execPath, ['-e', "process.title='tskeepalived'; setTimeout(()=>{}, 30000); process.stdout.write('x')"]);
  t.after(() => ours.kill('SIGKILL'));
  await new Promise((r) => ours.stdout.once('data', r));
  writePidfile(f, ours.pid!);
  assert.equal(pidfileHolder(f, TITLES), ours.pid);
  assert.equal(pidfileHolder(f, TITLES, ours.pid!), undefined, 'our own pid is not a lock against us');
  removePidfile(f, 12345);
  assert.ok(fs.existsSync(f), 'a pidfile naming someone else is left alone');
  removePidfile(f, ours.pid!);
  assert.ok(!fs.existsSync(f));
});
