// systemd/tskeepalived.service passes `systemd-analyze verify` without a warning, and says what README promises.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

const unitPath = path.join(repoRoot, 'systemd', 'tskeepalived.service');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.status === 0 ? false : 'systemd-analyze is not installed (Debian package systemd)';

/** Verifies a copy of the unit whose ExecStart names this checkout's binary (verify checks that it exists). */
function verify(text: string): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-unit-'));
  try {
    const file = path.join(dir, 'tskeepalived.service');
    fs.writeFileSync(file, text.replace('/usr/local/bin/tskeepalived', path.join(repoRoot, 'bin', 'tskeepalived')));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the unit verifies cleanly with systemd-analyze', { skip }, () => {
  const r = verify(fs.readFileSync(unitPath, 'utf8'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('a broken unit does not (the check can fail)', { skip }, () => {
  const r = verify(fs.readFileSync(unitPath, 'utf8').replace('Type=notify', 'Type=notifyy'));
  assert.match(r.stderr, /Failed to parse service type/);
});

test('the unit is Type=notify, reloads with SIGHUP and reads keepalived\'s environment files', () => {
  const text = fs.readFileSync(unitPath, 'utf8');
  for (const line of [
    'Type=notify',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'EnvironmentFile=-/etc/sysconfig/keepalived',
    'EnvironmentFile=-/etc/default/keepalived',
    'Conflicts=keepalived.service',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing: ${line}`);
  }
  assert.match(text, /^ExecStart=\S+tskeepalived --dont-fork \$KEEPALIVED_OPTIONS \$DAEMON_ARGS$/m);
  const caps = /^CapabilityBoundingSet=(.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
  assert.deepEqual([...caps].sort(), ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_MODULE', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE']);
});
