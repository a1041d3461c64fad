// Process naming and the parent-death signal for the forked children (tskeepalived_vrrp, tskeepalived_ipvs).
import * as os from 'node:os';
import { native } from './native';

/**
 * Names the process as ps, pidof and pkill see it. Node's process.title rewrites the argv area
 * (ps args, /proc/PID/cmdline) and libuv also sets the main thread's comm (prctl PR_SET_NAME,
 * first 15 bytes: 'tskeepalived_vrrp' shows as 'tskeepalived_vr'). Returns the comm the kernel kept.
 */
export function setProcessName(name: string): string {
  process.title = name;
  if (native.getThreadName() !== name.slice(0, 15)) native.setThreadName(name);
  return native.getThreadName();
}

/** The main thread's comm (prctl PR_GET_NAME). */
export function getProcessComm(): string {
  return native.getThreadName();
}

/** Asks the kernel to send `signal` to this process when its parent dies (PR_SET_PDEATHSIG); null clears. */
export function setParentDeathSignal(signal: NodeJS.Signals | null): void {
  native.setParentDeathSignal(signal === null ? 0 : os.constants.signals[signal]);
}
