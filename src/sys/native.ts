// The typed surface of the native addon; the only module that loads it.
/* eslint-disable @typescript-eslint/no-var-requires */

/** Errors thrown by the addon look like Node's system errors. */
export interface NativeErrnoError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
}

export interface NativeAddon {
  /** prctl(PR_SET_PDEATHSIG, signo): the kernel sends signo to this process when its parent dies. 0 clears. */
  setParentDeathSignal(signo: number): void;
  /** prctl(PR_GET_PDEATHSIG). */
  getParentDeathSignal(): number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require('tskeepalived-native') as NativeAddon;
