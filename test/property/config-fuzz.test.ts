// Property test: random and mutated configurations only ever produce diagnostics, never throw, and finish quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/parse';
import type { Stmt } from '../../src/config/tree';

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED_TEXT = [
  'global_defs {',
  '  router_id ${NAME}',
  '  include_check +match -wildcard_match',
  '}',
  '$NAME=lb1',
  '$IF=$IF',
  '$A=${B}x',
  '$B=${A}y',
  '$MULTI= \\',
  '  vrrp_instance VI_${N} { \\',
  '    interface eth${N} \\',
  '  }',
  '',
  '@main priority 100',
  '@^main priority 50',
  '~SEQ(N, 0, 2) $MULTI',
  '~LST({X,Y}, {1,2}, {3,4}) addr 10.${X}.${Y}.1',
  '~SEQx(H, 0x10, 0x20) fe80::${H}',
  'include /mem/inc/*.conf',
  'include /mem/{a,b}.conf',
  'notify "/bin/sh -c \'echo a # b\'" \\x41',
  'virtual_ipaddress { 192.0.2.1/24 dev eth0 }',
  '${_RANDOM 1 9} ${_ENV HOME} ${_HASH} ${_BANG} ${_PWD} ${_INSTANCE}',
  '}',
  '{',
  '"unterminated',
];

const TOKENS = ['{', '}', '"', "'", '\\', '#', '!', '$', '${', '@', '@^', '~SEQ(', '~LST(', ')', ',', '\n', ' ', '\t', 'include ', '$X=', '${X}', '\\\n', '\0', '\r'];

function countStmts(stmts: readonly Stmt[]): number {
  let n = 0;
  const stack: (readonly Stmt[])[] = [stmts];
  while (stack.length > 0) {
    const list = stack.pop() as readonly Stmt[];
    for (const s of list) {
      n++;
      assert.equal(typeof s.keyword.text, 'string');
      assert.ok(s.keyword.loc.line >= 1 && s.keyword.loc.col >= 1);
      if (s.block) stack.push(s.block);
    }
  }
  return n;
}

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.4) s = s.slice(0, at) + (TOKENS[Math.floor(rnd() * TOKENS.length)] as string) + s.slice(at);
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 10));
    else {
      const from = Math.floor(rnd() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(rnd() * 40)) + s.slice(at);
    }
  }
  return s;
}

const INCLUDES = {
  '/mem/inc/1.conf': 'in_one ${NAME}\ninclude /mem/keepalived.conf\n',
  '/mem/a.conf': 'from_a {\n',
  '/mem/b.conf': '}\n}\n',
};

function check(text: string, label: string): void {
  const start = Date.now();
  let out: ReturnType<typeof parseConfigText>;
  try {
    out = parseConfigText(text, { limits: { maxLines: 20_000 } }, INCLUDES);
  } catch (e) {
    assert.fail(`${label}: threw ${String(e)} for ${JSON.stringify(text.slice(0, 200))}`);
  }
  const ms = Date.now() - start;
  assert.ok(ms < 2000, `${label}: took ${ms} ms for ${JSON.stringify(text.slice(0, 200))}`);
  countStmts(out.result.stmts);
  for (const d of out.diag.list) assert.ok(!/internal error/.test(d.message), `${label}: ${d.message}`);
}

test('mutated configurations never throw and finish quickly', () => {
  const rnd = prng(0xc0ffee);
  const base = SEED_TEXT.join('\n');
  for (let i = 0; i < 400; i++) check(mutate(base, rnd), `mutation ${i}`);
});

test('random token soup never throws', () => {
  const rnd = prng(42);
  for (let i = 0; i < 300; i++) {
    let s = '';
    const n = Math.floor(rnd() * 200);
    for (let k = 0; k < n; k++) s += rnd() < 0.6 ? (TOKENS[Math.floor(rnd() * TOKENS.length)] as string) : String.fromCharCode(97 + Math.floor(rnd() * 26));
    check(s, `soup ${i}`);
  }
});

test('random bytes never throw', () => {
  const rnd = prng(7);
  for (let i = 0; i < 100; i++) {
    const buf = Buffer.alloc(Math.floor(rnd() * 4096));
    for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(rnd() * 256);
    check(buf.toString('latin1'), `bytes ${i}`);
  }
});

test('pathological inputs: megabyte lines, deep nesting, brace floods, runaway generators', () => {
  check(`x ${'a'.repeat(1 << 20)}\n`, 'long word');
  check(`${'{'.repeat(200_000)}\n`, 'brace flood');
  check(`${'a {\n'.repeat(50_000)}`, 'deep nesting');
  check(`${'\\#'.repeat(200_000)}\n`, 'escaped comments');
  check(`${'"'.repeat(100_001)}\n`, 'quotes');
  check(`${'~SEQ(A,1,100) '.repeat(1000)}x\n`, 'nested generators');
  check(`$A=$A $A\nx $A\n$M= \\\n$M\n\n$M\n`, 'recursive definitions');
  check(`${'\r'.repeat(100_000)}x\r\n`, 'carriage returns');
});
