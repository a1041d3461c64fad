// tskeepalived's entry point: parse keepalived's command line and run the chosen role.
import { helpText, parseArgs, UsageError, workerOptionsFromEnv, type CliOptions } from './options';
import { loadFromOptions, runConfigTest } from './config-test';
// Each role loads only what it runs (a VRRP worker never loads the daemon, chokidar or the checkers):
// the modules below are required lazily, where the role is chosen.
type GenhashModule = typeof import('../check/genhash');
type DaemonModule = typeof import('./daemon');
type WorkerModule = typeof import('../core/worker');

export const VERSION = '0.1.0';
export const KEEPALIVED_COMPAT = '2.4.3';

/** keepalived's SIGFUNC names (lib/signals.c get_signum) and their numbers on Linux. */
export function signum(name: string): number | undefined {
  const SIGRTMIN = 34;
  const SIGRTMAX = 64;
  const table: Record<string, number> = {
    STOP: 15,
    RELOAD: 1,
    DATA: 10,
    STATS: 12,
    STATS_CLEAR: SIGRTMAX - 1,
    JSON: SIGRTMIN + 2,
    TDUMP: SIGRTMAX,
  };
  return table[name];
}

function versionText(): string {
  return `tskeepalived v${VERSION} (keepalived ${KEEPALIVED_COMPAT} compatible), Node.js ${process.version}\n`;
}

/** Runs with argv (without node and the script); sets process.exitCode or exits. */
export function main(argv: readonly string[]): void {
  // keepalived: -T/--genhash must be the first option; the rest are genhash's own flags.
  if (argv[0] === '-T' || argv[0] === '--genhash') {
    void (require('../check/genhash') as GenhashModule).runGenhash(argv.slice(1)).then((code) => {
      process.exitCode = code;
    });
    return;
  }
  // A forked worker: the parent parsed this argv already and passed the result (no commander here).
  const worker = argv.includes('--role') ? workerOptionsFromEnv(process.env) : undefined;
  if (worker?.role !== undefined) {
    (require('../core/worker') as WorkerModule).runWorker(worker.role, worker, loadFromOptions);
    return;
  }
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tskeepalived: ${e.message}\n${helpText()}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(helpText());
    return;
  }
  if (opts.version) {
    process.stdout.write(versionText());
    return;
  }
  if (opts.signum !== undefined) {
    const n = signum(opts.signum);
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${opts.signum}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${n}\n`);
    return;
  }
  if (opts.configTest !== undefined || (opts.dumpJson !== undefined && !opts.dontFork)) {
    process.exitCode = runConfigTest(opts);
    return;
  }
  if (opts.role !== undefined) {
    (require('../core/worker') as WorkerModule).runWorker(opts.role, opts, loadFromOptions);
    return;
  }
  (require('./daemon') as DaemonModule).runDaemon(opts, argv);
}

if (require.main === module) main(process.argv.slice(2));
