// Argument readers and keyword builders shared by every keyword table, so that each family reports
// numbers, timers, booleans and enumerations the same way (and keepalived's way).
import type { ConfigClassName } from '../diagnostics';
import type { Stmt, Word } from '../tree';
import type { ApplyContext, KeywordSpec, KeywordStatus, BlockMode } from './registry';

/** Reports MISSING_PARAMETER when fewer than n arguments follow the keyword. */
export function needArgs(stmt: Stmt, n: number, ctx: ApplyContext): boolean {
  if (stmt.args.length >= n) return true;
  ctx.diag.report('MISSING_PARAMETER', stmt.keyword.loc, `'${stmt.keyword.text}' requires ${n === 1 ? 'a parameter' : `${n} parameters`}`);
  return false;
}

/**
 * For keywords whose keepalived handler reads its first argument unchecked (`virtual_server`,
 * `real_server`, `virtual_server_group`, `vrrp_script`, root `track_file`, url `path` and `digest`):
 * without one keepalived exits 2 on the spot (found with keepalived -t; corpus chk_http1, check_align.4).
 */
export function argOrAbort(stmt: Stmt, ctx: ApplyContext): Word {
  const w = stmt.args[0];
  if (w) return w;
  return ctx.diag.abort(stmt.keyword.loc, stmt.keyword.text, 2);
}

/** Reports arguments beyond max as a warning (keepalived mostly ignores them silently; we say so). */
export function extraArgs(stmt: Stmt, max: number, ctx: ApplyContext): void {
  const extra = stmt.args[max];
  if (extra) ctx.diag.report('WARNING', extra.loc, `'${stmt.keyword.text}': ignoring extra parameter '${extra.text}'`, { extra: true });
}

export interface IntRange {
  readonly min?: number;
  readonly max?: number;
  /** Accept a leading 0x (hex) as keepalived's read_int_func does with base 0. */
  readonly allowHex?: boolean;
}

const DEC = /^[+-]?\d+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;

/** Reads an integer in range; INVALID_NUMBER when it is not one or is out of range. */
export function argInt(w: Word | undefined, range: IntRange, ctx: ApplyContext, what?: string): number | undefined {
  if (!w) return undefined;
  const t = w.text;
  let v: number;
  if (DEC.test(t)) v = Number(t);
  else if (range.allowHex && HEX.test(t)) v = parseInt(t, 16);
  else {
    ctx.diag.report('INVALID_NUMBER', w.loc, `invalid number '${t}'${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  if (!Number.isSafeInteger(v) || (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `${what ?? 'number'} '${t}' out of range [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]`);
    return undefined;
  }
  return v;
}

const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Reads a <TIMER>: decimal seconds with microsecond resolution (man5). Returns microseconds.
 * Range limits are in seconds.
 */
export function argTimer(w: Word | undefined, range: { min?: number; max?: number }, ctx: ApplyContext, what?: string): number | undefined {
  if (!w) return undefined;
  if (!DECIMAL.test(w.text)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `invalid ${what ?? 'time'} '${w.text}'`);
    return undefined;
  }
  const secs = Number(w.text);
  if ((range.min !== undefined && secs < range.min) || (range.max !== undefined && secs > range.max)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `${what ?? 'time'} '${w.text}' out of range [${range.min ?? 0}, ${range.max ?? 'inf'}] seconds`);
    return undefined;
  }
  return Math.round(secs * 1_000_000);
}

/** Reads a decimal number (not necessarily an integer). */
export function argDecimal(w: Word | undefined, range: { min?: number; max?: number }, ctx: ApplyContext, what?: string): number | undefined {
  if (!w) return undefined;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(w.text)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `invalid number '${w.text}'${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  const v = Number(w.text);
  if ((range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `${what ?? 'number'} '${w.text}' out of range [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]`);
    return undefined;
  }
  return v;
}

const TRUE = new Set(['on', 'true', 'yes']);
const FALSE = new Set(['off', 'false', 'no']);

/** <BOOL> = on|off|true|false|yes|no; a keyword without argument means true. */
export function argBool(w: Word | undefined, ctx: ApplyContext, dflt = true): boolean | undefined {
  if (!w) return dflt;
  const t = w.text.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  ctx.diag.report('GENERAL_ERROR', w.loc, `invalid boolean '${w.text}' (expected on|off|true|false|yes|no)`);
  return undefined;
}

/** One of a fixed set of words (case-sensitive unless told). */
export function argEnum<T extends string>(
  w: Word | undefined,
  values: readonly T[],
  ctx: ApplyContext,
  opts: { what?: string; ignoreCase?: boolean; cls?: ConfigClassName } = {},
): T | undefined {
  if (!w) return undefined;
  const t = opts.ignoreCase ? w.text.toLowerCase() : w.text;
  const hit = values.find((v) => (opts.ignoreCase ? v.toLowerCase() : v) === t);
  if (hit !== undefined) return hit;
  ctx.diag.report(opts.cls ?? 'GENERAL_ERROR', w.loc, `invalid ${opts.what ?? stmtWhat(w)} '${w.text}' (expected ${values.join('|')})`);
  return undefined;
}

function stmtWhat(_w: Word): string {
  return 'value';
}

/** Common fields of keyword builders. */
export interface KwOpts {
  readonly doc: string;
  readonly syntax?: string;
  readonly status?: KeywordStatus;
  readonly deprecated?: string;
  readonly block?: BlockMode;
  readonly sub?: KeywordSpec<any>['sub'];
}

function spec<D>(name: string, o: KwOpts, syntax: string, apply: KeywordSpec<D>['apply']): KeywordSpec<D> {
  return {
    name,
    syntax: o.syntax ?? syntax,
    doc: o.doc,
    ...(o.status ? { status: o.status } : {}),
    ...(o.deprecated ? { deprecated: o.deprecated } : {}),
    ...(o.block ? { block: o.block } : {}),
    ...(o.sub ? { sub: o.sub } : {}),
    apply,
  };
}

/** A keyword without arguments that sets a flag (an optional BOOL argument is accepted, as keepalived does for many). */
export function flagKw<D>(name: string, o: KwOpts, set: (d: D, v: boolean, s: Stmt) => void): KeywordSpec<D> {
  return spec(name, o, '[BOOL]', (s, d, ctx) => {
    const v = argBool(s.args[0], ctx);
    if (v !== undefined) set(d, v, s);
  });
}

/** A keyword taking one integer. */
export function intKw<D>(name: string, range: IntRange, o: KwOpts, set: (d: D, v: number, s: Stmt) => void): KeywordSpec<D> {
  const syn = range.min !== undefined && range.max !== undefined ? `<${range.min}-${range.max}>` : '<INTEGER>';
  return spec(name, o, syn, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const v = argInt(s.args[0], range, ctx, name);
    if (v !== undefined) set(d, v, s);
  });
}

/** A keyword taking one <TIMER> (seconds, decimal); the setter gets microseconds. */
export function timerKw<D>(name: string, range: { min?: number; max?: number }, o: KwOpts, set: (d: D, usec: number, s: Stmt) => void): KeywordSpec<D> {
  return spec(name, o, '<SECONDS>', (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const v = argTimer(s.args[0], range, ctx, name);
    if (v !== undefined) set(d, v, s);
  });
}

/** A keyword taking one string. */
export function strKw<D>(name: string, o: KwOpts, set: (d: D, v: string, s: Stmt) => void): KeywordSpec<D> {
  return spec(name, o, '<STRING>', (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    set(d, s.args[0]!.text, s);
  });
}

/** A keyword taking one of a fixed set of words. */
export function enumKw<D, T extends string>(name: string, values: readonly T[], o: KwOpts & { ignoreCase?: boolean }, set: (d: D, v: T, s: Stmt) => void): KeywordSpec<D> {
  return spec(name, o, values.join('|'), (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const v = argEnum(s.args[0], values, ctx, { what: name, ...(o.ignoreCase ? { ignoreCase: true } : {}) });
    if (v !== undefined) set(d, v, s);
  });
}

/** A keyword whose apply is written by hand. */
export function customKw<D>(name: string, o: KwOpts & { syntax: string }, apply: KeywordSpec<D>['apply']): KeywordSpec<D> {
  return spec(name, o, o.syntax, apply);
}

/** A deprecated alias: same behaviour as `target`, with a DEPRECATED warning naming it. */
export function aliasKw<D>(name: string, target: KeywordSpec<D>, opts: { deprecated?: boolean } = { deprecated: true }): KeywordSpec<D> {
  return {
    ...target,
    name,
    doc: opts.deprecated === false ? `Synonym of \`${target.name}\`.` : `Deprecated alias of \`${target.name}\`.`,
    ...(opts.deprecated === false ? {} : { deprecated: target.name }),
  };
}

/** Marks a keyword as checked but not acted upon at run time (the daemon says so once when it is used). */
export function parsedOnly<D>(k: KeywordSpec<D>): KeywordSpec<D> {
  return { ...k, status: 'parsed' };
}
