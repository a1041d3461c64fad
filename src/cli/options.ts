// keepalived's command line (keepalived 2.4.3 main.c long_options), parsed with commander into typed options.
import type { Command, Option } from 'commander';

/**
 * commander, loaded when a command line is parsed: a worker takes its options from the parent
 * ({@link workerOptionsFromEnv}) and never loads it (about 1.5 MB less resident in each worker).
 */
function commander(): typeof import('commander') {
  return require('commander') as typeof import('commander');
}

/** Syslog facilities accepted by -S, as keepalived names them. */
export type Facility = 'daemon' | 'user' | `local${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`;

export interface CliOptions {
  useFile: string;
  vrrp: boolean;
  check: boolean;
  noBfd: boolean;
  all: boolean;
  logConsole: boolean;
  logDetail: boolean;
  logFacility: Facility;
  /** -g: undefined when not given; '' when given without a file (keepalived's default log file). */
  logFile?: string;
  flushLogFile: boolean;
  noSyslog: boolean;
  umask?: number;
  releaseVips: boolean;
  dontReleaseVrrp: boolean;
  dontReleaseIpvs: boolean;
  dontRespawn: boolean;
  dontFork: boolean;
  dumpConf: boolean;
  pid?: string;
  vrrpPid?: string;
  checkersPid?: string;
  bfdPid?: string;
  addressMonitoring: boolean;
  namespace?: string;
  allConfig: boolean;
  configId?: string;
  snmp: boolean;
  snmpAgentSocket?: string;
  coreDump: boolean;
  /** -M: undefined when not given; '' when given without a pattern. */
  coreDumpPattern?: string;
  signum?: string;
  /** -t: undefined when not given; '' for stderr, else the file diagnostics go to. */
  configTest?: string;
  version: boolean;
  help: boolean;
  /** --debug: undefined when not given; the letters given, '' for all. */
  debug?: string;
  ignoreSigint: boolean;
  noMemCheck: boolean;
  perf?: string;
  configFd?: number;
  /** Ours: a machine-readable dump of the expanded model with file:line provenance (JSON), to FILE or stdout ('' / '-'). */
  dumpJson?: string;
  /** Ours: reload automatically when the config or an included file changes. */
  watchConfig: boolean;
  /** Internal: the worker role when forked by the parent. */
  role?: 'vrrp' | 'check';
}

/** Default config file path (keepalived's ${sysconfdir}/keepalived/keepalived.conf). */
export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

const FACILITIES: readonly string[] = ['daemon', 'user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];

/** -S accepts 0-7 (meaning local0-7), local0-7, user or daemon. */
export function parseFacility(v: string): Facility {
  if (/^[0-7]$/.test(v)) return `local${v}` as Facility;
  if (FACILITIES.includes(v)) return v as Facility;
  throw new (commander().CommanderError)(1, 'tska.facility', `invalid log facility '${v}' (0-7, local0-7, user or daemon)`);
}

export interface FlagDoc {
  readonly flags: string;
  readonly description: string;
}

/** Options whose argument is optional: like getopt, they take it only when attached (-tFILE, --config-test=FILE). */
const OPTIONAL_ARG = new Map<string, string>([
  ['-t', '--config-test'],
  ['-g', '--log-file'],
  ['-M', '--core-dump-pattern'],
]);
const OPTIONAL_LONG = new Set(['--config-test', '--log-file', '--core-dump-pattern', '--debug', '--perf', '--dump-json']);

/**
 * getopt semantics for optional arguments: a separate word after `-t` is not its argument.
 * Commander would take it, so bare forms are rewritten to `--long=` (empty value) first.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = OPTIONAL_ARG.get(a.slice(0, 2));
    if (long && a.length > 2 && a.startsWith('-') && !a.startsWith('--')) {
      out.push(`${long}=${a.slice(2)}`);
    } else if (long && a.length === 2) {
      out.push(`${long}=`);
    } else if (OPTIONAL_LONG.has(a)) {
      out.push(`${a}=`);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Builds the commander program; `--help` lists every flag. */
export function buildProgram(): Command {
  const { Command, Option } = commander();
  const p = new Command('tskeepalived');
  p.description('A drop-in replacement for keepalived: VRRP and IPVS health checking.')
    .helpOption(false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const opt = (flags: string, desc: string, parse?: (v: string) => unknown): Option => {
    const o = new Option(flags, desc);
    if (parse) o.argParser(parse as (v: string, prev: unknown) => unknown);
    p.addOption(o);
    return o;
  };
  opt('-f, --use-file <file>', `use the specified configuration file (default ${DEFAULT_CONFIG})`);
  opt('-P, --vrrp', 'only run the VRRP subsystem');
  opt('-C, --check', 'only run the health-checker subsystem');
  opt('-B, --no_bfd', "don't run the BFD subsystem (no BFD subsystem here: accepted)");
  opt('--all', 'run all subsystems, even if they have no configuration');
  opt('-l, --log-console', 'log messages to the local console');
  opt('-D, --log-detail', 'detailed log messages');
  opt('-S, --log-facility <facility>', 'syslog facility: 0-7, local0-7, user or daemon (default daemon)', parseFacility);
  opt('-g, --log-file [file]', 'also log to FILE (default <tmp>/keepalived.log)');
  opt('--flush-log-file', 'flush the log file after each write');
  opt('-G, --no-syslog', "don't log through syslog");
  opt('-u, --umask <number>', 'umask for files created (octal with a leading 0, else decimal)', (v) => {
    const n = /^0[0-7]*$/.test(v) ? parseInt(v, 8) : /^\d+$/.test(v) ? Number(v) : /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0o777) throw new (commander().CommanderError)(1, 'tska.umask', `invalid umask '${v}'`);
    return n;
  });
  opt('-X, --release-vips', 'drop VIPs on transition from signal');
  opt('-V, --dont-release-vrrp', "don't remove VRRP VIPs and routes on daemon stop");
  opt('-I, --dont-release-ipvs', "don't remove the IPVS topology on daemon stop");
  opt('-R, --dont-respawn', "don't respawn child processes");
  opt('-n, --dont-fork', "don't fork the daemon process (run in the foreground)");
  opt('-d, --dump-conf', 'dump the configuration data');
  opt('-p, --pid <file>', 'parent pidfile (default /run/keepalived.pid)');
  opt('-r, --vrrp_pid <file>', 'VRRP child pidfile (default /run/keepalived_vrrp.pid)');
  opt('-c, --checkers_pid <file>', 'checker child pidfile (default /run/keepalived_checkers.pid)');
  opt('-b, --bfd_pid <file>', 'BFD child pidfile (no BFD subsystem here: accepted)');
  opt('-a, --address-monitoring', 'log all address additions and deletions reported by netlink');
  opt('-s, --namespace <name>', 'run in network namespace NAME');
  opt('-e, --all-config', "don't load if any configuration file is missing or cannot be read");
  opt('-i, --config-id <id>', 'configuration id for @id lines (default: host name without the domain)');
  opt('-x, --snmp', 'enable the SNMP subsystem (not built here: accepted and reported)');
  opt('-A, --snmp-agent-socket <file>', 'SNMP master agent socket (not built here: accepted)');
  opt('-m, --core-dump', 'produce a core dump if terminated abnormally (raises RLIMIT_CORE)');
  opt('-M, --core-dump-pattern [pattern]', 'also set /proc/sys/kernel/core_pattern (restored on exit)');
  opt('--signum <sigfunc>', 'print the signal number of STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON or TDUMP');
  opt('-T, --genhash', 'genhash mode (must be the first option): print the MD5 digest of a web page, see genhash(1)');
  opt('-t, --config-test [file]', 'check the configuration and exit; diagnostics to stderr or FILE');
  opt('-v, --version', 'print the version and exit');
  opt('-h, --help', 'print this help and exit');
  opt('--debug [letters]', 'debug options (keepalived letters; accepted)');
  opt('--ignore-sigint', "don't terminate on SIGINT");
  opt('--no-mem-check', 'disable memory checks (accepted)');
  opt('--perf [when]', 'perf data for the VRRP process (not supported: accepted and reported)');
  opt('--config-fd <fd>', 'internal: fd to write the consolidated configuration to', (v) => Number(v));
  opt('--dump-json [file]', 'tskeepalived: dump the expanded configuration model with file:line provenance as JSON');
  opt('--watch-config', 'tskeepalived: reload when the configuration or an included file changes');
  opt('--role <role>', 'internal: worker role (vrrp|check)').hideHelp();
  return p;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses argv (without node and script). Throws UsageError for a bad option (keepalived exits 1). */
export function parseArgs(argv: readonly string[]): CliOptions {
  const p = buildProgram();
  try {
    p.parse(normaliseArgv(argv), { from: 'user' });
  } catch (e) {
    if (e instanceof commander().CommanderError) throw new UsageError(e.message.replace(/^error: /, ''));
    throw e;
  }
  const o = p.opts<Record<string, unknown>>();
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const flag = (k: string): boolean => o[k] === true;
  const optArg = (k: string): string | undefined => (o[k] === undefined ? undefined : o[k] === true ? '' : String(o[k]));
  const role = str('role');
  if (role !== undefined && role !== 'vrrp' && role !== 'check') throw new UsageError(`invalid role '${role}'`);
  const r: CliOptions = {
    useFile: str('useFile') ?? DEFAULT_CONFIG,
    vrrp: flag('vrrp'),
    check: flag('check'),
    noBfd: flag('no_bfd'),
    all: flag('all'),
    logConsole: flag('logConsole'),
    logDetail: flag('logDetail'),
    logFacility: (o['logFacility'] as Facility | undefined) ?? 'daemon',
    flushLogFile: flag('flushLogFile'),
    // commander turns --no-syslog into syslog=false
    noSyslog: o['syslog'] === false,
    releaseVips: flag('releaseVips'),
    dontReleaseVrrp: flag('dontReleaseVrrp'),
    dontReleaseIpvs: flag('dontReleaseIpvs'),
    dontRespawn: flag('dontRespawn'),
    dontFork: flag('dontFork'),
    dumpConf: flag('dumpConf'),
    addressMonitoring: flag('addressMonitoring'),
    allConfig: flag('allConfig'),
    snmp: flag('snmp'),
    coreDump: flag('coreDump'),
    version: flag('version'),
    help: flag('help'),
    ignoreSigint: flag('ignoreSigint'),
    noMemCheck: o['memCheck'] === false,
    watchConfig: flag('watchConfig'),
  };
  const set = <K extends keyof CliOptions>(k: K, v: CliOptions[K] | undefined): void => {
    if (v !== undefined) r[k] = v;
  };
  set('logFile', optArg('logFile'));
  set('umask', o['umask'] as number | undefined);
  set('pid', str('pid'));
  set('vrrpPid', str('vrrp_pid'));
  set('checkersPid', str('checkers_pid'));
  set('bfdPid', str('bfd_pid'));
  set('namespace', str('namespace'));
  set('configId', str('configId'));
  set('snmpAgentSocket', str('snmpAgentSocket'));
  set('coreDumpPattern', optArg('coreDumpPattern'));
  set('signum', str('signum'));
  set('configTest', optArg('configTest'));
  set('debug', optArg('debug'));
  set('perf', optArg('perf'));
  set('configFd', o['configFd'] as number | undefined);
  set('dumpJson', optArg('dumpJson'));
  if (role) r.role = role;
  if (r.noBfd === false && o['bfd'] === false) r.noBfd = true;
  return r;
}

/** The help text: every flag, one per line. */
export function helpText(): string {
  const p = buildProgram();
  const lines = ['Usage: tskeepalived [OPTION...]', '', p.description(), '', 'Options:'];
  for (const o of p.options) {
    if (o.hidden) continue;
    lines.push(`  ${o.flags.padEnd(36)} ${o.description}`);
  }
  return lines.join('\n') + '\n';
}

/** The environment variable through which the parent hands a worker its parsed options (JSON). */
export const WORKER_OPTIONS_ENV = 'TSKA_WORKER_OPTIONS';

/**
 * A forked worker's options, as the parent parsed them from the worker's own argv (so they are the
 * same by construction), read from {@link WORKER_OPTIONS_ENV}. The variable is removed from `env`
 * so that scripts the worker runs do not inherit it. Undefined when absent or not a worker's options:
 * the caller then parses argv.
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv): CliOptions | undefined {
  const text = env[WORKER_OPTIONS_ENV];
  if (text === undefined) return undefined;
  delete env[WORKER_OPTIONS_ENV];
  try {
    const o = JSON.parse(text) as Partial<CliOptions> | null;
    if (o === null || typeof o !== 'object' || (o.role !== 'vrrp' && o.role !== 'check') || typeof o.useFile !== 'string') return undefined;
    return o as CliOptions;
  } catch {
    return undefined;
  }
}
