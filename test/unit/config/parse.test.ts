// Tests for the block tree: braces on the same or next line, residue, extra and missing braces, locations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseConfigFile, parseConfigText, scriptWords, MAX_BLOCK_DEPTH } from '../../../src/config/parse';
import { nodeReader } from '../../../src/config/node-reader';
import { Diagnostics } from '../../../src/config/diagnostics';
import { fixturesDir } from '../../helpers/paths';
import { isCloseMark } from '../../../src/config/tree';

test('blocks with the brace on the same line or the next, every word located', () => {
  const diag = new Diagnostics();
  const file = 'basic.conf';
  const r = parseConfigFile(file, { reader: nodeReader, configId: 'x', env: {}, cwd: path.join(fixturesDir, 'config', 'grammar') }, diag);
  assert.equal(diag.list.length, 0);
  assert.deepEqual(r.files, [file]);
  const [g, v] = r.stmts;
  assert.equal(g?.keyword.text, 'global_defs');
  assert.deepEqual(g?.open, { file, line: 3, col: 13 });
  assert.equal(g?.block?.[0]?.args[0]?.text, 'lb-1');
  assert.deepEqual(g?.block?.[0]?.args[0]?.loc, { file, line: 4, col: 15 });
  assert.equal(g?.block?.[1]?.block?.[0]?.keyword.text, 'a@b.example');
  assert.equal(v?.keyword.text, 'vrrp_instance');
  assert.deepEqual(v?.open, { file, line: 9, col: 1 });
  assert.equal(v?.block?.[1]?.block?.[0]?.args.map((w) => w.text).join(' '), 'dev eth0');
});

test('{ a } on one line and text after a closing brace', () => {
  const { result } = parseConfigText('a { b { c } d } e\n');
  const [a, e] = result.stmts;
  assert.equal(a?.block?.[0]?.keyword.text, 'b');
  assert.equal(a?.block?.[0]?.block?.[0]?.keyword.text, 'c');
  assert.equal(a?.block?.[1]?.keyword.text, 'd');
  assert.equal(e?.keyword.text, 'e');
  assert.equal(e?.keyword.loc.col, 17);
});

test("extra '}' is UNEXPECTED_EOB, missing '}' is MISSING_EOB", () => {
  const extra = parseConfigText('a {\n}\n}\n').diag;
  assert.deepEqual(extra.list.map((d) => [d.cls, d.message, d.loc?.line]), [
    ['UNEXPECTED_EOB', "Extra '}' found", 3],
    ['UNKNOWN_KEYWORD', "Unknown keyword '}'", 3],
  ]);
  const missing = parseConfigText('a {\n b {\n').diag;
  assert.deepEqual(missing.list.map((d) => [d.cls, d.message]), [['MISSING_EOB', "There are 2 missing '}'s or extra '{'s"]]);
});

test("a '{' with no statement before it is UNEXPECTED_BOB, its contents stay in place and its '}' is kept as a close marker", () => {
  const { result, diag } = parseConfigText('{\n x\n}\na { b } { c }\n');
  assert.deepEqual(result.stmts.map((s) => s.keyword.text), ['x', '}', 'a', 'c', '}']);
  assert.deepEqual(result.stmts.map((s) => isCloseMark(s)), [false, true, false, false, true]);
  assert.deepEqual(diag.list.map((d) => d.cls), ['UNEXPECTED_BOB', 'UNEXPECTED_BOB']);
});

test('an undefined ${NAME} splits at its braces, as keepalived does', () => {
  const { result } = parseConfigText('global_defs {\n router_id ${NAME}\n}\n');
  const rid = result.stmts[0]?.block?.[0];
  assert.equal(rid?.args[0]?.text, '$');
  assert.equal(rid?.block?.[0]?.keyword.text, 'NAME');
});

test('include words with braces are globbed before brace splitting', () => {
  const { result } = parseConfigText('include /mem/{a,b}.conf\n', {}, { '/mem/a.conf': 'A\n', '/mem/b.conf': 'B\n' });
  assert.deepEqual(result.stmts.map((s) => s.keyword.text), ['A', 'B']);
});

test('scriptWords re-splits the statement line with quotes and escapes', () => {
  const { result, diag } = parseConfigText(`notify_master "/bin/sh -c 'echo a b'" x\\ty\n`);
  const s = result.stmts[0];
  assert.ok(s);
  assert.deepEqual(scriptWords(s, diag)?.map((w) => w.text), ['notify_master', "/bin/sh -c 'echo a b'", 'x\ty']);
});

test('scriptWords of a line without quotes or backslashes are the statement words, columns included', () => {
  const { result, diag } = parseConfigText('vrrp_instance X {\n  notify_master  /bin/true\tuser  group\n}\n');
  const s = result.stmts[0]?.block?.[0];
  assert.ok(s);
  assert.deepEqual(scriptWords(s, diag)?.map((w) => [w.text, w.loc.col]), [['notify_master', 3], ['/bin/true', 18], ['user', 28], ['group', 34]]);
  assert.equal(diag.list.length, 0);
});

test('deep nesting is flattened beyond the cap, without recursion', () => {
  const n = MAX_BLOCK_DEPTH + 1000;
  const { diag } = parseConfigText(`${'a {\n'.repeat(n)}${'}\n'.repeat(n)}`);
  assert.deepEqual(diag.list.map((d) => d.cls), ['GENERAL_ERROR']);
});

test('a 100,000-line configuration parses in well under a second', () => {
  const parts: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    parts.push(`vrrp_instance VI_${i} {`, '    state BACKUP', `    virtual_router_id ${i % 255}`, '    priority 100 # comment', '    virtual_ipaddress {', `        10.${i >> 8}.${i & 255}.1/24`, '    }', '    advert_int 1', '}', '');
  }
  const text = parts.join('\n');
  const start = process.hrtime.bigint();
  const { result, diag } = parseConfigText(text);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.equal(result.stmts.length, 10_000);
  assert.equal(diag.list.length, 0);
  assert.ok(ms < 2000, `took ${ms} ms`);
});
