// One timer for every instance's deadlines: order, cancel and re-arm, same-pass skipping, and the
// shared "now" of a pass, on a fake clock (no real sleeping).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineScheduler, TimerSlot, type SchedulerHost } from '../../../src/vrrp/scheduler';

/** A fake clock with one pending timer, advanced by hand. */
class FakeHost implements SchedulerHost {
  t = 1_000_000;
  private pending: { at: number; fn: () => void; id: number } | null = null;
  private ids = 0;
  timersSet = 0;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    this.timersSet++;
    this.pending = { at: this.t + Math.round(ms * 1000), fn, id: ++this.ids };
    return this.pending.id;
  }
  clearTimer(h: unknown): void {
    if (this.pending?.id === h) this.pending = null;
  }
  /** Moves time forward to `to` µs, firing the timer whenever it is due. */
  advance(to: number): void {
    while (this.pending && this.pending.at <= to) {
      const p = this.pending;
      this.pending = null;
      this.t = p.at;
      p.fn();
    }
    this.t = to;
  }
}

test('slots fire in deadline order, at their deadline', () => {
  const h = new FakeHost();
  const s = new DeadlineScheduler(h);
  const got: [string, number][] = [];
  const mk = (n: string): TimerSlot => new TimerSlot(() => got.push([n, h.now()]));
  const t0 = h.t;
  s.arm(mk('c'), t0 + 30_000);
  s.arm(mk('a'), t0 + 10_000);
  s.arm(mk('b'), t0 + 20_000);
  h.advance(t0 + 50_000);
  assert.deepEqual(got, [['a', t0 + 10_000], ['b', t0 + 20_000], ['c', t0 + 30_000]]);
  assert.equal(s.size, 0);
});

test('cancel and re-arm move a deadline; only one Node timer is ever pending', () => {
  const h = new FakeHost();
  const s = new DeadlineScheduler(h);
  const got: string[] = [];
  const a = new TimerSlot(() => got.push('a'));
  const b = new TimerSlot(() => got.push('b'));
  const t0 = h.t;
  s.arm(a, t0 + 5_000);
  s.arm(b, t0 + 6_000);
  s.cancel(a);
  s.arm(b, t0 + 15_000);
  h.advance(t0 + 10_000);
  assert.deepEqual(got, []);
  h.advance(t0 + 20_000);
  assert.deepEqual(got, ['b']);
});

test('a slot cancelled or re-armed by an earlier one in the same pass does not fire in that pass', () => {
  const h = new FakeHost();
  const s = new DeadlineScheduler(h);
  const got: string[] = [];
  const b = new TimerSlot(() => got.push('b'));
  const c = new TimerSlot(() => got.push('c'));
  const a = new TimerSlot(() => {
    got.push('a');
    s.cancel(b);
    s.arm(c, s.now() + 20_000);
  });
  const t0 = h.t;
  s.arm(a, t0 + 5_000);
  s.arm(b, t0 + 5_000);
  s.arm(c, t0 + 5_000);
  h.advance(t0 + 10_000);
  assert.deepEqual(got, ['a']);
  h.advance(t0 + 30_000);
  assert.deepEqual(got, ['a', 'c']);
});

test('deadlines due together share the pass time, so re-armed instances stay together', () => {
  const h = new FakeHost();
  const s = new DeadlineScheduler(h);
  const seen: number[] = [];
  const slots: TimerSlot[] = [];
  for (let i = 0; i < 200; i++) {
    const slot: TimerSlot = new TimerSlot(() => {
      seen.push(s.now());
      s.arm(slot, s.now() + 100_000);
    });
    slots.push(slot);
    s.arm(slot, h.t + 100_000);
  }
  const before = h.timersSet;
  h.advance(h.t + 100_000);
  assert.equal(seen.length, 200);
  assert.equal(new Set(seen).size, 1, 'one "now" for the whole pass');
  h.advance(h.t + 100_000);
  assert.equal(seen.length, 400);
  assert.ok(h.timersSet - before <= 3, `one timer per pass, not per slot (${h.timersSet - before})`);
  assert.equal(s.size, 200);
  s.clear();
  assert.equal(s.size, 0);
});
