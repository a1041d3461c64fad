// Loads a configuration: parse (with includes and preprocessing), walk the keyword tables into the
// model, validate, and compute keepalived's -t exit code. Pure apart from the injected reader and host.
import { Diagnostics, configTestExitCode } from './diagnostics';
import type { HostFacts } from './host-facts';
import { emptyConfig, type ConfigDraft, type KeepalivedConfig } from './model';
import { parseConfigFile } from './parse';
import type { PreprocessOptions } from './source';
import { rootSpec } from './keywords';
import { walkBlock, type ApplyContext } from './keywords/registry';
import { validators } from './validate';

export interface LoadResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: Diagnostics;
  /** The exit code keepalived's -t would give for these diagnostics. */
  readonly exitCode: number;
  readonly files: readonly string[];
}

export function loadConfig(path: string, opts: PreprocessOptions, host: HostFacts): LoadResult {
  const diag = new Diagnostics();
  const parsed = parseConfigFile(path, opts, diag);
  const draft: ConfigDraft = emptyConfig();
  const ctx: ApplyContext = {
    diag,
    host,
    walk(spec, stmts, d) {
      walkBlock(spec, stmts, d, ctx);
    },
  };
  walkBlock(rootSpec, parsed.stmts, draft, ctx);
  for (const v of validators) v(draft, ctx);
  return { config: draft, diagnostics: diag, exitCode: configTestExitCode(diag.maxClass(), parsed.aborted), files: parsed.files };
}
