// VRRP notifications as keepalived 2.4.3 sends them: notify_* scripts (fire-and-forget, as the script's user) and notify FIFO lines.
import { execFile, type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { NotifyScripts, ScriptRef } from '../config/model/vrrp';
import { fireAndForget, killGroup, type ScriptSpec } from './track/run-script';

/** Who a notification is about. */
export type NotifyTarget = 'INSTANCE' | 'GROUP';
/** States passed to notify scripts. */
export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
/** Everything a FIFO line can say (keepalived vrrp_notify.c notify_fifo). */
export type FifoEvent = NotifyState | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

/** A script to start and the arguments to append to its configured command line. */
export interface NotifyCall {
  readonly spec: ScriptSpec;
  readonly extraArgs: readonly string[];
}

/** One FIFO line: `INSTANCE "VI_1" MASTER 100\n` (`%s "%s" %s %d\n`). Pure. */
export function formatFifoLine(target: NotifyTarget, name: string, event: FifoEvent, priority: number): string {
  return `${target} "${name}" ${event} ${priority}\n`;
}

/** The ScriptSpec of a configured script, or null when absent or disabled by the script checks. */
export function specOf(ref: ScriptRef | null): ScriptSpec | null {
  if (!ref || !ref.check.ok || ref.check.argv.length === 0) return null;
  return { argv: ref.check.argv, uid: ref.check.uid, gid: ref.check.gid };
}

function specificScript(n: NotifyScripts, state: NotifyState): ScriptRef | null {
  switch (state) {
    case 'MASTER':
      return n.master;
    case 'BACKUP':
      return n.backup;
    case 'FAULT':
      return n.fault;
    case 'STOP':
      return n.stop;
    case 'DELETED':
      return n.deleted;
  }
}

/**
 * The scripts to start for a state change, in keepalived's order: the state's own script
 * (notify_master, ...) with its configured arguments only, then `notify` with
 * `INSTANCE|GROUP NAME STATE PRIORITY` appended (a group's priority is 0). Pure.
 */
export function notifyCalls(target: NotifyTarget, name: string, scripts: NotifyScripts, state: NotifyState, priority: number): NotifyCall[] {
  const out: NotifyCall[] = [];
  const own = specOf(specificScript(scripts, state));
  if (own) out.push({ spec: own, extraArgs: [] });
  const generic = specOf(scripts.generic);
  if (generic) out.push({ spec: generic, extraArgs: [target, name, state, String(target === 'GROUP' ? 0 : priority)] });
  return out;
}

/** Maps a state-machine state to the notify state name. */
export function notifyStateOf(state: 'init' | 'backup' | 'master' | 'fault'): NotifyState {
  switch (state) {
    case 'master':
      return 'MASTER';
    case 'backup':
      return 'BACKUP';
    case 'fault':
      return 'FAULT';
    case 'init':
      return 'STOP';
  }
}

/** Options of a notify FIFO (global notify_fifo / vrrp_notify_fifo). */
export interface FifoOptions {
  readonly path: string;
  /** Owner to give a FIFO we create. */
  readonly uid?: number | null;
  readonly gid?: number | null;
  /** notify_fifo_script: started with the FIFO's path appended, to read it. */
  readonly script?: ScriptSpec | null;
}

const EAGAIN_CODES = new Set(['EAGAIN', 'EWOULDBLOCK']);

/**
 * A notify FIFO. Created with mkfifo(1) when absent (Node has no mkfifo) and removed on close if
 * we created it; opened O_RDWR|O_NONBLOCK so opening never waits for a reader and a write never
 * blocks: with nobody reading, lines fill the pipe buffer and then are dropped (counted), never
 * stalling the event loop. Lines are shorter than PIPE_BUF, so each write is atomic and in order.
 */
export class NotifyFifo {
  private fd: number | null = null;
  private created = false;
  private reader: ChildProcess | null = null;
  /** Lines dropped because the pipe was full. */
  dropped = 0;

  constructor(readonly options: FifoOptions) {}

  async open(): Promise<void> {
    const p = this.options.path;
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(p);
    } catch {
      st = null;
    }
    if (st && !st.isFIFO()) throw new Error(`notify FIFO ${p} exists and is not a FIFO`);
    if (!st) {
      await new Promise<void>((resolve, reject) => {
        execFile('mkfifo', ['-m', '0600', p], (err) => (err ? reject(new Error(`mkfifo ${p}: ${err.message}`)) : resolve()));
      });
      this.created = true;
      const { uid, gid } = this.options;
      if ((uid ?? null) !== null || (gid ?? null) !== null) fs.chownSync(p, uid ?? -1, gid ?? -1);
    }
    this.fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const script = this.options.script;
    if (script && script.argv.length > 0) {
      const [file, ...args] = script.argv;
      const o: { uid?: number; gid?: number } = {};
      if (script.uid !== null) o.uid = script.uid;
      if (script.gid !== null) o.gid = script.gid;
      const child = spawn(file!, [...args, p], { stdio: 'ignore', detached: true, ...o });
      child.once('error', () => undefined);
      child.unref();
      this.reader = child;
    }
  }

  /** The pid of the notify_fifo_script, if one runs. */
  get readerPid(): number | undefined {
    return this.reader?.pid;
  }

  /** Writes one line without blocking; returns false when it was dropped. */
  write(line: string): boolean {
    if (this.fd === null) return false;
    try {
      fs.writeSync(this.fd, line);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (EAGAIN_CODES.has(code)) {
        this.dropped++;
        return false;
      }
      throw e;
    }
  }

  /** Stops the reader script (its process group), closes, and removes the FIFO if we created it. */
  close(): void {
    const r = this.reader;
    this.reader = null;
    if (r?.pid !== undefined && r.exitCode === null && r.signalCode === null) killGroup(r.pid, 'SIGTERM');
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    if (this.created) {
      try {
        fs.unlinkSync(this.options.path);
      } catch {
        // already removed
      }
      this.created = false;
    }
  }
}

/** Where FIFO lines go (a {@link NotifyFifo}, or a fake in tests). */
export interface FifoWriter {
  write(line: string): boolean;
}

/** Injected starter (tests capture calls instead of spawning). */
export type StartScript = (spec: ScriptSpec, extraArgs: readonly string[]) => void;

/** What an instance or group needs to be notified about. */
export interface NotifySubject {
  readonly name: string;
  readonly notify: NotifyScripts;
  /** notify_priority_changes: FIFO lines MASTER_PRIORITY / BACKUP_PRIORITY. */
  readonly notifyPriorityChanges?: boolean;
}

/**
 * Sends notifications: FIFO line(s) first, then the scripts (fire-and-forget, reaped, never
 * awaited: keepalived "does not detect when a notify script completes").
 */
export class Notifier {
  constructor(
    private readonly fifos: readonly FifoWriter[],
    private readonly start: StartScript = (spec, args) => void fireAndForget(spec, args),
  ) {}

  private line(l: string): void {
    for (const f of this.fifos) f.write(l);
  }

  /** An instance changed state (MASTER/BACKUP/FAULT/STOP/DELETED) at `priority` (its effective priority). */
  instance(subject: NotifySubject, state: NotifyState, priority: number): void {
    this.line(formatFifoLine('INSTANCE', subject.name, state, priority));
    for (const c of notifyCalls('INSTANCE', subject.name, subject.notify, state, priority)) this.start(c.spec, c.extraArgs);
  }

  /** A sync group changed state: once per group transition. */
  group(subject: NotifySubject, state: NotifyState): void {
    this.line(formatFifoLine('GROUP', subject.name, state, 0));
    for (const c of notifyCalls('GROUP', subject.name, subject.notify, state, 0)) this.start(c.spec, c.extraArgs);
  }

  /** A master heard a lower priority: notify_master_rx_lower_pri and the FIFO line. */
  masterRxLowerPri(subject: NotifySubject, priority: number): void {
    this.line(formatFifoLine('INSTANCE', subject.name, 'MASTER_RX_LOWER_PRI', priority));
    const s = specOf(subject.notify.masterRxLowerPri);
    if (s) this.start(s, []);
  }

  /** Effective priority changed: a FIFO line when notify_priority_changes is set. */
  priorityChanged(subject: NotifySubject, state: 'master' | 'backup' | 'init' | 'fault', priority: number): void {
    if (!subject.notifyPriorityChanges) return;
    if (state === 'master') this.line(formatFifoLine('INSTANCE', subject.name, 'MASTER_PRIORITY', priority));
    else if (state === 'backup') this.line(formatFifoLine('INSTANCE', subject.name, 'BACKUP_PRIORITY', priority));
  }
}
