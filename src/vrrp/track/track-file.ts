// track_file: watches a file with chokidar and reports the integer it holds (keepalived track_file.c: strtol, ±254, absent = 0), with init_file.
import * as fs from 'node:fs';
import * as path from 'node:path';
// chokidar is loaded on first use: most VRRP workers track no file.
import type { FSWatcher } from 'chokidar';
function watch(...args: Parameters<typeof import('chokidar').watch>): FSWatcher {
  return (require('chokidar') as typeof import('chokidar')).watch(...args);
}
import { parseTrackFileValue } from './effective';

/** What a {@link FileTracker} needs from a `track_file` block. */
export interface FileTrackerConfig {
  readonly name: string;
  readonly file: string;
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE when absent (or always, with overwrite). */
  readonly init: { readonly value: number; readonly overwrite: boolean } | null;
}

/** Delay of the re-read after the last event (longer than chokidar's 50 ms change throttle and 100 ms atomic window). */
export const TRAILING_READ_MS = 150;

/** Reads the value now (0 when the file is missing or unreadable, as keepalived). */
export function readTrackFile(file: string): number {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(127);
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      return parseTrackFileValue(buf.subarray(0, n).toString('latin1'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Watches one file; reports its value when it changes. */
export class FileTracker {
  private watcher: FSWatcher | null = null;
  private trailing: NodeJS.Timeout | null = null;
  private last: number;

  constructor(
    readonly config: FileTrackerConfig,
    private readonly onValue: (value: number) => void,
  ) {
    this.last = 0;
  }

  /** The value now. */
  get value(): number {
    return this.last;
  }

  /** Applies init_file, reads the file once, then watches it. Resolves when the watch is ready. */
  async start(): Promise<void> {
    const { file, init } = this.config;
    if (init && (init.overwrite || !fs.existsSync(file))) {
      try {
        fs.writeFileSync(file, `${init.value}\n`);
      } catch {
        // keepalived logs and carries on; the value then reads as 0.
      }
    }
    this.last = readTrackFile(file);
    // Watch the directory (depth 0) so a file created, replaced by rename or deleted later is seen.
    const abs = path.resolve(file);
    const dir = path.dirname(abs);
    const w = watch(dir, {
      persistent: false,
      ignoreInitial: true,
      depth: 0,
      ignored: (p: string) => p !== abs && p !== dir,
    });
    this.watcher = w;
    const reread = (): void => {
      const v = readTrackFile(abs);
      if (v === this.last) return;
      this.last = v;
      this.onValue(v);
    };
    const update = (p: string): void => {
      if (p !== abs) return;
      reread();
      // chokidar drops a second 'change' within 50 ms of the first and folds a quick
      // unlink+add into one event: read once more after the dust settles so the last write wins.
      if (this.trailing) clearTimeout(this.trailing);
      this.trailing = setTimeout(() => {
        this.trailing = null;
        if (this.watcher) reread();
      }, TRAILING_READ_MS);
      this.trailing.unref();
    };
    w.on('add', update).on('change', update).on('unlink', update);
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    if (w) await w.close();
  }
}

/** The absolute path keepalived uses (it resolves the file's directory at startup). */
export function resolveTrackFilePath(file: string): string {
  return path.resolve(file);
}
