// The worker process (tskeepalived_vrrp / tskeepalived_ipvs): loads the config, runs its subsystem, answers the parent over IPC.
import type { Logger } from 'pino';
import type { CliOptions } from '../cli/options';
import { formatDiagnostic } from '../config/diagnostics';
import type { KeepalivedConfig } from '../config/model';
import { systemClock, type Clock } from './clock';
import { isParentMessage, type DumpKind, type ParentMessage, type WorkerMessage, type WorkerRole } from './ipc';
import { createLogging, type Logging } from './logger';
import { logFileFor, processTitle, syslogIdent } from './paths';
import { blockingDiagnostics, type LoadOutcome } from './reload';
import { stateLog } from './state-log';
import { subsystemFactory, subsystemModules, type Subsystem } from './subsystem';

/** keepalived's names for its children in log lines. */
export function roleLabel(role: WorkerRole): string {
  return role === 'vrrp' ? 'VRRP' : 'Healthcheck';
}

/** What the worker needs from outside (injected for tests). */
export interface WorkerDeps {
  readonly load: (opts: CliOptions) => LoadOutcome;
  readonly send: (m: WorkerMessage) => void;
  readonly clock?: Clock;
  readonly logging?: Logging;
  /** Ends the process (process.exit in production). */
  readonly exit: (code: number) => void;
  /** Loads engine modules by path so they register; returns errors other than "module not found". */
  readonly requireModule?: (id: string) => void;
}

/** Exit code of a worker whose subsystem failed to start (keepalived's KEEPALIVED_EXIT_FATAL class): the parent respawns it with backoff. */
export const EXIT_SUBSYSTEM_FAILED = 2;

/** One worker: owns the subsystem and the running config. */
export class Worker {
  private subsystem: Subsystem | null = null;
  private config: KeepalivedConfig | null = null;
  private stopping = false;
  private chain: Promise<void> = Promise.resolve();
  readonly logger: Logger;

  constructor(
    readonly role: WorkerRole,
    private readonly opts: CliOptions,
    private readonly deps: WorkerDeps,
    logger: Logger,
  ) {
    this.logger = logger;
  }

  /**
   * Loads the config and starts the subsystem (or idles, saying why). Queued with the parent's requests:
   * an engine that yields while it starts must not see a reload or stop before it has started.
   */
  start(): Promise<void> {
    const p = this.chain.then(() => this.startNow());
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async startNow(): Promise<void> {
    const r = this.deps.load(this.opts);
    for (const d of blockingDiagnostics(r.diagnostics.list)) this.logger.warn(formatDiagnostic(d));
    this.config = r.config;
    const label = roleLabel(this.role);
    for (const id of subsystemModules(this.role)) {
      try {
        (this.deps.requireModule ?? defaultRequire)(id);
      } catch (e) {
        if (!isModuleNotFound(e, id)) this.logger.error({ err: e }, `${label} subsystem module ${id} failed to load`);
      }
    }
    const factory = subsystemFactory(this.role);
    if (!factory) {
      const why = `${label} subsystem is not available in this build (no engine registered): this worker stays idle and does nothing`;
      this.logger.warn(why);
      this.deps.send({ t: 'started', role: this.role, available: false, error: why });
      return;
    }
    this.subsystem = factory({
      role: this.role,
      logger: this.logger,
      options: this.opts,
      clock: this.deps.clock ?? systemClock,
      stateLog: stateLog(this.logger, (name, state) => this.deps.send({ t: 'state', role: this.role, name, state })),
    });
    try {
      await this.subsystem.start(r.config);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.logger.error(`${label} subsystem failed to start: ${msg}`);
      this.deps.send({ t: 'started', role: this.role, available: false, error: msg });
      this.deps.exit(EXIT_SUBSYSTEM_FAILED);
      return;
    }
    this.deps.send({ t: 'started', role: this.role, available: true });
  }

  /** Handles one parent message; requests other than ping run one at a time in order. */
  handle(m: ParentMessage): void {
    if (m.t === 'ping') {
      this.deps.send({ t: 'pong', seq: m.seq });
      return;
    }
    this.chain = this.chain.then(() => this.handleSerial(m)).catch((e: unknown) => this.logger.error({ err: e }, 'request failed'));
  }

  private async handleSerial(m: ParentMessage): Promise<void> {
    switch (m.t) {
      case 'reload':
        this.deps.send(await this.reload(m.seq));
        return;
      case 'stop':
        await this.stop();
        this.deps.send({ t: 'stopped', seq: m.seq });
        this.deps.exit(0);
        return;
      case 'dump':
        this.deps.send(this.dump(m.seq, m.kind));
        return;
      case 'ping':
        return;
    }
  }

  /** Re-reads the config; keeps the running one when the new one has errors or the subsystem refuses it. */
  async reload(seq: number): Promise<WorkerMessage> {
    this.logger.info('Reloading');
    const r = this.deps.load(this.opts);
    const blocking = blockingDiagnostics(r.diagnostics.list);
    if (r.exitCode === 2 || blocking.length > 0) {
      for (const d of blocking) this.logger.error(formatDiagnostic(d));
      const error = `new configuration rejected (${blocking.length} error(s)); keeping the running configuration`;
      this.logger.error(error);
      return { t: 'reloaded', seq, ok: false, error };
    }
    if (!this.subsystem) {
      this.config = r.config;
      return { t: 'reloaded', seq, ok: true };
    }
    try {
      await this.subsystem.reload(r.config);
      this.config = r.config;
      this.logger.info('Reload finished');
      return { t: 'reloaded', seq, ok: true };
    } catch (e) {
      const error = `reload failed: ${e instanceof Error ? e.message : String(e)}`;
      this.logger.error(error);
      return { t: 'reloaded', seq, ok: false, error };
    }
  }

  /** Stops the subsystem once. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      await this.subsystem?.stop();
    } catch (e) {
      this.logger.error({ err: e }, `${roleLabel(this.role)} subsystem stop failed`);
    }
  }

  private dump(seq: number, kind: DumpKind): WorkerMessage {
    if (!this.subsystem) return { t: 'dump-reply', seq, kind, data: { available: false, role: this.role }, error: `${roleLabel(this.role)} subsystem not available` };
    try {
      const data = kind === 'data' || kind === 'json' ? this.subsystem.dump() : this.subsystem.stats(kind === 'stats-clear');
      return { t: 'dump-reply', seq, kind, data };
    } catch (e) {
      return { t: 'dump-reply', seq, kind, data: null, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The running configuration (null before start). */
  runningConfig(): KeepalivedConfig | null {
    return this.config;
  }
}

function defaultRequire(id: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(id);
}

function isModuleNotFound(e: unknown, id: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'MODULE_NOT_FOUND' && typeof err.message === 'string' && err.message.includes(id);
}

/**
 * The worker process entry (main.ts with --role). Dies with the parent: PR_SET_PDEATHSIG(SIGTERM)
 * and IPC disconnect both stop the subsystem and exit.
 */
export function runWorker(role: WorkerRole, opts: CliOptions, load: (opts: CliOptions) => LoadOutcome): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('tskeepalived: --role is internal: workers are started by the tskeepalived parent\n');
    process.exitCode = 1;
    return;
  }
  const parentPid = process.ppid;
  let deathSignalSet = false;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../sys/process-name') as typeof import('../sys/process-name')).setParentDeathSignal('SIGTERM');
    deathSignalSet = true;
  } catch {
    // addon missing: IPC disconnect still ends us
  }
  if (process.ppid !== parentPid || process.ppid === 1) process.exit(0); // the parent died before prctl
  const first = load(opts);
  const g = first.config.global;
  const ns = opts.namespace ?? g.netNamespace;
  const logging = createLogging({
    ident: syslogIdent(role, ns, g.instanceName),
    facility: opts.logFacility,
    syslog: !opts.noSyslog,
    console: opts.logConsole,
    ...(opts.logFile !== undefined ? { file: logFileFor(opts.logFile, role) } : {}),
    flushFile: opts.flushLogFile,
    detail: opts.logDetail,
    debug: opts.debug !== undefined,
  });
  const title = processTitle(role, g.processNames);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../sys/process-name') as typeof import('../sys/process-name')).setProcessName(title);
  } catch {
    process.title = title;
  }
  const logger = logging.logger;
  if (!deathSignalSet) logger.warn('PR_SET_PDEATHSIG not available (native addon missing): relying on IPC disconnect to follow the parent');
  let loaded = false;
  const worker = new Worker(
    role,
    opts,
    {
      load: (o) => {
        if (!loaded) {
          loaded = true;
          return first;
        }
        return load(o);
      },
      send: (m) => {
        if (process.connected) send(m);
      },
      logging,
      exit: (code) => {
        logging.sink.close();
        process.exit(code);
      },
    },
    logger,
  );
  let monitor: { close(): void } | null = null;
  if (opts.addressMonitoring) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startAddressMonitor } = require('./address-monitor') as typeof import('./address-monitor');
      monitor = startAddressMonitor(role, (line) => logger.info(line), (e) => logger.warn(`address monitoring: ${e.message}`));
    } catch (e) {
      logger.warn(`address monitoring (-a) not available: ${(e as Error).message}`);
    }
  }
  const shutdown = (why: string): void => {
    logger.info(`Stopping (${why})`);
    monitor?.close();
    void worker.stop().then(() => {
      logging.sink.close();
      process.exit(0);
    });
  };
  process.on('message', (m: unknown) => {
    if (isParentMessage(m)) worker.handle(m);
    else logger.warn('ignoring an unknown IPC message from the parent');
  });
  process.on('disconnect', () => shutdown('parent gone'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => undefined); // a terminal's ^C reaches the whole group: the parent decides
  // Signals meant for the parent are handled there; here they must not kill us (SIGUSR1 would open the inspector).
  for (const s of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(s, () => undefined);
  void worker.start().catch((e: unknown) => {
    logger.error({ err: e }, `${roleLabel(role)} worker failed`);
    logging.sink.close();
    process.exit(EXIT_SUBSYSTEM_FAILED);
  });
}
