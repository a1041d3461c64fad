// bfd_instance: keyword ranges and messages as keepalived's bfd_parser.c, and validation (bfd_end_handler).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bfdRootKeywords } from '../../../src/config/keywords/bfd';
import { validateBfd } from '../../../src/config/validate-bfd';
import { emptyConfig, type ConfigDraft } from '../../../src/config/model';
import { walkBlock, keywordTable } from '../../../src/config/keywords/registry';
import { formatIp } from '../../../src/net/ip';
import { context, messages, stmt } from './ip-helpers';

const root = { name: 'root', keywords: bfdRootKeywords };

function load(name: string, lines: string[]): { cfg: ConfigDraft; ctx: ReturnType<typeof context> } {
  const ctx = context();
  const cfg = emptyConfig();
  walkBlock(root, [stmt(`bfd_instance ${name}`, 1, lines.map((l, i) => stmt(l, i + 2)))], cfg, ctx);
  return { cfg, ctx };
}

test('every BFD keyword is registered with status parsed', () => {
  const inst = bfdRootKeywords[0]!;
  assert.equal(inst.name, 'bfd_instance');
  assert.equal(inst.status, 'parsed');
  const sub = inst.sub as Parameters<typeof keywordTable>[0];
  const names = [...keywordTable(sub).keys()].sort();
  assert.deepEqual(names, ['checker', 'hoplimit', 'idle_tx', 'max_hops', 'min_rx', 'min_tx', 'multihop', 'multiplier', 'neighbor_ip', 'neighbour_ip', 'passive', 'source_ip', 'ttl', 'vrrp', 'weight'].sort());
  for (const k of keywordTable(sub).values()) assert.equal(k.status, 'parsed', k.name);
});

test('a full instance with defaults filled by validation', () => {
  const { cfg, ctx } = load('b1', ['neighbor_ip 10.1.0.1', 'source_ip 10.1.0.2', 'min_rx 3.312', 'min_tx 20', 'idle_tx 2000', 'multiplier 3', 'passive', 'max_hops 2', 'multihop', 'weight -20 reverse', 'vrrp']);
  validateBfd(cfg, ctx);
  assert.deepEqual(messages(ctx), []);
  const b = cfg.bfd.instances[0]!;
  assert.equal(formatIp(b.neighbor!), '10.1.0.1');
  assert.equal(formatIp(b.source!), '10.1.0.2');
  assert.equal(b.minRxUsec, 3312);
  assert.equal(b.minTxUsec, 20_000);
  assert.equal(b.idleTxUsec, 2_000_000);
  assert.equal(b.multiplier, 3);
  assert.equal(b.passive, true);
  assert.equal(b.ttl, 255);
  assert.equal(b.maxHops, 2);
  assert.equal(b.multihop, true);
  assert.equal(b.weight, -20);
  assert.equal(b.weightReverse, true);
  assert.deepEqual(b.events, { vrrp: true, checker: false });
});

test('IPv6 neighbour gets hop limit 64; max_hops above it is clamped', () => {
  const { cfg, ctx } = load('b6', ['neighbour_ip 2001:db8::1', 'max_hops 100']);
  validateBfd(cfg, ctx);
  assert.equal(cfg.bfd.instances[0]!.ttl, 64);
  assert.equal(cfg.bfd.instances[0]!.maxHops, 64);
  assert.deepEqual(messages(ctx), ['GENERAL_ERROR: BFD instance b6: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit']);
});

test('no neighbour disables the instance (the oracle wording)', () => {
  const { cfg, ctx } = load('test', ['min_rx 10']);
  validateBfd(cfg, ctx);
  assert.equal(cfg.bfd.instances.length, 0);
  assert.deepEqual(messages(ctx), ['GENERAL_ERROR: Configuration error: BFD instance test has no neighbor address set, disabling instance']);
});

test('family mismatch and duplicates disable instances', () => {
  const ctx = context();
  const cfg = emptyConfig();
  walkBlock(root, [
    stmt('bfd_instance a', 1, [stmt('neighbor_ip 10.0.0.1', 2)]),
    stmt('bfd_instance b', 3, [stmt('neighbor_ip 10.0.0.1', 4)]),
    stmt('bfd_instance c', 5, [stmt('neighbor_ip 10.0.0.1', 6), stmt('source_ip 2001:db8::1', 7)]),
    stmt('bfd_instance a', 8, [stmt('neighbor_ip 10.0.0.9', 9)]),
  ], cfg, ctx);
  validateBfd(cfg, ctx);
  assert.deepEqual(cfg.bfd.instances.map((b) => b.name), ['a']);
  assert.deepEqual(messages(ctx), [
    'GENERAL_ERROR: Configuration error: BFD instance a already configured - ignoring',
    'GENERAL_ERROR: Configuration error: BFD instance b has duplicate neighbor address 10.0.0.1, ignoring instance',
    'GENERAL_ERROR: Configuration error: BFD instance c source address 2001:db8::1 and neighbor address 10.0.0.1 are not of the same family, disabling instance',
  ]);
});

const invalid: [string, string][] = [
  ['neighbor_ip 10.0.0', 'Configuration error: BFD instance x has malformed neighbor address 10.0.0, ignoring instance'],
  ['source_ip nope', 'Configuration error: BFD instance x has malformed source address nope, ignoring'],
  ['min_rx 0', 'Configuration error: BFD instance x min_rx value 0 is not valid (must be in range [1-4294967]), ignoring'],
  ['min_tx 1.0001', 'Configuration error: BFD instance x min_tx value 1.0001 is not valid (must be in range [1-4294967]), ignoring'],
  ['idle_tx 999', 'Configuration error: BFD instance x idle_tx value 999 is not valid (must be in range [1000-4294967]), ignoring'],
  ['multiplier 256', 'Configuration error: BFD instance x multiplier value 256 not valid (must be in range [1-255]), ignoring'],
  ['ttl 0', 'Configuration error: BFD instance x ttl/hoplimit value 0 not valid (must be in range [1-255]), ignoring'],
  ['max_hops -2', 'Configuration error: BFD instance x max_hops value -2 not valid (must be in range [-1-255]), ignoring'],
  ['weight 254', 'Configuration error: BFD instance x weight value 254 not valid (must be in range [-253-253]), ignoring'],
  ['multihop maybe', 'Configuration error: BFD instance x multihop setting not valid - maybe'],
];
for (const [line, msg] of invalid) {
  test(`bfd invalid: ${line}`, () => {
    const { ctx } = load('x', ['neighbor_ip 10.0.0.1', line]);
    assert.deepEqual(messages(ctx), [`GENERAL_ERROR: ${msg}`]);
  });
}

test('bfd_instance without a name or block', () => {
  const ctx = context();
  const cfg = emptyConfig();
  walkBlock(root, [stmt('bfd_instance', 1, []), stmt('bfd_instance y', 2)], cfg, ctx);
  assert.deepEqual(ctx.diag.list.map((d) => d.cls), ['MISSING_PARAMETER', 'MISSING_BOB']);
  assert.equal(cfg.bfd.instances.length, 0);
});
