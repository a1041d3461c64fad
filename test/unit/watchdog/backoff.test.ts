// Respawn backoff: at once after a long run, otherwise 1 s doubling to 60 s.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { INITIAL_BACKOFF, restartDelay } from '../../../src/watchdog/backoff';

test('the first quick death restarts at once, then 1, 2, 4 ... 60 s', () => {
  let s = INITIAL_BACKOFF;
  const delays: number[] = [];
  let t = 0;
  for (let i = 0; i < 10; i++) {
    const r = restartDelay(s, t, t + 500);
    delays.push(r.delayMs);
    s = r.state;
    t += 500 + r.delayMs;
  }
  assert.deepEqual(delays, [0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test('a worker that ran a minute or more restarts at once and resets the backoff', () => {
  let r = restartDelay(INITIAL_BACKOFF, 0, 100);
  r = restartDelay(r.state, 0, 200);
  r = restartDelay(r.state, 0, 300);
  assert.equal(r.delayMs, 2000);
  const long = restartDelay(r.state, 1000, 61_000);
  assert.equal(long.delayMs, 0);
  assert.equal(restartDelay(long.state, 0, 10).delayMs, 0);
  assert.equal(restartDelay(restartDelay(long.state, 0, 10).state, 0, 20).delayMs, 1000);
});
