// Reads a configuration file with its includes into a statement tree (lexer + preprocessor + blocks).
import { Diagnostics, type Loc } from './diagnostics';
import { closeMark, type Stmt, type Word } from './tree';
import type { PreprocessOptions, SourceReader } from './source';
import { splitQuotedEscaped, splitWordsInto, StringPool, type Text } from './lexer';
import { Preprocessor, type PreprocessLimits } from './preprocess';

export interface ParseResult {
  readonly stmts: readonly Stmt[];
  /** keepalived's exit 2: the parser gave up on a parameter it could not default. */
  readonly aborted: boolean;
  /** Every file read, in order (the main file first). */
  readonly files: readonly string[];
  /**
   * Where keepalived's parent process stops when it must leave early (a net_namespace it cannot
   * enter): after the first `global_defs` block, counted in diagnostics reported by then and root
   * statements made by then. Absent when there is no global_defs block (the parent reads everything).
   */
  readonly parentCut?: { readonly diagnostics: number; readonly rootStatements: number };
}

/** Blocks nested deeper than this are flattened (reported once), so tree walkers cannot overflow the stack. */
export const MAX_BLOCK_DEPTH = 500;

/** The arguments of every statement without any (never modified: statements are read-only once built). */
const NO_ARGS: readonly Word[] = [];

interface MutableStmt {
  keyword: Word;
  args: readonly Word[];
  block?: MutableStmt[];
  open?: Loc;
  close?: Loc;
  loc: Loc;
}

interface Frame {
  /** Statements of this block. */
  readonly list: MutableStmt[];
  /** A stray '{' (or one past the depth cap) whose contents stay at the enclosing level. */
  readonly transparent: boolean;
  /** A stray '{': its '}' is kept as a close marker, since for keepalived it ends the enclosing block. */
  readonly stray?: boolean;
  /** The statement whose block this is. */
  readonly owner?: MutableStmt;
}

/**
 * The preprocessed line of each statement whose line holds a `"`, `'` or `\`: the only lines that
 * keepalived's script splitting reads differently from the ordinary one. Any other line splits into
 * the statement's own words, so nothing is kept for it (the common statement carries no extra data).
 */
const quotedLines = new WeakMap<Stmt, Text>();

/** Does the line hold a character the script splitting treats apart from the ordinary splitting? */
function needsLine(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */ || c === 0x5c /* \ */) return true;
  }
  return false;
}

/**
 * The statement's words split the way keepalived splits script command lines: `"` and `'`
 * quoting, adjacent parts joined into one word, shell-like escapes. The keyword is the first word.
 * Null (after reporting) on an unterminated quote.
 */
export function scriptWords(stmt: Stmt, diag: Diagnostics): Word[] | null {
  const line = quotedLines.get(stmt);
  if (!line) return [stmt.keyword, ...stmt.args];
  return splitQuotedEscaped(line, diag);
}

/** Builds the block tree from logical lines, keyword-agnostic: a `{` right after a statement opens its block. */
export class TreeBuilder {
  private readonly root: MutableStmt[] = [];
  private readonly stack: Frame[] = [{ list: this.root, transparent: false }];
  /** The statement made from the previous logical line, while it could still take a `{`. */
  private last: MutableStmt | null = null;
  private deepReported = false;
  /** Word texts shared between statements. */
  private readonly strings = new StringPool();
  /** The words of the line being added (one array for every line). */
  private readonly words: Word[] = [];
  /** The first root-level `global_defs` with a block, and where the parent pass ends after it. */
  private globalDefs: MutableStmt | null = null;
  cut: { diagnostics: number; rootStatements: number } | undefined;

  constructor(private readonly diag: Diagnostics) {}

  /** Adds one logical line (a statement, or a lone brace). */
  add(line: Text): void {
    const text = line.text;
    if (text === '{') {
      this.open(line);
      return;
    }
    if (text === '}') {
      this.close(line);
      return;
    }
    const words = this.words;
    const n = splitWordsInto(line, this.diag, this.strings, words);
    if (n === 0) {
      this.last = null;
      return;
    }
    const keyword = words[0] as Word;
    // slice: an array of exactly the arguments (a pushed or spread array would keep spare capacity).
    const stmt: MutableStmt = { keyword, args: n > 1 ? words.slice(1, n) : NO_ARGS, loc: keyword.loc };
    if (needsLine(text)) quotedLines.set(stmt, line);
    (this.stack[this.stack.length - 1] as Frame).list.push(stmt);
    this.last = stmt;
  }

  private open(line: Text): void {
    const loc = line.loc(0);
    const target = this.last;
    this.last = null;
    if (this.stack.length > MAX_BLOCK_DEPTH) {
      if (!this.deepReported) {
        this.diag.report('GENERAL_ERROR', loc, `Blocks nested more than ${MAX_BLOCK_DEPTH} deep - deeper blocks are flattened`);
        this.deepReported = true;
      }
      this.stack.push({ list: (this.stack[this.stack.length - 1] as Frame).list, transparent: true });
      return;
    }
    if (target && !target.block) {
      target.block = [];
      target.open = loc;
      if (this.stack.length === 1 && !this.globalDefs && target.keyword.text === 'global_defs') this.globalDefs = target;
      this.stack.push({ list: target.block, transparent: false, owner: target });
      return;
    }
    this.diag.report('UNEXPECTED_BOB', loc, "Unexpected '{' - ignoring");
    this.stack.push({ list: (this.stack[this.stack.length - 1] as Frame).list, transparent: true, stray: true });
  }

  private close(line: Text): void {
    this.last = null;
    if (this.stack.length > 1) {
      const frame = this.stack.pop() as Frame;
      if (frame.owner) {
        frame.owner.close = line.loc(0);
        // A copy of exactly the block's statements: the pushed-to array keeps spare capacity.
        if (frame.owner.block) frame.owner.block = frame.owner.block.slice();
      }
      else if (frame.stray) frame.list.push(closeMark(line.loc(0)) as MutableStmt);
      if (frame.owner && frame.owner === this.globalDefs && !this.cut) {
        this.cut = { diagnostics: this.diag.list.length, rootStatements: this.root.length };
      }
      return;
    }
    const loc = line.loc(0);
    this.diag.report('UNEXPECTED_EOB', loc, "Extra '}' found");
    this.diag.report('UNKNOWN_KEYWORD', loc, "Unknown keyword '}'");
  }

  /** Ends the input: reports blocks left open, returns the statements. */
  finish(): Stmt[] {
    const open = this.stack.length - 1;
    if (open > 0) this.diag.report('MISSING_EOB', null, `There are ${open} missing '}'s or extra '{'s`);
    this.stack.length = 1;
    return this.root as Stmt[];
  }
}

/** Options for {@link parseConfigFile} beyond {@link PreprocessOptions}: limits, for tests. */
export interface ParseLimits {
  readonly limits?: Partial<PreprocessLimits>;
}

/**
 * Parses `path` (relative to `opts.cwd`) with its includes into a statement tree.
 * Never throws: every problem is a diagnostic.
 */
export function parseConfigFile(path: string, opts: PreprocessOptions & ParseLimits, diag: Diagnostics): ParseResult {
  const builder = new TreeBuilder(diag);
  const pre = new Preprocessor(opts, diag, (line) => builder.add(line), opts.limits ?? {});
  pre.run(path);
  const stmts = builder.finish();
  return {
    stmts,
    aborted: false,
    files: pre.files.length > 0 ? pre.files : [path],
    ...(builder.cut ? { parentCut: builder.cut } : {}),
  };
}

/** A reader over in-memory files (absolute paths), for tests, benchmarks and `-t` on stdin-like input. */
export function memoryReader(files: Readonly<Record<string, string | Buffer>>): SourceReader {
  const dirs = new Map<string, Set<string>>();
  for (const f of Object.keys(files)) {
    let p = f;
    for (;;) {
      const slash = p.lastIndexOf('/');
      if (slash < 0) break;
      const dir = slash === 0 ? '/' : p.slice(0, slash);
      const name = p.slice(slash + 1);
      let set = dirs.get(dir);
      if (!set) dirs.set(dir, (set = new Set()));
      set.add(name);
      if (dir === '/') break;
      p = dir;
    }
  }
  const err = (code: string, p: string): Error => Object.assign(new Error(`${code}: ${p}`), { code });
  return {
    readFile(p) {
      const v = files[p];
      if (v === undefined) return dirs.has(p) ? err('EISDIR', p) : err('ENOENT', p);
      return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    },
    readDir(p) {
      const set = dirs.get(p);
      return set ? [...set] : err('ENOENT', p);
    },
    isDirectory(p) {
      return dirs.has(p);
    },
  };
}

/**
 * Parses configuration text held in memory as the file `/mem/keepalived.conf` (benchmark-ready:
 * no file system). `extra` adds more in-memory files for includes.
 */
export function parseConfigText(
  text: string,
  opts: Partial<PreprocessOptions> & ParseLimits = {},
  extra: Readonly<Record<string, string>> = {},
): { result: ParseResult; diag: Diagnostics } {
  const diag = new Diagnostics();
  const file = '/mem/keepalived.conf';
  const reader = opts.reader ?? memoryReader({ [file]: text, ...extra });
  const result = parseConfigFile(
    file,
    { configId: 'main', env: {}, cwd: '/mem', ...opts, reader, random: opts.random ?? (() => 0.5) },
    diag,
  );
  return { result, diag };
}
