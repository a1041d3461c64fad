// Respawn backoff for worker processes, as keepalived's calc_restart_delay (lib/scheduler.c):
// a worker that ran for a minute or more restarts at once; otherwise 1 s, doubling, up to 60 s.

export interface BackoffState {
  /** The delay the next quick death will get, in ms (0 = none yet). */
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
  const delayMs = state.nextDelayMs === 0 ? FIRST_DELAY_MS : state.nextDelayMs;
  return { delayMs, state: { nextDelayMs: Math.min(delayMs * 2, MAX_DELAY_MS) } };
}
