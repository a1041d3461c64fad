// Signal handling, including keepalived's real-time signals (SIGJSON = SIGRTMIN+2, STATS_CLEAR = SIGRTMAX-1) that Node has no names for.
import * as os from 'node:os';

/** Linux's SIGRTMIN and SIGRTMAX as glibc reports them to programs (the kernel's 32 and 64, glibc reserves 32-33). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;
/** keepalived's SIGJSON and SIGSTATS_CLEAR. */
export const SIGJSON = SIGRTMIN + 2;
export const SIGSTATS_CLEAR = SIGRTMAX - 1;

/** A handle to stop listening. */
export interface SignalHandle {
  close(): void;
}

interface SignalWrap {
  onsignal: ((signum: number) => void) | null;
  start(signum: number): number;
  close(): void;
  unref(): void;
}

type SignalWrapCtor = new () => SignalWrap;

let signalWrapCtor: SignalWrapCtor | null | undefined;

/**
 * Node 20 names no real-time signal: process.on('SIGRTMIN') is an ordinary event and installs no
 * handler, so `kill -36` would terminate the process (the default action). libuv itself handles
 * any signal number; Node's own SignalWrap (process.on's machinery, reached through
 * process.binding('signal_wrap'), still allowed but deprecated, DEP0111) installs it. Returns null
 * when that is not available in this Node, so callers can say so.
 */
function loadSignalWrap(): SignalWrapCtor | null {
  if (signalWrapCtor !== undefined) return signalWrapCtor;
  const p = process as unknown as { binding?: (name: string) => unknown; noDeprecation?: boolean };
  const saved = p.noDeprecation;
  try {
    p.noDeprecation = true; // DEP0111 would otherwise print on stderr at every start
    const b = p.binding?.('signal_wrap') as { Signal?: SignalWrapCtor } | undefined;
    signalWrapCtor = typeof b?.Signal === 'function' ? b.Signal : null;
  } catch {
    signalWrapCtor = null;
  } finally {
    p.noDeprecation = saved;
  }
  return signalWrapCtor;
}

/** Whether numbered (real-time) signals can be handled in this Node. */
export function canHandleSignalNumbers(): boolean {
  return loadSignalWrap() !== null;
}

/**
 * Calls `fn` on signal number `signum` (named signals go through process.on). The handle does not
 * keep the event loop alive. Throws when the number cannot be handled here.
 */
export function onSignalNumber(signum: number, fn: () => void): SignalHandle {
  const name = Object.entries(os.constants.signals).find(([, n]) => n === signum)?.[0] as NodeJS.Signals | undefined;
  if (name) {
    process.on(name, fn);
    return { close: () => process.off(name, fn) };
  }
  const Ctor = loadSignalWrap();
  if (!Ctor) throw new Error(`signal ${signum} cannot be handled in Node ${process.version} (no SignalWrap)`);
  const w = new Ctor();
  w.unref();
  w.onsignal = () => fn();
  const r = w.start(signum);
  if (r !== 0) {
    w.close();
    throw new Error(`uv_signal_start(${signum}) failed with ${r}`);
  }
  return { close: () => w.close() };
}
