// Loads a configuration: parse (with includes and preprocessing), walk the keyword tables into the
// model, validate, and compute keepalived's -t exit code. Pure apart from the injected reader and host.
import { Diagnostics, configTestExitCode, type Loc } from './diagnostics';
import type { Word } from './tree';
import type { HostFacts } from './host-facts';
import { emptyConfig, type ConfigDraft, type KeepalivedConfig } from './model';
import { parseConfigFile, type ParseResult } from './parse';
import type { PreprocessOptions } from './source';
import { parentRootSpec, rootSpec } from './keywords';
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
    host: dynamicInterfacesHost(host, draft),
    walk(spec, stmts, d) {
      walkBlock(spec, stmts, d, ctx);
    },
  };
  const ns = unenterableNamespace(parsed, host);
  if (ns) {
    // keepalived's parent reads the global configuration, cannot enter the namespace and exits 0:
    // nothing after the first global_defs block is read, and nothing is validated.
    const cut = parsed.parentCut;
    if (cut) diag.list.length = Math.min(diag.list.length, cut.diagnostics);
    walkBlock(parentRootSpec, cut ? parsed.stmts.slice(0, cut.rootStatements) : parsed.stmts, draft, ctx);
    diag.info(ns.loc, `net_namespace ${ns.name} cannot be entered - keepalived exits (code 0) without checking the rest of the configuration`);
    return { config: draft, diagnostics: diag, exitCode: 0, files: parsed.files };
  }
  walkBlock(rootSpec, parsed.stmts, draft, ctx);
  for (const v of validators) v(draft, ctx);
  return { config: draft, diagnostics: diag, exitCode: configTestExitCode(diag.maxClass(), parsed.aborted), files: parsed.files };
}

/** The first `net_namespace` the parent reads, when the host says it cannot be entered. */
function unenterableNamespace(parsed: ParseResult, host: HostFacts): { name: string; loc: Loc } | null {
  if (!host.netNamespaceExists) return null;
  const cut = parsed.parentCut;
  const stmts = cut ? parsed.stmts.slice(0, cut.rootStatements) : parsed.stmts;
  const s = stmts.find((x) => x.keyword.text === 'net_namespace' && x.args.length > 0);
  if (!s) return null;
  const name = (s.args[0] as Word).text;
  return host.netNamespaceExists(name) === false ? { name, loc: s.keyword.loc } : null;
}

/**
 * The host as keyword handlers see it: once `dynamic_interfaces` has been read, a missing interface
 * is no problem (keepalived creates a placeholder and reports nothing; corpus 1009, 1803, 2012).
 */
function dynamicInterfacesHost(host: HostFacts, draft: ConfigDraft): HostFacts {
  return {
    hostname: host.hostname,
    interfaceExists: (name) => (draft.global.dynamicInterfaces ? undefined : host.interfaceExists(name)),
    user: (name) => host.user(name),
    group: (name) => host.group(name),
    stat: (path, nofollow) => host.stat(path, nofollow),
    executable: (path) => host.executable(path),
    ...(host.netNamespaceExists ? { netNamespaceExists: (name: string) => host.netNamespaceExists?.(name) } : {}),
  };
}
