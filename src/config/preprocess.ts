// The keepalived.conf preprocessor: includes, @id lines, $PARAM definitions and uses, ~SEQ/~LST
// generators and brace splitting, producing positioned logical lines. Reads only through the SourceReader.
import * as path from 'node:path';
import { Diagnostics, type Loc } from './diagnostics';
import { decommentLine, findBrace, splitAtBrace, splitWords, Text } from './lexer';
import { globPattern, hasBraces } from './glob';
import type { PreprocessOptions } from './source';

/** Bounds that keep pathological configurations from hanging or exhausting memory. */
export interface PreprocessLimits {
  /** Logical lines processed in total, generator iterations included. */
  readonly maxLines: number;
  /** Nesting of generators, multi-line parameter expansions and brace residues on one line. */
  readonly maxDepth: number;
  /** Parameter substitutions on one logical line (a parameter defined through itself never ends). */
  readonly maxSubstitutions: number;
  /** Length of a logical line after substitution. */
  readonly maxLineLength: number;
  /** Nesting of include files. */
  readonly maxIncludeDepth: number;
}

/** The default limits: far beyond any real configuration (keepalived's man page example makes 65,024 instances). */
export const DEFAULT_LIMITS: PreprocessLimits = {
  maxLines: 1_000_000,
  maxDepth: 64,
  maxSubstitutions: 1_000,
  maxLineLength: 4 * 1024 * 1024,
  maxIncludeDepth: 32,
};

/** include_check bits (man5 include_check). */
const CHECK_READABLE = 1;
const CHECK_MATCH = 2;
const CHECK_WILDCARD = 4;
const CHECK_BRACE = 8;
const CHECK_ALL = CHECK_READABLE | CHECK_MATCH | CHECK_WILDCARD | CHECK_BRACE;

const INCLUDE_VARIANTS: Readonly<Record<string, number>> = {
  include: 0,
  includer: CHECK_READABLE,
  includem: CHECK_MATCH | CHECK_READABLE,
  includew: CHECK_WILDCARD | CHECK_READABLE,
  includeb: CHECK_BRACE | CHECK_READABLE,
  includea: CHECK_ALL,
};

const CHECK_NAMES: Readonly<Record<string, number>> = {
  readable: CHECK_READABLE,
  match: CHECK_MATCH | CHECK_READABLE,
  wildcard_match: CHECK_WILDCARD | CHECK_READABLE,
  brace_match: CHECK_BRACE | CHECK_READABLE,
};

interface Definition {
  value: string;
  multiline: boolean;
  /** Predefined definitions compute their value at each use. */
  fn?: (params: string, ctx: FileCtx) => string;
  /** Whether `${NAME params}` is accepted, and what params may contain. */
  params?: 'digits' | 'word';
}

interface FileCtx {
  readonly file: string;
  readonly dir: string;
  checks: number;
}

/** Thrown internally to unwind when a global limit is hit; never escapes {@link Preprocessor.run}. */
class LimitReached {
  constructor(readonly message: string) {}
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Runs the preprocessor over a file and its includes, passing each logical line (a statement,
 * a lone `{` or a lone `}`) to `emit` in order. Errors are reported to `diag`; nothing throws.
 */
export class Preprocessor {
  private readonly defs = new Map<string, Definition>();
  private readonly limits: PreprocessLimits;
  private lines = 0;
  private readonly includeStack: string[] = [];
  /** Every file read, in order. */
  readonly files: string[] = [];
  private stopped = false;
  private seed: number;

  constructor(
    private readonly opts: PreprocessOptions,
    private readonly diag: Diagnostics,
    private readonly emit: (line: Text) => void,
    limits: Partial<PreprocessLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.seed = 0x2545f491;
    this.defs.set('_PWD', { value: '', multiline: false, fn: (_p, ctx) => ctx.dir });
    this.defs.set('_INSTANCE', { value: '', multiline: false, fn: () => opts.instance || opts.configId });
    this.defs.set('_RANDOM', { value: '', multiline: false, fn: (p) => this.random(p), params: 'digits' });
    this.defs.set('_ENV', { value: '', multiline: false, fn: (p) => opts.env[p.trim()] ?? '', params: 'word' });
    this.defs.set('_HASH', { value: '#', multiline: false });
    this.defs.set('_BANG', { value: '!', multiline: false });
  }

  /** Reads the main configuration file. A missing one is reported at OK level unless -e. */
  run(file: string): void {
    const abs = path.resolve(this.opts.cwd, file);
    const data = this.opts.reader.readFile(abs);
    if (data instanceof Error) {
      this.reportMissing(null, `Config files missing '${file}'.`, 0);
      return;
    }
    try {
      this.readFile(file, abs, data, 0);
    } catch (e) {
      if (e instanceof LimitReached) {
        this.diag.report('GENERAL_ERROR', null, e.message);
        this.stopped = true;
      } else {
        this.diag.report('FATAL', null, `internal error in the configuration preprocessor: ${String(e)}`);
      }
    }
  }

  private random(params: string): string {
    const nums = params.trim() === '' ? [] : params.trim().split(/\s+/).map((n) => Number.parseInt(n, 10));
    const min = nums[0] ?? 0;
    const max = nums[1] ?? 32767;
    const r = this.opts.random ? this.opts.random() : this.nextSeeded();
    const span = Math.max(0, max - min) + 1;
    return String(min + Math.floor(r * span));
  }

  /** A small deterministic generator when no random source is injected (xorshift32). */
  private nextSeeded(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x1_0000_0000;
  }

  private reportMissing(loc: Loc | null, message: string, checks: number): void {
    if (this.opts.allConfig) this.diag.report('SECURITY_ERROR', loc, message);
    else if (checks) this.diag.report('FILE_NOT_FOUND', loc, message);
    else this.diag.report('OK', loc, message);
  }

  private readFile(display: string, abs: string, data: Buffer, checks: number): void {
    this.files.push(display);
    this.includeStack.push(abs);
    const ctx: FileCtx = { file: display, dir: path.dirname(abs), checks };
    const content = data.toString('utf8');
    // Lines are read in place (index ranges of `content`): only the decommented text is sliced out.
    const hasNul = content.includes('\0');
    let lineNo = 0;
    let pos = 0;
    let multiDef: Definition | null = null;
    while (pos <= content.length && !this.stopped) {
      let nl = content.indexOf('\n', pos);
      if (nl < 0) {
        if (pos >= content.length) break;
        nl = content.length;
      }
      const from = pos;
      let to = nl;
      pos = nl + 1;
      lineNo++;
      while (to > from && content.charCodeAt(to - 1) === 0x0d /* \r */) to--;
      // keepalived 2.4.0: a line containing NUL is ignored.
      if (hasNul && content.slice(from, to).includes('\0')) continue;
      if (to === from) {
        // A blank line ends a multi-line definition; one with no lines is an ordinary empty value.
        if (multiDef && multiDef.value === '') multiDef.multiline = false;
        multiDef = null;
        continue;
      }
      const text = decommentLine(content, from, to, display, lineNo, this.diag);
      if (multiDef) {
        if (text.length === 0) {
          // A comment-only line ends the definition, as a blank line does (keepalived 2.4.3; corpus 1180, 1421).
          if (multiDef.value === '') multiDef.multiline = false;
          multiDef = null;
          continue;
        }
        let v = text.text;
        if (v.endsWith('\\')) {
          v = trimEndChars(v.slice(0, -1), ' \t');
          if (v.length > 0) multiDef.value += (multiDef.value.length > 0 ? '\n' : '') + v;
        } else {
          multiDef.value += (multiDef.value.length > 0 ? '\n' : '') + v;
          multiDef = null;
        }
        continue;
      }
      if (text.length === 0) continue;
      this.bump();
      multiDef = this.logical(text, ctx, 0, true);
    }
    this.includeStack.pop();
  }

  private bump(): void {
    if (++this.lines > this.limits.maxLines) {
      throw new LimitReached(
        `Configuration expands to more than ${this.limits.maxLines} lines (runaway ~SEQ/~LST or parameter expansion?) - stopped reading`,
      );
    }
  }

  /**
   * Processes one logical line and its brace residues. Returns a definition when the line
   * started a multi-line `$NAME=... \` definition that continues on the following physical lines.
   */
  private logical(start: Text, ctx: FileCtx, depth: number, physical: boolean): Definition | null {
    if (depth > this.limits.maxDepth) {
      this.diag.report(
        'GENERAL_ERROR',
        start.loc(0),
        `Configuration nesting too deep (more than ${this.limits.maxDepth} levels of ~SEQ/~LST or multi-line parameters) - line ignored`,
      );
      return null;
    }
    let cur: Text | null = start;
    let first = true;
    // The rest of multi-line parameter values: read after this line and its residue, as keepalived does.
    let pending: Text[] | null = null;
    while (cur !== null && !this.stopped) {
      let t: Text = cur;
      cur = null;
      let handled = false;
      // The common line (no `@`, `$` or `~` to act on) skips the loop below, which would do nothing for it.
      const c0 = t.text.charCodeAt(0);
      const plain = c0 !== 0x40 /* @ */ && c0 !== 0x24 /* $ */ && c0 !== 0x7e /* ~ */ && (!first || !t.text.includes('$'));
      for (let recheck = 0; !plain && recheck < 1000; recheck++) {
        if (t.text.startsWith('@')) {
          const r = this.conditional(t);
          if (r === null) {
            handled = true;
            break;
          }
          t = r;
        }
        if (t.text.startsWith('$')) {
          const d = this.definition(t, physical && first);
          if (d !== undefined) {
            handled = true;
            if (d !== null) return d;
            break;
          }
        }
        if (t.text.startsWith('~SEQ') || t.text.startsWith('~LST')) {
          this.generator(t, ctx, depth);
          handled = true;
          break;
        }
        // Residue after a brace was substituted with its line already; substituting it again could
        // grow it without end (a self-referencing value), so only the first piece is substituted.
        if (!first || t.text.startsWith('~') || !t.text.includes('$')) break;
        const sub = this.substitute(t, ctx, (pending ??= []));
        if (sub === null) break;
        t = sub.text;
        // A value that starts a generator is left for it: when text precedes it (`$OFF $SEQ_DEF` with
        // `$OFF=${_HASH}`), nothing more is substituted (corpus check_align.3).
        if (sub.exhausted || (sub.generator && !t.text.startsWith('~'))) break;
        if (!(t.text.startsWith('@') || t.text.includes('$') || t.text.startsWith('~'))) break;
      }
      // A line that substitution turned into one starting with `#` or `!` (`$OFF=${_HASH}` then
      // `$OFF keyword ...`) is a comment: keepalived 2.4.3 reports nothing for it (corpus 1756, check_align.2).
      if (!handled && (t.text.startsWith('#') || t.text.startsWith('!'))) handled = true;
      if (!handled && t.length > 0 && !this.include(t, ctx)) {
        if (findBrace(t.text) < 0) {
          // No brace: the whole line is one piece (splitAtBrace's answer, without its result object).
          const piece = t.trimEndBlank();
          if (piece.length > 0) this.emit(piece);
        } else {
          const { piece, residue } = splitAtBrace(t);
          if (piece.length > 0) this.emit(piece);
          cur = residue;
        }
      }
      first = false;
      if (cur !== null) this.bump();
    }
    if (pending === null) return null;
    for (const p of pending) {
      if (this.stopped) break;
      this.bump();
      // keepalived reads each line of a multi-line value as a line of its own, leading blanks skipped
      // (`$RS3= \` then `  ~SEQ(...) $RS` runs the ~SEQ: corpus check_align.3).
      this.logical(p.trimStartBlank(), ctx, depth + 1, false);
    }
    return null;
  }

  /** `@ID rest` / `@^ID rest`: the rest when the config id matches (or not), else null. */
  private conditional(t: Text): Text | null {
    const neg = t.text[1] === '^';
    const ofs = neg ? 2 : 1;
    const m = /[ \t]/.exec(t.text.slice(ofs));
    if (!m) return null;
    const id = t.text.slice(ofs, ofs + m.index);
    if ((id === this.opts.configId) === neg) return null;
    return t.slice(ofs + m.index).trimStartBlank();
  }

  /**
   * `$NAME=VALUE`. Returns undefined when the line is not a definition, null when it was a
   * complete definition, or the definition when it continues on following lines (trailing `\`).
   */
  private definition(t: Text, mayContinue: boolean): Definition | null | undefined {
    const s = t.text;
    if (!NAME_START.test(s[1] ?? '')) return undefined;
    let i = 2;
    while (i < s.length && NAME_CHAR.test(s[i] as string)) i++;
    if (s[i] !== '=') return undefined;
    const name = s.slice(1, i);
    let value = s.slice(i + 1).replace(/^[ \t]+/, '');
    let multiline = false;
    if (value.endsWith('\\')) {
      multiline = true;
      value = trimEndChars(value.slice(0, -1), ' \t');
    }
    const def: Definition = { value, multiline };
    this.defs.set(name, def);
    if (multiline && mayContinue) return def;
    return null;
  }

  /** Finds the parameter reference at `$` index `at`; null when there is none to replace. */
  private reference(s: string, at: number): { def: Definition; name: string; end: number; params: string } | null {
    let i = at + 1;
    const braces = s[i] === '{';
    if (braces) i++;
    if (!NAME_START.test(s[i] ?? '')) return null;
    const nameStart = i;
    i++;
    while (i < s.length && NAME_CHAR.test(s[i] as string)) i++;
    const name = s.slice(nameStart, i);
    let params = '';
    if (braces) {
      if (s[i] === ' ') {
        const close = s.indexOf('}', i);
        if (close < 0) return null;
        params = s.slice(i + 1, close);
        i = close;
      }
      if (s[i] !== '}') return null;
      i++;
    } else {
      const c = s[i];
      if (c !== undefined && c !== ' ' && c !== '\t' && c !== ',' && c !== ')') return null;
    }
    const def = this.defs.get(name);
    if (!def) return null;
    if (params !== '') {
      if (def.params === undefined) return null;
      if (def.params === 'digits' && !/^[0-9]+( +[0-9]+)*$/.test(params.trim())) return null;
    }
    // A multi-line parameter can only be used at the end of a line.
    if (def.multiline && i !== s.length) return null;
    return { def, name, end: i, params };
  }

  /**
   * Replaces parameter references left to right, rescanning replaced text (so values may use
   * other parameters). The rest of a multi-line value is queued in `pending`.
   * Returns null when nothing was replaced.
   */
  private substitute(t: Text, ctx: FileCtx, pending: Text[]): { text: Text; exhausted: boolean; generator?: boolean } | null {
    let cur = t;
    let found = false;
    let count = 0;
    let work = 0;
    let at = cur.text.indexOf('$');
    while (at >= 0 && at < cur.text.length - 1) {
      const ref = this.reference(cur.text, at);
      if (!ref) {
        at = cur.text.indexOf('$', at + 1);
        continue;
      }
      work += cur.text.length;
      if (++count > this.limits.maxSubstitutions || work > 16 * this.limits.maxLineLength) {
        this.diag.report(
          'GENERAL_ERROR',
          t.loc(at),
          `Parameter '${ref.name}' is still being substituted after ${this.limits.maxSubstitutions} replacements (defined through itself?) - substitution stopped`,
        );
        return { text: cur, exhausted: true };
      }
      found = true;
      const col = cur.col(at);
      let value = ref.def.fn ? ref.def.fn(ref.params, ctx) : ref.def.value;
      if (ref.def.multiline) {
        const lines = value.split('\n');
        value = lines[0] ?? '';
        // Lines queued by an earlier multi-line use on this line come after this one's.
        const rest = lines.slice(1).map((l) => Text.of('', cur.file, cur.line, col).append(l, col));
        pending.unshift(...rest);
      }
      if (cur.text.length - (ref.end - at) + value.length > this.limits.maxLineLength) {
        this.diag.report(
          'GENERAL_ERROR',
          t.loc(at),
          `Parameter substitution on line would exceed the maximum line length of ${this.limits.maxLineLength} - substitution stopped`,
        );
        return { text: cur, exhausted: true };
      }
      cur = cur.replace(at, ref.end, value, col);
      // keepalived stops substituting when a value starts a generator: the generator handles the rest.
      if (/^[ \t]*~/.test(value)) return { text: cur, exhausted: false, generator: true };
    }
    return found ? { text: cur, exhausted: false } : null;
  }

  /** `~SEQ(var, [start,] [step,] end) rest`, `~SEQx(...)`, `~LST(var, v1, ...)`, `~LST({a,b}, {1,2}, ...)`. */
  private generator(t: Text, ctx: FileCtx, depth: number): void {
    const s = t.text;
    const isSeq = s.startsWith('~SEQ');
    const hex = isSeq && s[4] === 'x';
    let i = isSeq ? (hex ? 5 : 4) : 4;
    while (s[i] === ' ' || s[i] === '\t') i++;
    const kind = isSeq ? (hex ? '~SEQx' : '~SEQ') : '~LST';
    if (s[i] !== '(') {
      this.diag.report('GENERAL_ERROR', t.loc(0), `Invalid ${kind} specification '${s}'`);
      return;
    }
    const close = matchingParen(s, i);
    if (close < 0) {
      this.diag.report('GENERAL_ERROR', t.loc(0), `Invalid ${kind} specification '${s}' - missing ')'`);
      return;
    }
    let inner = s.slice(i + 1, close);
    // keepalived substitutes parameters in ~SEQ's numbers (add_seq): `~SEQ(N, $START, $END)` (corpus 1502).
    const comma = inner.indexOf(',');
    if (isSeq && comma >= 0 && inner.includes('$', comma)) {
      const pending: Text[] = [];
      const sub = this.substitute(Text.of(inner.slice(comma), t.file, t.line, t.col(i + 1 + comma)), ctx, pending);
      if (pending.length > 0) {
        this.diag.report('GENERAL_ERROR', t.loc(0), `~SEQ parameter is multiline definition '${s}'`);
        return;
      }
      if (sub) inner = inner.slice(0, comma) + sub.text.text;
    }
    let restStart = close + 1;
    while (s[restStart] === ' ' || s[restStart] === '\t') restStart++;
    const rest = t.slice(restStart);
    const spec = isSeq ? parseSeq(inner) : parseLst(inner);
    if (typeof spec === 'string') {
      this.diag.report('GENERAL_ERROR', t.loc(0), `Invalid ${kind} specification '${s}': ${spec}`);
      return;
    }
    const iterate = (vars: readonly string[], values: readonly string[]): void => {
      if (this.stopped) return;
      this.bump();
      vars.forEach((v, k) => this.defs.set(v, { value: values[k] ?? '', multiline: false }));
      if (rest.length > 0) this.logical(rest, ctx, depth + 1, false);
    };
    if ('values' in spec) {
      for (const row of spec.values) iterate(spec.vars, row);
    } else {
      const { start, step, end } = spec;
      const count = Math.floor((end - start) / step) + 1;
      if (count > this.limits.maxLines) {
        this.diag.report(
          'GENERAL_ERROR',
          t.loc(0),
          `${kind} would generate ${count} lines, more than the limit of ${this.limits.maxLines} - ignored`,
        );
        return;
      }
      for (let k = 0; k < count; k++) {
        const v = start + k * step;
        iterate([spec.var], [hex ? (v < 0 ? `-${(-v).toString(16)}` : v.toString(16)) : String(v)]);
      }
    }
  }

  /** Handles an include line (after @id and parameter processing, as keepalived does). */
  private include(t: Text, ctx: FileCtx): boolean {
    if (!t.text.includes('include')) return false;
    // Quoting problems are reported when the line is split for the statement tree, not here.
    const words = splitWords(t, new Diagnostics(0));
    const kw = words[0]?.text ?? '';
    if (kw === 'include_check') {
      this.includeCheck(words.slice(1).map((w) => w.text), ctx, t.loc(0));
      return false; // still a global_defs keyword for the keyword tables
    }
    const variant = INCLUDE_VARIANTS[kw];
    if (variant === undefined || words.length !== 2) return false;
    const pattern = (words[1] as { text: string }).text;
    this.doInclude(pattern, ctx.checks | variant, ctx, t.loc(0));
    return true;
  }

  private includeCheck(args: readonly string[], ctx: FileCtx, loc: Loc): void {
    if (args.length === 0) {
      ctx.checks = CHECK_ALL;
      return;
    }
    for (const a of args) {
      const sign = a[0] === '+' || a[0] === '-' ? a[0] : '';
      const name = sign ? a.slice(1) : a;
      const bits = CHECK_NAMES[name];
      if (bits === undefined) {
        this.diag.report('GENERAL_ERROR', loc, `Unknown include_check option '${a}'`);
        continue;
      }
      if (sign === '-') ctx.checks &= ~(bits === CHECK_READABLE ? CHECK_READABLE : bits & ~CHECK_READABLE);
      else ctx.checks |= bits;
    }
  }

  private doInclude(pattern: string, checks: number, ctx: FileCtx, loc: Loc): void {
    if (this.includeStack.length >= this.limits.maxIncludeDepth) {
      this.diag.report('GENERAL_ERROR', loc, `Includes nested more than ${this.limits.maxIncludeDepth} deep - '${pattern}' not read`);
      return;
    }
    const full = pattern.startsWith('/') ? pattern : path.join(ctx.dir, pattern);
    const alts = globPattern(full, this.opts.reader);
    if (alts === null) {
      this.diag.report('GENERAL_ERROR', loc, `Include '${pattern}' has too many brace alternatives - not read`);
      return;
    }
    const braces = hasBraces(full);
    let missing = false;
    let failed = false;
    const toRead: { abs: string; data: Buffer }[] = [];
    for (const alt of alts) {
      let got = 0;
      if (alt.missingDir) missing = true;
      for (const p of alt.paths) {
        if (this.opts.reader.isDirectory(p)) {
          this.reportMissing(loc, `Configuration file '${p}/' is a directory - skipping`, checks & CHECK_READABLE);
          if (checks & CHECK_READABLE) failed = true;
          continue;
        }
        const data = this.opts.reader.readFile(p);
        if (data instanceof Error) {
          const code = (data as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'ENOTDIR') {
            if (!alt.wildcard) missing = true;
            continue;
          }
          this.reportMissing(loc, `Configuration file '${p}' open problem (${data.message}) - skipping`, checks & CHECK_READABLE);
          if (checks & CHECK_READABLE) failed = true;
          continue;
        }
        got++;
        toRead.push({ abs: p, data });
      }
      if (got === 0) {
        if (alt.wildcard && checks & CHECK_WILDCARD) failed = true;
        if (braces && checks & CHECK_BRACE) failed = true;
        if (!alt.wildcard && checks & CHECK_MATCH) failed = true;
      }
    }
    if (missing || failed) this.reportMissing(loc, `Config files missing '${pattern}'.`, failed ? checks : 0);
    for (const f of toRead) {
      if (this.stopped) return;
      if (this.includeStack.includes(f.abs)) {
        this.diag.report(
          'GENERAL_ERROR',
          loc,
          `Include cycle: '${f.abs}' is already being read (${[...this.includeStack, f.abs].join(' -> ')}) - not read again`,
        );
        continue;
      }
      // The included file starts at the includer's include_check level (saved and restored per file).
      this.readFile(f.abs, f.abs, f.data, ctx.checks);
    }
  }
}

/** `s` without trailing characters from `chars` (linear, unlike a /[..]+$/ regex on long lines). */
function trimEndChars(s: string, chars: string): string {
  let e = s.length;
  while (e > 0 && chars.includes(s[e - 1] as string)) e--;
  return s.slice(0, e);
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** strtol(3) with base 0: decimal, 0x hex or leading-0 octal, with a sign. NaN when malformed. */
function parseCInt(text: string): number {
  const s = text.trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return Number.NaN;
  const body = m[2] as string;
  let v: number;
  if (/^0[xX]/.test(body)) v = Number.parseInt(body.slice(2), 16);
  else if (body.length > 1 && body.startsWith('0')) v = Number.parseInt(body.slice(1), 8);
  else v = Number.parseInt(body, 10);
  return m[1] === '-' ? -v : v;
}

/** A parsed ~SEQ: `(var, end)`, `(var, start, end)` or `(var, start, step, end)`. */
function parseSeq(inner: string): { var: string; start: number; step: number; end: number } | string {
  const parts = inner.split(',').map((p) => p.trim());
  const name = parts[0] ?? '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `bad variable name '${name}'`;
  const nums = parts.slice(1).map(parseCInt);
  if (nums.length < 1 || nums.length > 3 || nums.some((n) => !Number.isSafeInteger(n))) return 'expected 1 to 3 integers';
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0] as number;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    start = nums[0] as number;
    end = nums[1] as number;
    step = start <= end ? 1 : -1;
  } else {
    start = nums[0] as number;
    step = nums[1] as number;
    end = nums[2] as number;
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return 'step does not reach the end';
  }
  return { var: name, start, step, end };
}

/** Splits on commas outside `{...}`. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(s.slice(from).trim());
  return out;
}

function unbrace(s: string): string[] {
  const t = s.trim();
  if (t.startsWith('{') && t.endsWith('}')) return t.slice(1, -1).split(',').map((x) => x.trim());
  return [t];
}

/** A parsed ~LST: variables and one row of values per iteration. */
function parseLst(inner: string): { vars: string[]; values: string[][] } | string {
  const parts = splitTop(inner);
  const vars = unbrace(parts[0] ?? '');
  if (vars.length === 0 || vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) return `bad variable name(s) '${parts[0] ?? ''}'`;
  const rows = parts.slice(1).map(unbrace);
  if (rows.length === 0) return 'no values';
  if (rows.some((r) => r.length !== vars.length)) return `each value must give ${vars.length} item(s)`;
  return { vars, values: rows };
}
