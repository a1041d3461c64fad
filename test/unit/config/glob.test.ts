// Tests for glob(3)-like expansion: braces, wildcards, sorting, dot files, missing directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentRegExp, expandBraces, globOne, globPattern, hasWildcard } from '../../../src/config/glob';
import { memoryReader } from '../../../src/config/parse';

const reader = memoryReader({
  '/etc/k/conf.d/b.conf': '',
  '/etc/k/conf.d/a.conf': '',
  '/etc/k/conf.d/.x.conf': '',
  '/etc/k/conf.d/c.txt': '',
  '/etc/k/other/a.conf': '',
});

test('csh brace expansion, nested and empty alternatives', () => {
  assert.deepEqual(expandBraces('{foo/{,cat,dog},bar}'), ['foo/', 'foo/cat', 'foo/dog', 'bar']);
  assert.deepEqual(expandBraces('/etc/{a,b}.conf'), ['/etc/a.conf', '/etc/b.conf']);
  assert.deepEqual(expandBraces('a{}b'), ['a{}b']);
  assert.deepEqual(expandBraces('a{b'), ['a{b']);
});

test('brace expansion is capped', () => {
  assert.equal(expandBraces('{a,b}'.repeat(20)), null);
});

test('wildcards: sorted, no leading-dot matches, bracket expressions', () => {
  assert.ok(hasWildcard('/a/*.conf'));
  assert.deepEqual(globOne('/etc/k/conf.d/*.conf', reader).paths, ['/etc/k/conf.d/a.conf', '/etc/k/conf.d/b.conf']);
  assert.deepEqual(globOne('/etc/k/conf.d/.*.conf', reader).paths, ['/etc/k/conf.d/.x.conf']);
  assert.deepEqual(globOne('/etc/k/*/a.conf', reader).paths, ['/etc/k/conf.d/a.conf', '/etc/k/other/a.conf']);
  assert.ok(componentRegExp('[!a]?.c*').test('bb.conf'));
  assert.ok(!componentRegExp('[!a]?.c*').test('ab.conf'));
});

test('a missing fixed directory is reported as missing; an empty wildcard match is not', () => {
  assert.equal(globOne('/nope/*.conf', reader).missingDir, true);
  assert.equal(globOne('/etc/k/conf.d/*.cnf', reader).missingDir, false);
  assert.equal(globOne('/etc/k/x*/a.conf', reader).missingDir, false);
});

test('brace alternatives are globbed separately, in order', () => {
  const alts = globPattern('/etc/k/{other,conf.d}/a.conf', reader);
  assert.ok(alts);
  assert.deepEqual(alts.map((a) => a.pattern), ['/etc/k/other/a.conf', '/etc/k/conf.d/a.conf']);
});
