// Every native export declared in src/sys/native.ts exists with the declared kind; helpers that need no privileges work.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { META, errnoError, isErrnoError, native } from '../../../src/sys/native';

const FUNCTIONS = [
  'setParentDeathSignal', 'getParentDeathSignal', 'setThreadName', 'getThreadName', 'setns',
  'setScheduler', 'getScheduler', 'getPriorityRange', 'setAffinity', 'getAffinity', 'mlockall', 'munlockall',
  'setRlimit', 'getRlimit', 'strerror', 'NativeSocket',
] as const;

const SOCKET_METHODS = [
  'fd', 'bindDevice', 'bindAddress', 'bindUnix', 'setMembership', 'setMulticastInterface', 'setIntOption',
  'getIntOption', 'setFilterIfindex', 'startReading', 'stopReading', 'send', 'close', 'ref', 'unref',
  'connect', 'watchConnect', 'detach',
] as const;

test('every declared function is exported', () => {
  for (const name of FUNCTIONS) assert.equal(typeof native[name], 'function', name);
  const exported = Object.keys(native).sort();
  assert.deepEqual(exported, [...FUNCTIONS, 'constants'].sort(), 'exports match the declared surface exactly');
});

test('constants are the Linux values', () => {
  const c = native.constants;
  for (const [k, v] of Object.entries(c)) assert.equal(typeof v, 'number', k);
  assert.equal(c.SCHED_RR, 2);
  assert.equal(c.SCHED_OTHER, 0);
  assert.equal(c.MCL_CURRENT | c.MCL_FUTURE, 3);
  assert.equal(c.RLIMIT_RTTIME, 15);
  assert.equal(c.CLONE_NEWNET, 0x40000000);
  assert.equal(c.ETH_P_ARP, 0x0806);
  assert.equal(c.EAGAIN, os.constants.errno.EAGAIN);
  assert.equal(c.META_SIZE, META.size);
});

test('a unix socket has every declared method and closes idempotently', () => {
  const s = new native.NativeSocket(native.constants.KIND_UNIX, 0, 0);
  for (const m of SOCKET_METHODS) assert.equal(typeof s[m], 'function', m);
  assert.ok(s.fd() >= 0);
  assert.ok(s.getIntOption(native.constants.SOL_SOCKET, native.constants.SO_SNDBUF) > 0);
  s.close();
  s.close();
  assert.equal(s.fd(), -1);
  assert.throws(() => s.getIntOption(native.constants.SOL_SOCKET, native.constants.SO_SNDBUF), (e: unknown) => isErrnoError(e) && e.code === 'EBADF');
});

test('bad arguments are TypeErrors, unknown kinds refused', () => {
  assert.throws(() => new native.NativeSocket(99, 0, 0), TypeError);
  assert.throws(() => native.setScheduler(Number.NaN as unknown as number, 'x' as unknown as number), TypeError);
});

test('errnoError and strerror give Node-style codes', () => {
  const e = errnoError(-os.constants.errno.EAGAIN, 'sendmsg');
  assert.equal(e.code, 'EAGAIN');
  assert.equal(e.errno, os.constants.errno.EAGAIN);
  assert.equal(e.syscall, 'sendmsg');
  assert.match(e.message, /^sendmsg: /);
  assert.deepEqual(native.strerror(2), { code: 'ENOENT', message: 'No such file or directory' });
});

test('scheduler and rlimit reads work unprivileged', () => {
  const s = native.getScheduler();
  assert.equal(typeof s.policy, 'number');
  assert.equal(typeof s.priority, 'number');
  const [soft, hard] = native.getRlimit(native.constants.RLIMIT_RTTIME);
  assert.equal(typeof soft, 'number');
  assert.equal(typeof hard, 'number');
  assert.ok(native.getAffinity().length >= 1);
});

test('process name: process.title also sets comm; setProcessName keeps 15 bytes', () => {
  const code = `
    const fs = require('node:fs');
    const pn = require(${JSON.stringify(require.resolve('../../../src/sys/process-name'))});
    const kept = pn.setProcessName('tskeepalived_vrrp');
    process.stdout.write(JSON.stringify({ kept, comm: fs.readFileSync('/proc/self/comm', 'utf8').trim(), title: process.title }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { kept: 'tskeepalived_vr', comm: 'tskeepalived_vr', title: 'tskeepalived_vrrp' });
});
