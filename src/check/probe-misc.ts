// MISC_CHECK: run the script as uid/gid in its own process group; misc_timeout kills the whole group; exit status decides.
import { spawn } from 'node:child_process';
import { type ProbeResult, fail } from './types';

/** MISC_CHECK options. */
export interface MiscProbeOptions {
  readonly argv: readonly string[];
  readonly uid: number | null;
  readonly gid: number | null;
  /** misc_timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly dynamic: boolean;
  /** Grace between SIGTERM and SIGKILL of the group on timeout (keepalived waits before forcing). Default 1000. */
  readonly killGraceMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* group already gone */
  }
}

/** Interprets an exit status as keepalived does: 0 ok, 1 fail, 2..255 ok with weight status-2 under misc_dynamic. */
export function judgeExit(code: number, dynamic: boolean): ProbeResult {
  if (code === 0) return { ok: true, detail: 'exited with status 0' };
  if (dynamic && code >= 2 && code <= 255) return { ok: true, weight: code - 2, detail: `exited with status ${code}` };
  return fail('exit-status', `exited with status ${code}`);
}

/**
 * One MISC_CHECK attempt. The child is the leader of a new process group, so on timeout SIGTERM and
 * then SIGKILL reach everything it started. Resolves only after the child has been reaped.
 */
export function probeMisc(o: MiscProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = o.argv;
    if (cmd === undefined) return resolve(fail('spawn', 'empty command'));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(cmd, args, {
      detached: true,
      stdio: 'ignore',
      env: o.env ?? process.env,
      ...(o.uid !== null ? { uid: o.uid } : {}),
      ...(o.gid !== null ? { gid: o.gid } : {}),
    });
    const pid = child.pid;
    const terminate = (): void => {
      if (pid === undefined) return;
      timedOut = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), o.killGraceMs ?? 1000);
    };
    const timer = setTimeout(terminate, o.timeoutMs);
    const onAbort = (): void => terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | null = null;
    child.once('error', (e) => {
      spawnError = e;
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // children left behind by a killed script die with it
      if (pid !== undefined && (timedOut || sig !== null)) killGroup(pid, 'SIGKILL');
      if (spawnError) return resolve(fail('spawn', `cannot run ${cmd}: ${spawnError.message}`));
      if (timedOut) return resolve(fail('timeout', 'timed out'));
      if (sig !== null) return resolve(fail('signal', `failed (due to signal ${sig})`));
      resolve(judgeExit(code ?? 255, o.dynamic));
    });
  });
}
