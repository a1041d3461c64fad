// Files written safely (CVE-2018-19044/19045/19046 class): mode 0600, O_EXCL | O_NOFOLLOW, never
// through a symlink, an existing file unlinked first (never opened for writing in place).
import * as fs from 'node:fs';
import * as path from 'node:path';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/**
 * Writes `data` to `file` as a new file owned by us with mode 0600. An existing regular file or
 * symlink at that path is removed first (the link itself, never its target); anything else refuses.
 */
export function writeFileSafely(file: string, data: string | Uint8Array, mode = 0o600): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (st) {
    if (!st.isFile() && !st.isSymbolicLink()) {
      const err = new Error(`${file}: refusing to replace a non-regular file`) as NodeJS.ErrnoException;
      err.code = 'EEXIST';
      throw err;
    }
    fs.unlinkSync(file);
  }
  // O_EXCL makes creation fail if someone raced a file or a link into place after the unlink.
  const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    fs.fchmodSync(fd, mode); // umask must not widen nor narrow what we asked for
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates the directory of a file if missing (0755, as keepalived's pid directory). */
export function ensureDir(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
}
