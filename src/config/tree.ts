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
  /** Where the block's `}` stood (absent when the input ended first). */
  readonly close?: Loc;
  readonly loc: Loc;
}

const CLOSE_MARK: unique symbol = Symbol('tskeepalived.closeMark');

/**
 * The `}` of a stray `{` (one that followed no statement). keepalived ignores such a `{`, so its
 * `}` ends the block being read: the tree keeps that `}` as a statement marked with this.
 */
export function closeMark(loc: Loc): Stmt {
  const s: Stmt = { keyword: { text: '}', loc }, args: [], loc };
  Object.defineProperty(s, CLOSE_MARK, { value: true, enumerable: false });
  return s;
}

export function isCloseMark(s: Stmt): boolean {
  return (s as Stmt & { [CLOSE_MARK]?: boolean })[CLOSE_MARK] === true;
}

/** The words of a statement, keyword included. */
export function words(s: Stmt): Word[] {
  return [s.keyword, ...s.args];
}
