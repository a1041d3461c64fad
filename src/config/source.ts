// What the preprocessor reads from the outside world, injected so that it stays pure and testable.

export interface SourceReader {
  /** The file's bytes, or an Error (with .code such as ENOENT / EACCES). */
  readFile(path: string): Buffer | Error;
  /** Directory entries (names only) or an Error; used by glob expansion. */
  readDir(path: string): string[] | Error;
  /** Is the path a directory? (false when absent). */
  isDirectory(path: string): boolean;
}

export interface PreprocessOptions {
  readonly reader: SourceReader;
  /** `-i/--config-id`; keepalived's default is the host name without its domain. */
  readonly configId: string;
  /** The process environment, for `${_ENV NAME}`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `instance` name for `${_INSTANCE}` (empty when none). */
  readonly instance?: string;
  /** Random source in [0,1) for `${_RANDOM}`; seeded by `random_seed` when configured. */
  readonly random?: () => number;
  /** `-e/--all-config`: a missing or unreadable include is an error. */
  readonly allConfig?: boolean;
  /** Working directory for `${_PWD}` and relative -f paths. */
  readonly cwd: string;
}
