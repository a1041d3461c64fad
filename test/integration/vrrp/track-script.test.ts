// Integration: real vrrp_scripts in a temp dir drive the Tracker through fall and rise; a hanging script is killed at its timeout with its children.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tracker } from '../../../src/vrrp/track/tracker';
import { runScript } from '../../../src/vrrp/track/run-script';
import type { ScriptRunReport } from '../../../src/vrrp/track/track-script';
import { emptyVrrpConfig, newVrrpInstance } from '../../../src/config/model/vrrp';
import { waitFor } from '../../helpers/netns';

const skip = process.platform !== 'linux' ? 'needs Linux process groups' : undefined;
const loc = { file: 't', line: 1, col: 1 };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tska-track-'));
}

function script(dir: string, name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

test('a failing vrrp_script faults / lowers priority after `fall` failures and recovers after `rise` successes', { skip, timeout: 20_000 }, async () => {
  const dir = tmp();
  const okFile = path.join(dir, 'ok');
  fs.writeFileSync(okFile, '1');
  const chk = script(dir, 'chk.sh', `[ "$(cat ${okFile})" = 1 ]`);
  const cfg = emptyVrrpConfig();
  cfg.scripts.push({
    loc, name: 'chk', script: { loc, command: chk, check: { ok: true, argv: [chk], uid: null, gid: null } }, user: null, userLoc: null,
    intervalUs: 100_000, timeoutUs: 2_000_000, timeoutConfigured: null, weight: -30, weightReverse: false, rise: 3, fall: 2, initFail: false, enabled: true,
  });
  const a = newVrrpInstance('VI_1', loc);
  a.trackScripts.push({ loc, name: 'chk', weight: null, reverse: false });
  const b = newVrrpInstance('VI_2', loc);
  b.trackScripts.push({ loc, name: 'chk', weight: 0, reverse: false });
  cfg.instances.push(a, b);
  const runs: ScriptRunReport[] = [];
  const tr = new Tracker(cfg, { onScriptRun: (r) => runs.push(r) });
  try {
    await tr.start();
    await waitFor(() => runs.length >= 1, 5000);
    assert.deepEqual([tr.state('VI_1').priority, tr.state('VI_2').fault, tr.state('VI_2').pending], [100, false, false]);

    fs.writeFileSync(okFile, '0');
    const failStart = runs.length;
    await waitFor(() => tr.state('VI_2').fault, 5000);
    const failing = runs.slice(failStart).filter((r) => !r.ok);
    assert.equal(failing.length, 2, 'down exactly at the 2nd failure (fall 2)');
    assert.equal(failing[0]!.up, true);
    assert.equal(tr.state('VI_1').priority, 70);

    fs.writeFileSync(okFile, '1');
    const riseStart = runs.length;
    await waitFor(() => !tr.state('VI_2').fault, 5000);
    const good = runs.slice(riseStart).filter((r) => r.ok);
    assert.equal(good.length, 3, 'up exactly at the 3rd success (rise 3)');
    assert.equal(tr.state('VI_1').priority, 100);
  } finally {
    await tr.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // An orphaned grandchild may sit as a zombie until PID 1 reaps it: it no longer runs.
    return st.charAt(st.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

test('a hanging script is killed at its timeout together with its children', { skip, timeout: 20_000 }, async () => {
  const dir = tmp();
  const pids = path.join(dir, 'pids');
  // Ignores SIGTERM, so only the SIGKILL of the whole group ends it; its child sleeps too.
  const hang = script(dir, 'hang.sh', `trap '' TERM\nsleep 1000 &\necho "$$ $!" > ${pids}\nwait\nsleep 1000`);
  try {
    const t0 = Date.now();
    const r = runScript({ argv: [hang], uid: null, gid: null }, 300, { graceMs: 300 });
    await waitFor(() => fs.existsSync(pids) && fs.readFileSync(pids, 'utf8').includes(' '), 3000);
    const [leader, child] = fs.readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    assert.equal(alive(leader) && alive(child), true);
    const outcome = await r.done;
    assert.deepEqual(outcome, { type: 'timeout' });
    assert.ok(Date.now() - t0 >= 300, 'not killed before its timeout');
    await waitFor(() => !alive(leader) && !alive(child), 3000);
    assert.equal(fs.existsSync(`/proc/${leader}`), false, 'the script itself was reaped (no zombie)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a script that exits on SIGTERM still has its children killed', { skip, timeout: 20_000 }, async () => {
  const dir = tmp();
  const pids = path.join(dir, 'pids');
  const hang = script(dir, 'hang2.sh', `sleep 1000 &\necho "$$ $!" > ${pids}\nwait`);
  try {
    const r = runScript({ argv: [hang], uid: null, gid: null }, 300, { graceMs: 5000 });
    await waitFor(() => fs.existsSync(pids) && fs.readFileSync(pids, 'utf8').includes(' '), 3000);
    const [, child] = fs.readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    const t0 = Date.now();
    assert.deepEqual(await r.done, { type: 'timeout' });
    await waitFor(() => !alive(child), 3000);
    assert.ok(Date.now() - t0 < 4000, 'did not wait for the SIGKILL grace');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
