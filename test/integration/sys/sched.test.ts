// Real-time scheduling, nice, affinity, mlockall and RLIMIT_RTTIME reach the kernel (checked in a child via /proc and chrt).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = root ? false : 'real-time scheduling and mlockall need root (CAP_SYS_NICE, CAP_IPC_LOCK)';

function runChild(body: string): Record<string, unknown> {
  const code = `
    const fs = require('node:fs');
    const { spawnSync } = require('node:child_process');
    const sched = require(${JSON.stringify(require.resolve('../../../src/sys/sched'))});
    const out = {};
    const policyLine = () => (fs.readFileSync('/proc/self/sched', 'utf8').match(/^policy\\s*:\\s*(\\d+)/m) || [])[1];
    ${body}
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('SCHED_RR is set, read back from /proc/self/sched and chrt -p, and reset to SCHED_OTHER', { skip }, () => {
  const out = runChild(`
    out.range = sched.realtimePriorityRange();
    sched.setRealtime(10);
    out.rr = sched.getScheduler();
    out.procRr = policyLine();
    const c = spawnSync('chrt', ['-p', String(process.pid)], { encoding: 'utf8' });
    out.chrt = c.status === 0 ? c.stdout : null;
    sched.setNormal();
    out.other = sched.getScheduler();
    out.procOther = policyLine();`);
  assert.deepEqual(out['range'], [1, 99]);
  assert.deepEqual(out['rr'], { policy: 'rr', priority: 10, resetOnFork: true });
  assert.equal(out['procRr'], '2');
  if (out['chrt'] !== null) {
    assert.match(String(out['chrt']), /SCHED_RR\|SCHED_RESET_ON_FORK|SCHED_RR/);
    assert.match(String(out['chrt']), /priority: 10/);
  }
  assert.deepEqual(out['other'], { policy: 'other', priority: 0, resetOnFork: false });
  assert.equal(out['procOther'], '0');
});

test('nice, affinity, mlockall/munlockall and RLIMIT_RTTIME', { skip }, () => {
  const out = runChild(`
    sched.setNice(5);
    out.nice = sched.getNice();
    const cpus = sched.getAffinity();
    out.cpus = cpus;
    sched.setAffinity([cpus[0]]);
    out.pinned = sched.getAffinity();
    out.allowed = (fs.readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\\s*(\\S+)/m) || [])[1];
    sched.lockMemory();
    out.locked = Number((fs.readFileSync('/proc/self/status', 'utf8').match(/^VmLck:\\s*(\\d+)/m) || [])[1]);
    sched.unlockMemory();
    out.unlocked = Number((fs.readFileSync('/proc/self/status', 'utf8').match(/^VmLck:\\s*(\\d+)/m) || [])[1]);
    sched.setRtTimeLimit(200000, 300000);
    out.rttime = sched.getRtTimeLimit();
    out.limits = (fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max realtime timeout\\s+(\\d+)\\s+(\\d+)/m) || []).slice(1);
    try { sched.setRealtime(1000); } catch (e) { out.err = { code: e.code, errno: e.errno, syscall: e.syscall }; }`);
  assert.equal(out['nice'], 5);
  const cpus = out['cpus'] as number[];
  assert.ok(cpus.length >= 1);
  assert.deepEqual(out['pinned'], [cpus[0]]);
  assert.equal(out['allowed'], String(cpus[0]));
  assert.ok((out['locked'] as number) > 0, 'VmLck > 0 after mlockall');
  assert.equal(out['unlocked'], 0);
  assert.deepEqual(out['rttime'], [200000, 300000]);
  assert.deepEqual(out['limits'], ['200000', '300000']);
  assert.deepEqual(out['err'], { code: 'EINVAL', errno: 22, syscall: 'sched_setscheduler' });
});
