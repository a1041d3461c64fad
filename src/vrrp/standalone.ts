// A VRRP-only runner for tests and the demo: `node standalone.js -f CONF` runs the driver in one process; SIGUSR2 prints stats as one JSON line.
import pino from 'pino';
import { loadFromOptions } from '../cli/config-test';
import { parseArgs } from '../cli/options';
import { stateLog } from '../core/state-log';
import { VrrpSubsystem } from './subsystem';
import { systemClock } from '../core/clock';

/** Runs until SIGTERM/SIGINT; exits 1 when the configuration has errors or the driver cannot start. */
export async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const logger = pino({ base: null, timestamp: false, formatters: { level: () => ({}) } }, pino.destination({ fd: 1, sync: true }));
  const r = loadFromOptions(opts);
  if (r.exitCode === 2) {
    process.stderr.write(`configuration ${opts.useFile} has errors\n`);
    process.exit(1);
  }
  const sub = new VrrpSubsystem({ role: 'vrrp', logger, options: opts, clock: systemClock, stateLog: stateLog(logger) });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sub.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGUSR2', () => process.stdout.write(`STATS ${JSON.stringify(sub.stats(false))}\n`));
  process.on('SIGUSR1', () => process.stdout.write(`DUMP ${JSON.stringify(sub.dump())}\n`));
  process.on('SIGHUP', () => {
    const n = loadFromOptions(opts);
    if (n.exitCode !== 2) void sub.reload(n.config).then(() => logger.info('Reload finished'));
  });
  try {
    await sub.start(r.config);
  } catch (e) {
    process.stderr.write(`VRRP failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write('READY\n');
}

if (require.main === module) void main(process.argv.slice(2));
