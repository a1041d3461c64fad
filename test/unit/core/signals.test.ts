// Unit tests for numbered signals: SIGJSON (36) and STATS_CLEAR (63) handled in Node 20 without dying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGJSON, SIGSTATS_CLEAR, canHandleSignalNumbers, onSignalNumber } from '../../../src/core/signals';

test('keepalived numbers', () => {
  assert.equal(SIGJSON, 36);
  assert.equal(SIGSTATS_CLEAR, 63);
});

test('signal 36 and 63 reach the handler', { skip: canHandleSignalNumbers() ? false : 'no SignalWrap in this Node' }, async () => {
  for (const n of [SIGJSON, SIGSTATS_CLEAR]) {
    let got = 0;
    const h = onSignalNumber(n, () => got++);
    process.kill(process.pid, n);
    for (let i = 0; i < 50 && got === 0; i++) await new Promise((r) => setTimeout(r, 10));
    h.close();
    assert.equal(got, 1, `signal ${n}`);
  }
});

test('named signals go through process.on', async () => {
  let got = 0;
  const h = onSignalNumber(12, () => got++); // SIGUSR2
  process.kill(process.pid, 'SIGUSR2');
  for (let i = 0; i < 50 && got === 0; i++) await new Promise((r) => setTimeout(r, 10));
  h.close();
  assert.equal(got, 1);
});
