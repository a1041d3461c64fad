// Root keywords of the bfd family: bfd_instance and its table (keepalived's bfd_parser.c).
import type { BlockSpec, KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';
import type { BfdInstance } from '../model/bfd';
import type { Stmt } from '../tree';
import type { ApplyContext } from './registry';
import { customKw, flagKw, needArgs } from './args';
import { parseIp } from '../../net/ip';

/** Limits from keepalived's bfd.h. */
export const BFD_LIMITS = {
  minRxMs: [1, Math.floor(0xffffffff / 1000)],
  minTxMs: [1, Math.floor(0xffffffff / 1000)],
  idleTxMs: [1000, Math.floor(0xffffffff / 1000)],
  multiplier: [1, 255],
  ttl: [1, 255],
  maxHops: [-1, 255],
  weight: [-253, 253],
  /** Longest instance name (BFD_INAME_MAX - 1). */
  nameMax: 31,
} as const;

/** Milliseconds with up to 3 decimals, as keepalived's read_decimal_unsigned_strvec; returns microseconds. */
function readMs(s: string, min: number, max: number): number | null {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) return null;
  const usec = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  return usec >= min * 1000 && usec <= max * 1000 ? usec : null;
}

function readInt(s: string, min: number, max: number): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const v = Number(s);
  return v >= min && v <= max ? v : null;
}

type Inst = BfdInstance;

function intervalKw(name: 'min_rx' | 'min_tx' | 'idle_tx', range: readonly [number, number], doc: string, set: (b: Inst, usec: number) => void): KeywordSpec<Inst> {
  return customKw<Inst>(name, { syntax: '<MILLISECONDS>', doc, status: 'parsed' }, (s, b, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const w = s.args[0]!;
    const v = readMs(w.text, range[0], range[1]);
    if (v === null) {
      ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} ${name} value ${w.text} is not valid (must be in range [${range[0]}-${range[1]}]), ignoring`);
      return;
    }
    set(b, v);
    const sensible = name === 'idle_tx' ? 10000 : 1000;
    if (v > sensible * 1000) ctx.diag.report('WARNING', w.loc, `Configuration warning: BFD instance ${b.name} ${name} value ${w.text} is larger than max sensible (${sensible})`, { extra: true });
  });
}

function neighborKw(name: 'neighbor_ip' | 'neighbour_ip'): KeywordSpec<Inst> {
  return customKw<Inst>(name, { syntax: '<IP ADDRESS>', doc: `The BFD peer's address${name === 'neighbour_ip' ? ' (British spelling)' : ''}.`, status: 'parsed' }, (s, b, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const w = s.args[0]!;
    if (name === 'neighbour_ip') b.neighborWord = 'neighbour';
    const a = parseIp(w.text);
    if (!a) {
      ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} has malformed ${b.neighborWord} address ${w.text}, ignoring instance`);
      b.neighbor = null;
      return;
    }
    b.neighbor = a;
  });
}

function ttlKw(name: 'ttl' | 'hoplimit'): KeywordSpec<Inst> {
  return customKw<Inst>(name, { syntax: '<1-255>', doc: name === 'ttl' ? 'Outgoing IPv4 TTL (default 255).' : 'Outgoing IPv6 hop limit (default 64).', status: 'parsed' }, (s, b, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const w = s.args[0]!;
    const v = readInt(w.text, 1, 255);
    if (v === null || w.text.startsWith('-') || w.text.startsWith('+')) {
      ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} ttl/hoplimit value ${w.text} not valid (must be in range [1-255]), ignoring`);
      return;
    }
    b.ttl = v;
  });
}

/** The keywords inside `bfd_instance NAME { }`. */
export const bfdInstanceSpec: BlockSpec<Inst> = {
  name: 'bfd_instance',
  keywords: [
    neighborKw('neighbor_ip'),
    neighborKw('neighbour_ip'),
    customKw<Inst>('source_ip', { syntax: '<IP ADDRESS>', doc: 'Local address the session is sent from.', status: 'parsed' }, (s, b, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const a = parseIp(w.text);
      if (!a) ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} has malformed source address ${w.text}, ignoring`);
      else b.source = a;
    }),
    intervalKw('min_rx', BFD_LIMITS.minRxMs, 'Required minimum RX interval, ms with µs resolution (default 10).', (b, v) => { b.minRxUsec = v; }),
    intervalKw('min_tx', BFD_LIMITS.minTxMs, 'Desired minimum TX interval, ms with µs resolution (default 10).', (b, v) => { b.minTxUsec = v; }),
    intervalKw('idle_tx', BFD_LIMITS.idleTxMs, 'Desired idle TX interval, ms with µs resolution (default 1000).', (b, v) => { b.idleTxUsec = v; }),
    customKw<Inst>('multiplier', { syntax: '<1-255>', doc: 'Detection multiplier: missed packets before the session is down (default 5).', status: 'parsed' }, (s, b, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const v = /^\d+$/.test(w.text) ? readInt(w.text, 1, 255) : null;
      if (v === null) ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} multiplier value ${w.text} not valid (must be in range [1-255]), ignoring`);
      else b.multiplier = v;
    }),
    flagKw<Inst>('passive', { doc: 'Wait for the peer to start the session.', syntax: '', status: 'parsed' }, (b) => { b.passive = true; }),
    ttlKw('ttl'),
    ttlKw('hoplimit'),
    customKw<Inst>('max_hops', { syntax: '<-1-255>', doc: 'Maximum TTL reduction accepted in received packets (255 disables the check).', status: 'parsed' }, (s, b, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const v = readInt(w.text, -1, 255);
      if (v === null) ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} max_hops value ${w.text} not valid (must be in range [-1-255]), ignoring`);
      else b.maxHops = v;
    }),
    customKw<Inst>('multihop', { syntax: '[BOOL]', doc: 'RFC 5883 multihop session (UDP port 4784).', status: 'parsed' }, (s, b, ctx) => {
      const w = s.args[0];
      if (!w) { b.multihop = true; return; }
      const t = w.text.toLowerCase();
      if (['on', 'true', 'yes'].includes(t)) b.multihop = true;
      else if (['off', 'false', 'no'].includes(t)) b.multihop = false;
      else ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} multihop setting not valid - ${w.text}`);
    }),
    customKw<Inst>('weight', { syntax: '<-253..253> [reverse]', doc: 'Default weight for vrrp instances tracking this session.', status: 'parsed' }, (s, b, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const v = readInt(w.text, -253, 253);
      if (v === null) ctx.diag.error(w.loc, `Configuration error: BFD instance ${b.name} weight value ${w.text} not valid (must be in range [-253-253]), ignoring`);
      else b.weight = v;
      const r = s.args[1];
      if (r) {
        if (r.text === 'reverse') b.weightReverse = true;
        else ctx.diag.error(r.loc, `Configuration error: BFD instance ${b.name} unknown weight option ${r.text}`);
      }
    }),
    customKw<Inst>('vrrp', { syntax: '', doc: 'Send this session\'s events to the VRRP process only (with `checker`: to both).', status: 'parsed' }, (_s, b) => {
      if (!b.eventsExplicit) b.events = { vrrp: false, checker: false };
      b.eventsExplicit = true;
      b.events.vrrp = true;
    }),
    customKw<Inst>('checker', { syntax: '', doc: 'Send this session\'s events to the checker process only (with `vrrp`: to both).', status: 'parsed' }, (_s, b) => {
      if (!b.eventsExplicit) b.events = { vrrp: false, checker: false };
      b.eventsExplicit = true;
      b.events.checker = true;
    }),
  ],
};

/** A fresh instance with keepalived's defaults. */
export function newBfdInstance(stmt: Stmt, name: string): BfdInstance {
  return {
    loc: stmt.keyword.loc, name, neighbor: null, neighborWord: 'neighbor', source: null,
    minRxUsec: 10_000, minTxUsec: 10_000, idleTxUsec: 1_000_000, multiplier: 5, passive: false,
    ttl: null, maxHops: 0, multihop: false, weight: 0, weightReverse: false,
    events: { vrrp: true, checker: true }, eventsExplicit: false,
  };
}

function applyBfdInstance(stmt: Stmt, cfg: ConfigDraft, ctx: ApplyContext): void {
  if (!needArgs(stmt, 1, ctx)) return;
  const name = stmt.args[0]!.text;
  if (name.length > BFD_LIMITS.nameMax) {
    ctx.diag.error(stmt.args[0]!.loc, `Configuration error: BFD instance ${name} name too long (maximum length is ${BFD_LIMITS.nameMax} characters) - ignoring`);
    return;
  }
  if (cfg.bfd.instances.some((b) => b.name === name)) {
    ctx.diag.error(stmt.args[0]!.loc, `Configuration error: BFD instance ${name} already configured - ignoring`);
    return;
  }
  const inst = newBfdInstance(stmt, name);
  ctx.walk(bfdInstanceSpec, stmt.block ?? [], inst);
  cfg.bfd.instances.push(inst);
}

/** Root keywords contributed by the bfd family. */
export const bfdRootKeywords: KeywordSpec<ConfigDraft>[] = [
  customKw<ConfigDraft>('bfd_instance', { syntax: 'NAME { ... }', doc: 'A BFD session (RFC 5880/5883) that VRRP instances and checkers can track.', block: 'required', status: 'parsed', sub: bfdInstanceSpec }, applyBfdInstance),
];

