// The file-system SourceReader: the only place the configuration front end touches the disk.
import * as fs from 'node:fs';
import type { SourceReader } from './source';

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Reads configuration files from the local file system. Only regular files are read
 * (keepalived skips anything else); errors come back as values carrying `.code`.
 */
export const nodeReader: SourceReader = {
  readFile(path: string): Buffer | Error {
    try {
      const st = fs.statSync(path);
      if (st.isDirectory()) return Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
      if (!st.isFile()) return Object.assign(new Error(`not a regular file: '${path}'`), { code: 'EINVAL' });
      return fs.readFileSync(path);
    } catch (e) {
      return asError(e);
    }
  },
  readDir(path: string): string[] | Error {
    try {
      return fs.readdirSync(path);
    } catch (e) {
      return asError(e);
    }
  },
  isDirectory(path: string): boolean {
    try {
      return fs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};
