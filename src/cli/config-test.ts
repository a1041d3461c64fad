// `-t/--config-test`: load and validate the configuration, print diagnostics, exit as keepalived does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDiagnostic } from '../config/diagnostics';
import { loadConfig, type LoadResult } from '../config/load';
import { nodeReader } from '../config/node-reader';
import { nodeHost } from '../config/node-host';
import { dumpText, modelToJson } from '../config/dump';
import type { CliOptions } from './options';

/** keepalived's default config id: the host name without its domain. */
export function defaultConfigId(hostname = os.hostname()): string {
  return hostname.split('.')[0] ?? hostname;
}

/** Loads the configuration named by the options from this machine. */
export function loadFromOptions(opts: CliOptions): LoadResult {
  const cwd = process.cwd();
  return loadConfig(
    path.resolve(cwd, opts.useFile),
    { reader: nodeReader, configId: opts.configId ?? defaultConfigId(), env: process.env, cwd, allConfig: opts.allConfig },
    nodeHost(),
  );
}

function writeOut(target: string, text: string): void {
  if (target === '' || target === '-') process.stdout.write(text);
  else fs.writeFileSync(target, text, { mode: 0o600 });
}

/** Runs the config test; returns the exit code. */
export function runConfigTest(opts: CliOptions): number {
  const r = loadFromOptions(opts);
  const text = r.diagnostics.list.map((d) => formatDiagnostic(d) + '\n').join('');
  if (opts.configTest) fs.writeFileSync(opts.configTest, text, { mode: 0o600 });
  else process.stderr.write(text);
  if (opts.dumpConf) process.stdout.write(dumpText(r.config));
  if (opts.dumpJson !== undefined) writeOut(opts.dumpJson, JSON.stringify(modelToJson(r.config, r.files, r.diagnostics.list), null, 2) + '\n');
  return r.exitCode;
}
