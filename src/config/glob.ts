// glob(3)-like path expansion with csh brace expansion, over an injected SourceReader (no I/O here).
import type { SourceReader } from './source';

/** The most alternatives one brace expression may expand to (a guard against `{a,b}{a,b}...`). */
export const MAX_BRACE_EXPANSIONS = 10_000;

/** Finds the `}` matching the `{` at `open`, or -1. Backslash escapes the next character. */
function matchingBrace(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // A bracket expression may contain braces: skip it when it is closed.
      const close = p.indexOf(']', i + 2);
      if (close > 0) i = close;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * csh-style brace expansion as glibc's GLOB_BRACE does it: `a{b,c{d,e}}f` gives
 * `abf acdf acef`, left to right; `{}` and unmatched braces stay literal.
 * Returns null when the expansion would exceed {@link MAX_BRACE_EXPANSIONS}.
 */
export function expandBraces(pattern: string): string[] | null {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      const close = matchingBrace(pattern, i);
      if (close < 0) break;
      if (close === i + 1) {
        i = close;
        continue;
      }
      open = i;
      break;
    }
  }
  if (open < 0) return [pattern];
  const close = matchingBrace(pattern, open);
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(close + 1);
  const alts: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      alts.push(pattern.slice(from, i));
      from = i + 1;
    }
  }
  alts.push(pattern.slice(from, close));
  const out: string[] = [];
  for (const a of alts) {
    const sub = expandBraces(prefix + a + suffix);
    if (sub === null) return null;
    for (const s of sub) {
      out.push(s);
      if (out.length > MAX_BRACE_EXPANSIONS) return null;
    }
  }
  return out;
}

/** Does the pattern use `*`, `?` or `[`? */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Does the pattern contain a brace expression that expands to more than itself? */
export function hasBraces(pattern: string): boolean {
  const e = expandBraces(pattern);
  return e === null || e.length !== 1 || e[0] !== pattern;
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** fnmatch(3) for one path component (no FNM_PERIOD handling here), compiled to a RegExp. */
export function componentRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i] as string);
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      let j = i + 1;
      let neg = false;
      if (pattern[j] === '!' || pattern[j] === '^') {
        neg = true;
        j++;
      }
      let body = '';
      let first = true;
      let closed = false;
      for (; j < pattern.length; j++) {
        const d = pattern[j] as string;
        if (d === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (d === '-' && body.length > 0 && pattern[j + 1] !== undefined && pattern[j + 1] !== ']') body += '-';
        else body += d === '\\' || d === ']' || d === '[' || d === '^' || d === '-' ? `\\${d}` : d;
      }
      if (!closed) {
        re += '\\[';
      } else {
        re += `[${neg ? '^' : ''}${body}]`;
        i = j;
      }
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp(`${re}$`, 's');
}

function unescape(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Expands one brace-free pattern as glob(3) does: wildcard components are matched against
 * directory listings (sorted; names starting with `.` only match a pattern starting with `.`),
 * other components are taken as written. Paths without wildcards are returned as they are
 * (the caller finds out whether they exist when it reads them); so are directories (the caller
 * skips them). `missingDir`: a directory named without wildcards could not be listed.
 */
export function globOne(pattern: string, reader: SourceReader): { paths: string[]; missingDir: boolean } {
  if (!hasWildcard(pattern)) return { paths: [unescape(pattern)], missingDir: false };
  let missingDir = false;
  let fixed = true;
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let current: string[] = [absolute ? '/' : ''];
  if (absolute) parts.shift();
  else if (parts[0] === '') parts.shift();
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k] as string;
    const last = k === parts.length - 1;
    const next: string[] = [];
    if (!hasWildcard(part)) {
      const name = unescape(part);
      for (const dir of current) {
        const p = joinPath(dir, name);
        if (last || reader.isDirectory(p)) next.push(p);
      }
    } else {
      const re = componentRegExp(part);
      const dotOk = part.startsWith('.');
      for (const dir of current) {
        const list = reader.readDir(dir === '' ? '.' : dir);
        if (list instanceof Error) {
          // A directory named without wildcards that cannot be opened: keepalived's "match" failure.
          if (fixed) missingDir = true;
          continue;
        }
        const names = list.filter((n) => (dotOk || !n.startsWith('.')) && re.test(n)).sort(compareC);
        for (const n of names) {
          const p = joinPath(dir, n);
          if (last || reader.isDirectory(p)) next.push(p);
        }
      }
    }
    if (hasWildcard(part)) fixed = false;
    current = next;
    if (current.length === 0) {
      if (fixed) missingDir = true;
      break;
    }
  }
  return { paths: current, missingDir };
}

/** Byte order, as glob(3) sorts in the C locale. */
function compareC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One brace alternative of a pattern and what it matched. */
export interface GlobAlternative {
  readonly pattern: string;
  readonly wildcard: boolean;
  readonly paths: readonly string[];
  /** A directory named without wildcards before the first wildcard does not exist. */
  readonly missingDir: boolean;
}

/**
 * Expands a pattern with braces and wildcards; the results of each brace alternative are kept
 * separately (in order), as glibc concatenates them. Null when the braces expand too far.
 */
export function globPattern(pattern: string, reader: SourceReader): GlobAlternative[] | null {
  const alts = expandBraces(pattern);
  if (alts === null) return null;
  return alts.map((a) => {
    const r = globOne(a, reader);
    return { pattern: a, wildcard: hasWildcard(a), paths: r.paths, missingDir: r.missingDir };
  });
}
