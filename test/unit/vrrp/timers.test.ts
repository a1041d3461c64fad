// Timer arithmetic against the RFC formulas and keepalived's measured timing (lab README §3).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { adverIntToMicros, masterDownInterval, microsToAdverInt, skewTime } from '../../../src/vrrp/timers';

test('v2: Skew_Time = (256 - prio)/256 s, independent of the interval (RFC 3768 §6.1)', () => {
  assert.equal(skewTime(2, 100, 1_000_000), 609_375);
  assert.equal(skewTime(2, 100, 5_000_000), 609_375);
  assert.equal(masterDownInterval(2, 100, 1_000_000), 3_609_375); // lab: 3609.5 ms
});

test('v3: Skew_Time = ((256 - prio) × Master_Adver_Interval)/256 (RFC 5798 §6.1), keepalived rounding', () => {
  assert.equal(skewTime(3, 100, 100_000), 60_937); // 60.9375 ms truncated; lab: 61.1 ms
  assert.equal(masterDownInterval(3, 100, 100_000), 360_937); // lab: 361.1 ms
  assert.equal(skewTime(3, 100, 1_000_000), 609_375);
  assert.equal(skewTime(3, 255, 100_000), 390);
  assert.equal(masterDownInterval(3, 100, 100_000, 5), 560_937);
});

test('interval units: v2 seconds, v3 centiseconds (12 bits)', () => {
  assert.equal(adverIntToMicros(2, 1), 1_000_000);
  assert.equal(adverIntToMicros(3, 10), 100_000);
  assert.equal(microsToAdverInt(3, 100_000), 10);
  assert.equal(microsToAdverInt(3, 100_000_000), 4095);
  assert.equal(microsToAdverInt(2, 3_000_000), 3);
});
