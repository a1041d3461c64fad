// Runs corpus files through the config loader in a worker thread, one at a time, with a hard
// per-file deadline: a file that hangs is recorded and the worker replaced, so the run never hangs.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CorpusAnswer } from './worker';

export interface CorpusResult extends CorpusAnswer {
  readonly timedOut?: boolean;
}

/** All .conf files of the corpus folder, relative, sorted (subfolders included). */
export function corpusFiles(corpusDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.conf')) out.push(path.relative(corpusDir, p));
    }
  };
  walk(corpusDir);
  return out.sort();
}

export async function runCorpus(corpusDir: string, files: readonly string[], timeoutMs: number): Promise<CorpusResult[]> {
  const results: CorpusResult[] = [];
  let worker: Worker | null = null;
  const start = (): Worker => new Worker(path.join(__dirname, 'worker.js'));
  for (const rel of files) {
    worker ??= start();
    const w: Worker = worker;
    const r = await new Promise<CorpusResult>((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        void w.terminate();
        worker = null;
        resolve({ rel, exit: -1, unknown: [], diagnostics: [], ms: timeoutMs, timedOut: true });
      }, timeoutMs);
      const onMsg = (a: CorpusAnswer): void => {
        cleanup();
        resolve(a);
      };
      const onErr = (e: Error): void => {
        cleanup();
        worker = null;
        resolve({ rel, exit: -1, unknown: [], diagnostics: [], ms: 0, error: `worker died: ${e.stack ?? e.message}` });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('error', onErr);
      };
      w.on('message', onMsg);
      w.on('error', onErr);
      w.postMessage({ corpusDir, rel });
    });
    results.push(r);
  }
  if (worker) await (worker as Worker).terminate();
  return results;
}
