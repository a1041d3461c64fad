// Paths for tests, found from the compiled file's location (tests run from dist/ or a private build dir).
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(start: string): string {
  let d = start;
  for (;;) {
    const pj = path.join(d, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'tskeepalived') return d;
    const up = path.dirname(d);
    if (up === d) throw new Error(`cannot find the tskeepalived root above ${start}`);
    d = up;
  }
}

/** The repository root (where package.json is). */
export const repoRoot = findRoot(__dirname);
/** test/fixtures in the source tree. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
/** ../shared beside the repository, when present. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
/** The compiled CLI entry of the build this file belongs to (dist/ or a private build dir), for tests that run the program. */
export const cliPath = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
