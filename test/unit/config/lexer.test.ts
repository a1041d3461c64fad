// Tests for the lexer: comments, quoting, brace splitting, word splitting and script escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diagnostics } from '../../../src/config/diagnostics';
import { decomment, decommentLine, splitAtBrace, splitQuotedEscaped, splitWords, StringPool, Text } from '../../../src/config/lexer';

const t = (s: string): Text => Text.of(s, 'f.conf', 1);
const dc = (s: string, diag = new Diagnostics()): string => decomment(t(s), diag).text.text;
const words = (s: string, diag = new Diagnostics()): string[] => splitWords(t(s), diag).map((w) => w.text);

test('# and ! start comments anywhere outside double quotes', () => {
  assert.equal(dc('  router_id x # comment'), 'router_id x');
  assert.equal(dc('a ! b'), 'a');
  assert.equal(dc('a"#"b # c'), 'a"#"b');
  // single quotes do not protect a comment start (keepalived 2.2.7 behaves the same)
  assert.equal(dc("'a#b' x"), "'a");
});

test('\\# and \\! outside quotes are literal characters', () => {
  assert.equal(dc('a\\#b c'), 'a#b c');
  assert.equal(dc('"a\\#b"'), '"a\\#b"');
});

test('a trailing backslash is kept as a continuation mark', () => {
  const r = decomment(t('foo bar   \\'), new Diagnostics());
  assert.equal(r.text.text, 'foo bar\\');
  assert.equal(r.continued, true);
});

test('an unterminated quote is reported', () => {
  const diag = new Diagnostics();
  dc('foo "bar', diag);
  assert.equal(diag.list[0]?.cls, 'GENERAL_ERROR');
  assert.match(diag.list[0]?.message ?? '', /Unterminated quote/);
});

test('braces split a line as keepalived re-reads residue', () => {
  const parts: string[] = [];
  let cur: Text | null = t('vrrp_instance VI_1 { state MASTER }');
  while (cur) {
    const r = splitAtBrace(cur);
    parts.push(r.piece.text);
    cur = r.residue;
  }
  assert.deepEqual(parts, ['vrrp_instance VI_1', '{', 'state MASTER', '}']);
  // a brace inside double quotes does not split
  assert.deepEqual(splitAtBrace(t('notify "/bin/x {a}"')).residue, null);
});

test('word splitting: white space, leading double-quoted words, columns', () => {
  const diag = new Diagnostics();
  const ws = splitWords(t('  ab"c d"e "x y"  z'), diag);
  assert.deepEqual(ws.map((w) => w.text), ['ab', 'c d', 'e', 'x y', 'z']);
  assert.deepEqual(ws.map((w) => w.loc.col), [3, 5, 10, 12, 19]);
  assert.equal(diag.list.length, 0);
});

test('an unmatched double quote while splitting words is UNMATCHED_QUOTE', () => {
  const diag = new Diagnostics();
  assert.deepEqual(words('foo "bar', diag), ['foo']);
  assert.equal(diag.list[0]?.cls, 'UNMATCHED_QUOTE');
});

test('script words: quotes, concatenation and escapes', () => {
  const diag = new Diagnostics();
  const ws = splitQuotedEscaped(t(`notify "/bin/a b"' c'd \\x41\\t\\101 \\cA \\E \\q`), diag);
  assert.ok(ws);
  assert.deepEqual(
    ws.map((w) => w.text),
    ['notify', '/bin/a b cd', 'A\tA', '\x01', '\x1b', 'q'],
  );
  assert.equal(ws[1]?.loc.col, 8);
});

test('script words: an unterminated single quote is UNMATCHED_QUOTE', () => {
  const diag = new Diagnostics();
  assert.equal(splitQuotedEscaped(t("a 'b c"), diag), null);
  assert.equal(diag.list[0]?.cls, 'UNMATCHED_QUOTE');
});

test('columns survive edits: replaced text takes the column of the reference', () => {
  const x = t('ab $X cd').replace(3, 5, 'value', 4);
  assert.equal(x.text, 'ab value cd');
  assert.equal(x.col(0), 1);
  assert.equal(x.col(5), 4);
  assert.equal(x.col(9), 7);
});

test('decommentLine reads a line in place exactly as decomment does (text, columns, reports)', () => {
  const lines = [
    '',
    '   ',
    'a',
    '  router_id x # comment',
    '\tvrrp_instance VI_1 {  ',
    'a ! b',
    'a"#"b # c',
    "'a#b' x",
    'a\\#b c',
    '"a\\#b"',
    'foo bar   \\',
    'foo "bar',
    '  "unterminated # not a comment',
    'x \\',
  ];
  for (const line of lines) {
    const src = `pre\n${line}\npost`;
    const d1 = new Diagnostics();
    const d2 = new Diagnostics();
    const a = decomment(t(line), d1).text;
    const b = decommentLine(src, 4, 4 + line.length, 'f.conf', 1, d2);
    assert.equal(b.text, a.text, line);
    for (let i = -1; i <= a.length + 1; i++) assert.equal(b.col(i), a.col(i), `${line} col ${i}`);
    assert.deepEqual(d2.list, d1.list, line);
  }
});

test('the string pool hands out equal strings, shared when repeated', () => {
  const pool = new StringPool();
  const src = 'real_server x real_server y 8080 8080';
  const a = pool.get(src, 0, 11);
  const b = pool.get(src, 14, 25);
  assert.equal(a, 'real_server');
  assert.equal(b, 'real_server');
  assert.equal(pool.get(src, 28, 32), '8080');
  assert.equal(pool.get(src, 33, 37), '8080');
  assert.equal(pool.get(src, 12, 13), 'x');
  assert.deepEqual(
    splitWords(t('  real_server 1.2.3.4 8080'), new Diagnostics(), pool).map((w) => [w.text, w.loc.col]),
    [['real_server', 3], ['1.2.3.4', 15], ['8080', 23]],
  );
});
