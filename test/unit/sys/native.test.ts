// The addon builds, loads, and its process calls reach the kernel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { native } from '../../../src/sys/native';

test('parent-death signal is set in the kernel and read back', () => {
  // Run in a child so this test runner's own setting is untouched.
  const code = `
    const { native } = require(${JSON.stringify(require.resolve('../../../src/sys/native'))});
    const before = native.getParentDeathSignal();
    native.setParentDeathSignal(${os.constants.signals.SIGTERM});
    const after = native.getParentDeathSignal();
    native.setParentDeathSignal(0);
    process.stdout.write(JSON.stringify({ before, after, cleared: native.getParentDeathSignal() }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: 0, after: os.constants.signals.SIGTERM, cleared: 0 });
});

test('an invalid signal number is refused with an errno-shaped error', () => {
  assert.throws(() => native.setParentDeathSignal(1000), (e: unknown) => {
    const err = e as { code?: string; syscall?: string; errno?: number };
    return err.code === 'EINVAL' && err.syscall === 'prctl' && err.errno === os.constants.errno.EINVAL;
  });
});
