// Supervisor tests with tiny child programs (test/fixtures/daemon/child): crash -> respawn with backoff, hang -> SIGKILL, -R -> give up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import pino from 'pino';
import { systemClock } from '../../../src/core/clock';
import { WorkerSupervisor } from '../../../src/watchdog/supervisor';

const CHILD = path.join(__dirname, '..', '..', 'fixtures', 'daemon', 'child.js');
const logger = pino({ level: 'silent' });

function sup(mode: string, extra: Partial<ConstructorParameters<typeof WorkerSupervisor>[0]> = {}): WorkerSupervisor {
  return new WorkerSupervisor({ role: 'vrrp', label: 'VRRP', modulePath: CHILD, args: [mode], respawn: true, clock: systemClock, logger, pingIntervalMs: 100, pingTimeoutMs: 500, ...extra });
}

const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
};

test('a crashing worker is respawned at once the first time, then after keepalived\'s 1 s delay', async () => {
  const s = sup('crash');
  const exits: number[] = [];
  const spawnedAt: number[] = [];
  s.on('exit', () => exits.push(Date.now()));
  s.on('spawn', () => spawnedAt.push(Date.now()));
  s.start();
  assert.ok(await waitFor(() => s.spawns >= 3, 6000), 'respawned twice');
  const first = spawnedAt[1]! - exits[0]!;
  const second = spawnedAt[2]! - exits[1]!;
  assert.ok(first < 500, `first respawn delay ${first} ms`);
  assert.ok(second >= 950 && second < 2500, `second respawn delay ${second} ms`);
  await s.stop(500);
  assert.equal(s.running, false);
});

test('a hung worker is found by the ping deadline, SIGKILLed and replaced', async () => {
  const s = sup('hang', { pingTimeoutMs: 400 });
  let hungAt = 0;
  const pids: number[] = [];
  s.on('spawn', (p: number) => pids.push(p));
  s.on('hung', () => (hungAt = Date.now()));
  const t0 = Date.now();
  s.start();
  assert.ok(await waitFor(() => hungAt > 0, 3000), 'hang detected');
  // blocked at 200 ms; deadline 400 ms; ping every 100 ms
  assert.ok(hungAt - t0 < 1200, `detected after ${hungAt - t0} ms`);
  assert.ok(await waitFor(() => pids.length >= 2, 3000), 'replaced');
  assert.equal(s.hungKills >= 1, true);
  await s.stop(300);
});

test('with -R the supervisor gives up instead of respawning', async () => {
  const s = sup('exit0', { respawn: false });
  let gaveUp = false;
  s.on('gave-up', () => (gaveUp = true));
  s.start();
  assert.ok(await waitFor(() => gaveUp, 3000));
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(s.spawns, 1);
});

test('stop asks the worker, which exits at once; requests to a stopped worker reject', async () => {
  const s = sup('ok');
  s.start();
  const t0 = Date.now();
  await s.stop(3000);
  assert.ok(Date.now() - t0 < 1500);
  await assert.rejects(s.request({ t: 'reload' }, 100), /not running/);
});
