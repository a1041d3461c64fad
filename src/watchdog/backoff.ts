// Respawn backoff for worker processes, as keepalived's calc_restart_delay (lib/scheduler.c):
// a worker that ran for a minute or more restarts at once; otherwise the first quick death restarts
// at once too, and the following ones wait 1 s, doubling, up to 60 s.

export interface BackoffState {
  /** The delay the next quick death will get, in ms (0: at once). */
  readonly nextDelayMs: number;
}

export const INITIAL_BACKOFF: BackoffState = { nextDelayMs: 0 };

export const LONG_RUN_MS = 60_000;
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 60_000;

/**
 * The delay before restarting a worker that started at `startedAt` and died at `now` (ms, monotonic).
 * Returns the delay and the state to keep for the next death.
 */
export function restartDelay(state: BackoffState, startedAt: number, now: number): { delayMs: number; state: BackoffState } {
  if (now - startedAt >= LONG_RUN_MS) return { delayMs: 0, state: INITIAL_BACKOFF };
  // keepalived: "next restart delay starts at 1, double each subsequent time, up to a limit of 1 minute";
  // the delay returned is the one computed last time (0 the first time).
  const delayMs = state.nextDelayMs;
  const next = delayMs === 0 ? FIRST_DELAY_MS : Math.min(delayMs * 2, MAX_DELAY_MS);
  return { delayMs, state: { nextDelayMs: next } };
}
