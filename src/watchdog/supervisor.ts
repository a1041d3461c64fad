// Supervises one worker process: fork, liveness ping with a deadline, SIGKILL when hung, respawn with keepalived's backoff.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock';
import { isWorkerMessage, type ParentMessage, type WorkerMessage, type WorkerRole } from '../core/ipc';
import { INITIAL_BACKOFF, restartDelay, type BackoffState } from './backoff';

/** Default liveness timing: a ping every 2 s, a worker silent for 10 s is hung. */
export const DEFAULT_PING_INTERVAL_MS = 2_000;
export const DEFAULT_PING_TIMEOUT_MS = 10_000;
/** A reload may block the worker while it parses: the deadline is this long while one is in flight. */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;

export interface SupervisorOptions {
  readonly role: WorkerRole;
  /** keepalived's name for the child in log lines: "VRRP child process(PID) died: Respawning". */
  readonly label: string;
  /** The module to fork and its argv. */
  readonly modulePath: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly respawn: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  readonly busyTimeoutMs?: number;
  /** Replaces child_process.fork (tests). */
  readonly forkFn?: (modulePath: string, args: readonly string[], env: NodeJS.ProcessEnv | undefined) => ChildProcess;
}

interface Pending {
  readonly kind: 'reload' | 'stop' | 'dump';
  resolve(m: WorkerMessage): void;
  reject(e: Error): void;
  timer: TimerHandle;
}

/** Events: 'spawn' (pid), 'message' (WorkerMessage), 'exit' (code, signal, willRespawn), 'hung' (pid), 'gave-up' (-R). */
export class WorkerSupervisor extends EventEmitter {
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private backoff: BackoffState = INITIAL_BACKOFF;
  private seq = 0;
  private pingSeq = -1;
  private pingSentAt = 0;
  private lastPong = 0;
  private busyUntil = 0;
  private pingTimer: TimerHandle | null = null;
  private respawnTimer: TimerHandle | null = null;
  private stopping = false;
  private readonly pending = new Map<number, Pending>();
  private exitWaiters: Array<() => void> = [];
  /** Number of times the worker was started. */
  spawns = 0;
  /** Number of times it was found hung and killed. */
  hungKills = 0;

  constructor(private readonly o: SupervisorOptions) {
    super();
  }

  /** The running worker's pid. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the worker (no-op when running or a respawn is scheduled). */
  start(): void {
    if (this.child || this.respawnTimer || this.stopping) return;
    const forkFn = this.o.forkFn ?? ((m: string, a: readonly string[], e: NodeJS.ProcessEnv | undefined) => defaultFork(m, a, e, this.o.role));
    const child = forkFn(this.o.modulePath, this.o.args, this.o.env);
    this.child = child;
    this.spawns++;
    this.startedAt = this.o.clock.now();
    this.lastPong = this.startedAt;
    this.pingSeq = -1;
    // Until it says 'started' the worker is loading (node start, config parse, engine start): the longer
    // deadline applies. A worker that yields while it starts answers pings meanwhile, so this is only the
    // backstop for its synchronous parts (the config parse); a pong does not end it.
    this.busyUntil = this.startedAt + (this.o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    child.on('message', (m: unknown) => this.onMessage(child, m));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', (e) => this.o.logger.error({ err: e }, `${this.o.label} child process error`));
    if (child.pid !== undefined) this.emit('spawn', child.pid);
    this.schedulePing();
  }

  private schedulePing(): void {
    this.pingTimer?.cancel();
    this.pingTimer = this.o.clock.setTimer(this.o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, () => this.pingTick(), true);
  }

  private pingTick(): void {
    this.pingTimer = null;
    const child = this.child;
    if (!child || this.stopping) return;
    const now = this.o.clock.now();
    const deadline = Math.max(this.o.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS, this.busyUntil - this.lastPong);
    if (now - this.lastPong > deadline) {
      this.hungKills++;
      this.o.logger.error(`${this.o.label} child process(${child.pid}) not responding for ${Math.round(now - this.lastPong)} ms: killing it`);
      this.emit('hung', child.pid);
      child.kill('SIGKILL');
      return; // onExit respawns
    }
    this.pingSeq = ++this.seq;
    this.pingSentAt = now;
    this.sendRaw(child, { t: 'ping', seq: this.pingSeq });
    this.schedulePing();
  }

  private sendRaw(child: ChildProcess, m: ParentMessage): boolean {
    if (!child.connected) return false;
    try {
      child.send(m);
      return true;
    } catch {
      return false;
    }
  }

  private onMessage(child: ChildProcess, m: unknown): void {
    if (child !== this.child) return;
    if (!isWorkerMessage(m)) {
      this.o.logger.warn(`${this.o.label} child sent an unknown IPC message`);
      return;
    }
    const now = this.o.clock.now();
    this.lastPong = now; // any message proves the event loop turns
    if (m.t === 'pong') return;
    if (m.t === 'started' && ![...this.pending.values()].some((p) => p.kind === 'reload')) this.busyUntil = 0;
    if (m.t === 'reloaded' || m.t === 'stopped' || m.t === 'dump-reply') {
      const p = this.pending.get(m.seq);
      if (p) {
        this.pending.delete(m.seq);
        p.timer.cancel();
        p.resolve(m);
      }
      if (m.t === 'reloaded' && ![...this.pending.values()].some((x) => x.kind === 'reload')) this.busyUntil = 0;
    }
    this.emit('message', m);
  }

  /** Sends a request and waits for its reply (rejects on timeout or when the worker is not running). */
  request(m: { t: 'reload' } | { t: 'stop' } | { t: 'dump'; kind: 'data' | 'stats' | 'stats-clear' | 'json' }, timeoutMs: number): Promise<WorkerMessage> {
    const child = this.child;
    if (!child) return Promise.reject(new Error(`${this.o.label} child is not running`));
    const seq = ++this.seq;
    const msg = { ...m, seq } as ParentMessage;
    if (m.t === 'reload') this.busyUntil = this.o.clock.now() + (this.o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    return new Promise<WorkerMessage>((resolve, reject) => {
      const timer = this.o.clock.setTimer(timeoutMs, () => {
        this.pending.delete(seq);
        reject(new Error(`${this.o.label} child did not answer '${m.t}' within ${timeoutMs} ms`));
      }, true);
      this.pending.set(seq, { kind: m.t, resolve, reject, timer });
      if (!this.sendRaw(child, msg)) {
        this.pending.delete(seq);
        timer.cancel();
        reject(new Error(`${this.o.label} child IPC channel closed`));
      }
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = null;
    this.pingTimer?.cancel();
    this.pingTimer = null;
    this.busyUntil = 0;
    for (const [seq, p] of this.pending) {
      p.timer.cancel();
      p.reject(new Error(`${this.o.label} child exited`));
      this.pending.delete(seq);
    }
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();
    const how = signal ? `signal ${signal}` : `status ${code}`;
    if (this.stopping) {
      this.emit('exit', code, signal, false);
      return;
    }
    if (!this.o.respawn) {
      this.o.logger.error(`${this.o.label} child process(${child.pid}) died (${how}): Exiting`);
      this.emit('exit', code, signal, false);
      this.emit('gave-up');
      return;
    }
    const { delayMs, state } = restartDelay(this.backoff, this.startedAt, this.o.clock.now());
    this.backoff = state;
    this.o.logger.error(`${this.o.label} child process(${child.pid}) died (${how}): Respawning${delayMs > 0 ? ` in ${delayMs / 1000} s` : ''}`);
    this.emit('exit', code, signal, true);
    this.respawnTimer = this.o.clock.setTimer(delayMs, () => {
      this.respawnTimer = null;
      this.start();
    });
  }

  /**
   * Stops the worker: a 'stop' request, then SIGTERM, then SIGKILL after `graceMs` (global_defs
   * child_wait_time). Resolves once it has exited.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.respawnTimer?.cancel();
    this.respawnTimer = null;
    this.pingTimer?.cancel();
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((r) => this.exitWaiters.push(r));
    this.request({ t: 'stop' }, graceMs).catch(() => undefined);
    const term = this.o.clock.setTimer(graceMs, () => {
      if (this.child === child) child.kill('SIGTERM');
    }, true);
    const kill = this.o.clock.setTimer(graceMs + 2_000, () => {
      if (this.child === child) {
        this.o.logger.warn(`${this.o.label} child process(${child.pid}) did not stop: killing it`);
        child.kill('SIGKILL');
      }
    }, true);
    await exited;
    term.cancel();
    kill.cancel();
  }
}

/**
 * Node/V8 flags of a worker process. The workers hold little live data, so a small young
 * generation is enough: V8's default lets each semi-space grow to 16 MB (about 30 MB resident for
 * nothing) and a collection of a small one costs microseconds. TSKA_WORKER_NODE_OPTIONS
 * (space-separated) replaces the defaults, e.g. for --cpu-prof or --heap-prof in a worker.
 */
export function workerExecArgv(role: WorkerRole, env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['TSKA_WORKER_NODE_OPTIONS'];
  if (override !== undefined) return override.split(/\s+/).filter((s) => s !== '');
  return role === 'vrrp' ? [...VRRP_WORKER_FLAGS] : [...CHECK_WORKER_FLAGS];
}

/**
 * VRRP, measured with test/bench/vrrp-resources.bench.ts (100 instances at 0.1 s, VRRP process):
 * 1 MB semi-spaces save about 13 MB of RSS at no measurable CPU cost; one V8 platform thread instead of
 * four saves about 1.5 MB more (master 61.2 -> 59.3 MB, backup 62.6 -> 60.9 MB, CPU unchanged). Not used, measured:
 * --no-opt (5 MB less RSS, but the backup's receive path takes twice the CPU, 4.5 % instead of
 * 2.2 %), --optimize-for-size (1.5 MB less, about 1 % more CPU), --lite-mode (worse still), and a small
 * --max-old-space-size (1 MB less, but a large configuration would then exhaust the heap).
 * The checker keeps V8's defaults until measured.
 */
const VRRP_WORKER_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];
const CHECK_WORKER_FLAGS: readonly string[] = [];

function defaultFork(modulePath: string, args: readonly string[], env: NodeJS.ProcessEnv | undefined, role: WorkerRole): ChildProcess {
  const e = env ?? process.env;
  return fork(modulePath, [...args], { env: e, execArgv: workerExecArgv(role, e), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
}
