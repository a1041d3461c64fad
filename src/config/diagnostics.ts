// Config diagnostics: keepalived's error classes, file:line:col locations, and -t exit codes.

/** Where something came from in the configuration: 1-based line and column. */
export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * keepalived's config error classes (`lib/parser.h`), numerically ordered as keepalived orders them:
 * the largest class reported decides the `-t` exit code.
 */
export const ConfigClass = {
  OK: 0,
  FILE_NOT_FOUND: 1,
  BAD_IF: 2,
  FATAL: 3,
  MULTIPLE_FILES: 4,
  UNKNOWN_KEYWORD: 5,
  UNEXPECTED_BOB: 6,
  MISSING_BOB: 7,
  UNEXPECTED_EOB: 8,
  MISSING_EOB: 9,
  UNMATCHED_QUOTE: 10,
  MISSING_PARAMETER: 11,
  INVALID_NUMBER: 12,
  GENERAL_ERROR: 13,
  WARNING: 14,
  DEPRECATED: 15,
  SECURITY_ERROR: 16,
} as const;
export type ConfigClassName = keyof typeof ConfigClass;
export type ConfigClassValue = (typeof ConfigClass)[ConfigClassName];

/** Diagnostics that never influence the exit code (our own notes, e.g. "parsed, not implemented"). */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly loc: Loc | null;
  readonly cls: ConfigClassName;
  readonly message: string;
  /** Our own extra checks (beyond keepalived) are marked, so `-t` can report them without changing keepalived's exit code. */
  readonly extra?: boolean;
  /** Informational notes do not count towards the exit code at all. */
  readonly info?: boolean;
}

/** Formats `file:line:col: CLASS: message` (or `CLASS: message` without a location). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}: ` : '';
  const cls = d.info ? 'INFO' : d.cls;
  return `${where}${cls}: ${d.message}`;
}

/**
 * Thrown by {@link Diagnostics.abort}: keepalived's parser exits (code 2) on a parameter it cannot
 * default, so reading stops where it is thrown. Caught by the loader.
 */
export class ConfigAbort extends Error {
  constructor(readonly loc: Loc | null) {
    super('configuration read aborted on a missing parameter');
  }
}

/** Collects diagnostics; the parser, preprocessor, registry and validator all write here. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** Set by {@link abort}: keepalived's -t exits 2. */
  aborted = false;
  /** A cap so that pathological inputs cannot grow the list without bound. */
  constructor(private readonly max = 100_000) {}

  report(cls: ConfigClassName, loc: Loc | null, message: string, opts: { extra?: boolean; info?: boolean } = {}): void {
    if (this.list.length >= this.max) return;
    const d: Diagnostic = { loc, cls, message, ...(opts.extra ? { extra: true } : {}), ...(opts.info ? { info: true } : {}) };
    this.list.push(d);
  }
  error(loc: Loc | null, message: string): void {
    this.report('GENERAL_ERROR', loc, message);
  }
  warning(loc: Loc | null, message: string): void {
    this.report('WARNING', loc, message);
  }
  info(loc: Loc | null, message: string): void {
    this.report('OK', loc, message, { info: true });
  }
  /**
   * keepalived's `null_strvec`: a handler read a word the line does not have, and keepalived exits
   * with code 2 at once. Reports the line as keepalived does and throws {@link ConfigAbort}.
   */
  abort(loc: Loc | null, keyword: string, position: number): never {
    this.report(
      'MISSING_PARAMETER',
      loc,
      `*** Configuration line starting \`${keyword}\` is missing a parameter after keyword \`${keyword}\` at word position ${position}`,
    );
    this.aborted = true;
    throw new ConfigAbort(loc);
  }
  /** The largest keepalived class reported, ignoring our extra checks and informational notes. */
  maxClass(includeExtra = false): ConfigClassValue {
    let m: ConfigClassValue = ConfigClass.OK;
    for (const d of this.list) {
      if (d.info || (d.extra && !includeExtra)) continue;
      const v = ConfigClass[d.cls];
      if (v > m) m = v;
    }
    return m;
  }
}

/**
 * keepalived 2.4.3's `-t` exit code from the largest class seen (../shared/oracle/README.md):
 * 0 nothing; 4 only FILE_NOT_FOUND/BAD_IF/FATAL; 5 any class 4..15; 6 a security error.
 * `aborted` is keepalived's exit 2: the parser stopped on a parameter it cannot default.
 */
export function configTestExitCode(maxClass: number, aborted = false): number {
  if (aborted) return 2;
  if (maxClass === ConfigClass.OK) return 0;
  if (maxClass >= ConfigClass.SECURITY_ERROR) return 6;
  if (maxClass >= ConfigClass.MULTIPLE_FILES) return 5;
  return 4;
}
