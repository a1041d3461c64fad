// Unit tests for the IPC message guards and the keepalived state wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isParentMessage, isWorkerMessage } from '../../../src/core/ipc';
import { checkerServiceChange, formatService, vrrpEnteringState } from '../../../src/core/state-log';
import { debounce } from '../../../src/core/watch';

test('parent messages', () => {
  assert.ok(isParentMessage({ t: 'ping', seq: 1 }));
  assert.ok(isParentMessage({ t: 'dump', seq: 2, kind: 'json' }));
  assert.ok(!isParentMessage({ t: 'dump', seq: 2, kind: 'nope' }));
  assert.ok(!isParentMessage({ t: 'ping', seq: 1.5 }));
  assert.ok(!isParentMessage({ t: 'pong', seq: 1 }));
  assert.ok(!isParentMessage(null));
  assert.ok(!isParentMessage([1]));
});

test('worker messages', () => {
  assert.ok(isWorkerMessage({ t: 'pong', seq: 1 }));
  assert.ok(isWorkerMessage({ t: 'started', role: 'check', available: false, error: 'x' }));
  assert.ok(!isWorkerMessage({ t: 'started', role: 'bfd', available: true }));
  assert.ok(isWorkerMessage({ t: 'reloaded', seq: 3, ok: false }));
  assert.ok(!isWorkerMessage({ t: 'reloaded', seq: 3 }));
  assert.ok(isWorkerMessage({ t: 'state', role: 'vrrp', name: 'VI_1', state: 'MASTER' }));
  assert.ok(isWorkerMessage({ t: 'dump-reply', seq: 1, kind: 'data', data: {} }));
});

test('keepalived wording', () => {
  assert.equal(vrrpEnteringState('VI_1', 'MASTER'), '(VI_1) Entering MASTER STATE');
  assert.equal(checkerServiceChange(false, formatService('10.0.0.2', 'tcp', 80), formatService('10.0.0.1', 'tcp', 80)), 'Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80');
});

test('debounce fires once after the last trigger (fake timers)', () => {
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  let now = 0;
  let fired = 0;
  const dd = debounce(100, () => fired++, (ms, fn) => {
    const t = { at: now + ms, fn, live: true };
    timers.push(t);
    return { cancel: () => (t.live = false) };
  });
  const advance = (ms: number): void => {
    now += ms;
    for (const t of timers) if (t.live && t.at <= now) {
      t.live = false;
      t.fn();
    }
  };
  dd.trigger();
  advance(50);
  dd.trigger();
  advance(99);
  assert.equal(fired, 0);
  advance(1);
  assert.equal(fired, 1);
  advance(1000);
  assert.equal(fired, 1);
});
