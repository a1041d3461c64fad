// Dump and pid files: 0600, never written through a symlink, never truncating a victim file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileSafely } from '../../../src/core/safe-file';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tska-safe-'));
}

test('a new file is created with mode 0600 whatever the umask', () => {
  const d = tmp();
  const old = process.umask(0);
  try {
    writeFileSafely(path.join(d, 'k.data'), 'hello');
  } finally {
    process.umask(old);
  }
  const st = fs.statSync(path.join(d, 'k.data'));
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(fs.readFileSync(path.join(d, 'k.data'), 'utf8'), 'hello');
  fs.rmSync(d, { recursive: true });
});

test('a symlink planted at the path is replaced, and its target is left untouched', () => {
  const d = tmp();
  const victim = path.join(d, 'victim');
  fs.writeFileSync(victim, 'precious');
  fs.symlinkSync(victim, path.join(d, 'keepalived.data'));
  writeFileSafely(path.join(d, 'keepalived.data'), 'dump');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.equal(fs.lstatSync(path.join(d, 'keepalived.data')).isSymbolicLink(), false);
  assert.equal(fs.readFileSync(path.join(d, 'keepalived.data'), 'utf8'), 'dump');
  fs.rmSync(d, { recursive: true });
});

test('an existing file is replaced by a new inode, not rewritten in place', () => {
  const d = tmp();
  const f = path.join(d, 'x');
  fs.writeFileSync(f, 'old contents that are longer');
  const hard = path.join(d, 'hardlink');
  fs.linkSync(f, hard);
  writeFileSafely(f, 'new');
  assert.equal(fs.readFileSync(f, 'utf8'), 'new');
  assert.equal(fs.readFileSync(hard, 'utf8'), 'old contents that are longer');
  fs.rmSync(d, { recursive: true });
});

test('a directory at the path is refused', () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, 'dir'));
  assert.throws(() => writeFileSafely(path.join(d, 'dir'), 'x'), /non-regular/);
  fs.rmSync(d, { recursive: true });
});
