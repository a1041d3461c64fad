// vrrp_track_process by polling /proc (keepalived uses the proc connector; a short poll is our documented substitute): matching, quorum, fork/terminate delays.
import * as fs from 'node:fs';
import type { Clock, TimerHandle } from '../../core/clock';
import { processHasQuorum } from './effective';

/** What a tracked process needs from a `vrrp_track_process` block. */
export interface ProcessTrackerConfig {
  readonly name: string;
  readonly process: string;
  readonly params: readonly string[];
  readonly paramMatch: 'exact' | 'initial' | 'partial';
  readonly fullCommand: boolean;
  readonly quorum: number;
  readonly quorumMax: number | null;
  /** Delay before reporting quorum lost (terminate_delay, else delay). */
  readonly terminateDelayMs: number;
  /** Delay before reporting quorum gained (fork_delay, else delay). */
  readonly forkDelayMs: number;
}

/** One process as /proc shows it. */
export interface ProcInfo {
  readonly pid: number;
  /** /proc/PID/stat's comm (at most 15 characters). */
  readonly comm: string;
  /** /proc/PID/cmdline split on NUL. */
  readonly cmdline: readonly string[];
}

/** The kernel's TASK_COMM_LEN - 1. */
export const COMM_MAX = 15;

/**
 * Does a process match? Name: argv[0] with full_command, else comm (the configured name cut
 * to 15 characters). Parameters (when configured): exact = the same list; initial = a prefix
 * of the process's parameters; partial = like initial, the last one may be a prefix of its
 * counterpart.
 */
export function processMatches(cfg: Pick<ProcessTrackerConfig, 'process' | 'params' | 'paramMatch' | 'fullCommand'>, p: ProcInfo): boolean {
  if (cfg.fullCommand) {
    if (p.cmdline[0] !== cfg.process) return false;
  } else if (p.comm !== cfg.process.slice(0, COMM_MAX)) {
    return false;
  }
  if (cfg.params.length === 0) return true;
  const args = p.cmdline.slice(1);
  if (cfg.paramMatch === 'exact' && args.length !== cfg.params.length) return false;
  if (args.length < cfg.params.length) return false;
  for (let i = 0; i < cfg.params.length; i++) {
    const want = cfg.params[i]!;
    const have = args[i]!;
    const last = i === cfg.params.length - 1;
    if (last && cfg.paramMatch === 'partial' ? !have.startsWith(want) : have !== want) return false;
  }
  return true;
}

/** Debounce state of one tracked process's quorum. */
export interface QuorumState {
  /** What has been reported. */
  readonly up: boolean;
  /** A change waiting for its delay: the value and when it becomes effective. */
  readonly pending: { readonly up: boolean; readonly at: number } | null;
}

/**
 * One observation at time `now`: a change of quorum is reported after fork_delay (gained) or
 * terminate_delay (lost), and is cancelled if quorum returns first. Pure.
 */
export function stepQuorum(s: QuorumState, have: boolean, now: number, forkDelayMs: number, terminateDelayMs: number): { state: QuorumState; changed: boolean } {
  if (have === s.up) return { state: s.pending ? { up: s.up, pending: null } : s, changed: false };
  const delay = have ? forkDelayMs : terminateDelayMs;
  const pending = s.pending && s.pending.up === have ? s.pending : { up: have, at: now + delay };
  if (now >= pending.at) return { state: { up: have, pending: null }, changed: true };
  return { state: { up: s.up, pending }, changed: false };
}

/** Reads every process from /proc (comm always; cmdline only when `needCmdline`). Skips zombies. */
export function scanProc(needCmdline: boolean, procRoot = '/proc'): ProcInfo[] {
  const out: ProcInfo[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`${procRoot}/${e}/stat`, 'latin1');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (open < 0 || close < open) continue;
      if (stat.charAt(close + 2) === 'Z') continue;
      const comm = stat.slice(open + 1, close);
      let cmdline: string[] = [];
      if (needCmdline) {
        const raw = fs.readFileSync(`${procRoot}/${e}/cmdline`, 'utf8');
        cmdline = raw.split('\0');
        if (cmdline.length > 0 && cmdline[cmdline.length - 1] === '') cmdline.pop();
      }
      out.push({ pid: Number(e), comm, cmdline });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Default poll interval: keepalived reacts to proc connector events at once; we look this often. */
export const DEFAULT_PROCESS_POLL_MS = 200;

/** Polls /proc for every tracked process and reports quorum changes (after their delays). */
export class ProcessTracker {
  private readonly states = new Map<string, QuorumState>();
  private readonly counts = new Map<string, number>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly configs: readonly ProcessTrackerConfig[],
    private readonly clock: Clock,
    private readonly onChange: (name: string, up: boolean) => void,
    private readonly opts: { pollMs?: number; scan?: (needCmdline: boolean) => ProcInfo[] } = {},
  ) {}

  /** Quorum status now (null before start). */
  isUp(name: string): boolean | null {
    return this.states.get(name)?.up ?? null;
  }

  /** Matching processes at the last poll. */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** First scan sets the initial state without delay (keepalived initialise_process_tracking_priorities). */
  start(): void {
    const counts = this.scanCounts();
    for (const c of this.configs) {
      const up = processHasQuorum(counts.get(c.name) ?? 0, c.quorum, c.quorumMax);
      this.states.set(c.name, { up, pending: null });
      this.onChange(c.name, up);
    }
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** One poll (public for tests that drive time themselves). */
  poll(): void {
    const counts = this.scanCounts();
    const now = this.clock.now();
    for (const c of this.configs) {
      const s = this.states.get(c.name) ?? { up: false, pending: null };
      const have = processHasQuorum(counts.get(c.name) ?? 0, c.quorum, c.quorumMax);
      const r = stepQuorum(s, have, now, c.forkDelayMs, c.terminateDelayMs);
      this.states.set(c.name, r.state);
      if (r.changed) this.onChange(c.name, r.state.up);
    }
  }

  private scanCounts(): Map<string, number> {
    const need = this.configs.some((c) => c.fullCommand || c.params.length > 0);
    const procs = (this.opts.scan ?? ((n: boolean) => scanProc(n)))(need);
    const counts = new Map<string, number>();
    for (const c of this.configs) counts.set(c.name, procs.filter((p) => p.pid !== process.pid && processMatches(c, p)).length);
    for (const [k, v] of counts) this.counts.set(k, v);
    return counts;
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(this.opts.pollMs ?? DEFAULT_PROCESS_POLL_MS, () => {
      this.poll();
      this.schedule();
    }, true);
  }
}
