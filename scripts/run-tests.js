#!/usr/bin/env node
// Runs the compiled test suites with node:test. Arguments name suites (folders under dist/test);
// without arguments every suite runs. Skipped tests say why in their skip message.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// TSKA_BUILD_DIR: run the tests of a private build (e.g. .tmp/build-NAME) instead of dist/.
const root = path.join(process.env.TSKA_BUILD_DIR ? path.resolve(process.env.TSKA_BUILD_DIR) : path.join(__dirname, '..', 'dist'), 'test');
const all = ['unit', 'property', 'corpus', 'integration', 'vm'];
const suites = process.argv.slice(2).length ? process.argv.slice(2) : all;

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) collect(p, out);
    else if (ent.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const s of suites) collect(path.join(root, s), files);
if (files.length === 0) {
  console.error('run-tests: no test files found under', suites.map((s) => path.join(root, s)).join(', '));
  process.exit(1);
}
files.sort();
// Integration tests share network namespaces names and CPU: run test files one at a time there.
const serial = suites.some((s) => s === 'integration' || s === 'vm');
const args = ['--test', `--test-concurrency=${serial ? 1 : 2}`, '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
