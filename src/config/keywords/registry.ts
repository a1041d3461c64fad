// The keyword registry: one table per block type. The parser, -t, the README keyword table and the
// dump all come from these tables, so documentation cannot drift from code.
import type { Diagnostics, Loc } from '../diagnostics';
import { closeMark, isCloseMark, type Stmt, type Word } from '../tree';
import type { HostFacts } from '../host-facts';

/** How far tskeepalived implements a keyword at run time (all keywords are parsed and validated by -t). */
export type KeywordStatus =
  /** Parsed, validated and acted upon. */
  | 'supported'
  /** Parsed and validated; the run-time feature is not built yet (the daemon logs this once). */
  | 'parsed'
  /** Accepted for compatibility; has no effect by design (e.g. a keepalived build option we never need). */
  | 'ignored';

/** Whether a keyword opens a block. */
export type BlockMode = 'none' | 'required' | 'optional';

export interface ApplyContext {
  readonly diag: Diagnostics;
  /** Facts about the host (interfaces, users, files); validation uses them, parsing should not need to. */
  readonly host: HostFacts;
  /** Told of each statement read at the root level, before it is applied (the loader tracks keepalived's passes). */
  readonly rootStatement?: (stmt: Stmt) => void;
  /** Told of each use of a keyword whose status is 'parsed' (checked, but not acted upon at run time). */
  readonly parsedOnly?: (block: string, keyword: string, loc: Loc) => void;
  /** Walks a nested block with its own table into `draft`. */
  walk<D>(spec: BlockSpec<D>, stmts: readonly Stmt[], draft: D): void;
}

export interface KeywordSpec<D> {
  /** The keyword exactly as written in keepalived.conf. */
  readonly name: string;
  /** Argument syntax for the README, e.g. `<1-255>` or `MASTER|BACKUP`. Empty when none. */
  readonly syntax: string;
  /** One line: what it does (our words). */
  readonly doc: string;
  /** Defaults to 'none'. */
  readonly block?: BlockMode;
  /** For a deprecated alias: the keyword to use instead; a DEPRECATED warning names it. */
  readonly deprecated?: string;
  /** Defaults to 'supported'. */
  readonly status?: KeywordStatus;
  /** The block table(s) this keyword's block is read with, for the README table and the dump. */
  readonly sub?: BlockSpec<any> | readonly BlockSpec<any>[];
  /** Applies the statement to the draft model, reporting problems through ctx.diag. */
  apply(stmt: Stmt, draft: D, ctx: ApplyContext): void;
}

export interface BlockSpec<D> {
  /** The block type's name, e.g. `vrrp_instance`; the README groups keywords by it. */
  readonly name: string;
  readonly keywords: readonly KeywordSpec<D>[];
  /**
   * Statements whose first word is not a keyword of the table (e.g. the address lines of
   * `virtual_ipaddress`). Without it such a statement is an unknown keyword.
   */
  readonly other?: (stmt: Stmt, draft: D, ctx: ApplyContext) => void;
}

const tables = new WeakMap<BlockSpec<unknown>, Map<string, KeywordSpec<unknown>>>();

/** The keyword table of a block, built once. Duplicate names in one table are a programming error. */
export function keywordTable<D>(spec: BlockSpec<D>): Map<string, KeywordSpec<D>> {
  let t = tables.get(spec as BlockSpec<unknown>);
  if (!t) {
    t = new Map();
    for (const k of spec.keywords) {
      if (t.has(k.name)) throw new Error(`keyword '${k.name}' registered twice in block '${spec.name}'`);
      t.set(k.name, k as KeywordSpec<unknown>);
    }
    tables.set(spec as BlockSpec<unknown>, t);
  }
  return t as Map<string, KeywordSpec<D>>;
}

/**
 * A keyword as the walker reads it, in one shape for every keyword: the tables' own objects come in
 * many shapes (builders add optional fields, aliases copy), and reading them for every statement
 * would go through V8's slow megamorphic property look-ups.
 */
interface WalkEntry<D> {
  readonly kw: KeywordSpec<D>;
  readonly name: string;
  readonly mode: BlockMode;
  readonly deprecated: string | null;
  readonly parsed: boolean;
}

const walkTables = new WeakMap<BlockSpec<unknown>, Map<string, WalkEntry<unknown>>>();

function walkTable<D>(spec: BlockSpec<D>): Map<string, WalkEntry<D>> {
  let t = walkTables.get(spec as BlockSpec<unknown>);
  if (!t) {
    t = new Map();
    for (const [name, kw] of keywordTable(spec as BlockSpec<unknown>)) {
      t.set(name, { kw, name: kw.name, mode: kw.block ?? 'none', deprecated: kw.deprecated || null, parsed: kw.status === 'parsed' });
    }
    walkTables.set(spec as BlockSpec<unknown>, t);
  }
  return t as Map<string, WalkEntry<D>>;
}

/** `block`'s statements and a `}` for them (at `stmt`'s), in front of the statements after index `i`. */
function inlined(list: readonly Stmt[], stmt: Stmt, block: readonly Stmt[], i: number): readonly Stmt[] {
  return [...block, blockEnd(stmt), ...list.slice(i + 1)];
}

/**
 * A nested walk that ended early: keepalived ends a block at the first `}` it reads at that level,
 * and the `}` of an unknown keyword's block (whose `{` it ignored) is such a `}`. What followed it
 * in the block, the block's own `}` last, is read by the enclosing level.
 */
let escaped: readonly Stmt[] | null = null;
/** The statements being applied, innermost last, so a nested walk knows where its block's `}` stood. */
const applying: Stmt[] = [];

/**
 * Walks the statements of one block through its table, as keepalived's parser reads them: the
 * contents of an unknown keyword's block (and of a block after a keyword that takes none) are read
 * at the current level, and the `}` ending them ends the current block.
 */
export function walkBlock<D>(spec: BlockSpec<D>, stmts: readonly Stmt[], draft: D, ctx: ApplyContext): void {
  const owner = applying[applying.length - 1];
  if (!owner) {
    walkLevel(spec, stmts, draft, ctx, false);
    return;
  }
  const closeLoc = owner.block === stmts ? owner.close ?? null : null;
  const rest = walkLevel(spec, stmts, draft, ctx, true, closeLoc);
  if (rest && rest.length > 0 && !escaped) escaped = rest;
}

/** A `}` of the block being read, standing for the end of a nested block's statements. */
function blockEnd(s: Stmt): Stmt {
  return closeMark(s.close ?? s.open ?? s.loc);
}

/**
 * Reads one level. `nested`: the statements are a block's, ended by its `}` (at `closeLoc`); the
 * statements after an earlier `}` at this level are returned (empty when none).
 */
function walkLevel<D>(
  spec: BlockSpec<D>,
  stmts: readonly Stmt[],
  draft: D,
  ctx: ApplyContext,
  nested: boolean,
  closeLoc: Loc | null = null,
): readonly Stmt[] | null {
  const table = walkTable(spec);
  let list = stmts;
  for (let i = 0; i < list.length; i++) {
    const stmt = list[i] as Stmt;
    if (isCloseMark(stmt)) {
      if (nested) return closeLoc ? [...list.slice(i + 1), closeMark(closeLoc)] : list.slice(i + 1);
      ctx.diag.report('UNEXPECTED_EOB', stmt.loc, "Extra '}' found");
      ctx.diag.report('UNKNOWN_KEYWORD', stmt.loc, "Unknown keyword '}'");
      continue;
    }
    if (!nested) ctx.rootStatement?.(stmt);
    const e = table.get(stmt.keyword.text);
    if (!e) {
      if (spec.other) {
        spec.other(stmt, draft, ctx);
      } else {
        ctx.diag.report('UNKNOWN_KEYWORD', stmt.keyword.loc, `Unknown keyword '${stmt.keyword.text}'`);
        if (stmt.block) {
          ctx.diag.report('UNEXPECTED_BOB', stmt.open ?? stmt.loc, "Unexpected '{' - ignoring");
          list = inlined(list, stmt, stmt.block, i);
          i = -1;
        }
      }
      continue;
    }
    if (e.parsed) ctx.parsedOnly?.(spec.name, e.name, stmt.keyword.loc);
    if (e.deprecated) {
      ctx.diag.report('DEPRECATED', stmt.keyword.loc, `${e.name} is deprecated - please use '${e.deprecated}'`);
    }
    const mode = e.mode;
    if (mode === 'required' && !stmt.block) {
      ctx.diag.report('MISSING_BOB', stmt.keyword.loc, `Missing '{' at beginning of configuration block for '${e.name}'`);
      continue;
    }
    if (mode === 'none' && stmt.block) {
      ctx.diag.report('UNEXPECTED_BOB', stmt.open ?? stmt.loc, `Unexpected '{' after '${e.name}' - ignoring`);
      e.kw.apply({ ...stmt, block: undefined } as Stmt, draft, ctx);
      list = inlined(list, stmt, stmt.block, i);
      i = -1;
      continue;
    }
    if (!stmt.block) {
      e.kw.apply(stmt, draft, ctx);
      continue;
    }
    const outer = escaped;
    escaped = null;
    applying.push(stmt);
    let rest: readonly Stmt[] | null = null;
    try {
      e.kw.apply(stmt, draft, ctx);
    } finally {
      applying.pop();
      rest = escaped;
      escaped = outer;
    }
    if (rest) {
      list = [...rest, ...list.slice(i + 1)];
      i = -1;
    }
  }
  return nested ? [] : null;
}

/** One row of the registry: a keyword in a block. */
export interface RegistryEntry {
  readonly block: string;
  readonly keyword: KeywordSpec<unknown>;
}

/** Every keyword of every block reachable from a root spec, depth first, each block once. */
export function registryEntries(root: BlockSpec<any>): RegistryEntry[] {
  const out: RegistryEntry[] = [];
  const seen = new Set<BlockSpec<any>>();
  const visit = (b: BlockSpec<any>): void => {
    if (seen.has(b)) return;
    seen.add(b);
    for (const k of b.keywords) out.push({ block: b.name, keyword: k as KeywordSpec<unknown> });
    for (const k of b.keywords) {
      if (!k.sub) continue;
      const subs: readonly BlockSpec<any>[] = Array.isArray(k.sub) ? k.sub : [k.sub as BlockSpec<any>];
      for (const sb of subs) visit(sb);
    }
  };
  visit(root);
  return out;
}

/** Convenience for keyword definitions: a keyword whose location is reported. */
export function at(w: Word | Stmt): Loc {
  return 'keyword' in w ? w.keyword.loc : w.loc;
}
