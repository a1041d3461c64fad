// Tests for the preprocessor: @id lines, parameters, predefined names, generators, includes and limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseConfigFile, parseConfigText } from '../../../src/config/parse';
import { nodeReader } from '../../../src/config/node-reader';
import { Diagnostics, configTestExitCode } from '../../../src/config/diagnostics';
import type { Stmt } from '../../../src/config/tree';
import { fixturesDir } from '../../helpers/paths';

const grammar = path.join(fixturesDir, 'config', 'grammar');

/** Statements as lines of words, blocks indented. */
function lines(stmts: readonly Stmt[], ind = ''): string[] {
  const out: string[] = [];
  for (const s of stmts) {
    out.push(ind + [s.keyword, ...s.args].map((w) => w.text).join(' '));
    if (s.block) out.push(...lines(s.block, `${ind}  `));
  }
  return out;
}

function parseFixture(rel: string, extra: { configId?: string; allConfig?: boolean } = {}) {
  const diag = new Diagnostics();
  const result = parseConfigFile(rel, { reader: nodeReader, configId: extra.configId ?? 'main', env: {}, cwd: grammar, allConfig: extra.allConfig ?? false }, diag);
  return { result, diag, text: lines(result.stmts) };
}

test('@ID and @^ID conditional lines', () => {
  const { result } = parseConfigText('@main a\n@^main b\n@other c\n@^other d\n@main\n', { configId: 'main' });
  assert.deepEqual(lines(result.stmts), ['a', 'd']);
});

test('parameters are expanded at use time, recursively (man5 example)', () => {
  const { result, diag } = parseFixture('params.conf');
  assert.deepEqual(lines(result.stmts), ['10.2.0.100/32', '10.2.10.100/32']);
  assert.equal(diag.list.length, 0);
});

test('$NAME needs white space, , ) or end of line after it; undefined names stay verbatim', () => {
  const { result } = parseConfigText('$A=1\nx $A, $A) $Ab ${A}b $UNDEF ${UNDEF2}z\n');
  // ${UNDEF2} keeps its braces, so keepalived splits the line there
  assert.deepEqual(lines(result.stmts), ['x 1, 1) $Ab 1b $UNDEF $', '  UNDEF2', 'z']);
});

test('definitions need no space before =, and can be redefined', () => {
  const { result } = parseConfigText('$A =1\n$B=  two words\nv $B\n$B=3\nv $B\n');
  assert.deepEqual(lines(result.stmts), ['$A =1', 'v two words', 'v 3']);
});

test('multi-line definitions with trailing backslash (man5 example)', () => {
  const { result, diag } = parseFixture('multiline.conf');
  assert.deepEqual(lines(result.stmts), [
    'vrrp_instance VI_0',
    '  interface eth0.0',
    '  virtual_ipaddress',
    '    10.0.0.254/24',
    'vrrp_instance VI_1',
    '  interface eth0.1',
    '  virtual_ipaddress',
    '    10.0.1.254/24',
  ]);
  assert.equal(diag.list.length, 0);
  // words of an expansion carry the reference's line and column
  assert.equal(result.stmts[0]?.keyword.loc.line, 10);
  assert.equal(result.stmts[0]?.keyword.loc.col, 1);
});

test('nested multi-line definitions', () => {
  const src = '$RS= \\\nreal_server 1.1.1.${N} 80 \\\n\n$VS= \\\nvirtual_server x { \\\n $N=1 \\\n $RS \\\n $N=2 \\\n $RS \\\n}\n\n$VS\n';
  const { result } = parseConfigText(src);
  assert.deepEqual(lines(result.stmts), ['virtual_server x', '  real_server 1.1.1.1 80', '  real_server 1.1.1.2 80']);
});

test('predefined ${_PWD} ${_INSTANCE} ${_RANDOM} ${_ENV} ${_HASH} ${_BANG}', () => {
  const { result } = parseConfigText('p ${_PWD} ${_INSTANCE} ${_RANDOM} ${_RANDOM 5 5} ${_ENV HOME} ${_HASH}x ${_BANG}\n', {
    configId: 'node1',
    env: { HOME: '/root' },
    random: () => 0.5,
  });
  assert.deepEqual(lines(result.stmts), ['p /mem node1 16384 5 /root #x !']);
});

test('_PWD is the directory of the file being read', () => {
  const { text } = parseFixture('inc/main.conf');
  assert.ok(text.includes(`from_20 ${path.join(grammar, 'inc', 'conf.d')}`));
});

test('~SEQ, ~SEQx and ~LST generators, combined and nested (man5 examples)', () => {
  const { result, diag } = parseFixture('generators.conf');
  assert.equal(diag.list.length, 0);
  const got = lines(result.stmts);
  assert.deepEqual(got.slice(0, 5), ['virtual_ipaddress', '  10.0.0.1', '  10.0.1.1', '  10.0.2.1', '  10.0.3.1']);
  assert.deepEqual(got.slice(5, 8), ['  fe81::10:90:12', '  fe81::10:90:11', '  fe81::10:90:10']);
  assert.equal(got.filter((l) => l.startsWith('  fe81')).length, 12);
  assert.deepEqual(got.slice(-6), ['  192.168.10.1', '  192.170.10.1', '  192.172.10.1', '  192.168.20.4', '  192.170.20.4', '  192.172.20.4']);
  // generated words carry the column where they stand in the line as written
  assert.equal(result.stmts[0]?.block?.[0]?.keyword.loc.col, 24);
});

test('~SEQ with one or two numbers, and invalid specifications', () => {
  assert.deepEqual(lines(parseConfigText('~SEQ(I,3) v${I}\n~SEQ(J,2,0) w${J}\n').result.stmts), ['v1', 'v2', 'v3', 'w2', 'w1', 'w0']);
  const { diag } = parseConfigText('~SEQ(I,1,-1,5) v\n~SEQ I\n~LST(A) x\n');
  assert.equal(diag.list.filter((d) => d.cls === 'GENERAL_ERROR').length, 3);
});

test('a parameter defined through itself stops with an error (keepalived hangs)', () => {
  const start = Date.now();
  const self = parseConfigText('$IF=$IF\nfoo $IF\n');
  assert.deepEqual(lines(self.result.stmts), ['foo $IF']);
  const mutual = parseConfigText('$A=${B}\n$B=${A}\nbar ${A}\n');
  assert.equal(mutual.result.stmts.length, 1);
  // a growing self reference: bounded, and its braces split as keepalived splits them
  const growing = parseConfigText('$G=${G}${G}\ng ${G}\n');
  assert.ok(Date.now() - start < 2000);
  for (const d of [self.diag, mutual.diag, growing.diag]) {
    assert.equal(d.list.filter((x) => /still being substituted/.test(x.message)).length, 1);
  }
});

test('runaway generators are capped', () => {
  const start = Date.now();
  const { diag } = parseConfigText('~SEQ(A,1,1000000000) x\n~SEQ(A,1,2000) ~SEQ(B,1,2000) y\n', { limits: { maxLines: 100_000 } });
  assert.ok(Date.now() - start < 3000);
  assert.ok(diag.list.some((d) => /would generate 1000000000 lines/.test(d.message)));
  assert.ok(diag.list.some((d) => /more than 100000 lines/.test(d.message)));
});

test('includes: glob sorted, braces in order, relative to the including file, dot files skipped', () => {
  const { text, diag, result } = parseFixture('inc/main.conf');
  assert.deepEqual(text.slice(1, 2), ['  router_id main']);
  assert.deepEqual(text.filter((l) => l.startsWith('from_')).map((l) => l.split(' ')[0]), ['from_10', 'from_20', 'from_b', 'from_a']);
  assert.ok(!text.includes('hidden'));
  assert.equal(text[text.length - 1], 'last_line');
  assert.equal(result.files.length, 5);
  // a missing plain include is reported at OK level (keepalived: exit 0)
  const missing = diag.list.find((d) => /missing\.conf/.test(d.message));
  assert.equal(missing?.cls, 'OK');
  assert.equal(missing?.message, "Config files missing 'missing.conf'.");
  assert.equal(configTestExitCode(diag.maxClass()), 0);
});

test('includes: -e makes a missing include an error (exit 6)', () => {
  const { diag } = parseFixture('inc/main.conf', { allConfig: true });
  assert.equal(configTestExitCode(diag.maxClass()), 6);
});

test('include variants add include checks', () => {
  const { diag } = parseFixture('inc/checks.conf');
  const cls = diag.list.map((d) => `${d.cls} ${d.message}`);
  assert.deepEqual(cls, [
    "FILE_NOT_FOUND Config files missing 'nothing/*.conf'.",
    "OK Config files missing 'nothing.conf'.", // includer: only unreadable matches are errors
    "OK Config files missing 'nothing2.conf'.",
  ]);
});

test('include_check is scoped per file and +/- adjust it', () => {
  const files = {
    '/mem/keepalived.conf': 'include_check wildcard_match\ninclude /mem/none/*.x\ninclude /mem/child.conf\ninclude /mem/d/*.y\n',
    '/mem/child.conf': 'include_check -wildcard_match\ninclude /mem/d/*.z\n',
    '/mem/d/k': '',
  };
  const { diag, result } = parseConfigText('', {}, files);
  assert.deepEqual(lines(result.stmts), ['include_check wildcard_match', 'include_check -wildcard_match']);
  assert.deepEqual(
    diag.list.map((d) => `${d.loc?.file}:${d.loc?.line} ${d.cls}`),
    ['/mem/keepalived.conf:2 FILE_NOT_FOUND', '/mem/keepalived.conf:4 FILE_NOT_FOUND'],
  );
});

test('include cycles are detected, not followed', () => {
  const { text, diag } = parseFixture('inc/cycle.conf');
  assert.deepEqual(text, ['before', 'in_b', 'after']);
  assert.equal(diag.list.length, 1);
  assert.match(diag.list[0]?.message ?? '', /Include cycle/);
});

test('include is recognised after @id and parameter substitution, as keepalived 2.4.3 does', () => {
  const files = { '/mem/x.conf': 'from_x\n' };
  const { result } = parseConfigText('$F=/mem/x.conf\ninclude $F\n@main include /mem/x.conf\n@other include /mem/x.conf\n', {}, files);
  assert.deepEqual(lines(result.stmts), ['from_x', 'from_x']);
});

test('a missing main file is reported at OK level', () => {
  const diag = new Diagnostics();
  const r = parseConfigFile('nope.conf', { reader: nodeReader, configId: 'x', env: {}, cwd: grammar }, diag);
  assert.equal(r.stmts.length, 0);
  assert.equal(diag.list[0]?.message, "Config files missing 'nope.conf'.");
  assert.equal(configTestExitCode(diag.maxClass()), 0);
});

test('lines containing NUL are ignored', () => {
  const { result } = parseConfigText('a\0b\nfoo\n');
  assert.deepEqual(lines(result.stmts), ['foo']);
});

test('in a multi-line definition a comment-only line ends it; "\\ # comment" continues it (corpus 1180, use_vmac)', () => {
  const ended = parseConfigText('$D= \\\n a \\\n    # b \\\n c\n$D\n');
  assert.deepEqual(lines(ended.result.stmts), ['c', 'a']);
  const cont = parseConfigText('$D= \\\n a \\\t\t# note\n b\n$D\n');
  assert.deepEqual(lines(cont.result.stmts), ['a', 'b']);
});
