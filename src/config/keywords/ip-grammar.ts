// The in-line sub-grammars of address, route and rule lines (keepalived's vrrp_ipaddress.c,
// vrrp_iproute.c, vrrp_iprule.c), producing typed values that rtnetlink code can program.
import type { Stmt, Word } from '../tree';
import type { Diagnostics, Loc } from '../diagnostics';
import type { ApplyContext } from './registry';
import { parseIp, type Family, type IpAddress, type IpPrefix } from '../../net/ip';
import type {
  AddressFlags, RouteEncap, RouteMetrics, RouteNexthop, RouteType, RuleAction,
  VirtualAddress, VirtualRoute, VirtualRule,
} from '../model/ip';

/**
 * Which ApplyContexts have seen a missing interface, so validation can add keepalived's closing
 * "Non-existent interface specified in configuration" once (VRRP's check ends there).
 */
export const missingInterface = new WeakSet<ApplyContext>();

export interface IpGrammarOptions {
  /** The owning instance's interface, used when no `dev` is given (null for static_* blocks). */
  readonly defaultInterface: string | null;
  /** Where it is used, for messages, e.g. `(VI_1)` or `static_ipaddress`. */
  readonly owner: string;
}

// ---------------------------------------------------------------------------------------------
// Built-in iproute2 names (custom names from /etc/iproute2 are not read yet).

/** rt_tables built-ins. */
export const RT_TABLES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
/** rt_scopes built-ins. */
export const RT_SCOPES: Readonly<Record<string, number>> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
/** rt_protos built-ins (linux/rtnetlink.h RTPROT_*). */
export const RT_PROTOS: Readonly<Record<string, number>> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187,
  ospf: 188, rip: 189, eigrp: 192,
};
/** RTPROT_KEEPALIVED: tracked routes and rules carry it. */
export const RTPROT_KEEPALIVED = 18;
/** RTN_* route types. */
export const RTN_TYPES: Readonly<Record<RouteType, number>> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8,
  throw: 9, nat: 10, xresolve: 11,
};
/** DSCP names (RFC 2474/2597/3246) as dsfield values. */
const DSFIELDS: Readonly<Record<string, number>> = {
  default: 0, CS0: 0, CS1: 0x20, CS2: 0x40, CS3: 0x60, CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
  AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58, AF31: 0x68, AF32: 0x70, AF33: 0x78,
  AF41: 0x88, AF42: 0x90, AF43: 0x98,
};
/** IP protocol names for `ipproto`. */
const IP_PROTOS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };

const U32 = 0xffffffff;

/** An unsigned integer, decimal or 0x-hex (strtoul base 0 style, no sign); null when not one or > max. */
export function parseUnsigned(s: string, max: number, allowHex = true): number | null {
  let v: number;
  if (/^\d+$/.test(s)) v = Number(s);
  else if (allowHex && /^0[xX][0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
  else return null;
  return Number.isSafeInteger(v) && v <= max ? v : null;
}

function parseU64(s: string): bigint | null {
  if (!/^(\d+|0[xX][0-9a-fA-F]+)$/.test(s)) return null;
  const v = BigInt(s);
  return v <= 0xffffffffffffffffn ? v : null;
}

/** A table name or number (rt_tables). */
export function lookupTable(s: string): number | null {
  return RT_TABLES[s] ?? parseUnsigned(s, U32);
}
/** A scope name or number (rt_scopes). */
export function lookupScope(s: string): number | null {
  return RT_SCOPES[s] ?? parseUnsigned(s, 255);
}
/** A protocol name or number (rt_protos). */
export function lookupProto(s: string): number | null {
  return RT_PROTOS[s] ?? parseUnsigned(s, 255);
}
/** A dsfield name or hex value (iproute2 reads dsfield numbers as hexadecimal). */
export function lookupDsfield(s: string): number | null {
  if (DSFIELDS[s] !== undefined) return DSFIELDS[s]!;
  const h = /^(?:0[xX])?([0-9a-fA-F]{1,2})$/.exec(s);
  return h ? parseInt(h[1]!, 16) : null;
}
/** `[SRC/]DST` realms (numbers; realm 0 is `cosmos`), as (src << 16) | dst. */
export function parseRealms(s: string): number | null {
  const one = (r: string): number | null => (r === 'cosmos' ? 0 : parseUnsigned(r, 0xffff));
  const slash = s.indexOf('/');
  if (slash < 0) return one(s);
  const a = one(s.slice(0, slash));
  const b = one(s.slice(slash + 1));
  return a === null || b === null ? null : a * 0x10000 + b;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/**
 * `{ ...addr, prefixLen, explicitPrefix }` for an address (`family` and `bytes`), written out: in V8 a
 * spread followed by more properties gives every object a hidden class of its own.
 */
function withPrefix(addr: IpAddress, prefixLen: number, explicitPrefix: boolean): IpPrefix {
  return { family: addr.family, bytes: addr.bytes, prefixLen, explicitPrefix };
}

/** An address with keepalived's prefix handling: a bad /N is reported and the full length used. */
function parseAddrPrefix(w: Word, diag: Diagnostics): IpPrefix | null {
  const s = w.text;
  const slash = s.indexOf('/');
  const base = slash >= 0 ? s.slice(0, slash) : s;
  // keepalived decides the family by the presence of ':' and then needs inet_pton to succeed.
  const addr = parseIp(base);
  if (!addr || (addr.family === 6) !== base.includes(':')) {
    diag.error(w.loc, `VRRP parsed invalid IP ${base}. skipping IP...`);
    return null;
  }
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return withPrefix(addr, max, false);
  const p = s.slice(slash + 1);
  const n = parseUnsigned(p, max, false);
  if (n === null || n < 1) {
    diag.error(w.loc, `Invalid address prefix len ${p} for address ${base} - using ${max}`);
    return withPrefix(addr, max, false);
  }
  return withPrefix(addr, n, true);
}

/** A plain address (no prefix), silently; null when invalid. */
function plainAddr(s: string | undefined): IpAddress | null {
  if (s === undefined) return null;
  return parseIp(s);
}

/** A route/rule destination: `default`, `default6` (deprecated), or ADDR[/N] with N 0..max. */
function parseRouteDest(w: Word, family: Family | null, diag: Diagnostics): IpPrefix | null {
  const s = w.text;
  if (s === 'default' || s === 'default6') {
    // keepalived 2.4.3 accepts `default6` without a word (corpus 920): our own note, not counted.
    if (s === 'default6') diag.report('DEPRECATED', w.loc, `"default6" is deprecated - please use "inet6 default"`, { extra: true });
    const f: Family = s === 'default6' ? 6 : (family ?? 4);
    return { family: f, bytes: new Uint8Array(f === 4 ? 4 : 16), prefixLen: 0, explicitPrefix: true };
  }
  const slash = s.indexOf('/');
  const addr = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!addr) return null;
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return withPrefix(addr, max, false);
  const n = parseUnsigned(s.slice(slash + 1), max, false);
  if (n === null) return null;
  return withPrefix(addr, n, true);
}

function joinText(stmt: Stmt): string {
  let t = stmt.keyword.text;
  for (const w of stmt.args) t += ' ' + w.text;
  return t;
}

/** Reports an interface named on a line that the host does not have (keepalived drops the line). */
function ifMissing(ctx: ApplyContext, name: string): boolean {
  return ctx.host.interfaceExists(name) === false;
}

/** Thrown inside a line parser to abandon the line after reporting. */
class LineError extends Error {}

/** A cursor over a statement's words. */
class Words {
  readonly all: readonly Word[];
  i = 0;
  constructor(stmt: Stmt, private readonly diag: Diagnostics, private readonly what: string) {
    this.all = [stmt.keyword, ...stmt.args];
  }
  get done(): boolean {
    return this.i >= this.all.length;
  }
  peek(): Word | undefined {
    return this.all[this.i];
  }
  next(): Word | undefined {
    return this.all[this.i++];
  }
  /** The parameter of keyword `kw`; a missing one abandons the line. */
  param(kw: Word): Word {
    const w = this.all[this.i++];
    if (!w) this.fail(kw.loc, `No parameter specified for ${this.what} keyword ${kw.text}`);
    return w;
  }
  fail(loc: Loc, msg: string): never {
    this.diag.error(loc, msg);
    throw new LineError(msg);
  }
}

// ---------------------------------------------------------------------------------------------
// Addresses.

/** One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. null when invalid (reported). */
/** Address options that take a parameter. */
const NEEDS_PARAM: ReadonlySet<string> = new Set(['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'track_group', 'preferred_lft']);

export function parseAddressStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualAddress | null {
  const diag = ctx.diag;
  const first = stmt.keyword;
  const address0 = parseAddrPrefix(first, diag);
  if (!address0) return null;
  let address: IpPrefix = address0;
  const isStatic = opts.defaultInterface === null;
  let dev: string | null = null;
  let scope = 0;
  let scopeSet = false;
  let label: string | null = null;
  let peer: IpPrefix | null = null;
  let brd: IpAddress | null = null;
  let brdMode: '+' | '-' | null = null;
  let haveBroadcast = false;
  const flags: { -readonly [K in keyof AddressFlags]: AddressFlags[K] } = { home: false, noNodad: false, mngtmpaddr: false, noprefixroute: false, autojoin: false };
  let noTrack = false;
  let preferredLft: number | 'forever' | null = null;
  let useVmac = false;
  let trackGroup: string | null = null;
  const words = stmt.args;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const kw = w.text;
    if (NEEDS_PARAM.has(kw) && i + 1 >= words.length) {
      diag.error(w.loc, `No ${kw} parameter specified for ${first.text}`);
      return null;
    }
    const p = words[i + 1];
    switch (kw) {
      case 'dev':
        if (dev !== null) {
          diag.error(w.loc, `Cannot specify static ipaddress device more than once for ${first.text}`);
          return null;
        }
        dev = p!.text;
        i++;
        if (ifMissing(ctx, dev)) {
          diag.error(p!.loc, `WARNING - interface ${dev} for ip address ${first.text} doesn't exist`);
          missingInterface.add(ctx);
          return null;
        }
        break;
      case 'scope': {
        i++;
        const s = lookupScope(p!.text);
        if (s === null) diag.error(p!.loc, `Invalid scope '${p!.text}' specified for ${first.text} - ignoring`);
        else { scope = s; scopeSet = true; }
        break;
      }
      case 'broadcast':
      case 'brd':
        if (address.family === 6) {
          diag.error(w.loc, `VRRP is trying to assign a broadcast ${kw} to the IPv6 address ${first.text} !!?? WTF... skipping VIP...`);
          return null;
        }
        haveBroadcast = true;
        i++;
        if (p!.text === '-' || p!.text === '+') brdMode = p!.text;
        else {
          const b = parseIp(p!.text);
          if (!b || b.family !== 4) {
            diag.error(p!.loc, `VRRP is trying to assign invalid broadcast ${p!.text}. skipping VIP...`);
            return null;
          }
          brd = b;
        }
        break;
      case 'label':
        i++;
        label = p!.text.slice(0, 15); // IFNAMSIZ - 1
        if (p!.text.length > 15) diag.report('WARNING', p!.loc, `label '${p!.text}' is longer than 15 characters - truncated to '${label}'`, { extra: true });
        break;
      case 'peer': {
        i++;
        if (peer) {
          diag.error(p!.loc, `Peer ${p!.text} - another peer has already been specified`);
          break;
        }
        const pa = parseRouteDest(p!, null, diag);
        if (!pa || p!.text.startsWith('default')) diag.error(p!.loc, `Invalid peer address ${p!.text}`);
        else if (pa.family !== address.family) diag.error(p!.loc, `Peer address ${p!.text} does not match address family`);
        else {
          if (address.explicitPrefix && address.prefixLen !== (address.family === 4 ? 32 : 128)) {
            diag.error(p!.loc, 'Cannot specify address prefix when specifying peer address - ignoring');
          }
          peer = pa;
          address = withPrefix(address, pa.prefixLen, pa.explicitPrefix);
        }
        break;
      }
      case 'home': flags.home = true; break;
      case '-nodad': flags.noNodad = true; break;
      case 'mngtmpaddr': flags.mngtmpaddr = true; break;
      case 'noprefixroute': flags.noprefixroute = true; break;
      case 'autojoin': flags.autojoin = true; break;
      case 'no_track': noTrack = true; break;
      case 'use_vmac': useVmac = true; break;
      case 'preferred_lft': {
        i++;
        if (p!.text === 'forever') preferredLft = 'forever';
        else {
          const v = parseUnsigned(p!.text, U32, false);
          if (v === null) diag.error(p!.loc, `Invalid preferred_lft '${p!.text}' specified for ${first.text} - ignoring`);
          else preferredLft = v;
        }
        break;
      }
      case 'track_group':
        if (isStatic) {
          i++;
          if (trackGroup !== null) {
            diag.error(p!.loc, `track_group ${p!.text} is a duplicate`);
            i = words.length;
            break;
          }
          trackGroup = p!.text;
          break;
        }
        diag.error(w.loc, `Unknown configuration entry '${kw}' for ip address - ignoring`);
        break;
      default:
        diag.error(w.loc, `Unknown configuration entry '${kw}' for ip address - ignoring`);
    }
  }

  if (haveBroadcast && peer) {
    diag.error(first.loc, 'Cannot specify broadcast and peer addresses - ignoring broadcast address');
    brd = null;
  } else if (brdMode !== null) {
    if (address.prefixLen <= 30) {
      const base = peer ?? address;
      const b = new Uint8Array(base.bytes);
      for (let bit = address.prefixLen; bit < 32; bit++) {
        const m = 0x80 >> (bit & 7);
        if (brdMode === '+') b[bit >> 3]! |= m;
        else b[bit >> 3]! &= ~m;
      }
      brd = { family: 4, bytes: b };
    } else {
      diag.error(first.loc, `Address prefix length ${address.prefixLen} too long for broadcast`);
    }
  }
  if (address.family === 6) {
    if (scopeSet && scope !== 0) {
      diag.error(first.loc, `Cannot specify scope for IPv6 addresses (${first.text}) - ignoring scope`);
      scope = 0;
    }
    if (label !== null) {
      diag.error(first.loc, `Cannot specify label for IPv6 addresses (${first.text}) - ignoring label`);
      label = null;
    }
  }
  const effectiveDev = dev ?? opts.defaultInterface;
  if (trackGroup !== null && dev === null) {
    diag.error(first.loc, 'Static address cannot have track_group if interface not specified');
    trackGroup = null;
  }
  return {
    loc: first.loc,
    text: joinText(stmt),
    address,
    dev: effectiveDev,
    family: address.family,
    devExplicit: dev !== null,
    broadcast: brd,
    scope,
    label,
    peer,
    flags,
    noTrack,
    preferredLft,
    useVmac,
    trackGroup,
  };
}

// ---------------------------------------------------------------------------------------------
// Routes.

interface RouteDraft {
  family: Family | null;
  type: RouteType;
  dst: IpPrefix | null;
  from: IpPrefix | null;
  prefSrc: IpAddress | null;
  via: IpAddress | null;
  dev: string | null;
  table: number;
  metric: number | null;
  protocol: number | null;
  scope: number | null;
  tos: number | null;
  realms: number | null;
  metrics: RouteMetrics;
  lock: string[];
  onlink: boolean;
  encap: RouteEncap | null;
  expires: number | null;
  pref: number | null;
  ttlPropagate: boolean | null;
  nexthops: RouteNexthop[];
  noTrack: boolean;
  trackGroup: string | null;
}

/** iproute2's get_time_rtt: a time with s/ms/us... suffix (milliseconds), or a raw number. */
function parseRtt(s: string): { value: number; raw: boolean } | null {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(s|sec|secs|ms|msec|msecs)?$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  if (!m[2]) {
    if (!Number.isInteger(n) || n >= U32) return null;
    return { value: n, raw: true };
  }
  const ms = m[2].startsWith('s') ? n * 1000 : n;
  if (ms >= U32) return null;
  return { value: Math.floor(ms), raw: false };
}

function setFamily(d: { family: Family | null }, f: Family, w: Words, loc: Loc, msg: string): void {
  if (d.family === null) d.family = f;
  else if (d.family !== f) w.fail(loc, msg);
}

function parseEncap(w: Words, kw: Word): RouteEncap {
  const t = w.next();
  if (!t) w.fail(kw.loc, 'Missing encap type');
  switch (t.text) {
    case 'mpls': {
      const a = w.next();
      if (!a) w.fail(t.loc, 'missing address for MPLS encapsulation');
      const labels = a.text.split('/').map((x) => parseUnsigned(x, 0xfffff, false));
      if (labels.some((x) => x === null)) w.fail(a.loc, `invalid mpls address ${a.text} for encapsulation`);
      return { type: 'mpls', labels: labels as number[] };
    }
    case 'ip':
    case 'ip6': {
      const v6 = t.text === 'ip6';
      const e = { id: null as bigint | null, dst: null as IpAddress | null, src: null as IpAddress | null, tos: null as number | null, ttl: null as number | null, flags: null as number | null };
      const what = v6 ? 'ip6' : 'ip';
      for (;;) {
        const k = w.peek();
        const v = w.all[w.i + 1];
        if (!k || !v) break;
        if (k.text === 'id') {
          e.id = parseU64(v.text);
          if (e.id === null) w.fail(v.loc, v6 ? `id ${v.text} value invalid for IPv6 encapsulation` : `encap id ${v.text} value is invalid`);
        } else if (k.text === 'dst' || k.text === 'src') {
          const a = plainAddr(v.text);
          if (!a) w.fail(v.loc, `Invalid encap ${what} ${k.text} ${v.text}`);
          if ((a.family === 6) !== v6) w.fail(v.loc, v6 ? `IPv4 address ${v.text} not valid for ip6 encapsulation` : `IPv6 address ${v.text} not valid for ip encapsulation`);
          e[k.text] = a;
        } else if (k.text === (v6 ? 'tc' : 'tos')) {
          e.tos = lookupDsfield(v.text);
          if (e.tos === null) w.fail(v.loc, v6 ? `tc value ${v.text} is invalid for ip6 encapsulation` : `dsfield ${v.text} not valid for ip encapsulation`);
        } else if (k.text === (v6 ? 'hoplimit' : 'ttl')) {
          e.ttl = parseUnsigned(v.text, 255);
          if (e.ttl === null) w.fail(v.loc, v6 ? `Invalid hoplimit ${v.text} specified for ip6 encapsulation` : `ttl ${v.text} is not valid for ip encapsulation`);
        } else if (k.text === 'flags') {
          e.flags = parseUnsigned(v.text, 0xffff);
          if (e.flags === null) w.fail(v.loc, `flags ${v.text} is not valid for ${what} encapsulation`);
        } else break;
        w.i += 2;
      }
      if (!e.dst && e.id === null) w.fail(t.loc, `address or id missing for ${what} encapsulation`);
      return { type: v6 ? 'ip6' : 'ip', ...e };
    }
    case 'ila': {
      const a = w.next();
      if (!a) w.fail(t.loc, 'missing locator for ILA encapsulation');
      const loc = a.text.trim();
      const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(loc);
      if (!m) w.fail(a.loc, `invalid locator ${a.text} for ila encapsulation`);
      const locator = m.slice(1, 5).reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
      return { type: 'ila', locator };
    }
    default:
      w.fail(t.loc, `Unknown encap type - ${t.text}`);
  }
}

/** `nexthop ...` lists after the main route tokens. */
function parseNexthops(w: Words, d: RouteDraft, ctx: ApplyContext): void {
  while (!w.done && w.peek()!.text === 'nexthop') {
    w.next();
    const nh = { gateway: null as IpAddress | null, dev: null as string | null, weight: null as number | null, onlink: false, realms: null as number | null, encap: null as RouteEncap | null };
    for (;;) {
      const k = w.peek();
      if (!k) break;
      if (k.text === 'via') {
        w.next();
        let a = w.param(k);
        let fam: Family | null = null;
        if (a.text === 'inet' || a.text === 'inet6') {
          fam = a.text === 'inet' ? 4 : 6;
          a = w.param(k);
          setFamily(d, fam, w, a.loc, 'IPv4/6 mismatch for nexthop');
        }
        const g = plainAddr(a.text);
        if (!g) w.fail(a.loc, `invalid nexthop address ${a.text}`);
        if (d.family !== null && g.family !== d.family) w.fail(a.loc, 'Address family mismatch for next hop');
        d.family ??= g.family;
        nh.gateway = g;
      } else if (k.text === 'dev') {
        w.next();
        const a = w.param(k);
        if (ifMissing(ctx, a.text)) w.fail(a.loc, `WARNING - interface ${a.text} for VROUTE nexthop doesn't exist`);
        nh.dev = a.text;
      } else if (k.text === 'weight') {
        w.next();
        const a = w.param(k);
        const v = parseUnsigned(a.text, 256);
        if (v === null) w.fail(a.loc, `Invalid weight ${a.text} specified for route`);
        if (v === 0) w.fail(a.loc, 'Invalid weight 0 specified for route');
        nh.weight = v;
      } else if (k.text === 'onlink') {
        w.next();
        nh.onlink = true;
      } else if (k.text === 'encap') {
        w.next();
        nh.encap = parseEncap(w, k);
      } else if (k.text === 'realms') {
        w.next();
        const a = w.param(k);
        nh.realms = parseRealms(a.text);
        if (nh.realms === null) w.fail(a.loc, `Invalid realms ${a.text} for route`);
        setFamily(d, 4, w, a.loc, 'realms are only supported for IPv4');
      } else if (k.text === 'as') {
        w.next();
        if (w.peek()?.text === 'to') w.next();
        w.fail(k.loc, "'as [to]' (nat) not supported");
      } else break;
    }
    d.nexthops.push(nh);
  }
  const rest = w.peek();
  if (rest) w.fail(rest.loc, `Route has trailing nonsense after nexthops - ${rest.text}`);
}

const LOCKABLE: Readonly<Record<string, keyof RouteMetrics>> = {
  mtu: 'mtu', advmss: 'advmss', reordering: 'reordering', cwnd: 'cwnd', ssthresh: 'ssthresh',
};
const U32_METRICS: Readonly<Record<string, { key: keyof RouteMetrics; name: string }>> = {
  mtu: { key: 'mtu', name: 'MTU' }, advmss: { key: 'advmss', name: 'advmss' }, reordering: { key: 'reordering', name: 'reordering value' },
  window: { key: 'window', name: 'window value' }, cwnd: { key: 'cwnd', name: 'cwnd value' }, ssthresh: { key: 'ssthresh', name: 'ssthresh value' },
  initcwnd: { key: 'initcwnd', name: 'initcwnd value' }, initrwnd: { key: 'initrwnd', name: 'initrwnd value' },
};

function routeToken(w: Words, k: Word, d: RouteDraft, ctx: ApplyContext, trackGroupAllowed: boolean): 'nexthop' | void {
  const t = k.text;
  const diag = ctx.diag;
  const mix = 'Cannot mix IPv4 and IPv6 addresses for route';
  switch (t) {
    case 'inet':
    case 'inet6':
      setFamily(d, t === 'inet' ? 4 : 6, w, k.loc, `${t} specified for IPv${t === 'inet' ? 6 : 4} route`);
      return;
    case 'src': {
      const a = w.param(k);
      const p = plainAddr(a.text);
      if (!p) w.fail(a.loc, `invalid route src address ${a.text}`);
      setFamily(d, p.family, w, a.loc, mix);
      d.prefSrc = p;
      return;
    }
    case 'as': {
      if (w.peek()?.text === 'to') w.next();
      w.param(k);
      diag.error(k.loc, '"as to" for MPLS only - ignoring');
      return;
    }
    case 'via':
    case 'gw': {
      if (t === 'gw') diag.report('DEPRECATED', k.loc, '"gw" for routes is deprecated. Please use "via"');
      let a = w.param(k);
      if (a.text === 'inet' || a.text === 'inet6') {
        setFamily(d, a.text === 'inet' ? 4 : 6, w, a.loc, mix);
        a = w.param(k);
      }
      const g = plainAddr(a.text);
      if (!g) w.fail(a.loc, `invalid route via address ${a.text}`);
      setFamily(d, g.family, w, a.loc, mix);
      d.via = g;
      return;
    }
    case 'from': {
      const a = w.param(k);
      const p = parseRouteDest(a, d.family, diag);
      if (!p) w.fail(a.loc, `invalid route from address ${a.text}`);
      if (p.family !== 6) w.fail(a.loc, `route from address only supported with IPv6 (${a.text})`);
      setFamily(d, 6, w, a.loc, mix);
      d.from = p;
      return;
    }
    case 'tos':
    case 'dsfield': {
      const a = w.param(k);
      d.tos = lookupDsfield(a.text);
      if (d.tos === null) w.fail(a.loc, `TOS value ${a.text} is invalid`);
      return;
    }
    case 'table': {
      const a = w.param(k);
      const v = lookupTable(a.text);
      if (v === null) w.fail(a.loc, `Routing table ${a.text} not found for route`);
      d.table = v;
      return;
    }
    case 'vrf': {
      // A VRF's table is found from the interface at run time; only the name is kept.
      const a = w.param(k);
      d.dev ??= a.text;
      return;
    }
    case 'protocol': {
      const a = w.param(k);
      const v = lookupProto(a.text);
      if (v === null) w.fail(a.loc, `Protocol ${a.text} not found or invalid for route`);
      d.protocol = v;
      return;
    }
    case 'scope': {
      const a = w.param(k);
      const v = lookupScope(a.text);
      if (v === null) w.fail(a.loc, `Scope ${a.text} not found or invalid for route`);
      d.scope = v;
      return;
    }
    case 'metric':
    case 'priority':
    case 'preference': {
      const a = w.param(k);
      const v = parseUnsigned(a.text, U32);
      if (v === null) w.fail(a.loc, `Invalid metric ${a.text} specified for route`);
      d.metric = v;
      return;
    }
    case 'dev':
    case 'oif': {
      const a = w.param(k);
      if (ifMissing(ctx, a.text)) w.fail(a.loc, `WARNING - interface ${a.text} for VROUTE nexthop doesn't exist`);
      d.dev = a.text;
      return;
    }
    case 'onlink':
      d.onlink = true;
      return;
    case 'encap':
      d.encap = parseEncap(w, k);
      return;
    case 'expires': {
      const a = w.param(k);
      if (d.family === 4) w.fail(k.loc, 'expires is only valid for IPv6');
      d.family = 6;
      const v = parseUnsigned(a.text, U32);
      if (v === null) w.fail(a.loc, `Invalid expires time ${a.text} specified for route`);
      d.expires = v;
      return;
    }
    case 'hoplimit': {
      const a = w.param(k);
      const v = parseUnsigned(a.text, 255);
      if (v === null) w.fail(a.loc, `Invalid hoplimit ${a.text} specified for route`);
      d.metrics.hoplimit = v;
      return;
    }
    case 'rtt':
    case 'rttvar':
    case 'rto_min': {
      let a = w.param(k);
      if (a.text === 'lock') {
        d.lock.push(t);
        a = w.param(k);
      }
      const r = parseRtt(a.text);
      const scale = t === 'rtt' ? 8 : t === 'rttvar' ? 4 : 1;
      if (!r || (t !== 'rto_min' && !r.raw && r.value >= Math.floor(U32 / scale))) {
        w.fail(a.loc, t === 'rto_min' ? `Invalid rto_min value ${a.text} specified for route` : `Invalid ${t} ${a.text} for route`);
      }
      const v = r.raw ? r.value * scale : r.value;
      if (t === 'rtt') d.metrics.rtt = v;
      else if (t === 'rttvar') d.metrics.rttvar = v;
      else d.metrics.rtoMin = r.value;
      return;
    }
    case 'realms': {
      const a = w.param(k);
      d.realms = parseRealms(a.text);
      if (d.realms === null) w.fail(a.loc, `Invalid realms ${a.text} for route`);
      if (d.family === 6) w.fail(a.loc, 'realms are only valid for IPv4');
      d.family = 4;
      return;
    }
    case 'features': {
      const a = w.param(k);
      if (a.text === 'ecn') d.metrics.features = (d.metrics.features ?? 0) | 1;
      else diag.error(a.loc, `feature ${a.text} not supported`);
      return;
    }
    case 'quickack':
    case 'fastopen_no_cookie': {
      const a = w.param(k);
      const v = parseUnsigned(a.text, 1);
      if (v === null) w.fail(a.loc, `Invalid ${t} value ${a.text} specified for route`);
      if (t === 'quickack') d.metrics.quickack = v;
      else d.metrics.fastopenNoCookie = v;
      return;
    }
    case 'congctl': {
      let a = w.param(k);
      if (a.text === 'lock') {
        d.lock.push(t);
        a = w.param(k);
      }
      d.metrics.congctl = a.text;
      return;
    }
    case 'pref': {
      const a = w.param(k);
      if (d.family === 4) w.fail(k.loc, 'pref is only valid for IPv6');
      d.family = 6;
      const named: Record<string, number> = { low: 3, medium: 0, high: 1 };
      const v = named[a.text] ?? parseUnsigned(a.text, 255);
      if (v === null) w.fail(a.loc, `Invalid pref value ${a.text} specified for route`);
      d.pref = v;
      return;
    }
    case 'ttl-propagate': {
      const a = w.param(k);
      if (a.text === 'enabled') d.ttlPropagate = true;
      else if (a.text === 'disabled') d.ttlPropagate = false;
      else diag.error(a.loc, `ttl-propagate value ${a.text} not recognised`);
      return;
    }
    case 'or': {
      diag.report('DEPRECATED', k.loc, '"or" for routes is deprecated. Please use "nexthop"');
      const a = w.param(k);
      if (d.nexthops.length > 0) {
        diag.error(k.loc, '"or" route already specified - ignoring subsequent');
        return;
      }
      const g = plainAddr(a.text);
      if (!g) w.fail(a.loc, `Invalid "or" address ${a.text}`);
      setFamily(d, g.family, w, a.loc, mix);
      const base = { dev: null, weight: null, onlink: false, realms: null, encap: null };
      d.nexthops.push({ ...base, gateway: d.via }, { ...base, gateway: g });
      d.via = null;
      return;
    }
    case 'nexthop':
      if (d.nexthops.length > 0) {
        diag.error(k.loc, 'Cannot specify nexthops with "or" route');
        w.i = w.all.length;
        return;
      }
      w.i--;
      return 'nexthop';
    case 'no_track':
      d.noTrack = true;
      return;
    default:
      break;
  }
  if (t === 'track_group' && trackGroupAllowed) {
    const a = w.param(k);
    if (d.trackGroup !== null) w.fail(a.loc, `track_group ${a.text} is a duplicate`);
    d.trackGroup = a.text;
    return;
  }
  if (U32_METRICS[t]) {
    let a = w.param(k);
    if (a.text === 'lock' && LOCKABLE[t]) {
      d.lock.push(t);
      a = w.param(k);
    }
    const v = parseUnsigned(a.text, U32);
    if (v === null) w.fail(a.loc, `Invalid ${U32_METRICS[t]!.name} ${a.text} specified for route`);
    (d.metrics as Record<string, number | string>)[U32_METRICS[t]!.key] = v;
    return;
  }
  // [to] [TYPE] DEST
  let dw: Word | undefined = k;
  if (t === 'to') dw = w.next();
  if (dw && Object.prototype.hasOwnProperty.call(RTN_TYPES, dw.text) && dw !== k) {
    // `to TYPE` is not a form keepalived reads: the type must come first.
  } else if (dw && Object.prototype.hasOwnProperty.call(RTN_TYPES, dw.text)) {
    d.type = dw.text as RouteType;
    dw = w.next();
  }
  if (!dw) w.fail(k.loc, `unknown route keyword ${k.text}`);
  const dst = parseRouteDest(dw, d.family, diag);
  if (!dst) w.fail(dw.loc, `unknown route keyword ${dw.text}`);
  if (d.family !== null && dst.family !== d.family) {
    if (dst.prefixLen === 0 && dw.text === 'default') {
      d.dst = { family: d.family, bytes: new Uint8Array(d.family === 4 ? 4 : 16), prefixLen: 0, explicitPrefix: true };
      return;
    }
    w.fail(dw.loc, `Cannot mix IPv4 and IPv6 addresses for route (${dw.text})`);
  }
  d.family ??= dst.family;
  d.dst = dst;
}

/** One line of virtual_routes / static_routes. */
export function parseRouteStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualRoute | null {
  const w: Words = new Words(stmt, ctx.diag, 'route');
  const d: RouteDraft = {
    family: null, type: 'unicast', dst: null, from: null, prefSrc: null, via: null, dev: null, table: RT_TABLES.main!,
    metric: null, protocol: null, scope: null, tos: null, realms: null, metrics: {}, lock: [], onlink: false, encap: null,
    expires: null, pref: null, ttlPropagate: null, nexthops: [], noTrack: false, trackGroup: null,
  };
  try {
    while (!w.done) {
      const k = w.next()!;
      if (routeToken(w, k, d, ctx, opts.defaultInterface === null) === 'nexthop') {
        parseNexthops(w, d, ctx);
        break;
      }
    }
    if (!d.dst) w.fail(stmt.keyword.loc, 'Route must have a destination');
  } catch (e) {
    if (e instanceof LineError) return null;
    throw e;
  }
  if (!d.noTrack) {
    if (d.protocol !== null && d.protocol !== RTPROT_KEEPALIVED) {
      ctx.diag.error(stmt.keyword.loc, `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    }
    d.protocol = RTPROT_KEEPALIVED;
  }
  if (d.trackGroup !== null && d.dev === null) {
    ctx.diag.error(stmt.keyword.loc, 'Static route cannot have track group if no oif specified');
    d.trackGroup = null;
  }
  const family: Family = d.family ?? 4;
  let dst = d.dst!;
  if (dst.prefixLen === 0 && dst.family !== family) dst = { ...dst, family, bytes: new Uint8Array(family === 4 ? 4 : 16) };
  return {
    loc: stmt.keyword.loc,
    text: joinText(stmt),
    family,
    type: d.type,
    dst,
    from: d.from,
    prefSrc: d.prefSrc,
    via: d.via,
    dev: d.dev,
    table: d.table,
    metric: d.metric,
    protocol: d.protocol ?? 0,
    scope: d.scope,
    tos: d.tos,
    realms: d.realms,
    metrics: d.metrics,
    lock: d.lock,
    onlink: d.onlink,
    encap: d.encap,
    expires: d.expires,
    pref: d.pref,
    ttlPropagate: d.ttlPropagate,
    nexthops: d.nexthops,
    noTrack: d.noTrack,
    trackGroup: d.trackGroup,
  };
}

// ---------------------------------------------------------------------------------------------
// Rules.

/** keepalived's first default rule preference (RULE_START_PRIORITY), counting down per family. */
export const RULE_START_PRIORITY = 16384;
/** Default preferences handed out so far, per configuration load (keyed by its Diagnostics). */
const nextRulePriority = new WeakMap<Diagnostics, { 4: number; 6: number }>();

function parsePortRange(s: string): { start: number; end: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] !== undefined ? Number(m[2]) : start;
  return start <= 0xffff && end <= 0xffff ? { start, end } : null;
}

/** One line of virtual_rules / static_rules. */
export function parseRuleStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualRule | null {
  const diag = ctx.diag;
  const w: Words = new Words(stmt, diag, 'rule');
  const r = {
    family: null as Family | null, from: null as IpPrefix | null, to: null as IpPrefix | null, invert: false,
    action: null as RuleAction | null, table: 0, l3mdev: false, gotoTarget: null as number | null,
    priority: null as number | null, tos: null as number | null, fwmark: null as number | null, fwmask: null as number | null,
    realms: null as number | null, suppressPrefixLength: null as number | null, suppressIfgroup: null as number | null,
    iif: null as string | null, oif: null as string | null, tunnelId: null as bigint | null,
    uidRange: null as { start: number; end: number } | null, protocol: null as number | null, ipProto: null as number | null,
    sport: null as { start: number; end: number } | null, dport: null as { start: number; end: number } | null,
    noTrack: false, trackGroup: null as string | null,
  };
  let tableOption = false;
  const mixed = 'rule specification has mixed IPv4 and IPv6';
  const setAction = (a: RuleAction, loc: Loc): void => {
    if (r.action !== null) w.fail(loc, 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
    r.action = a;
  };
  try {
    while (!w.done) {
      const k = w.next()!;
      const t = k.text;
      switch (t) {
        case 'inet':
        case 'inet6':
          setFamily(r, t === 'inet' ? 4 : 6, w, k.loc, `${t} specified for IPv${t === 'inet' ? 6 : 4} rule`);
          break;
        case 'from':
        case 'to': {
          const a = w.param(k);
          const p = parseRouteDest(a, r.family, diag);
          if (!p) w.fail(a.loc, `Invalid rule ${t} address ${a.text}`);
          if (!(a.text === 'default' && r.family !== null)) setFamily(r, p.family, w, a.loc, mixed);
          r[t] = p;
          break;
        }
        case 'table':
        case 'lookup': {
          const a = w.param(k);
          const v = lookupTable(a.text);
          if (v === null) w.fail(a.loc, `Routing table ${a.text} not found for rule`);
          if (v === 0) w.fail(a.loc, 'Table 0 is not valid');
          r.table = v;
          setAction('table', k.loc);
          break;
        }
        case 'not':
          r.invert = true;
          break;
        case 'preference':
        case 'order':
        case 'priority': {
          const a = w.param(k);
          const v = parseUnsigned(a.text, U32);
          if (v === null) w.fail(a.loc, `Invalid rule preference ${t} specified`);
          r.priority = v;
          break;
        }
        case 'tos':
        case 'dsfield': {
          const a = w.param(k);
          r.tos = lookupDsfield(a.text);
          if (r.tos === null) w.fail(a.loc, `TOS value ${a.text} is invalid`);
          break;
        }
        case 'fwmark': {
          const a = w.param(k);
          const [m, mask, extra] = a.text.split('/');
          const mv = parseUnsigned(m ?? '', U32);
          const kv = mask === undefined ? 0 : parseUnsigned(mask, U32);
          if (mv === null || kv === null || extra !== undefined) w.fail(a.loc, `Invalid rule fwmark ${a.text} specified`);
          r.fwmark = mv;
          r.fwmask = mask === undefined ? null : kv;
          break;
        }
        case 'realms': {
          const a = w.param(k);
          r.realms = parseRealms(a.text);
          if (r.realms === null) w.fail(a.loc, `invalid realms ${a.text} for rule`);
          tableOption = true;
          setFamily(r, 4, w, a.loc, 'realms is only valid for IPv4');
          break;
        }
        case 'suppress_prefixlength':
        case 'sup_pl': {
          const a = w.param(k);
          const v = parseUnsigned(a.text, 0x7fffffff, false);
          if (v === null) w.fail(a.loc, `Invalid suppress_prefixlength ${t} specified`);
          r.suppressPrefixLength = v;
          tableOption = true;
          break;
        }
        case 'suppress_ifgroup':
        case 'sup_group': {
          const a = w.param(k);
          const v = a.text === 'default' ? 0 : parseUnsigned(a.text, U32);
          if (v === null) w.fail(a.loc, `suppress_group ${a.text} is invalid`);
          r.suppressIfgroup = v;
          tableOption = true;
          break;
        }
        case 'dev':
        case 'iif':
        case 'oif': {
          const a = w.param(k);
          if (ifMissing(ctx, a.text)) w.fail(a.loc, `WARNING - interface ${a.text} for rule doesn't exist`);
          if (t === 'oif') r.oif = a.text;
          else r.iif = a.text;
          break;
        }
        case 'tunnel-id': {
          const a = w.param(k);
          r.tunnelId = parseU64(a.text);
          if (r.tunnelId === null) w.fail(a.loc, `Invalid tunnel-id ${t} specified`);
          break;
        }
        case 'uidrange': {
          const a = w.param(k);
          const m = /^(\d+)-(\d+)$/.exec(a.text);
          if (!m || Number(m[1]) > U32 || Number(m[2]) > U32) w.fail(a.loc, `Invalid uidrange ${t} specified`);
          r.uidRange = { start: Number(m[1]), end: Number(m[2]) };
          break;
        }
        case 'l3mdev':
          r.l3mdev = true;
          if (r.action !== null) w.fail(k.loc, 'Cannot specify l3mdev with other action');
          r.action = 'table';
          break;
        case 'protocol': {
          const a = w.param(k);
          const v = lookupProto(a.text);
          if (v === null) diag.error(a.loc, `Invalid protocol ${a.text}`);
          else r.protocol = v;
          break;
        }
        case 'ipproto': {
          const a = w.param(k);
          const v = IP_PROTOS[a.text] ?? parseUnsigned(a.text, 255);
          if (v === null) diag.error(a.loc, `Invalid ipproto ${a.text}`);
          else r.ipProto = v;
          break;
        }
        case 'sport':
        case 'dport': {
          const a = w.param(k);
          const v = parsePortRange(a.text);
          if (v === null) diag.error(a.loc, `invalid ${t} range ${a.text}`);
          else r[t] = v;
          break;
        }
        case 'no_track':
          r.noTrack = true;
          break;
        default: {
          if (t === 'track_group' && opts.defaultInterface === null) {
            const a = w.param(k);
            if (r.trackGroup !== null) w.fail(a.loc, `track_group ${a.text} is a duplicate`);
            r.trackGroup = a.text;
            break;
          }
          const aw = t === 'type' ? w.param(k) : k;
          const at = aw.text;
          if (at === 'goto') {
            const a = w.param(aw);
            const v = parseUnsigned(a.text, U32, false);
            if (v === null) w.fail(a.loc, `Invalid target ${at} specified`);
            r.gotoTarget = v;
            setAction('goto', aw.loc);
          } else if (at === 'nop') setAction('nop', aw.loc);
          else if (at === 'blackhole' || at === 'unreachable' || at === 'prohibit') setAction(at, aw.loc);
          else if (Object.prototype.hasOwnProperty.call(RTN_TYPES, at)) w.fail(aw.loc, `Invalid rule action ${at}`);
          else w.fail(aw.loc, `Unknown rule option ${at}`);
        }
      }
    }
    if (r.action === 'goto') {
      if (r.priority === null) w.fail(stmt.keyword.loc, `Invalid rule - goto target ${r.gotoTarget} specified without preference`);
      if (r.priority >= r.gotoTarget!) w.fail(stmt.keyword.loc, `Invalid rule - preference ${r.priority} >= goto target ${r.gotoTarget}`);
    }
    if (r.action === null) w.fail(stmt.keyword.loc, 'No action specified for rule - ignoring');
    if (r.action !== 'table' && tableOption) w.fail(stmt.keyword.loc, 'suppressor/realm specified for non table action - skipping');
    if (r.l3mdev && r.table !== 0) w.fail(stmt.keyword.loc, 'table cannot be specified for l3mdev rules');
  } catch (e) {
    if (e instanceof LineError) return null;
    throw e;
  }
  if (!r.noTrack) {
    if (r.protocol !== null && r.protocol !== RTPROT_KEEPALIVED) {
      diag.error(stmt.keyword.loc, `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    }
    r.protocol = RTPROT_KEEPALIVED;
  }
  if (r.trackGroup !== null && r.iif === null) {
    diag.error(stmt.keyword.loc, 'Static rule cannot have track_group if dev/iif not specified');
    r.trackGroup = null;
  }
  const family: Family = r.family ?? 4;
  const fixDefault = (p: IpPrefix | null): IpPrefix | null =>
    p && p.prefixLen === 0 && p.family !== family ? { ...p, family, bytes: new Uint8Array(family === 4 ? 4 : 16) } : p;
  const priorityExplicit = r.priority !== null;
  let priority = r.priority;
  if (priority === null) {
    let counters = nextRulePriority.get(diag);
    if (!counters) {
      counters = { 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY };
      nextRulePriority.set(diag, counters);
    }
    priority = counters[family]--;
    diag.error(stmt.keyword.loc, `Rule has no preference specified - setting to ${priority}. This is probably not what you want.`);
  }
  return {
    loc: stmt.keyword.loc,
    text: joinText(stmt),
    family,
    from: fixDefault(r.from),
    to: fixDefault(r.to),
    invert: r.invert,
    action: r.action!,
    table: r.table,
    l3mdev: r.l3mdev,
    gotoTarget: r.gotoTarget,
    priority,
    priorityExplicit,
    tos: r.tos,
    fwmark: r.fwmark,
    fwmask: r.fwmask,
    realms: r.realms,
    suppressPrefixLength: r.suppressPrefixLength,
    suppressIfgroup: r.suppressIfgroup,
    iif: r.iif,
    oif: r.oif,
    tunnelId: r.tunnelId,
    uidRange: r.uidRange,
    protocol: r.protocol,
    ipProto: r.ipProto,
    sport: r.sport,
    dport: r.dport,
    noTrack: r.noTrack,
    trackGroup: r.trackGroup,
  };
}
