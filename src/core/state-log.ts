// keepalived's wording for state changes, so log watchers written for keepalived keep matching.
import type { Logger } from 'pino';

/** VRRP instance states as keepalived prints them. */
export type VrrpLogState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** "(VI_1) Entering MASTER STATE" (vrrp.c); keepalived logs these at LOG_INFO. */
export function vrrpEnteringState(instance: string, state: VrrpLogState): string {
  return `(${instance}) Entering ${state} STATE`;
}

/** "(VI_1) Transition to MASTER STATE" (logged before the master-down wait ends). */
export function vrrpTransitionTo(instance: string, state: 'MASTER'): string {
  return `(${instance}) Transition to ${state} STATE`;
}

/** "VRRP_Group(G1) Syncing instances to MASTER state". */
export function syncGroupSyncing(group: string, state: VrrpLogState): string {
  return `VRRP_Group(${group}) Syncing instances to ${state} state`;
}

/** keepalived's service names in checker logs: "[10.0.0.1]:tcp:80". */
export function formatService(addr: string, protocol: 'tcp' | 'udp' | 'sctp' | string, port: number): string {
  return `[${addr}]:${protocol}:${port}`;
}

/** "Removing service [RS]:tcp:80 from VS [VIP]:tcp:80" / "Adding service ... to VS ...". */
export function checkerServiceChange(adding: boolean, rs: string, vs: string): string {
  return adding ? `Adding service ${rs} to VS ${vs}` : `Removing service ${rs} from VS ${vs}`;
}

/** Helpers bound to a logger, for the subsystems: each logs at info as keepalived does. */
export interface StateLog {
  vrrpState(instance: string, state: VrrpLogState): void;
  syncGroup(group: string, state: VrrpLogState): void;
  checkerChange(adding: boolean, rs: string, vs: string): void;
}

/** Binds the wording helpers to a logger; `onState` also hears each change (the worker forwards it to the parent). */
export function stateLog(logger: Logger, onState?: (name: string, state: string) => void): StateLog {
  return {
    vrrpState(instance, state) {
      logger.info(vrrpEnteringState(instance, state));
      onState?.(instance, state);
    },
    syncGroup(group, state) {
      logger.info(syncGroupSyncing(group, state));
      onState?.(group, state);
    },
    checkerChange(adding, rs, vs) {
      logger.info(checkerServiceChange(adding, rs, vs));
      onState?.(rs, adding ? 'UP' : 'DOWN');
    },
  };
}
