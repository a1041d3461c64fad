// Loads a configuration: parse (with includes and preprocessing), walk the keyword tables into the
// model, validate, and compute keepalived's -t exit code. Pure apart from the injected reader and host.
import { ConfigAbort, Diagnostics, configTestExitCode, type Loc } from './diagnostics';
import type { Stmt, Word } from './tree';
import type { HostFacts } from './host-facts';
import { emptyConfig, type ConfigDraft, type KeepalivedConfig } from './model';
import { parseConfigFile, type ParseResult } from './parse';
import type { PreprocessOptions } from './source';
import { parentRootSpec, rootSpec } from './keywords';
import { lvsRootKeywords } from './keywords/lvs';
import { vrrpRootKeywords } from './keywords/vrrp';
import { bfdRootKeywords } from './keywords/bfd';
import { walkBlock, type ApplyContext } from './keywords/registry';
import { validators } from './validate';

export interface LoadResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: Diagnostics;
  /** The exit code keepalived's -t would give for these diagnostics. */
  readonly exitCode: number;
  readonly files: readonly string[];
  /** Keywords used that are checked but not acted upon at run time ('parsed' status), each once, first use. */
  readonly parsedOnly: readonly ParsedOnlyUse[];
}

export interface ParsedOnlyUse {
  readonly block: string;
  readonly keyword: string;
  readonly loc: Loc;
}

export function loadConfig(path: string, opts: PreprocessOptions, host: HostFacts): LoadResult {
  const diag = new Diagnostics();
  const parsed = parseConfigFile(path, opts, diag);
  const draft: ConfigDraft = emptyConfig();
  /** Where each root statement's diagnostics start, with the keepalived pass that reads it. */
  const marks: { at: number; pass: number }[] = [];
  const parsedOnly = new Map<string, ParsedOnlyUse>();
  const ctx: ApplyContext = {
    diag,
    parsedOnly(block, keyword, loc) {
      const key = `${block} ${keyword}`;
      if (!parsedOnly.has(key)) parsedOnly.set(key, { block, keyword, loc });
    },
    host: dynamicInterfacesHost(host, draft),
    rootStatement(stmt) {
      marks.push({ at: diag.list.length, pass: passOf(stmt) });
    },
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
    return { config: draft, diagnostics: diag, exitCode: 0, files: parsed.files, parsedOnly: [...parsedOnly.values()] };
  }
  try {
    walkBlock(rootSpec, parsed.stmts, draft, ctx);
  } catch (e) {
    if (!(e instanceof ConfigAbort)) throw e;
    dropLaterPasses(diag, marks);
    return { config: draft, diagnostics: diag, exitCode: 2, files: parsed.files, parsedOnly: [...parsedOnly.values()] };
  }
  for (const v of validators) v(draft, ctx);
  return { config: draft, diagnostics: diag, exitCode: configTestExitCode(diag.maxClass(), parsed.aborted), files: parsed.files, parsedOnly: [...parsedOnly.values()] };
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

/**
 * keepalived reads the configuration once per process, in order: the parent (global settings and
 * every root keyword's syntax), the checker, VRRP, then BFD, each reading only its own root blocks.
 */
const PASS_CHECKER = 1;
const PASS_VRRP = 2;
const PASS_BFD = 3;
const rootPass = new Map<string, number>([
  ...lvsRootKeywords.map((k): [string, number] => [k.name, PASS_CHECKER]),
  ...vrrpRootKeywords.map((k): [string, number] => [k.name, PASS_VRRP]),
  ...bfdRootKeywords.map((k): [string, number] => [k.name, PASS_BFD]),
  // track files are read by the checker too (FILE_CHECK), which comes first.
  ['track_file', PASS_CHECKER],
  ['vrrp_track_file', PASS_CHECKER],
]);

function passOf(stmt: Stmt): number {
  return rootPass.get(stmt.keyword.text) ?? 0;
}

/**
 * After an abort (exit 2) keepalived has printed nothing of the passes after the one that stopped:
 * drops what the blocks of later passes reported. The abort line itself is kept.
 */
function dropLaterPasses(diag: Diagnostics, marks: readonly { at: number; pass: number }[]): void {
  const last = marks[marks.length - 1];
  if (!last) return;
  const stopPass = last.pass;
  const abortLine = diag.list[diag.list.length - 1];
  const kept = diag.list.filter((_, i) => {
    let pass = 0;
    for (let m = marks.length - 1; m >= 0; m--) {
      const mk = marks[m]!;
      if (mk.at <= i) {
        pass = mk.pass;
        break;
      }
    }
    return pass <= stopPass;
  });
  if (abortLine && kept[kept.length - 1] !== abortLine) kept.push(abortLine);
  diag.list.length = 0;
  diag.list.push(...kept);
}
