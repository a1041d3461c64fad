// A deterministic monotonic clock with timers for tests: time moves only when the test says so.
/** Microseconds, like src/vrrp/timers. */
export type FakeTime = number;

interface Pending {
  readonly id: number;
  readonly at: FakeTime;
  readonly cb: () => void;
}

/** Fake monotonic clock. Timers due at the same time run in the order they were set. */
export class FakeClock {
  private t: FakeTime;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start: FakeTime = 0) {
    this.t = start;
  }

  /** Current time. */
  now(): FakeTime {
    return this.t;
  }

  /** Runs `cb` when the clock reaches `at` (at once on the next advance if `at` is in the past). */
  setTimer(at: FakeTime, cb: () => void): number {
    const id = ++this.seq;
    this.pending.push({ id, at, cb });
    return id;
  }

  cancel(id: number): void {
    this.pending = this.pending.filter((p) => p.id !== id);
  }

  /** Number of timers still pending. */
  get size(): number {
    return this.pending.length;
  }

  /** Advances to `target`, running every timer due on the way in time order. */
  advanceTo(target: FakeTime): void {
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) if (p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      if (!next) break;
      const n = next;
      this.pending = this.pending.filter((p) => p !== n);
      if (n.at > this.t) this.t = n.at;
      n.cb();
    }
    if (target > this.t) this.t = target;
  }

  advanceBy(d: FakeTime): void {
    this.advanceTo(this.t + d);
  }
}
