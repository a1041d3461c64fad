// --watch-config: reload when the configuration or one of its included files changes (chokidar, debounced).
import { watch, type FSWatcher } from 'chokidar';

/** A debouncer with injected timers: `trigger` many times, `fire` runs once `ms` after the last one. Pure apart from the timers. */
export function debounce(ms: number, fire: () => void, setT: (ms: number, fn: () => void) => { cancel(): void }): { trigger(): void; cancel(): void } {
  let t: { cancel(): void } | null = null;
  return {
    trigger() {
      t?.cancel();
      t = setT(ms, () => {
        t = null;
        fire();
      });
    },
    cancel() {
      t?.cancel();
      t = null;
    },
  };
}

/** Watches a set of files; `setFiles` replaces it after a reload (the include list may change). */
export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private files = new Set<string>();
  private readonly d: { trigger(): void; cancel(): void };

  constructor(onChange: () => void, debounceMs = 500, private readonly onReady: (files: number) => void = () => undefined) {
    this.d = debounce(debounceMs, onChange, (ms, fn) => {
      const h = setTimeout(fn, ms);
      h.unref();
      return { cancel: () => clearTimeout(h) };
    });
  }

  setFiles(files: readonly string[]): void {
    const next = new Set(files);
    if (!this.watcher) {
      this.watcher = watch([...next], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
      this.watcher.on('all', () => this.d.trigger());
      this.watcher.on('error', () => undefined);
      // Changes made before chokidar's initial scan completes are not reported: say when it is ready.
      this.watcher.once('ready', () => this.onReady(this.files.size));
    } else {
      const add = [...next].filter((f) => !this.files.has(f));
      const del = [...this.files].filter((f) => !next.has(f));
      if (add.length) this.watcher.add(add);
      if (del.length) this.watcher.unwatch(del);
    }
    this.files = next;
  }

  async close(): Promise<void> {
    this.d.cancel();
    await this.watcher?.close();
    this.watcher = null;
  }
}
