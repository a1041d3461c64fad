#!/usr/bin/env node
// Runs the benchmarks (dist/test/bench/*.bench.js, or the names given), each in its own process.
// Benchmarks print figures; they never decide pass or fail.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
// TSKA_BUILD_DIR: run the benchmarks of a private build (e.g. .tmp/build-NAME) instead of dist/.
const dir = path.join(process.env.TSKA_BUILD_DIR ? path.resolve(process.env.TSKA_BUILD_DIR) : path.join(__dirname, '..', 'dist'), 'test', 'bench');
const want = process.argv.slice(2);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js') && (want.length === 0 || want.some((w) => f.includes(w)))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n== ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
