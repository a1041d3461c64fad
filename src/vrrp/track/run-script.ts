// Runs scripts as keepalived does: in their own process group, as a given uid/gid, reaped, and killed with their children on timeout.
import { spawn, type ChildProcess } from 'node:child_process';

/** A command ready to run: argv[0] is the program (a resolved path when found). */
export interface ScriptSpec {
  readonly argv: readonly string[];
  /** null: run as the daemon's own user. */
  readonly uid: number | null;
  readonly gid: number | null;
}

/** How one run ended. */
export type ScriptOutcome =
  | { readonly type: 'exit'; readonly code: number }
  | { readonly type: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly type: 'timeout' }
  | { readonly type: 'error'; readonly message: string };

/** keepalived's grace between SIGTERM and SIGKILL for a script that timed out. */
export const KILL_GRACE_MS = 2000;

function spawnOpts(spec: ScriptSpec): { uid?: number; gid?: number } {
  const o: { uid?: number; gid?: number } = {};
  if (spec.uid !== null) o.uid = spec.uid;
  if (spec.gid !== null) o.gid = spec.gid;
  return o;
}

function start(spec: ScriptSpec, extraArgs: readonly string[]): ChildProcess {
  const [file, ...args] = spec.argv;
  if (file === undefined) throw new Error('empty script command');
  // detached: setsid(), so the child leads its own process group and kill(-pid) reaches its children.
  return spawn(file, [...args, ...extraArgs], { stdio: 'ignore', detached: true, env: process.env, ...spawnOpts(spec) });
}

/** Signals a whole process group; ignores ESRCH (already gone). */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

/** A running script with a timeout; {@link RunningScript.done} settles once, after the group is gone or killed. */
export interface RunningScript {
  readonly pid: number | undefined;
  readonly done: Promise<ScriptOutcome>;
  /** Stops it now (SIGTERM then SIGKILL to the group); done resolves with 'timeout'. */
  abort(): void;
}

/**
 * Runs a script to completion with a timeout: at the timeout the process group gets SIGTERM and,
 * after {@link KILL_GRACE_MS}, SIGKILL; when the leader dies of our SIGTERM the group gets SIGKILL
 * at once so no grandchild survives (keepalived vrrp_script_child_thread). Node reaps the child.
 */
export function runScript(spec: ScriptSpec, timeoutMs: number, opts: { graceMs?: number; extraArgs?: readonly string[] } = {}): RunningScript {
  const grace = opts.graceMs ?? KILL_GRACE_MS;
  let child: ChildProcess;
  try {
    child = start(spec, opts.extraArgs ?? []);
  } catch (e) {
    return { pid: undefined, done: Promise.resolve({ type: 'error', message: (e as Error).message }), abort: () => undefined };
  }
  const pid = child.pid;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (timedOut || pid === undefined) return;
    timedOut = true;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
  };
  const done = new Promise<ScriptOutcome>((resolve) => {
    let settled = false;
    const finish = (o: ScriptOutcome): void => {
      if (settled) return;
      settled = true;
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (killTimer) clearTimeout(killTimer);
      // Whatever the leader did, nothing of its group outlives a timed-out run.
      if (timedOut && pid !== undefined) killGroup(pid, 'SIGKILL');
      resolve(o);
    };
    child.once('error', (e) => finish({ type: 'error', message: e.message }));
    child.once('exit', (code, signal) => {
      if (timedOut) finish({ type: 'timeout' });
      else if (signal) finish({ type: 'signal', signal });
      else finish({ type: 'exit', code: code ?? 0 });
    });
  });
  if (pid !== undefined) timeoutTimer = setTimeout(terminate, timeoutMs);
  return { pid, done, abort: terminate };
}

/**
 * Starts a script and forgets it (notify scripts: keepalived "does not detect when a notify
 * script completes"). The child is still reaped by Node, so no zombie is left; it does not keep
 * the daemon alive. Returns the pid, or undefined when it could not start.
 */
export function fireAndForget(spec: ScriptSpec, extraArgs: readonly string[] = [], onError?: (e: Error) => void): number | undefined {
  try {
    const child = start(spec, extraArgs);
    child.once('error', (e) => onError?.(e));
    child.unref();
    return child.pid;
  } catch (e) {
    onError?.(e as Error);
    return undefined;
  }
}
