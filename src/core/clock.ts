// Injected time for the daemon: a monotonic clock and cancellable timers (real ones here; tests pass fakes).

/** A cancellable timer handle. */
export interface TimerHandle {
  cancel(): void;
}

/** Monotonic time in milliseconds and timers; the only source of time for core and watchdog logic. */
export interface Clock {
  /** Monotonic milliseconds (never goes backwards; unrelated to wall time). */
  now(): number;
  /** Wall-clock time, for log and dump timestamps only. */
  wallNow(): Date;
  /** Calls fn after ms; the timer does not keep the process alive when `unref` is true. */
  setTimer(ms: number, fn: () => void, unref?: boolean): TimerHandle;
}

/** The real clock: performance.now() and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => new Date(),
  setTimer(ms, fn, unref = false) {
    const t = setTimeout(fn, ms);
    if (unref) t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
