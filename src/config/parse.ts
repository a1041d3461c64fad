// Reads a configuration file with its includes into a statement tree (lexer + preprocessor + blocks).
import type { Diagnostics } from './diagnostics';
import type { Stmt } from './tree';
import type { PreprocessOptions } from './source';

export interface ParseResult {
  readonly stmts: readonly Stmt[];
  /** keepalived's exit 2: the parser gave up on a parameter it could not default. */
  readonly aborted: boolean;
  /** Every file read, in order (the main file first). */
  readonly files: readonly string[];
}

/** Parses `path` (placeholder until the lexer/preprocessor lands: see src/config/preprocess.ts). */
export function parseConfigFile(path: string, opts: PreprocessOptions, diag: Diagnostics): ParseResult {
  void opts;
  diag.report('FATAL', null, `config parser not built yet: cannot read ${path}`);
  return { stmts: [], aborted: true, files: [path] };
}
