// The daemon says once, at start, which configured features it checks but does not act upon (e.g. smtp_alert).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath } from '../../helpers/paths';

test('smtp_alert in two instances: one warning naming it, at start', { timeout: 30_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-pod-'));
  const conf = path.join(dir, 'k.conf');
  fs.writeFileSync(conf, [
    'vrrp_instance A {', '  interface lo', '  virtual_router_id 1', '  smtp_alert', '  virtual_ipaddress {', '    192.0.2.1', '  }', '}',
    'vrrp_instance B {', '  interface lo', '  virtual_router_id 2', '  smtp_alert', '  virtual_ipaddress {', '    192.0.2.2', '  }', '}',
  ].join('\n') + '\n');
  // -C: only the checker worker, which has nothing to do here; the parent's start-up message is what we look at.
  const p = spawn(process.execPath, [cliPath, '-n', '-l', '-G', '-C', '--all', '-f', conf, '-p', path.join(dir, 'p.pid'), '-r', path.join(dir, 'v.pid'), '-c', path.join(dir, 'c.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 20_000;
  while (!/Starting Healthcheck child process/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  const lines = out.split('\n').filter((l) => /smtp_alert .* is accepted but not acted upon/.test(l));
  assert.equal(lines.length, 1, out);
  assert.match(lines[0]!, /smtp_alert \(vrrp_instance, .*k\.conf:4\)/);
});
