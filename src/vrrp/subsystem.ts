// The VRRP engine as a worker Subsystem: scheduling (vrrp_priority, vrrp_rt_priority, vrrp_no_swap) then the driver; registers 'vrrp'.
import type { Logger } from 'pino';
import type { KeepalivedConfig } from '../config/model';
import { registerSubsystem, type Subsystem, type SubsystemContext } from '../core/subsystem';
import { VrrpDriver } from './driver';

/**
 * SCHED_RR priority used when `vrrp_rt_priority` is not configured and an instance advertises
 * faster than once a second. 1 is the lowest real-time priority: it already runs before every
 * SCHED_OTHER task (what keeps 100 ms adverts on time on a loaded host) while staying below
 * kernel threads and other real-time daemons.
 */
export const DEFAULT_RT_PRIORITY = 1;
/** keepalived's RLIMIT_RTTIME default (10 ms) is too tight for a V8 heap: the minimum used here. */
export const MIN_RLIMIT_RTTIME_US = 500_000;
/** Below this advert interval the automatic real-time default applies. */
export const FAST_ADVERT_US = 1_000_000;

/** Scheduling knobs of a process as the loaded configuration holds them. */
export type ProcessSched = KeepalivedConfig['global']['vrrpSched'];

/** What {@link applySched} decided, for the log and tests. */
export interface SchedPlan {
  readonly nice: number | null;
  readonly rtPriority: number | null;
  readonly rtAutomatic: boolean;
  readonly rttimeUs: number | null;
  readonly lockMemory: boolean;
  readonly cpus: readonly number[] | null;
}

/** Pure: the scheduling plan for the VRRP process from its config. */
export function schedPlan(s: ProcessSched, minAdvertUs: number): SchedPlan {
  const rtAutomatic = s.rtPriority === undefined && minAdvertUs < FAST_ADVERT_US;
  const rtPriority = s.rtPriority ?? (rtAutomatic ? DEFAULT_RT_PRIORITY : null);
  return {
    nice: s.priority ?? null,
    rtPriority,
    rtAutomatic,
    rttimeUs: rtPriority === null ? null : Math.max(s.rlimitRttime, MIN_RLIMIT_RTTIME_US),
    lockMemory: s.noSwap,
    cpus: s.cpuAffinity && s.cpuAffinity.length > 0 ? s.cpuAffinity : null,
  };
}

/** Applies a plan to this process's main thread; each failure is logged, never fatal. */
export function applySched(plan: SchedPlan, log: Logger): void {
  let sched: typeof import('../sys/sched');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sched = require('../sys/sched') as typeof import('../sys/sched');
  } catch (e) {
    log.warn(`scheduling settings not applied (native addon unavailable): ${(e as Error).message}`);
    return;
  }
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      log.warn(`${what} failed: ${(e as Error).message}`);
    }
  };
  if (plan.nice !== null) attempt(`setpriority(${plan.nice})`, () => sched.setNice(plan.nice!));
  if (plan.cpus) attempt('sched_setaffinity', () => sched.setAffinity(plan.cpus!));
  if (plan.lockMemory) attempt('mlockall', () => sched.lockMemory());
  if (plan.rtPriority !== null) {
    const rt = plan.rtPriority;
    if (plan.rttimeUs !== null) {
      const soft = plan.rttimeUs;
      attempt('setrlimit(RLIMIT_RTTIME)', () => sched.setRtTimeLimit(soft, soft * 2));
      // The soft limit means we ran that long without blocking: drop to normal scheduling
      // rather than let the hard limit kill the VRRP process.
      process.on('SIGXCPU', () => {
        log.error(`real-time CPU limit (${soft} us) reached: leaving SCHED_RR`);
        attempt('sched_setscheduler(SCHED_OTHER)', () => sched.setNormal());
      });
    }
    attempt(`sched_setscheduler(SCHED_RR, ${rt})`, () => sched.setRealtime(rt));
    log.info(`VRRP process running with SCHED_RR priority ${rt}${plan.rtAutomatic ? ' (automatic: advert interval below 1 s; set vrrp_rt_priority to change)' : ''}`);
  }
}

/** The Subsystem the worker runs for the 'vrrp' role. */
export class VrrpSubsystem implements Subsystem {
  private driver: VrrpDriver | null = null;

  constructor(private readonly ctx: SubsystemContext) {}

  /** The driver (after start), for tracking, notify and sync groups. */
  get vrrp(): VrrpDriver | null {
    return this.driver;
  }

  async start(cfg: KeepalivedConfig): Promise<void> {
    const ints = cfg.vrrp.instances.map((i) => i.advertIntUs);
    applySched(schedPlan(cfg.global.vrrpSched, ints.length ? Math.min(...ints) : FAST_ADVERT_US), this.ctx.logger);
    this.driver = new VrrpDriver({ log: this.ctx.logger, stateLog: this.ctx.stateLog, keepVipsOnStop: this.ctx.options.dontReleaseVrrp });
    await this.driver.start(cfg);
  }

  async reload(cfg: KeepalivedConfig): Promise<void> {
    if (!this.driver) return this.start(cfg);
    await this.driver.reload(cfg);
  }

  async stop(): Promise<void> {
    await this.driver?.stop();
    this.driver = null;
  }

  dump(): unknown {
    return this.driver?.dump() ?? { instances: [] };
  }

  stats(clear: boolean): unknown {
    return this.driver?.stats(clear) ?? {};
  }
}

registerSubsystem('vrrp', (ctx) => new VrrpSubsystem(ctx));
