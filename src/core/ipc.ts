// Typed IPC between the parent watchdog and its workers (child_process.fork channel): requests carry a seq, replies echo it.

/** The worker roles keepalived has: the VRRP process and the checker (IPVS) process. */
export type WorkerRole = 'vrrp' | 'check';

/** What a dump request asks for: keepalived's USR1 data, USR2 stats (clear: STATS_CLEAR) or SIGJSON. */
export type DumpKind = 'data' | 'stats' | 'stats-clear' | 'json';

/** Parent to worker. */
export type ParentMessage =
  | { readonly t: 'ping'; readonly seq: number }
  | { readonly t: 'reload'; readonly seq: number }
  | { readonly t: 'stop'; readonly seq: number }
  | { readonly t: 'dump'; readonly seq: number; readonly kind: DumpKind };

/** Worker to parent. */
export type WorkerMessage =
  | { readonly t: 'pong'; readonly seq: number }
  /** Sent once after start: whether a subsystem is running and, if not, why. */
  | { readonly t: 'started'; readonly role: WorkerRole; readonly available: boolean; readonly error?: string }
  | { readonly t: 'reloaded'; readonly seq: number; readonly ok: boolean; readonly error?: string }
  | { readonly t: 'stopped'; readonly seq: number }
  | { readonly t: 'dump-reply'; readonly seq: number; readonly kind: DumpKind; readonly data: unknown; readonly error?: string }
  /** A state change the parent may log, count or forward (e.g. "(VI_1) Entering MASTER STATE"). */
  | { readonly t: 'state'; readonly role: WorkerRole; readonly name: string; readonly state: string };

const PARENT_TYPES = new Set(['ping', 'reload', 'stop', 'dump']);
const WORKER_TYPES = new Set(['pong', 'started', 'reloaded', 'stopped', 'dump-reply', 'state']);
const DUMP_KINDS = new Set<string>(['data', 'stats', 'stats-clear', 'json']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a message received from the parent; anything else is ignored by the worker. */
export function isParentMessage(v: unknown): v is ParentMessage {
  if (!isRecord(v) || typeof v['t'] !== 'string' || !PARENT_TYPES.has(v['t'])) return false;
  if (typeof v['seq'] !== 'number' || !Number.isInteger(v['seq'])) return false;
  if (v['t'] === 'dump') return typeof v['kind'] === 'string' && DUMP_KINDS.has(v['kind']);
  return true;
}

/** Checks a message received from a worker; anything else is logged and ignored by the parent. */
export function isWorkerMessage(v: unknown): v is WorkerMessage {
  if (!isRecord(v) || typeof v['t'] !== 'string' || !WORKER_TYPES.has(v['t'])) return false;
  switch (v['t']) {
    case 'started':
      return (v['role'] === 'vrrp' || v['role'] === 'check') && typeof v['available'] === 'boolean';
    case 'state':
      return (v['role'] === 'vrrp' || v['role'] === 'check') && typeof v['name'] === 'string' && typeof v['state'] === 'string';
    case 'reloaded':
      return typeof v['seq'] === 'number' && typeof v['ok'] === 'boolean';
    case 'dump-reply':
      return typeof v['seq'] === 'number' && typeof v['kind'] === 'string' && DUMP_KINDS.has(v['kind']);
    default:
      return typeof v['seq'] === 'number';
  }
}
