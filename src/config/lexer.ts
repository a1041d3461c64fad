// The keepalived.conf lexer: positioned text, comment removal, '{'/'}' splitting and word splitting.
import type { Diagnostics, Loc } from './diagnostics';
import type { Word } from './tree';

/** keepalived's WHITE_SPACE set for word splitting. */
const WORD_SPACE = ' \t\f\n\r\v';

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * A piece of configuration text that remembers, for every character, the column it came from
 * in the file as written. Substituted text takes the column of the reference it replaced.
 * Columns are 1-based; `map` is materialised only once an edit breaks the identity mapping.
 */
export class Text {
  private constructor(
    /** The text itself. */
    readonly text: string,
    /** The file it came from (as given to the reader). */
    readonly file: string,
    /** 1-based line number in that file. */
    readonly line: number,
    private readonly map: Int32Array | null,
    /** Column of index 0 (and of everything when the text is empty). */
    private readonly base: number,
  ) {}

  /** A line as written: column i+1 for index i (or `col` + i). */
  static of(text: string, file: string, line: number, col = 1): Text {
    return new Text(text, file, line, null, col);
  }

  get length(): number {
    return this.text.length;
  }

  /** The column of the character at index `i` (clamped to the text). */
  col(i: number): number {
    if (this.map === null) {
      const last = this.text.length - 1;
      return this.base + (i <= 0 || last <= 0 ? 0 : i > last ? last : i);
    }
    if (this.map.length === 0) return this.base;
    const j = Math.max(0, Math.min(i, this.map.length - 1));
    return this.map[j] ?? this.base;
  }

  /** The location of the character at index `i`. */
  loc(i: number): Loc {
    return { file: this.file, line: this.line, col: this.col(i) };
  }

  /** A substring that keeps its columns. */
  slice(start: number, end: number = this.text.length): Text {
    const s = Math.max(0, Math.min(start, this.text.length));
    const e = Math.max(s, Math.min(end, this.text.length));
    if (this.map === null) return new Text(this.text.slice(s, e), this.file, this.line, null, this.base + s);
    return new Text(this.text.slice(s, e), this.file, this.line, this.map.slice(s, e), this.col(s));
  }

  /** Replaces [start, end) by `insert`, whose characters all take column `col`. */
  replace(start: number, end: number, insert: string, col: number): Text {
    const n = this.text.length;
    const map = new Int32Array(n - (end - start) + insert.length);
    this.copyCols(map, 0, 0, start);
    map.fill(col, start, start + insert.length);
    this.copyCols(map, start + insert.length, end, n);
    const text = this.text.slice(0, start) + insert + this.text.slice(end);
    return new Text(text, this.file, this.line, map, start === 0 && insert.length > 0 ? col : this.col(0));
  }

  /** Without the characters at the given ascending indices (one pass). */
  without(indices: readonly number[]): Text {
    if (indices.length === 0) return this;
    const map = new Int32Array(this.text.length);
    let text = '';
    let k = 0;
    let from = 0;
    for (const idx of indices) {
      text += this.text.slice(from, idx);
      this.copyCols(map, k, from, idx);
      k += Math.max(0, idx - from);
      from = idx + 1;
    }
    text += this.text.slice(from);
    this.copyCols(map, k, from, this.text.length);
    k += Math.max(0, this.text.length - from);
    return new Text(text, this.file, this.line, map.subarray(0, k), this.col(0));
  }

  /** Writes the columns of characters [from, to) into `out` at `at` (allocation-free for the common unmapped case). */
  private copyCols(out: Int32Array, at: number, from: number, to: number): void {
    if (to <= from) return;
    if (this.map === null) {
      for (let i = from, k = at; i < to; i++, k++) out[k] = this.base + i;
      return;
    }
    if (to <= this.map.length) {
      out.set(this.map.subarray(from, to), at);
      return;
    }
    for (let i = from, k = at; i < to; i++, k++) out[k] = this.col(i);
  }

  /** Appends `s`, all of whose characters take column `col`. */
  append(s: string, col: number): Text {
    return this.replace(this.text.length, this.text.length, s, col);
  }

  /** Without leading spaces and tabs. */
  trimStartBlank(): Text {
    let i = 0;
    while (isBlank(this.text[i])) i++;
    return i === 0 ? this : this.slice(i);
  }

  /** Without trailing spaces and tabs. */
  trimEndBlank(): Text {
    let e = this.text.length;
    while (e > 0 && isBlank(this.text[e - 1])) e--;
    return e === this.text.length ? this : this.slice(0, e);
  }
}

/** What {@link decomment} made of a physical line. */
export interface Decommented {
  readonly text: Text;
  /** The line ended with a `\` (kept as the last character, as keepalived does). */
  readonly continued: boolean;
}

/**
 * Removes comments the way keepalived does: `#` or `!` outside double quotes starts a comment
 * (single quotes do not protect them); `\#` and `\!` outside quotes are literal `#`/`!`;
 * a trailing `\` is a continuation mark; leading and trailing blanks go.
 * An odd number of `"` before the comment is reported as "Unterminated quote".
 */
export function decomment(line: Text, diag: Diagnostics): Decommented {
  const t0 = line.trimStartBlank();
  const s = t0.text;
  const removed: number[] = [];
  let quote = false;
  let skip = -1;
  let cont = -1;
  let contCol = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 /* " */) {
      if (skip < 0) quote = !quote;
    } else if (c === 0x5c /* \ */) {
      if (i + 1 < s.length) {
        const n = s[i + 1];
        // \# and \! outside quotes are a literal '#'/'!': drop the backslash.
        if (!quote && (n === '#' || n === '!')) removed.push(i);
        i++;
        continue;
      }
      cont = i;
      contCol = t0.col(i);
      break;
    } else if ((c === 0x23 /* # */ || c === 0x21 /* ! */) && !quote) {
      // keepalived 2.4.3: the comment ends the line, so a `\` inside it is no continuation
      // (a commented line inside a multi-line definition ends the definition).
      skip = i;
      break;
    }
  }
  if (quote) diag.report('GENERAL_ERROR', t0.loc(0), `Unterminated quote '${s}'`);
  let end = s.length;
  if (cont >= 0) end = cont;
  if (skip >= 0 && skip < end) end = skip;
  const kept = removed.filter((r) => r < end);
  let out = t0.slice(0, end).without(kept).trimEndBlank();
  if (cont >= 0) out = out.append('\\', contCol);
  return { text: out, continued: cont >= 0 };
}

/**
 * {@link decomment} of the physical line `src.slice(from, to)` (line `line` of `file`), returning
 * only the text: the same result as `decomment(Text.of(src.slice(from, to), file, line), diag).text`,
 * without the intermediate strings and texts for the common line (no backslash).
 */
export function decommentLine(src: string, from: number, to: number, file: string, line: number, diag: Diagnostics): Text {
  let st = from;
  while (st < to) {
    const c = src.charCodeAt(st);
    if (c !== 0x20 && c !== 0x09) break;
    st++;
  }
  let quote = false;
  let end = to;
  for (let i = st; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x22 /* " */) quote = !quote;
    else if (c === 0x5c /* \ */) return decomment(Text.of(src.slice(from, to), file, line), diag).text;
    else if ((c === 0x23 /* # */ || c === 0x21 /* ! */) && !quote) {
      end = i;
      break;
    }
  }
  if (quote) diag.report('GENERAL_ERROR', { file, line, col: st - from + 1 }, `Unterminated quote '${src.slice(st, to)}'`);
  while (end > st) {
    const c = src.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return Text.of(src.slice(st, end), file, line, st - from + 1);
}

/**
 * Where keepalived splits a line at a brace: the first `{` or `}` not inside double quotes,
 * or 0 when the line starts with one. -1 when there is none (or a `"` is left open first).
 */
export function findBrace(s: string): number {
  const c0 = s[0];
  if (c0 === '{' || c0 === '}') return 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const j = s.indexOf('"', i + 1);
      if (j < 0) return -1;
      i = j;
    } else if (c === '{' || c === '}') {
      return i;
    }
  }
  return -1;
}

/**
 * Splits a logical line at its first brace as keepalived re-feeds line residue:
 * `a b { c` gives `a b` and residue `{ c`; `{ c` gives `{` and residue `c`.
 */
export function splitAtBrace(t: Text): { piece: Text; residue: Text | null } {
  const i = findBrace(t.text);
  if (i < 0) return { piece: t.trimEndBlank(), residue: null };
  if (i === 0) {
    if (t.text.length === 1) return { piece: t, residue: null };
    let j = 1;
    while (isBlank(t.text[j])) j++;
    const rest = t.slice(j).trimEndBlank();
    return { piece: t.slice(0, 1), residue: rest.length > 0 ? rest : null };
  }
  const rest = t.slice(i).trimEndBlank();
  return { piece: t.slice(0, i).trimEndBlank(), residue: rest.length > 0 ? rest : null };
}

/**
 * keepalived's ordinary word splitting (`alloc_strvec`): words are separated by white space;
 * a word that starts with `"` runs to the next `"` (quotes removed, no escapes); any other word
 * ends at white space or a `"`. An unmatched `"` is UNMATCHED_QUOTE and ends the line.
 */
export function splitWords(t: Text, diag: Diagnostics, strings?: StringPool): Word[] {
  const out: Word[] = [];
  splitWordsInto(t, diag, strings, out);
  return out;
}

/**
 * {@link splitWords} into `out` from index 0, returning how many words there are (entries of `out`
 * after them are left as they were): a caller splitting many lines reuses one array.
 */
export function splitWordsInto(t: Text, diag: Diagnostics, strings: StringPool | undefined, out: Word[]): number {
  const s = t.text;
  let k = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 0x22 /* " */) {
      const j = s.indexOf('"', i + 1);
      if (j < 0) {
        diag.report('UNMATCHED_QUOTE', t.loc(start), `Unmatched quote: '${s}'`);
        break;
      }
      out[k++] = { text: s.slice(i + 1, j), loc: t.loc(start) };
      i = j + 1;
    } else {
      for (i++; i < n; i++) {
        c = s.charCodeAt(i);
        if (c === 0x20 || c === 0x22 || (c >= 0x09 && c <= 0x0d)) break;
      }
      out[k++] = { text: strings ? strings.get(s, start, i) : s.slice(start, i), loc: t.loc(start) };
    }
  }
  return k;
}

/**
 * Shares equal short strings: a large configuration repeats the same keywords and values on
 * thousands of lines, and one string for each saves memory and garbage-collection work. A small
 * direct-mapped cache: a word found in it is compared in place, without slicing it out.
 */
export class StringPool {
  private readonly slots: string[] = new Array<string>(POOL_SLOTS).fill('');

  /** `src.slice(start, end)`, or an equal string handed out before. */
  get(src: string, start: number, end: number): string {
    const len = end - start;
    if (len > POOL_MAX_LENGTH || len <= 0) return src.slice(start, end);
    const h = (len * 31 + src.charCodeAt(start) * 7 + src.charCodeAt(end - 1) * 131 + src.charCodeAt(start + (len >> 1)) * 17) & (POOL_SLOTS - 1);
    const c = this.slots[h] as string;
    if (c.length === len && src.startsWith(c, start)) return c;
    const w = src.slice(start, end);
    this.slots[h] = w;
    return w;
  }
}

/** Slots of a {@link StringPool} (a power of two). */
const POOL_SLOTS = 4096;
/** Longer words are rarely repeated. */
const POOL_MAX_LENGTH = 32;

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * The shell-like word splitting keepalived applies to script command lines
 * (`alloc_strvec_quoted_escaped`): `"..."` and `'...'` quote, adjacent quoted and unquoted parts
 * make one word, and `\a \b \E \f \n \r \t \v \nnn \xXX \cC \C` are escapes.
 * Returns null (after reporting) on an unterminated quote or a trailing `\`.
 */
export function splitQuotedEscaped(t: Text, diag: Diagnostics): Word[] | null {
  const s = t.text;
  const n = s.length;
  const out: Word[] = [];
  let i = 0;
  while (i < n) {
    while (i < n && WORD_SPACE.includes(s[i] as string)) i++;
    if (i >= n) break;
    const start = i;
    let quote = '';
    let word = '';
    while (i < n) {
      const c = s[i] as string;
      if (c === '\\') {
        i++;
        if (i >= n) {
          diag.report('GENERAL_ERROR', t.loc(start), `Missing escape char at end: '${s}'`);
          return null;
        }
        const e = s[i] as string;
        if (e === 'x' && isHex(s[i + 1])) {
          let v = 0;
          i++;
          while (i < n && isHex(s[i])) {
            v = ((v << 4) | parseInt(s[i] as string, 16)) & 0xff;
            i++;
          }
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          word += String.fromCharCode(s.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = 0;
          let k = 0;
          while (k < 3 && i < n && (s[i] as string) >= '0' && (s[i] as string) <= '7') {
            v = ((v << 3) + (s.charCodeAt(i) - 48)) & 0xff;
            i++;
            k++;
          }
          word += String.fromCharCode(v);
        } else {
          word += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WORD_SPACE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote) {
      diag.report('UNMATCHED_QUOTE', t.loc(start), `String '${s}': missing terminating ${quote}`);
      return null;
    }
    out.push({ text: word, loc: t.loc(start) });
  }
  return out;
}
