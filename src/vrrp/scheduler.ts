// One Node timer for every instance's deadlines (advert, master-down, GARP): a binary min-heap of preallocated slots, no allocation per advert.
import type { Micros } from './timers';

/** Monotonic microseconds (the clock the state machine's deadlines are in). */
export function nowMicros(): Micros {
  return Math.round(performance.now() * 1000);
}

/**
 * A deadline owned by one instance and timer kind, reused for every arming. Fires at or after
 * `at` (never before: Node timers have 1 ms resolution, so the shared timer re-arms for what is
 * left, as the per-instance timers did).
 */
export class TimerSlot {
  /** Absolute deadline in µs; meaningful while {@link armed}. */
  at = 0;
  /** Position in the heap, -1 when not armed. */
  index = -1;
  /** Arming order, to run slots due at the same time in the order they were armed. */
  seq = 0;
  /** Taken off the heap to run in the current pass; cleared when re-armed or cancelled meanwhile. */
  pending = false;

  /**
   * How early (µs) the slot may run when the scheduler is awake anyway. The default is the
   * tolerance of Node's timers; a larger one lets deadlines that are close together share a wake-up.
   */
  constructor(readonly fire: () => void, readonly early: Micros = EARLY_TOLERANCE_US) {}

  get armed(): boolean {
    return this.index >= 0;
  }
}

function byDeadline(a: TimerSlot, b: TimerSlot): number {
  return a.at - b.at || a.seq - b.seq;
}

/** Deadlines closer than this to "now" are due (the per-instance timers used the same tolerance). */
export const EARLY_TOLERANCE_US = 200;

/**
 * Runs every instance's deadlines from one Node timer. With 100 instances at 0.1 s this replaces
 * about 1000 timer objects created, queued and collected per second (each with its own list in
 * Node's timer queue, the durations being fractional) by in-place heap updates; deadlines that
 * fall due together run in one wake-up.
 */
/** Where the scheduler takes its time and its one timer from (tests pass a fake clock). */
export interface SchedulerHost {
  now(): Micros;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const nodeHost: SchedulerHost = {
  now: nowMicros,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class DeadlineScheduler {
  private readonly heap: TimerSlot[] = [];
  private timer: unknown = null;
  /** Deadline (µs) the Node timer was set for; Infinity when none. */
  private timerAt = Infinity;
  private seq = 0;
  private running = false;
  private readonly onTimeout = (): void => this.run();
  /** Scratch list of the slots due in one pass (reused). */
  private readonly due: TimerSlot[] = [];
  /** The largest {@link TimerSlot.early} armed so far: bounds the heap walk in {@link collect}. */
  private maxEarly = EARLY_TOLERANCE_US;

  /** Time of the current pass (µs). */
  private passNow = 0;

  constructor(private readonly host: SchedulerHost = nodeHost) {}

  /**
   * "Now" for a timer that fires: the time the pass started, the same for every deadline run in it
   * (keepalived takes time_now once per wake-up too). Deadlines re-armed from it stay together, so
   * instances that fired together fire together next time. Outside a pass, the clock.
   */
  now(): Micros {
    return this.running ? this.passNow : this.host.now();
  }

  /** Number of armed slots. */
  get size(): number {
    return this.heap.length;
  }

  /** Arms (or re-arms) `slot` for `at` µs. */
  arm(slot: TimerSlot, at: Micros): void {
    slot.pending = false;
    if (slot.early > this.maxEarly) this.maxEarly = slot.early;
    slot.at = at;
    slot.seq = ++this.seq;
    if (slot.index < 0) {
      slot.index = this.heap.length;
      this.heap.push(slot);
      this.up(slot.index);
    } else {
      this.up(slot.index);
      this.down(slot.index);
    }
    if (!this.running) this.schedule();
  }

  /** Disarms `slot` (no-op when not armed). */
  cancel(slot: TimerSlot): void {
    slot.pending = false;
    this.remove(slot);
    if (!this.running) this.schedule();
  }

  private remove(slot: TimerSlot): void {
    const i = slot.index;
    if (i < 0) return;
    const last = this.heap.pop()!;
    slot.index = -1;
    if (last !== slot) {
      this.heap[i] = last;
      last.index = i;
      this.up(i);
      this.down(i);
    }
  }

  /** Drops every slot and the Node timer. */
  clear(): void {
    for (const s of this.heap) {
      s.index = -1;
      s.pending = false;
    }
    this.heap.length = 0;
    this.stopTimer();
  }

  private run(): void {
    this.timer = null;
    this.timerAt = Infinity;
    this.running = true;
    try {
      // What is due now runs in this pass; a slot armed while running waits for the next one.
      const now = this.host.now();
      this.passNow = now;
      this.due.length = 0;
      // A pass runs only when something is due within the timers' tolerance (Node's clock is cached
      // per loop turn and may wake us early); then deadlines allowed to run early join it.
      const head = this.heap[0];
      if (head !== undefined && head.at <= now + EARLY_TOLERANCE_US) this.collect(0, now);
      // In deadline order (then arming order), as separate timers would have run them.
      if (this.due.length > 1) this.due.sort(byDeadline);
      for (let i = 0; i < this.due.length; i++) {
        const s = this.due[i]!;
        this.remove(s);
        s.pending = true;
      }
      for (let i = 0; i < this.due.length; i++) {
        const s = this.due[i]!;
        // Skipped when an earlier one in this pass re-armed or cancelled it (as clearTimeout would have).
        if (!s.pending) continue;
        s.pending = false;
        s.fire();
      }
      this.due.length = 0;
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** Points the Node timer at the earliest deadline. */
  private schedule(): void {
    const head = this.heap[0];
    if (head === undefined) {
      this.stopTimer();
      return;
    }
    if (this.timer !== null && this.timerAt <= head.at) return; // fires early enough; run() re-checks
    this.stopTimer();
    this.timerAt = head.at;
    this.timer = this.host.setTimer(this.onTimeout, Math.max(0, (head.at - this.host.now()) / 1000));
  }

  private stopTimer(): void {
    if (this.timer !== null) this.host.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** Adds the slots of the subtree at `i` that are due at `now` (each within its own tolerance). */
  private collect(i: number, now: Micros): void {
    const s = this.heap[i];
    if (s === undefined || s.at > now + this.maxEarly) return; // nothing below is due either
    if (s.at <= now + s.early) this.due.push(s);
    this.collect(2 * i + 1, now);
    this.collect(2 * i + 2, now);
  }

  private less(a: TimerSlot, b: TimerSlot): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const s = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = h[p]!;
      if (!this.less(s, ps)) break;
      h[i] = ps;
      ps.index = i;
      i = p;
    }
    h[i] = s;
    s.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const s = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      const cs = h[c]!;
      if (!this.less(cs, s)) break;
      h[i] = cs;
      cs.index = i;
      i = c;
    }
    h[i] = s;
    s.index = i;
  }
}

/** The process-wide scheduler every instance uses (one per VRRP process, like keepalived's thread master). */
export const sharedScheduler = new DeadlineScheduler();
