// The contract between a worker process and the engine it runs (VRRP or checker), and the registry the engines join.
import type { Logger } from 'pino';
import type { CliOptions } from '../cli/options';
import type { KeepalivedConfig } from '../config/model';
import type { Clock } from './clock';
import type { WorkerRole } from './ipc';
import type { StateLog } from './state-log';

/**
 * An engine run by a worker process. The worker calls start once, reload on each accepted SIGHUP
 * (with a config already validated), stop at shutdown; dump and stats answer SIGUSR1/SIGJSON and
 * SIGUSR2/STATS_CLEAR with JSON-able values.
 */
export interface Subsystem {
  start(cfg: KeepalivedConfig): Promise<void>;
  reload(cfg: KeepalivedConfig): Promise<void>;
  /** Releases what it holds (VIPs, IPVS) unless -V/-I said not to (see ctx.options). */
  stop(): Promise<void>;
  /** JSON-able state for SIGUSR1 (data) and SIGJSON. */
  dump(): unknown;
  /** JSON-able counters for SIGUSR2; `clear` resets them after reading (STATS_CLEAR). */
  stats(clear: boolean): unknown;
}

/** What a subsystem gets from its worker. */
export interface SubsystemContext {
  readonly role: WorkerRole;
  readonly logger: Logger;
  readonly options: CliOptions;
  readonly clock: Clock;
  /** keepalived-worded state-change logging; the parent also hears each change. */
  readonly stateLog: StateLog;
}

export type SubsystemFactory = (ctx: SubsystemContext) => Subsystem;

const registry = new Map<WorkerRole, SubsystemFactory>();

/** Called by an engine's module when it is loaded (src/vrrp/subsystem.ts, src/check/subsystem.ts). */
export function registerSubsystem(role: WorkerRole, factory: SubsystemFactory): void {
  registry.set(role, factory);
}

/** The factory for a role, if an engine registered one. */
export function subsystemFactory(role: WorkerRole): SubsystemFactory | undefined {
  return registry.get(role);
}

/** Forgets every registration (tests). */
export function clearSubsystems(): void {
  registry.clear();
}

/**
 * Modules a worker loads so their engine registers: the engines' own modules (relative to this
 * file's directory), then any listed in $TSKA_SUBSYSTEM_MODULES (':'-separated absolute paths;
 * tests use it to register fakes). Missing engine modules are normal until they are written.
 */
export function subsystemModules(role: WorkerRole, env: NodeJS.ProcessEnv = process.env): string[] {
  // The checker role: the engine, then the IPVS driver, which registers the engine bound to kernel IPVS.
  const own = role === 'vrrp' ? ['../vrrp/subsystem'] : ['../check/subsystem', '../ipvs/driver'];
  const extra = (env['TSKA_SUBSYSTEM_MODULES'] ?? '').split(':').filter((s) => s !== '');
  return [...own, ...extra];
}
