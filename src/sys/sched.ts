// Real-time scheduling, nice, CPU affinity, memory locking and RLIMIT_RTTIME for the VRRP process (main thread).
import * as os from 'node:os';
import { native, type NativeErrnoError } from './native';

export type SchedPolicy = 'other' | 'fifo' | 'rr' | 'batch' | 'idle' | 'deadline' | 'unknown';

const POLICY_NAMES: Record<number, SchedPolicy> = { 0: 'other', 1: 'fifo', 2: 'rr', 3: 'batch', 5: 'idle', 6: 'deadline' };

/** Policy and static priority of the main thread (the one running the event loop and timers). */
export function getScheduler(): { policy: SchedPolicy; priority: number; resetOnFork: boolean } {
  const s = native.getScheduler();
  const reset = native.constants.SCHED_RESET_ON_FORK;
  return { policy: POLICY_NAMES[s.policy & ~reset] ?? 'unknown', priority: s.priority, resetOnFork: (s.policy & reset) !== 0 };
}

/** The priority range of SCHED_RR ([1, 99] on Linux). */
export function realtimePriorityRange(): [number, number] {
  return native.getPriorityRange(native.constants.SCHED_RR);
}

/**
 * SCHED_RR at `priority` for the main thread (keepalived's vrrp_rt_priority). With resetOnFork
 * (default true) children (notify scripts) start as SCHED_OTHER. Throws EPERM without CAP_SYS_NICE.
 */
export function setRealtime(priority: number, resetOnFork = true): void {
  const c = native.constants;
  native.setScheduler(c.SCHED_RR | (resetOnFork ? c.SCHED_RESET_ON_FORK : 0), priority);
}

/** Back to SCHED_OTHER (priority 0). */
export function setNormal(): void {
  native.setScheduler(native.constants.SCHED_OTHER, 0);
}

/** setpriority(PRIO_PROCESS, 0, nice) through Node's os.setPriority (same call; main thread on Linux). */
export function setNice(nice: number): void {
  try {
    os.setPriority(0, nice);
  } catch (e) {
    throw toErrno(e, 'setpriority');
  }
}

/** getpriority of the main thread. */
export function getNice(): number {
  return os.getPriority(0);
}

/** mlockall(MCL_CURRENT | MCL_FUTURE): no page faults on the advert path. */
export function lockMemory(): void {
  const c = native.constants;
  native.mlockall(c.MCL_CURRENT | c.MCL_FUTURE);
}

/** munlockall(). */
export function unlockMemory(): void {
  native.munlockall();
}

/** sched_setaffinity of the main thread to a CPU list. */
export function setAffinity(cpus: readonly number[]): void {
  native.setAffinity(cpus);
}

/** The CPUs the main thread may run on. */
export function getAffinity(): number[] {
  return native.getAffinity();
}

/**
 * RLIMIT_RTTIME in microseconds (keepalived's vrrp_rlimit_rttime): a runaway real-time loop gets
 * SIGXCPU at the soft limit and SIGKILL at the hard limit. -1 means unlimited.
 */
export function setRtTimeLimit(softUsec: number, hardUsec: number = softUsec): void {
  native.setRlimit(native.constants.RLIMIT_RTTIME, softUsec, hardUsec);
}

/** RLIMIT_RTTIME as [soft, hard] microseconds, -1 for unlimited. */
export function getRtTimeLimit(): [number, number] {
  return native.getRlimit(native.constants.RLIMIT_RTTIME);
}

function toErrno(e: unknown, syscall: string): NativeErrnoError {
  if (e instanceof Error) {
    const x = e as Error & { errno?: number; code?: string; info?: { errno?: number; code?: string } };
    const errno = Math.abs(x.info?.errno ?? x.errno ?? 0);
    const code = x.info?.code ?? x.code ?? 'EUNKNOWN';
    return Object.assign(new Error(`${syscall}: ${x.message}`), { errno, code, syscall });
  }
  return Object.assign(new Error(`${syscall}: ${String(e)}`), { errno: 0, code: 'EUNKNOWN', syscall });
}
