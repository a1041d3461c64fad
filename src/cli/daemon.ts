// The parent watchdog (tskeepalived): daemonise, pidfile lock, logging, workers with liveness and respawn, signals, reload, dumps, sd_notify.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { formatDiagnostic } from '../config/diagnostics';
import { dumpText } from '../config/dump';
import type { KeepalivedConfig } from '../config/model';
import { systemClock } from '../core/clock';
import type { DumpKind, WorkerMessage, WorkerRole } from '../core/ipc';
import { createLogging, type DatagramSender, type Logging } from '../core/logger';
import { dumpFiles, logFileFor, pidfilePaths, processTitle, syslogIdent, type PidfilePaths } from '../core/paths';
import { pidfileHolder, removePidfile, writePidfile } from '../core/pidfile';
import { blockingDiagnostics, decideReload, rolesToRun, type LoadOutcome } from '../core/reload';
import { createSdNotifier, type SdNotifier } from '../core/sd-notify';
import { writeFileSafely } from '../core/safe-file';
import { SIGJSON, SIGSTATS_CLEAR, onSignalNumber, type SignalHandle } from '../core/signals';
import { ConfigWatcher } from '../core/watch';
import { roleLabel } from '../core/worker';
import { WorkerSupervisor } from '../watchdog/supervisor';
import { loadFromOptions } from './config-test';
import { parseArgs, WORKER_OPTIONS_ENV, type CliOptions } from './options';

/** keepalived's exit codes (doc/man/man8 "Exit status"). */
export const EXIT_OK = 0;
export const EXIT_FATAL = 2;
export const EXIT_NO_CONFIG = 3;

const KEEPALIVED_VERSION = '2.4.3';
const OUR_VERSION = '0.1.0';
/** Set in the re-spawned daemon: the fd on which it reports "ready" or an error to the process that started it. */
const READY_FD_ENV = 'TSKA_DAEMON_READY_FD';
/** linux/resource.h RLIMIT_CORE. */
const RLIMIT_CORE = 4;
const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

function unixSender(): DatagramSender {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UnixDgramSender } = require('../sys/unix-dgram') as typeof import('../sys/unix-dgram');
  const s = new UnixDgramSender();
  return { send: (p, d) => s.send(p, d), close: () => s.close() };
}

/** argv for a re-spawned daemon or a worker: the user's flags with -f made absolute (the daemon runs in /). */
export function childArgv(argv: readonly string[], configFile: string, extra: readonly string[] = []): string[] {
  return [...argv, '--use-file', configFile, ...extra];
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/**
 * Daemonises as keepalived's xdaemon does, with what Node has: the program is re-spawned detached
 * (setsid, stdio on /dev/null, working directory /) and this process exits 0 once the daemon has
 * written its pidfile (or with the daemon's status when it failed, its message on stderr).
 */
function daemonise(argv: readonly string[], configFile: string): void {
  const child = spawn(process.execPath, [path.join(__dirname, 'main.js'), ...childArgv(argv, configFile)], {
    detached: true,
    cwd: '/',
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [READY_FD_ENV]: '3' },
  });
  let text = '';
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
  const finish = (code: number): void => {
    child.removeAllListeners('exit');
    pipe?.removeAllListeners();
    child.unref();
    (pipe as unknown as { destroy?: () => void } | null)?.destroy?.();
    process.exitCode = code;
  };
  pipe?.on('data', (b: Buffer) => {
    text += b.toString();
  });
  pipe?.on('end', () => {
    if (text.startsWith('ready')) return finish(EXIT_OK);
    const m = /^exit (\d+)\n([\s\S]*)$/.exec(text);
    if (m) {
      if (m[2]) process.stderr.write(m[2]);
      return finish(Number(m[1]));
    }
  });
  child.on('exit', (code) => {
    if (!text.startsWith('ready')) {
      if (text && !text.startsWith('exit ')) process.stderr.write(text);
      finish(code ?? EXIT_FATAL);
    }
  });
}

/** Tells the process that daemonised us how it went (nothing when running with -n). */
function reportToLauncher(msg: string): void {
  const fd = Number(process.env[READY_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return;
  delete process.env[READY_FD_ENV];
  try {
    fs.writeSync(fd, msg);
    fs.closeSync(fd);
  } catch {
    // the launcher is gone
  }
}

/** The parent process. */
export class Daemon {
  private config: KeepalivedConfig;
  private readonly supervisors = new Map<WorkerRole, WorkerSupervisor>();
  private readonly signalHandles: SignalHandle[] = [];
  private watcher: ConfigWatcher | null = null;
  private reloading = false;
  private reloadAgain = false;
  private stopping = false;
  private readonly started = new Set<WorkerRole>();
  private readyNotified = false;
  private origCorePattern: string | undefined;

  constructor(
    private readonly opts: CliOptions,
    private readonly argv: readonly string[],
    private readonly configFile: string,
    first: LoadOutcome,
    private readonly logging: Logging,
    private readonly pids: PidfilePaths,
    private readonly sd: SdNotifier,
  ) {
    this.config = first.config;
    this.parsedOnly = first.parsedOnly ?? [];
  }

  private readonly parsedOnly: NonNullable<LoadOutcome['parsedOnly']>;

  private get logger(): Logger {
    return this.logging.logger;
  }

  /** Starts the workers, signals, watcher. */
  start(): void {
    // handlers first: a SIGTERM while the workers start must stop them, not kill the parent alone
    this.installSignals();
    // Said once, at start: what the configuration asks for that tskeepalived checks but does not do.
    for (const u of this.parsedOnly) {
      this.logger.warn(`${u.keyword} (${u.block}, ${u.loc.file}:${u.loc.line}) is accepted but not acted upon: this feature is not built in tskeepalived`);
    }
    const roles = rolesToRun(this.opts, this.config);
    if (roles.length === 0) {
      this.logger.info('Warning - keepalived has no configuration to run');
      this.notifyReady();
    }
    for (const r of roles) this.startWorker(r);
    if (this.opts.watchConfig) {
      this.watcher = new ConfigWatcher(
        () => void this.reload('configuration file changed'),
        500,
        (n) => this.logger.info(`Watching ${n} configuration file(s) for changes`),
      );
      this.watcher.setFiles(this.configFiles(loadFromOptionsFiles(this.opts)));
    }
    // With workers but no 'started' within 10 s, tell systemd anyway (it would time out the unit).
    systemClock.setTimer(10_000, () => this.notifyReady(), true);
  }

  private configFiles(files: readonly string[]): string[] {
    return files.length > 0 ? [...files] : [this.configFile];
  }

  private startWorker(role: WorkerRole): void {
    let sup = this.supervisors.get(role);
    if (!sup) {
      const args = childArgv(this.argv, this.configFile, ['--role', role]);
      sup = new WorkerSupervisor({
        role,
        label: `${roleLabel(role)}`,
        modulePath: path.join(__dirname, 'main.js'),
        args,
        env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify(parseArgs(args)) },
        respawn: !this.opts.dontRespawn,
        clock: systemClock,
        logger: this.logger,
        ...(envInt('TSKA_WATCHDOG_PING_MS') !== undefined ? { pingIntervalMs: envInt('TSKA_WATCHDOG_PING_MS') } : {}),
        ...(envInt('TSKA_WATCHDOG_TIMEOUT_MS') !== undefined ? { pingTimeoutMs: envInt('TSKA_WATCHDOG_TIMEOUT_MS') } : {}),
      });
      const pidfile = role === 'vrrp' ? this.pids.vrrp : this.pids.check;
      sup.on('spawn', (pid: number) => {
        try {
          writePidfile(pidfile, pid);
        } catch (e) {
          this.logger.error({ err: e }, `cannot write pidfile ${pidfile}`);
        }
        this.logger.info(`Starting ${role === 'vrrp' ? 'VRRP' : 'Healthcheck'} child process, pid=${pid}`);
      });
      sup.on('exit', () => {
        const pid = readPidSafe(pidfile);
        if (pid !== undefined) removePidfile(pidfile, pid);
      });
      sup.on('message', (m: WorkerMessage) => this.onWorkerMessage(role, m));
      sup.on('gave-up', () => {
        // keepalived with -R: a child's death ends keepalived
        void this.stop(`${roleLabel(role)} child died and -R is set`);
      });
      this.supervisors.set(role, sup);
    }
    sup.start();
  }

  private onWorkerMessage(role: WorkerRole, m: WorkerMessage): void {
    if (m.t === 'started') {
      this.started.add(role);
      if (!m.available) this.logger.warn(`${roleLabel(role)} worker is running without its subsystem: ${m.error ?? 'not available'}`);
      const expected = [...this.supervisors.values()].filter((s) => s.running).length;
      if (this.started.size >= expected) this.notifyReady();
    } else if (m.t === 'state') {
      this.logger.debug(`${m.role}: ${m.name} is ${m.state}`);
    }
  }

  private notifyReady(): void {
    if (this.readyNotified || this.stopping) return;
    this.readyNotified = true;
    this.sd.ready();
  }

  private installSignals(): void {
    process.on('SIGHUP', () => void this.reload('SIGHUP'));
    process.on('SIGTERM', () => void this.stop('SIGTERM'));
    process.on('SIGINT', () => {
      if (this.opts.ignoreSigint) this.logger.info('SIGINT ignored (--ignore-sigint)');
      else void this.stop('SIGINT');
    });
    process.on('SIGUSR1', () => void this.dump('data'));
    process.on('SIGUSR2', () => void this.dump('stats'));
    for (const [n, kind] of [
      [SIGJSON, 'json'],
      [SIGSTATS_CLEAR, 'stats-clear'],
    ] as const) {
      try {
        this.signalHandles.push(onSignalNumber(n, () => void this.dump(kind)));
      } catch (e) {
        this.logger.warn(`signal ${n} (${kind}) cannot be handled here: ${(e as Error).message}; kill -${n} would terminate tskeepalived`);
      }
    }
  }

  /** SIGHUP: re-validate first; a config with errors is rejected and the running one stays. */
  async reload(why: string): Promise<void> {
    if (this.stopping) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    try {
      this.logger.info(`Reloading ... (${why})`);
      const r = loadFromOptions(this.opts);
      const d = decideReload(this.config, r, this.opts.namespace);
      if (!d.accept) {
        for (const diag of blockingDiagnostics(r.diagnostics.list)) this.logger.error(formatDiagnostic(diag));
        for (const reason of d.reasons) this.logger.error(reason);
        this.logger.error('New config failed validation - keeping the running configuration');
        return;
      }
      this.sd.reloading();
      this.config = r.config;
      this.watcher?.setFiles(this.configFiles(r.files));
      const results = await Promise.allSettled(
        [...this.supervisors.entries()].filter(([, s]) => s.running).map(async ([role, s]) => {
          const m = await s.request({ t: 'reload' }, 120_000);
          if (m.t === 'reloaded' && !m.ok) this.logger.error(`${roleLabel(role)} child kept its running configuration: ${m.error ?? ''}`);
        }),
      );
      for (const x of results) if (x.status === 'rejected') this.logger.error(`reload: ${(x.reason as Error).message}`);
      // as keepalived's propagate_signal: a worker now needed but not running is started
      for (const role of rolesToRun(this.opts, this.config)) if (!this.supervisors.get(role)?.running) this.startWorker(role);
      this.sd.ready();
      this.logger.info('Reload finished');
    } finally {
      this.reloading = false;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload('changed again during a reload');
      }
    }
  }

  /** SIGUSR1 (data), SIGUSR2 (stats), STATS_CLEAR and SIGJSON: files written 0600, never through a symlink. */
  async dump(kind: DumpKind): Promise<void> {
    const g = this.config.global;
    const files = dumpFiles({ ...g, ...(this.opts.namespace !== undefined ? { netNamespace: this.opts.namespace } : {}) });
    const ask = async (role: WorkerRole): Promise<unknown> => {
      const s = this.supervisors.get(role);
      if (!s?.running) return undefined;
      try {
        const m = await s.request({ t: 'dump', kind }, 10_000);
        return m.t === 'dump-reply' ? (m.error ? { error: m.error, data: m.data } : m.data) : undefined;
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    const write = (file: string, text: string): void => {
      try {
        writeFileSafely(file, text);
      } catch (e) {
        this.logger.error(`cannot write ${file}: ${(e as Error).message}`);
      }
    };
    const stamp = new Date().toISOString();
    if (kind === 'data') {
      this.logger.info(`Printing parent data for process(${process.pid}) on signal`);
      write(files.parentData, `------< Parent data (tskeepalived, ${stamp}) >------\n${dumpText(this.config)}`);
      const [v, c] = await Promise.all([ask('vrrp'), ask('check')]);
      if (v !== undefined) write(files.vrrpData, `------< VRRP data (${stamp}) >------\n${JSON.stringify(v, null, 2)}\n`);
      if (c !== undefined) write(files.checkData, `------< Checker data (${stamp}) >------\n${JSON.stringify(c, null, 2)}\n`);
    } else if (kind === 'json') {
      const [v, c] = await Promise.all([ask('vrrp'), ask('check')]);
      write(files.json, JSON.stringify({ version: g.jsonVersion, time: stamp, vrrp: v ?? null, check: c ?? null }, null, 2) + '\n');
    } else {
      // keepalived: only the VRRP process writes stats; ours adds the checker's counters.
      const [v, c] = await Promise.all([ask('vrrp'), ask('check')]);
      write(files.stats, JSON.stringify({ time: stamp, cleared: kind === 'stats-clear', vrrp: v ?? null, check: c ?? null }, null, 2) + '\n');
    }
  }

  /** SIGTERM/SIGINT: STOPPING=1, stop the workers (child_wait_time), remove pidfiles, exit 0. */
  async stop(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info(`Stopping (${why})`);
    this.sd.stopping();
    await this.watcher?.close();
    const grace = Math.max(1, this.config.global.childWaitTime) * 1000;
    await Promise.all([...this.supervisors.values()].map((s) => s.stop(grace)));
    for (const h of this.signalHandles) h.close();
    removePidfile(this.pids.parent, process.pid);
    if (this.pids.inPidDir) tryRmdir(path.dirname(this.pids.parent));
    if (this.origCorePattern !== undefined) {
      try {
        fs.writeFileSync(CORE_PATTERN, this.origCorePattern);
      } catch {
        // nothing more to do
      }
    }
    this.logger.info(`Stopped Keepalived v${KEEPALIVED_VERSION} (tskeepalived ${OUR_VERSION})`);
    this.logging.sink.close();
    this.sd.close();
    process.exit(EXIT_OK);
  }

  /** Remembers the core pattern -M replaced, to restore it at exit. */
  setOrigCorePattern(p: string): void {
    this.origCorePattern = p;
  }

  /** The supervisors (tests, dumps). */
  supervisor(role: WorkerRole): WorkerSupervisor | undefined {
    return this.supervisors.get(role);
  }
}

function readPidSafe(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function tryRmdir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty or not ours
  }
}

function loadFromOptionsFiles(opts: CliOptions): readonly string[] {
  return loadFromOptions(opts).files;
}

/** -m / -M: what works in Node. Returns the core pattern to restore, if -M changed it. */
function setupCoreDumps(opts: CliOptions, logger: Logger): string | undefined {
  if (!opts.coreDump && opts.coreDumpPattern === undefined) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { native } = require('../sys/native') as typeof import('../sys/native');
    native.setRlimit(RLIMIT_CORE, -1, -1);
    logger.info('RLIMIT_CORE raised to unlimited: a crash of the runtime (abort, SIGSEGV) dumps core; a JavaScript exception does not (Node exits instead)');
  } catch (e) {
    logger.warn(`cannot raise RLIMIT_CORE: ${(e as Error).message}`);
  }
  if (opts.coreDumpPattern === undefined) return undefined;
  const pattern = opts.coreDumpPattern === '' ? 'core' : opts.coreDumpPattern;
  try {
    const orig = fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, '');
    fs.writeFileSync(CORE_PATTERN, pattern);
    logger.info(`core_pattern set to '${pattern}' (restored at exit)`);
    return orig;
  } catch (e) {
    logger.warn(`cannot set ${CORE_PATTERN}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Reports the flags that are accepted but have no subsystem here, once. */
function reportUnsupported(opts: CliOptions, logger: Logger): void {
  if (opts.snmp || opts.snmpAgentSocket !== undefined) logger.warn('SNMP is not supported by tskeepalived: -x/-A accepted and ignored');
  if (opts.noBfd || opts.bfdPid !== undefined) logger.info('BFD is not supported by tskeepalived: -B/-b accepted (no BFD process is run)');
  if (opts.perf !== undefined) logger.warn('--perf is not supported by tskeepalived: ignored');
  if (opts.configFd !== undefined) logger.warn('--config-fd is not supported by tskeepalived: ignored');
  if (opts.releaseVips) logger.info('-X accepted: tskeepalived always removes the VIPs when an instance leaves MASTER, as keepalived does with -X');
}

/** The daemon path of main(): runs until stopped. */
export function runDaemon(opts: CliOptions, argv: readonly string[]): void {
  const configFile = path.resolve(process.cwd(), opts.useFile);
  const o: CliOptions = { ...opts, useFile: configFile };
  if (!opts.dontFork && process.env[READY_FD_ENV] === undefined) {
    daemonise(argv, configFile);
    return;
  }
  if (process.env[READY_FD_ENV] !== undefined) process.chdir('/');
  const fail = (code: number, message: string, logging?: Logging): void => {
    if (logging) {
      logging.logger.error(message);
      logging.sink.close();
    }
    reportToLauncher(`exit ${code}\n${message}\n`);
    if (!logging || !opts.logConsole) process.stderr.write(`tskeepalived: ${message}\n`);
    process.exit(code);
  };
  if (opts.umask !== undefined) process.umask(opts.umask);
  if (!fs.existsSync(configFile)) return fail(EXIT_NO_CONFIG, `Configuration file '${configFile}' does not exist`);
  const first = loadFromOptions(o);
  const g = first.config.global;
  if (opts.umask === undefined) process.umask(g.umask);
  const ns = opts.namespace ?? g.netNamespace;
  const logging = createLogging({
    ident: syslogIdent('parent', ns, g.instanceName),
    facility: opts.logFacility,
    syslog: !opts.noSyslog,
    makeSender: unixSender,
    console: opts.logConsole,
    ...(opts.logFile !== undefined ? { file: logFileFor(opts.logFile, 'parent') } : {}),
    flushFile: opts.flushLogFile,
    detail: opts.logDetail,
    debug: opts.debug !== undefined,
  });
  const logger = logging.logger;
  logger.info(`Starting Keepalived v${KEEPALIVED_VERSION} (tskeepalived ${OUR_VERSION}, Node.js ${process.version})`);
  logger.info(`Command line: '${process.argv.slice(2).join("' '")}'`);
  for (const d of first.diagnostics.list) {
    if (d.info) continue;
    const cls = d.cls;
    const line = formatDiagnostic(d);
    if (cls === 'WARNING' || cls === 'DEPRECATED') logger.warn(line);
    else logger.error(line);
  }
  if (first.exitCode === 2) return fail(EXIT_NO_CONFIG, 'the configuration could not be parsed - exiting', logging);
  if (opts.allConfig && first.diagnostics.list.some((d) => d.cls === 'SECURITY_ERROR' && /Config files missing/.test(d.message))) {
    // -e: a missing or unreadable configuration file is fatal
    return fail(EXIT_NO_CONFIG, 'configuration file(s) missing and -e (--all-config) given - exiting', logging);
  }
  if (opts.namespace !== undefined && g.netNamespace !== undefined && g.netNamespace !== opts.namespace) {
    logger.info(`Overriding config net_namespace '${g.netNamespace}' with command line namespace '${opts.namespace}'`);
  }
  reportUnsupported(opts, logger);
  if (opts.dumpConf) {
    // keepalived -d: the configuration as loaded, to the log at startup
    for (const line of dumpText(first.config).split('\n')) if (line !== '') logger.info(line);
  }
  const pids = pidfilePaths({ ...opts, usePidDir: g.usePidDir, ...(g.instanceName !== undefined ? { instanceName: g.instanceName } : {}), ...(ns !== undefined ? { netNamespace: ns } : {}) });
  const titles = [processTitle('parent', g.processNames), processTitle('vrrp', g.processNames), processTitle('check', g.processNames)];
  const roles = rolesToRun(opts, first.config);
  for (const f of [pids.parent, ...roles.map((r) => (r === 'vrrp' ? pids.vrrp : pids.check))]) {
    const holder = pidfileHolder(f, titles);
    if (holder !== undefined) {
      // keepalived logs this and exits 0 (keepalived_running())
      logger.info(`daemon is already running (pid ${holder} holds ${f})`);
      logging.sink.close();
      reportToLauncher(`exit ${EXIT_OK}\ntskeepalived: daemon is already running (pid ${holder} holds ${f})\n`);
      if (!opts.logConsole) process.stderr.write(`tskeepalived: daemon is already running (pid ${holder} holds ${f})\n`);
      process.exit(EXIT_OK);
    }
  }
  if (ns !== undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../sys/netns') as typeof import('../sys/netns')).enterNetns(ns);
    } catch (e) {
      return fail(EXIT_FATAL, `Unable to set network namespace ${ns} - exiting (${(e as Error).message})`, logging);
    }
  }
  const origCore = setupCoreDumps(opts, logger);
  const title = processTitle('parent', g.processNames);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../sys/process-name') as typeof import('../sys/process-name')).setProcessName(title);
  } catch {
    process.title = title;
  }
  try {
    writePidfile(pids.parent, process.pid);
  } catch (e) {
    return fail(EXIT_FATAL, `cannot write pidfile ${pids.parent}: ${(e as Error).message}`, logging);
  }
  const sd = createSdNotifier(process.env, unixSender);
  const daemon = new Daemon(o, argv, configFile, first, logging, pids, sd);
  if (origCore !== undefined) daemon.setOrigCorePattern(origCore);
  reportToLauncher('ready\n');
  daemon.start();
}
