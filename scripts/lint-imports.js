#!/usr/bin/env node
// Enforces ARCHITECTURE.md's import rules on the TypeScript sources:
// - pure folders (net/, config/, vrrp codec/fsm, ipvs/reconcile, check policy) import no I/O modules;
// - check/ never imports ipvs/;
// - only sys/ loads the native addon.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'src');
const IO = /^(node:)?(fs|fs\/promises|net|dgram|child_process|cluster|http|https|tls|dns|os|worker_threads|readline)$/;
const pureFiles = [
  /^net\//, /^config\/(?!(node-|host-node|reader-node))/, /^vrrp\/(packet|fsm|timers|auth)\.ts$/,
  /^ipvs\/(reconcile|attrs|constants)\.ts$/, /^check\/(policy|runner-policy)\.ts$/, /^watchdog\/backoff\.ts$/,
];
const problems = [];
function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.ts')) check(p);
  }
}
function check(file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  const src = fs.readFileSync(file, 'utf8');
  const re = /(?:import[^'"]*from\s*|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;
  let m;
  while ((m = re.exec(src))) {
    const spec = m[1];
    if (spec === 'tskeepalived-native' && !rel.startsWith('sys/')) problems.push(`${rel}: only src/sys may load the native addon`);
    if (pureFiles.some((r) => r.test(rel)) && IO.test(spec)) problems.push(`${rel}: pure module imports I/O module '${spec}'`);
    if (rel.startsWith('check/') && spec.startsWith('.')) {
      const target = path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
      if (target.startsWith('ipvs/') || target === 'ipvs') problems.push(`${rel}: check/ must not import ipvs/ ('${spec}')`);
    }
  }
}
walk(root);
if (problems.length) {
  for (const p of problems) console.error('lint-imports:', p);
  process.exit(1);
}
console.log('lint-imports: ok');
