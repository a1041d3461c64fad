// Small process helpers shared by the tests that start daemons: pidfiles, liveness, killing by PID, polling.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

/** The PID in a pidfile, or undefined when absent or empty. */
export function readPid(f: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(f, 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Sends a signal to a PID we started; a process already gone is fine. */
export function tryKill(pid: number | undefined, sig: NodeJS.Signals | number): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/** Polls `cond` every 25 ms; fails the test with `what` after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out (${ms} ms) waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
