// The syntax tree of a keepalived configuration: statements and blocks, every node with file:line:col.
import type { Loc } from './diagnostics';

/** One word of a statement after quoting, escapes and parameter substitution, with where it started. */
export interface Word {
  readonly text: string;
  readonly loc: Loc;
}

/**
 * A statement: a keyword, its arguments, and an optional block (`{ ... }`).
 * Lines inside a block are statements too, whatever their first word is
 * (inside `virtual_ipaddress` the "keyword" is an address).
 */
export interface Stmt {
  readonly keyword: Word;
  readonly args: readonly Word[];
  /** Present when the statement opened a block (the brace on the same line or on the next). */
  readonly block?: readonly Stmt[];
  /** Where the block's `{` stood. */
  readonly open?: Loc;
  readonly loc: Loc;
}

/** The words of a statement, keyword included. */
export function words(s: Stmt): Word[] {
  return [s.keyword, ...s.args];
}
