// Keyword tables of the LVS family: SSL, virtual_server_group, virtual_server, real_server and every health checker.
import { scriptWords } from '../parse';
import type { Diagnostics, Loc } from '../diagnostics';
import type { Stmt, Word } from '../tree';
import type { ConfigDraft } from '../model';
import type { ScriptRecord } from '../model/global';
import type { ApplyContext, BlockSpec, KeywordSpec } from './registry';
import { parsedOnly, argOrAbort, customKw, flagKw, strKw, argBool, needArgs, type KwOpts } from './args';
import { checkScript } from '../script-check';
import { parseIp, parseIpPrefix, networkOf, formatIp, type IpAddress } from '../../net/ip';
import {
  LVS_SCHEDULERS,
  DNS_TYPES,
  DEFAULT_CONNECT_TIMEOUT_US,
  DEFAULT_DELAY_LOOP_US,
  DEFAULT_PERSISTENCE_TIMEOUT_S,
  type Checker,
  type CheckerCommon,
  type CheckerTimers,
  type DnsChecker,
  type FileChecker,
  type BfdChecker,
  type HttpChecker,
  type HttpUrl,
  type LvsMethod,
  type LvsScheduler,
  type LvsSchedFlag,
  type LvsScript,
  type MaskedBytes,
  type MiscChecker,
  type RealServer,
  type SslConfig,
  type StatusRange,
  type UdpChecker,
  type SmtpChecker,
  type VirtualServer,
  type VirtualServerGroup,
  type VsAddress,
  type VsgEntry,
} from '../model/lvs';

// ---------------------------------------------------------------------------------------------
// Argument readers with keepalived's wording (read_unsigned / read_timer in lib/parser.c).

const U32_MAX = 4294967295;

/** Reads an integer in [min, max] reporting as keepalived's number readers do. */
export function kaInt(w: Word | undefined, min: number, max: number, diag: Diagnostics): number | undefined {
  if (!w) return undefined;
  const t = w.text;
  if (!/^[+-]?\d+$/.test(t)) {
    diag.report('INVALID_NUMBER', w.loc, `invalid number '${t}'`);
    return undefined;
  }
  const v = Number(t);
  if (v < 0 && min >= 0) {
    diag.report('INVALID_NUMBER', w.loc, `negative number '${t}'`);
    return undefined;
  }
  if (v < min || v > max) {
    diag.report('INVALID_NUMBER', w.loc, `number '${t}' outside range [${min}, ${max}]`);
    return undefined;
  }
  return v;
}

/** Reads a <TIMER> (decimal seconds, microsecond resolution) into microseconds. */
export function kaTimer(w: Word | undefined, diag: Diagnostics, allowZero = false): number | undefined {
  if (!w) return undefined;
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(w.text)) {
    diag.report('INVALID_NUMBER', w.loc, `invalid number '${w.text}'`);
    return undefined;
  }
  const us = Math.round(Number(w.text) * 1_000_000);
  if ((!allowZero && us < 1) || us > U32_MAX) {
    diag.report('INVALID_NUMBER', w.loc, `number '${w.text}' outside range [${allowZero ? '0' : '0.000001'}, 4294.967295]`);
    return undefined;
  }
  return us;
}

/** keepalived's hex string grammar: whitespace-separated words read as byte pairs; a trailing odd nibble is its own byte. */
export function parseHexString(words: readonly string[], allowWildcard: boolean): MaskedBytes | null {
  const data: number[] = [];
  const mask: number[] = [];
  for (const word of words) {
    for (let i = 0; i < word.length; i += 2) {
      const pair = word.slice(i, i + 2);
      const chars = pair.length === 1 ? ['0', pair] : [pair[0]!, pair[1]!];
      let d = 0;
      let m = 0;
      for (const c of chars) {
        d <<= 4;
        m <<= 4;
        if (/[0-9a-fA-F]/.test(c)) {
          d |= parseInt(c, 16);
          m |= 0xf;
        } else if (allowWildcard && (c === 'x' || c === 'X')) {
          // ignored nibble
        } else return null;
      }
      data.push(d);
      mask.push(m);
    }
  }
  if (data.length === 0) return null;
  return { data: Uint8Array.from(data), mask: Uint8Array.from(mask) };
}

function parsePort(w: Word | undefined): number | null {
  if (!w) return 0;
  if (!/^\d{1,5}$/.test(w.text)) return null;
  const v = Number(w.text);
  return v <= 65535 ? v : null;
}

// ---------------------------------------------------------------------------------------------
// Names as keepalived prints them (FMT_VS / FMT_RS).

/** keepalived's display name of a virtual server, e.g. `[10.0.0.1]:tcp:80`, `FWM 3`, `[grp]:0`. */
export function vsDisplayName(a: VsAddress, protocol: string | null): string {
  switch (a.kind) {
    case 'ip':
      return `[${formatIp(a.address)}]:${protocol ? protocol.toLowerCase() : 'none'}:${a.port}`;
    case 'fwmark':
      return `FWM ${a.fwmark}`;
    case 'group':
      return `[${a.group}]:0`;
  }
}

/** keepalived's display name of a real server: `[IP]:proto:port`. */
export function rsDisplayName(vs: VirtualServer, rs: { address: IpAddress; port: number }): string {
  const proto = vs.address.kind === 'fwmark' || !vs.protocol ? 'none' : vs.protocol.toLowerCase();
  return `[${formatIp(rs.address)}]:${proto}:${rs.port}`;
}

// ---------------------------------------------------------------------------------------------
// Drafts walked by the nested tables.

interface VsCtx {
  readonly cfg: ConfigDraft;
  readonly vs: VirtualServer;
}
interface RsCtx extends VsCtx {
  readonly rs: RealServer;
}
interface CkCtx<C> extends RsCtx {
  readonly ck: C;
  /** MISC_CHECK: where misc_path and user were written, resolved at the end of the block. */
  pathWord?: Word;
  userWords?: readonly Word[];
}
interface UrlCtx {
  readonly url: HttpUrl;
}

// ---------------------------------------------------------------------------------------------
// SSL

const SSL_FIELDS = [
  ['password', 'password', 'password', 'Password of the private key.'],
  ['ca', 'ca', 'cafile', 'CA certificate file for SSL_GET.'],
  ['certificate', 'certificate', 'certfile', 'Client certificate file for SSL_GET.'],
  ['key', 'key', 'keyfile', 'Private key file for SSL_GET.'],
] as const;

const sslSpec: BlockSpec<SslConfig> = {
  name: 'SSL',
  keywords: SSL_FIELDS.map(([name, field, label, doc]) =>
    customKw<SslConfig>(name, { doc, syntax: '<STRING>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      if (d[field] !== undefined) ctx.diag.info(s.loc, `SSL ${label} already specified - replacing`);
      d[field] = s.args[0]!.text;
    }),
  ),
};

// ---------------------------------------------------------------------------------------------
// lvs_method

function parseLvsMethod(s: Stmt, ctx: ApplyContext, owner: 'virtual server' | 'real server'): LvsMethod | undefined {
  if (!needArgs(s, 1, ctx)) return undefined;
  const m = s.args[0]!.text;
  if (m !== 'NAT' && m !== 'DR' && m !== 'TUN') {
    ctx.diag.error(s.args[0]!.loc, `PARSER : unknown [${m}] routing method for ${owner}.`);
    return undefined;
  }
  if (m !== 'TUN') {
    if (s.args.length > 1) ctx.diag.error(s.args[1]!.loc, `Unknown lvs_method option '${s.args[1]!.text}' - ignoring`);
    return { method: m };
  }
  const out: LvsMethod = { method: 'TUN', tunnelType: 'ipip' };
  let i = 1;
  while (i < s.args.length) {
    const w = s.args[i]!;
    if (w.text === 'type') {
      const t = s.args[i + 1];
      if (!t || (t.text !== 'ipip' && t.text !== 'gue' && t.text !== 'gre')) {
        ctx.diag.error(t?.loc ?? w.loc, `Unknown tunnel type ${t?.text ?? '(none)'} - ignoring`);
        return undefined;
      }
      out.tunnelType = t.text;
      i += 2;
      if (t.text === 'gue') {
        if (s.args[i]?.text !== 'port') {
          ctx.diag.error(t.loc, 'gue tunnel requires a port');
          return undefined;
        }
        const p = kaInt(s.args[i + 1], 1, 65535, ctx.diag);
        if (p === undefined) {
          if (!s.args[i + 1]) ctx.diag.error(s.args[i]!.loc, 'gue tunnel requires a port');
          return undefined;
        }
        out.tunnelPort = p;
        i += 2;
      }
    } else if (w.text === 'nocsum' || w.text === 'csum' || w.text === 'remcsum') {
      if (out.tunnelType === 'ipip') {
        ctx.diag.error(w.loc, `Tunnel checksum option ${w.text} not valid for ipip tunnel - ignoring`);
      } else if (out.tunnelType === 'gre' && w.text === 'remcsum') {
        ctx.diag.error(w.loc, 'remcsum not supported for gre tunnel - ignoring');
      } else out.tunnelChecksum = w.text;
      i++;
    } else {
      ctx.diag.error(w.loc, `Unknown TUN option '${w.text}' - ignoring`);
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared keyword factories (timers and retry are accepted at VS, RS and checker level).

type TimerField = 'connectTimeout' | 'delayBeforeRetry' | 'warmup' | 'delayLoop';

function timerFieldKw<D>(name: string, field: TimerField, doc: string, label: string, get: (d: D) => Partial<CheckerTimers>): KeywordSpec<D> {
  return customKw<D>(name, { doc, syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const v = kaTimer(s.args[0], ctx.diag, field === 'warmup');
    if (v === undefined) {
      ctx.diag.error(s.args[0]!.loc, `${label} '${s.args[0]!.text}' invalid - ignoring`);
      return;
    }
    get(d)[field] = v;
  });
}

function retryKw<D>(name: string, doc: string, get: (d: D) => Partial<CheckerTimers>, o: Partial<KwOpts> = {}): KeywordSpec<D> {
  return customKw<D>(name, { doc, syntax: '<INTEGER>', ...o }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const v = kaInt(s.args[0], 1, U32_MAX, ctx.diag);
    if (v === undefined) {
      ctx.diag.error(s.args[0]!.loc, `retry value invalid - ${s.args[0]!.text}`);
      return;
    }
    get(d).retry = v;
  });
}

function inheritableKws<D>(level: string, get: (d: D) => Partial<CheckerTimers>): KeywordSpec<D>[] {
  return [
    timerFieldKw<D>('connect_timeout', 'connectTimeout', `Checker connect timeout (${level} default; 5 s).`, 'connect_timeout', get),
    retryKw<D>('retry', `Checker retries before a server is marked down (${level} default).`, get),
    timerFieldKw<D>('delay_before_retry', 'delayBeforeRetry', `Delay between checker retries (${level} default).`, 'delay_before_retry', get),
    timerFieldKw<D>('warmup', 'warmup', `Random delay up to this before the first check (${level} default).`, 'warmup', get),
    timerFieldKw<D>('delay_loop', 'delayLoop', `Interval between checks (${level} default; 60 s).`, level === 'virtual server' ? 'virtual server delay loop' : 'delay_loop', get),
  ];
}

function scriptOf(s: Stmt, kind: 'notify', cfg: ConfigDraft, ctx: ApplyContext): LvsScript | null {
  if (!needArgs(s, 1, ctx)) return null;
  // keepalived re-splits the line with quotes and escapes (notify_script_init).
  const words = scriptWords(s, ctx.diag);
  if (!words || words.length < 2) return null;
  const cmd = words[1]!;
  const user = words.length > 2 ? words.slice(2) : undefined;
  const r = checkScript(cmd, user, kind, cfg, ctx, { process: 'checker' });
  return { loc: s.loc, command: cmd.text, argv: [...r.argv], uid: r.uid, gid: r.gid, enabled: r.ok };
}

function boolKw<D>(name: string, doc: string, invalid: string, set: (d: D, v: boolean) => void): KeywordSpec<D> {
  return customKw<D>(name, { doc, syntax: '[BOOL]' }, (s, d, ctx) => {
    const w = s.args[0];
    if (w && !/^(on|off|true|false|yes|no)$/i.test(w.text)) {
      ctx.diag.error(w.loc, `${invalid} ${w.text}`);
      return;
    }
    const v = argBool(w, ctx);
    if (v !== undefined) set(d, v);
  });
}

// ---------------------------------------------------------------------------------------------
// Checkers

/** The fields every checker has, its type last (one object literal: no property is added afterwards). */
function commonChecker<T extends string>(loc: Loc, type: T): CheckerCommon & { type: T } {
  return {
    loc,
    timers: { connectTimeout: DEFAULT_CONNECT_TIMEOUT_US, retry: 1, delayBeforeRetry: 1_000_000, warmup: 0, delayLoop: DEFAULT_DELAY_LOOP_US },
    own: {},
    alpha: null,
    logAllFailures: false,
    connectIp: null,
    connectPort: null,
    bindTo: null,
    bindPort: null,
    bindIf: null,
    fwmark: null,
    type,
  };
}

/**
 * A checker: the common fields and type, then the type's own, added in place (in V8 a spread
 * followed by more properties gives every object a hidden class of its own, which costs memory and
 * every later access).
 */
function checker<T extends string, X extends object>(loc: Loc, type: T, own: X): CheckerCommon & { type: T } & X {
  return Object.assign(commonChecker(loc, type), own);
}

function ipKw<C extends CheckerCommon>(name: string, doc: string, set: (c: C, a: IpAddress) => void): KeywordSpec<CkCtx<C>> {
  return customKw<CkCtx<C>>(name, { doc, syntax: '<IPADDR>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const a = parseIp(s.args[0]!.text);
    if (!a) {
      ctx.diag.error(s.args[0]!.loc, `Invalid checker ${name} address '${s.args[0]!.text}'`);
      return;
    }
    set(d.ck, a);
  });
}

function portKw<C extends CheckerCommon>(name: string, doc: string, set: (c: C, p: number) => void): KeywordSpec<CkCtx<C>> {
  return customKw<CkCtx<C>>(name, { doc, syntax: '<1-65535>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const p = kaInt(s.args[0], 1, 65535, ctx.diag);
    if (p === undefined) {
      ctx.diag.error(s.args[0]!.loc, `Invalid checker ${name} '${s.args[0]!.text}'`);
      return;
    }
    set(d.ck, p);
  });
}

/** Options every connection checker accepts (check_api.c). `connection` false gives MISC_CHECK's subset. */
function commonCheckerKws<C extends CheckerCommon>(connection: boolean): KeywordSpec<CkCtx<C>>[] {
  const own = (d: CkCtx<C>): Partial<CheckerTimers> => d.ck.own;
  const conn: KeywordSpec<CkCtx<C>>[] = connection
    ? [
        ipKw<C>('connect_ip', 'Address to check instead of the real server address.', (c, a) => (c.connectIp = a)),
        portKw<C>('connect_port', 'Port to check instead of the real server port.', (c, p) => (c.connectPort = p)),
        ipKw<C>('bindto', 'Source address of the check.', (c, a) => (c.bindTo = a)),
        portKw<C>('bind_port', 'Source port of the check.', (c, p) => (c.bindPort = p)),
        strKw<CkCtx<C>>('bind_if', { doc: 'Interface to bind the check to (IPv6 link-local).' }, (d, v) => (d.ck.bindIf = v)),
        customKw<CkCtx<C>>('fwmark', { doc: 'Firewall mark set on the check packets.', syntax: '<INTEGER>' }, (s, d, ctx) => {
          if (!needArgs(s, 1, ctx)) return;
          const v = kaInt(s.args[0], 0, U32_MAX, ctx.diag);
          if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid fwmark connection value '${s.args[0]!.text}'`);
          else d.ck.fwmark = v;
        }),
      ]
    : [];
  return [
    ...conn,
    ...inheritableKws<CkCtx<C>>('checker', own).filter((k) => connection || k.name !== 'connect_timeout'),
    boolKw<CkCtx<C>>('alpha', 'Start the checker in the failed state.', 'Invalid alpha parameter', (d, v) => (d.ck.alpha = v)),
    boolKw<CkCtx<C>>('log_all_failures', 'Log every failure, not only state changes.', 'Invalid log_all_failures parameter', (d, v) => (d.ck.logAllFailures = v)),
  ];
}

// --- HTTP_GET / SSL_GET url{} ------------------------------------------------------------------

function parseStatusCodes(words: readonly Word[], ctx: ApplyContext): StatusRange[] {
  const out: StatusRange[] = [];
  for (const w of words) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w.text);
    const min = m ? Number(m[1]) : NaN;
    const max = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || min < 100 || max > 599 || min > max) {
      ctx.diag.error(w.loc, `Invalid HTTP_GET status code '${w.text}'`);
      continue;
    }
    out.push({ min, max });
  }
  return out;
}

const REGEX_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c',
] as const;

const urlSpec: BlockSpec<UrlCtx> = {
  name: 'url',
  keywords: [
    customKw<UrlCtx>('path', { doc: 'Path to request.', syntax: '<STRING>' }, (s, d, ctx) => {
      d.url.path = argOrAbort(s, ctx).text;
    }),
    customKw<UrlCtx>('digest', { doc: 'Expected MD5 of the body (32 hex digits, from genhash).', syntax: '<MD5-HEX>' }, (s, d, ctx) => {
      argOrAbort(s, ctx);
      const t = s.args[0]!.text;
      if (t.length !== 32) {
        ctx.diag.error(s.args[0]!.loc, `digest '${t}' character length should be 32 rather than ${t.length}`);
        return;
      }
      if (!/^[0-9a-fA-F]{32}$/.test(t)) {
        ctx.diag.error(s.args[0]!.loc, `digest '${t}' is not a valid hex string`);
        return;
      }
      d.url.digest = t.toLowerCase();
    }),
    customKw<UrlCtx>('status_code', { doc: 'Accepted status codes and ranges (default 200-299).', syntax: '<CODE|MIN-MAX> ...' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      d.url.statusCodes.push(...parseStatusCodes(s.args, ctx));
    }),
    customKw<UrlCtx>('virtualhost', { doc: 'Host header for this url.', syntax: '<STRING>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      if (d.url.virtualhost !== null) ctx.diag.warning(s.loc, `Duplicate url virtualhost - overwriting ${d.url.virtualhost} with ${s.args[0]!.text}`);
      d.url.virtualhost = s.args[0]!.text;
    }),
    customKw<UrlCtx>('regex', { doc: 'PCRE2 pattern the body must match.', syntax: '<STRING>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const re = s.args.map((w) => w.text).join(' ');
      if (d.url.regex !== null) ctx.diag.warning(s.loc, `Duplicate regex specified - replacing ${d.url.regex} with ${re}`);
      d.url.regex = re;
    }),
    flagKw<UrlCtx>('regex_no_match', { doc: 'Fail when the regex matches.' }, (d, v) => (d.url.regexNoMatch = v)),
    customKw<UrlCtx>('regex_options', { doc: 'PCRE2 options for the regex.', syntax: REGEX_OPTIONS.join('|') + ' ...' }, (s, d, ctx) => {
      for (const w of s.args) {
        if ((REGEX_OPTIONS as readonly string[]).includes(w.text)) d.url.regexOptions.push(w.text);
        else ctx.diag.error(w.loc, `Unknown regex option ${w.text} - ignoring`);
      }
    }),
    customKw<UrlCtx>('regex_min_offset', { doc: 'Offset in the body where matching starts.', syntax: '<INTEGER>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, U32_MAX, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid regex_min_offset ${s.args[0]!.text} specified`);
      else d.url.regexMinOffset = v;
    }),
    customKw<UrlCtx>('regex_max_offset', { doc: 'Largest offset in the body where a match may start.', syntax: '<INTEGER>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, U32_MAX, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid regex_max_offset ${s.args[0]!.text} specified`);
      else d.url.regexMaxOffset = v;
    }),
    customKw<UrlCtx>('regex_stack', { doc: 'PCRE2 JIT stack start and maximum sizes.', syntax: '<START> <MAX>' }, (s, d, ctx) => {
      if (!needArgs(s, 2, ctx)) return;
      const a = kaInt(s.args[0], 1, U32_MAX, ctx.diag);
      const b = kaInt(s.args[1], 1, U32_MAX, ctx.diag);
      if (a === undefined || b === undefined || a > b) {
        ctx.diag.error(s.loc, `Invalid regex_stack ${s.args[0]!.text} ${s.args[1]!.text} specified`);
        return;
      }
      d.url.regexStack = { start: a, max: b };
    }),
    flagKw<UrlCtx>('tls_compliant', { doc: 'Close the TLS connection with close_notify for this url.' }, (d, v) => (d.url.tlsCompliant = v)),
  ],
};

function newUrl(loc: Loc): HttpUrl {
  return {
    loc, path: null, digest: null, statusCodes: [], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [],
    regexMinOffset: null, regexMaxOffset: null, regexStack: null, tlsCompliant: false,
  };
}

type HttpCtx = CkCtx<HttpChecker>;
const httpCommon = commonCheckerKws<HttpChecker>(true);
const httpSpec: BlockSpec<HttpCtx> = {
  name: 'HTTP_GET',
  keywords: [
    ...httpCommon,
    customKw<HttpCtx>('http_protocol', { doc: 'HTTP version of the request.', syntax: '1.0|1.0C|1.1' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = s.args[0]!.text;
      if (v === '1.0' || v === '1.1') d.ck.httpProtocol = v;
      else if (v === '1.0C' || v === '1.0c') d.ck.httpProtocol = '1.0C';
      else ctx.diag.error(s.args[0]!.loc, `Invalid http_protocol version ${v}`);
    }),
    strKw<HttpCtx>('virtualhost', { doc: 'Host header (overrides the real and virtual server).' }, (d, v) => (d.ck.virtualhost = v)),
    flagKw<HttpCtx>('enable_sni', { doc: 'Send SNI (SSL_GET).' }, (d, v) => (d.ck.enableSni = v)),
    strKw<HttpCtx>('sni_name', { doc: 'SNI name to send (default: the virtualhost).' }, (d, v) => {
      d.ck.sniName = v;
      d.ck.enableSni = true;
    }),
    flagKw<HttpCtx>('fast_recovery', { doc: 'Check all urls without delay_loop pauses at start and after a failure.' }, (d, v) => (d.ck.fastRecovery = v)),
    flagKw<HttpCtx>('tls_compliant', { doc: 'Close TLS connections with close_notify.' }, (d, v) => (d.ck.tlsCompliant = v)),
    retryKw<HttpCtx>('nb_get_retry', 'Deprecated alias of `retry`.', (d) => d.ck.own, { deprecated: 'retry' }),
    customKw<HttpCtx>('url', { doc: 'A url to request; several may be given.', syntax: '{ ... }', block: 'required', sub: urlSpec }, (s, d, ctx) => {
      const url = newUrl(s.loc);
      ctx.walk(urlSpec, s.block ?? [], { url });
      if (url.path === null) {
        ctx.diag.error(s.loc, 'HTTP/SSL_GET checker url has no path - ignoring');
        return;
      }
      if (url.statusCodes.length === 0) url.statusCodes.push({ min: 200, max: 299 });
      d.ck.urls.push(url);
    }),
  ],
};
// walkBlock reports deprecated aliases itself, with the registry's wording; keepalived's differs:
// "nb_get_retry is deprecated - please use 'retry'". Our table names the alias so both are informative.

// --- the other checkers ------------------------------------------------------------------------

const tcpSpec: BlockSpec<CkCtx<CheckerCommon>> = { name: 'TCP_CHECK', keywords: commonCheckerKws<CheckerCommon>(true) };
const pingSpec: BlockSpec<CkCtx<CheckerCommon>> = { name: 'PING_CHECK', keywords: commonCheckerKws<CheckerCommon>(true) };

const smtpHostSpec: BlockSpec<CkCtx<SmtpChecker>> = { name: 'host', keywords: commonCheckerKws<SmtpChecker>(true) };
const smtpSpec: BlockSpec<CkCtx<SmtpChecker>> = {
  name: 'SMTP_CHECK',
  keywords: [
    ...commonCheckerKws<SmtpChecker>(true),
    customKw<CkCtx<SmtpChecker>>('helo_name', { doc: 'Name sent in HELO (default: the local host name).', syntax: '<STRING>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      if (d.ck.heloName !== null) {
        ctx.diag.error(s.loc, 'SMTP_CHECK helo name already specified');
        return;
      }
      d.ck.heloName = s.args[0]!.text;
    }),
    customKw<CkCtx<SmtpChecker>>(
      'host',
      { doc: 'Deprecated: connection options in a sub-block (write them in SMTP_CHECK).', syntax: '{ ... }', block: 'required', sub: smtpHostSpec, deprecated: 'connect_ip/connect_port' },
      (s, d, ctx) => ctx.walk(smtpHostSpec, s.block ?? [], d),
    ),
  ],
};

const dnsSpec: BlockSpec<CkCtx<DnsChecker>> = {
  name: 'DNS_CHECK',
  keywords: [
    ...commonCheckerKws<DnsChecker>(true),
    customKw<CkCtx<DnsChecker>>('type', { doc: 'Query type (default SOA).', syntax: DNS_TYPES.join('|') }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text.toUpperCase();
      const hit = DNS_TYPES.find((x) => x === t);
      if (!hit) ctx.diag.error(s.args[0]!.loc, `Unknown DNS check type ${s.args[0]!.text} - ignoring`);
      else d.ck.queryType = hit;
    }),
    strKw<CkCtx<DnsChecker>>('name', { doc: 'Name to query (default `.`).' }, (d, v) => (d.ck.name = v)),
  ],
};

const udpSpec: BlockSpec<CkCtx<UdpChecker>> = {
  name: 'UDP_CHECK',
  keywords: [
    ...commonCheckerKws<UdpChecker>(true),
    customKw<CkCtx<UdpChecker>>('payload', { doc: 'Data to send, as hex (random when absent).', syntax: '<HEX_STR>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const b = parseHexString(s.args.map((w) => w.text), false);
      if (!b) ctx.diag.error(s.args[0]!.loc, 'Invalid hex string for UDP_CHECK payload');
      else d.ck.payload = b.data;
    }),
    customKw<CkCtx<UdpChecker>>('require_reply', { doc: 'A reply is required; with hex, it must match (X = any nibble).', syntax: '[<HEX_STR>]' }, (s, d, ctx) => {
      d.ck.requireReply = true;
      if (s.args.length === 0) return;
      const b = parseHexString(s.args.map((w) => w.text), true);
      if (!b) ctx.diag.error(s.args[0]!.loc, 'Invalid hex string for UDP_CHECK require_reply');
      else d.ck.replyMatch = b;
    }),
    customKw<CkCtx<UdpChecker>>('min_reply_length', { doc: 'Shortest acceptable reply (default 0).', syntax: '<0-65515>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, 65515, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid UDP_CHECK min_reply_length '${s.args[0]!.text}' - ignoring`);
      else d.ck.minReplyLength = v;
    }),
    customKw<CkCtx<UdpChecker>>('max_reply_length', { doc: 'Longest acceptable reply (default 255).', syntax: '<0-65515>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, 65515, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid UDP_CHECK max_reply_length '${s.args[0]!.text}' - ignoring`);
      else d.ck.maxReplyLength = v;
    }),
  ],
};

const miscSpec: BlockSpec<CkCtx<MiscChecker>> = {
  name: 'MISC_CHECK',
  keywords: [
    ...commonCheckerKws<MiscChecker>(false),
    customKw<CkCtx<MiscChecker>>('misc_path', { doc: 'Program to run; exit 0 = up, 1 = down.', syntax: '<STRING>|<QUOTED-STRING>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      if (d.pathWord) ctx.diag.error(s.loc, `MISC_CHECK misc_path already specified - replacing`);
      d.pathWord = s.args[0]!;
      d.ck.path = s.args[0]!.text;
    }),
    customKw<CkCtx<MiscChecker>>('misc_timeout', { doc: 'Seconds before the program is killed (default delay_loop).', syntax: '<INTEGER>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 1, Math.floor(U32_MAX / 1_000_000), ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid misc_timeout value '${s.args[0]!.text}'`);
      else d.ck.timeout = v * 1_000_000;
    }),
    flagKw<CkCtx<MiscChecker>>('misc_dynamic', { doc: 'Exit status 2-255 sets the real server weight to status-2.' }, (d, v) => (d.ck.dynamic = v)),
    customKw<CkCtx<MiscChecker>>('user', { doc: 'User (and group) the program runs as.', syntax: 'USERNAME [GROUPNAME]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      d.userWords = s.args;
    }),
  ],
};

const fileSpec: BlockSpec<CkCtx<FileChecker>> = {
  name: 'FILE_CHECK',
  keywords: [
    strKw<CkCtx<FileChecker>>('track_file', { doc: 'Name of a track_file block to follow.' }, (d, v) => (d.ck.trackFile = v)),
    customKw<CkCtx<FileChecker>>('weight', { doc: 'Multiplier of the file value; reverse negates it.', syntax: '<-2147483647..2147483647> [reverse]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], -2147483647, 2147483647, ctx.diag);
      if (v === undefined) return;
      d.ck.weight = v;
      const opt = s.args[1];
      if (opt) {
        if (opt.text === 'reverse') d.ck.reverse = true;
        else ctx.diag.error(opt.loc, `unknown track file weight option ${opt.text} - ignoring`);
      }
    }),
  ],
};

const bfdSpec: BlockSpec<CkCtx<BfdChecker>> = {
  name: 'BFD_CHECK',
  keywords: [
    strKw<CkCtx<BfdChecker>>('name', { doc: 'bfd_instance to follow.', status: 'parsed' }, (d, v) => (d.ck.name = v)),
    boolKw<CkCtx<BfdChecker>>('alpha', 'Start in the failed state.', 'Invalid alpha parameter', (d, v) => (d.ck.alpha = v)),
  ],
};

function checkerKw<C>(
  name: string,
  spec: BlockSpec<CkCtx<C>>,
  doc: string,
  make: (loc: Loc) => C,
  finish: (ctx: CkCtx<C>, stmt: Stmt, ac: ApplyContext) => boolean,
  status: 'supported' | 'parsed' = 'supported',
): KeywordSpec<RsCtx> {
  return customKw<RsCtx>(name, { doc, syntax: '{ ... }', block: 'required', sub: spec, status }, (s, d, ctx) => {
    const ck: CkCtx<C> = { cfg: d.cfg, vs: d.vs, rs: d.rs, ck: make(s.loc) };
    ctx.walk(spec, s.block ?? [], ck);
    if (finish(ck, s, ctx)) d.rs.checkers.push(ck.ck as Checker);
  });
}

const keep = (): boolean => true;

const checkerKeywords: KeywordSpec<RsCtx>[] = [
  checkerKw('TCP_CHECK', tcpSpec, 'Checks that a TCP connection can be made.', (loc) => commonChecker(loc, 'TCP_CHECK' as const), keep),
  checkerKw(
    'HTTP_GET',
    httpSpec,
    'Checks HTTP urls (status, digest, regex).',
    (loc): HttpChecker => checker(loc, 'HTTP_GET', { httpProtocol: '1.0', virtualhost: null, enableSni: false, sniName: null, fastRecovery: false, tlsCompliant: false, urls: [] }),
    keep,
  ),
  checkerKw(
    'SSL_GET',
    httpSpec,
    'Checks HTTPS urls (status, digest, regex).',
    (loc): HttpChecker => checker(loc, 'SSL_GET', { httpProtocol: '1.0', virtualhost: null, enableSni: false, sniName: null, fastRecovery: false, tlsCompliant: false, urls: [] }),
    keep,
  ),
  checkerKw('SMTP_CHECK', smtpSpec, 'Checks an SMTP server answers HELO.', (loc): SmtpChecker => checker(loc, 'SMTP_CHECK', { heloName: null }), keep),
  checkerKw('DNS_CHECK', dnsSpec, 'Checks a DNS server answers a query.', (loc): DnsChecker => checker(loc, 'DNS_CHECK', { queryType: 'SOA', name: '.' }), keep),
  checkerKw(
    'UDP_CHECK',
    udpSpec,
    'Sends a UDP datagram; fails on ICMP errors or a wrong reply.',
    (loc): UdpChecker => checker(loc, 'UDP_CHECK', { payload: null, requireReply: false, replyMatch: null, minReplyLength: 0, maxReplyLength: 255 }),
    (c, s, ac) => {
      if (c.ck.minReplyLength > c.ck.maxReplyLength) ac.diag.warning(s.loc, `UDP_CHECK min_reply length ${c.ck.minReplyLength} > max_reply_length ${c.ck.maxReplyLength} - will always fail`);
      return true;
    },
  ),
  checkerKw('PING_CHECK', pingSpec, 'Checks the real server answers ICMP echo.', (loc) => commonChecker(loc, 'PING_CHECK' as const), keep),
  checkerKw(
    'MISC_CHECK',
    miscSpec,
    'Runs a program; its exit status is the result.',
    (loc): MiscChecker => checker(loc, 'MISC_CHECK', { path: null, argv: [], timeout: 0, dynamic: false, uid: null, gid: null, enabled: true }),
    (c, s, ac) => {
      if (!c.pathWord) {
        ac.diag.error(s.loc, 'No script path has been specified for MISC_CHECKER - skipping');
        return false;
      }
      const r = checkScript(c.pathWord, c.userWords, 'misc_check', c.cfg, ac);
      c.ck.argv = [...r.argv];
      c.ck.uid = r.uid;
      c.ck.gid = r.gid;
      c.ck.enabled = r.ok;
      return true;
    },
  ),
  checkerKw('FILE_CHECK', fileSpec, 'Follows the value of a track_file.', (loc): FileChecker => ({ type: 'FILE_CHECK', loc, trackFile: null, weight: 1, reverse: false }), (c, s, ac) => {
    if (c.ck.trackFile === null) {
      ac.diag.error(s.loc, 'FILE_CHECK has no track_file specified - ignoring');
      return false;
    }
    return true;
  }),
  checkerKw('BFD_CHECK', bfdSpec, 'Follows the state of a bfd_instance.', (loc): BfdChecker => ({ type: 'BFD_CHECK', loc, name: null, alpha: false }), keep, 'parsed'),
];

// ---------------------------------------------------------------------------------------------
// real_server

const rsSpec: BlockSpec<RsCtx> = {
  name: 'real_server',
  keywords: [
    customKw<RsCtx>('weight', { doc: 'IPVS weight (default 1; 0 allowed).', syntax: '<0-2147483647>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, 2147483647, ctx.diag);
      if (v === undefined) {
        ctx.diag.error(s.args[0]!.loc, `Real server weight ${s.args[0]!.text} is outside range 0-2147483647`);
        return;
      }
      d.rs.weight = v;
    }),
    customKw<RsCtx>('lvs_method', { doc: 'Forwarding method for this real server.', syntax: 'NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]' }, (s, d, ctx) => {
      const m = parseLvsMethod(s, ctx, 'real server');
      if (m) d.rs.lvsMethod = m;
    }),
    ...(['uthreshold', 'lthreshold'] as const).map((n) =>
      customKw<RsCtx>(n, { doc: n === 'uthreshold' ? 'Upper connection threshold.' : 'Lower connection threshold.', syntax: '<INTEGER>' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const v = kaInt(s.args[0], 0, U32_MAX, ctx.diag);
        if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Invalid real_server ${n} '${s.args[0]!.text}' - ignoring`);
        else if (n === 'uthreshold') d.rs.uthreshold = v;
        else d.rs.lthreshold = v;
      }),
    ),
    boolKw<RsCtx>('inhibit_on_failure', 'Set weight 0 on failure instead of removing the server.', 'Invalid inhibit_on_failure parameter', (d, v) => (d.rs.inhibitOnFailure = v)),
    ...(['notify_up', 'notify_down'] as const).map((n) =>
      customKw<RsCtx>(n, { doc: `Script run when the real server goes ${n === 'notify_up' ? 'up' : 'down'}.`, syntax: '<STRING>|<QUOTED-STRING> [username [groupname]]' }, (s, d, ctx) => {
        const field = n === 'notify_up' ? 'notifyUp' : 'notifyDown';
        if (d.rs[field]) {
          ctx.diag.error(s.loc, `(${groupLabel(d.vs)}) ${n} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
          return;
        }
        d.rs[field] = scriptOf(s, 'notify', d.cfg, ctx);
      }),
    ),
    boolKw<RsCtx>('alpha', 'Start the checkers in the failed state.', 'Invalid alpha parameter', (d, v) => (d.rs.alpha = v)),
    ...inheritableKws<RsCtx>('real server', (d) => d.rs.own),
    parsedOnly(boolKw<RsCtx>('smtp_alert', 'Send email on state changes (email is not sent by tskeepalived).', 'Invalid real_server smtp_alert parameter', (d, v) => (d.rs.smtpAlert = v))),
    strKw<RsCtx>('virtualhost', { doc: 'Default Host header for HTTP checks.' }, (d, v) => (d.rs.virtualhost = v)),
    strKw<RsCtx>('snmp_name', { doc: 'Name returned by SNMP.', status: 'parsed' }, (d, v) => (d.rs.snmpName = v)),
    ...checkerKeywords,
  ],
};

function groupLabel(vs: VirtualServer): string {
  return vs.address.kind === 'group' ? vs.address.group : '(null)';
}

// ---------------------------------------------------------------------------------------------
// virtual_server

function vsFlagKw(flag: LvsSchedFlag, doc: string): KeywordSpec<VsCtx> {
  return customKw<VsCtx>(flag, { doc, syntax: '' }, (s, d, ctx) => {
    const need = flag.startsWith('sh-') ? 'sh' : flag.startsWith('mh-') ? 'mh' : null;
    if (need && d.vs.scheduler !== need) {
      ctx.diag.error(s.loc, `${flag} only applies to ${need} scheduler - ignoring`);
      return;
    }
    if (!d.vs.flags.includes(flag)) d.vs.flags.push(flag);
  });
}

function boolVs(name: string, doc: string, set: (vs: VirtualServer) => void): KeywordSpec<VsCtx> {
  return customKw<VsCtx>(name, { doc, syntax: '' }, (_s, d) => set(d.vs));
}

function validGranularity(text: string, family: 4 | 6): boolean {
  if (family === 6) return /^\d{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= 128;
  const a = parseIp(text);
  if (!a || a.family !== 4) return false;
  const n = ((a.bytes[0]! << 24) | (a.bytes[1]! << 16) | (a.bytes[2]! << 8) | a.bytes[3]!) >>> 0;
  const inv = ~n >>> 0;
  return (inv & (inv + 1)) === 0; // solid: ones then zeros
}

function quorumScript(name: 'quorum_up' | 'quorum_down'): KeywordSpec<VsCtx> {
  return customKw<VsCtx>(name, { doc: `Script run when the quorum is ${name === 'quorum_up' ? 'gained' : 'lost'}.`, syntax: '<STRING>|<QUOTED-STRING> [username [groupname]]' }, (s, d, ctx) => {
    const field = name === 'quorum_up' ? 'quorumUp' : 'quorumDown';
    if (d.vs[field]) {
      ctx.diag.error(s.loc, `(${groupLabel(d.vs)}) ${name} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
      return;
    }
    d.vs[field] = scriptOf(s, 'notify', d.cfg, ctx);
  });
}

const vsSpec: BlockSpec<VsCtx> = {
  name: 'virtual_server',
  keywords: [
    customKw<VsCtx>('ip_family', { doc: 'Address family of a fwmark/group service whose real servers are tunnelled.', syntax: 'inet|inet6' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text;
      const af = t === 'inet' ? 4 : t === 'inet6' ? 6 : null;
      if (af === null) {
        ctx.diag.error(s.args[0]!.loc, `unknown address family ${t}`);
        return;
      }
      if (d.vs.family !== null && d.vs.family !== af) {
        ctx.diag.error(s.args[0]!.loc, `Virtual server specified family ${t} conflicts with server family`);
        return;
      }
      d.vs.family = af;
    }),
    ...inheritableKws<VsCtx>('virtual server', (d) => d.vs.own),
    customKw<VsCtx>('inhibit_on_failure', { doc: 'Default for real servers: weight 0 on failure instead of removal.', syntax: '[BOOL]' }, (s, d, ctx) => {
      const v = argBool(s.args[0], ctx);
      if (v !== undefined) d.vs.inhibitOnFailure = v;
    }),
    customKw<VsCtx>('lvs_sched', { doc: 'IPVS scheduler (default wlc).', syntax: LVS_SCHEDULERS.join('|') }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text;
      const hit = LVS_SCHEDULERS.find((x) => x === t);
      if (!hit) ctx.diag.error(s.args[0]!.loc, `Invalid lvs_scheduler '${t}' - ignoring`);
      else d.vs.scheduler = hit as LvsScheduler;
    }),
    ...[
      ['hashed', 'Scheduler flag: hashed entry.'],
      ['ops', 'One-packet scheduling (UDP).'],
      ['flag-1', 'Scheduler flag 1.'],
      ['flag-2', 'Scheduler flag 2.'],
      ['flag-3', 'Scheduler flag 3.'],
      ['sh-port', 'sh scheduler: hash the port too.'],
      ['sh-fallback', 'sh scheduler: fall back to another server when the chosen one is unavailable.'],
      ['mh-port', 'mh scheduler: hash the port too.'],
      ['mh-fallback', 'mh scheduler: fall back to another server when the chosen one is unavailable.'],
    ].map(([f, doc]) => vsFlagKw(f as LvsSchedFlag, doc!)),
    customKw<VsCtx>('lvs_method', { doc: 'Forwarding method (default NAT).', syntax: 'NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]' }, (s, d, ctx) => {
      const m = parseLvsMethod(s, ctx, 'virtual server');
      if (m) d.vs.lvsMethod = m;
    }),
    strKw<VsCtx>('persistence_engine', { doc: 'IPVS persistence engine (sip).', status: 'parsed' }, (d, v) => (d.vs.persistenceEngine = v)),
    customKw<VsCtx>('persistence_timeout', { doc: 'Persistence in seconds (default 360 without a value).', syntax: '[<1-2678400>]' }, (s, d, ctx) => {
      if (s.args.length === 0) {
        d.vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT_S;
        return;
      }
      const v = kaInt(s.args[0], 1, 2678400, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, 'persistence_timeout invalid');
      else d.vs.persistenceTimeout = v;
    }),
    customKw<VsCtx>('persistence_granularity', { doc: 'Persistence netmask (IPv4) or prefix length (IPv6).', syntax: '<NETMASK>|<1-128>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text;
      const fam: 4 | 6 = d.vs.family ?? (d.vs.address.kind === 'ip' ? d.vs.address.address.family : t.includes('.') ? 4 : 6);
      if (!validGranularity(t, fam)) {
        const v4 = fam === 4 ? parseIp(t) : null;
        if (!v4 || v4.family !== 4) {
          ctx.diag.error(s.args[0]!.loc, fam === 6 ? `Invalid IPv6 persistence_granularity specified - ${t}` : `Invalid IPv4 persistence_granularity specified - ${t}`);
          return;
        }
        // keepalived 2.4.3 takes any IPv4 address as the mask and says nothing (corpus 1542): our own warning.
        ctx.diag.report('WARNING', s.args[0]!.loc, `IPv4 persistence_granularity netmask is not solid - ${t}`, { extra: true });
      }
      d.vs.persistenceGranularity = t;
      if (d.vs.family === null) d.vs.family = fam;
      if (d.vs.persistenceTimeout === null) d.vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT_S;
    }),
    customKw<VsCtx>('protocol', { doc: 'Service protocol.', syntax: 'TCP|UDP|SCTP' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text.toUpperCase();
      if (t === 'TCP' || t === 'UDP' || t === 'SCTP') d.vs.protocol = t;
      else ctx.diag.error(s.args[0]!.loc, `Unknown protocol ${s.args[0]!.text} - ignoring`);
    }),
    boolVs('ha_suspend', 'Suspend checkers while the virtual address is not present.', (vs) => (vs.haSuspend = true)),
    parsedOnly(boolKw<VsCtx>('smtp_alert', 'Send email on quorum changes (email is not sent by tskeepalived).', 'Invalid virtual_server smtp_alert parameter', (d, v) => (d.vs.smtpAlert = v))),
    strKw<VsCtx>('virtualhost', { doc: 'Default Host header for HTTP checks.' }, (d, v) => (d.vs.virtualhost = v)),
    strKw<VsCtx>('snmp_name', { doc: 'Name returned by SNMP.', status: 'parsed' }, (d, v) => (d.vs.snmpName = v)),
    boolVs('alpha', 'Real servers start down until their checkers succeed.', (vs) => (vs.alpha = true)),
    boolVs('omega', 'Run quorum_down and notify_down scripts on shutdown.', (vs) => (vs.omega = true)),
    quorumScript('quorum_up'),
    quorumScript('quorum_down'),
    customKw<VsCtx>('quorum', { doc: 'Minimum total weight of live real servers (default 1).', syntax: '<1-4294967295>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 1, U32_MAX, ctx.diag);
      if (v === undefined) {
        ctx.diag.error(s.args[0]!.loc, `Quorum ${s.args[0]!.text} must be in [1, ${U32_MAX}]. Setting to 1.`);
        d.vs.quorum = 1;
      } else d.vs.quorum = v;
    }),
    customKw<VsCtx>('hysteresis', { doc: 'Weight tolerance around the quorum.', syntax: '<0-4294967295>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, U32_MAX, ctx.diag);
      if (v === undefined) ctx.diag.error(s.args[0]!.loc, `Hysteresis ${s.args[0]!.text} must be in [0, ${U32_MAX}] - ignoring`);
      else d.vs.hysteresis = v;
    }),
    customKw<VsCtx>('weight', { doc: 'Default weight of the real servers of a virtual server.', syntax: '<INTEGER>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = kaInt(s.args[0], 0, 2147483647, ctx.diag);
      if (v !== undefined) d.vs.weight = v;
    }),
    customKw<VsCtx>('sorry_server', { doc: 'Server used when no real server is up.', syntax: '<IPADDR> [<PORT>]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const a = parseIp(s.args[0]!.text);
      const p = parsePort(s.args[1]);
      if (!a || p === null) {
        ctx.diag.error(s.args[0]!.loc, `Invalid sorry server IP address/port ${s.args[0]!.text}/${s.args[1]?.text ?? ''} - skipping`);
        return;
      }
      d.vs.sorryServer = { loc: s.loc, address: a, port: p, inhibit: false, lvsMethod: null };
    }),
    customKw<VsCtx>('sorry_server_inhibit', { doc: 'Keep the sorry server with weight 0 instead of removing it.', syntax: '[BOOL]' }, (s, d, ctx) => {
      if (!d.vs.sorryServer) {
        ctx.diag.error(s.loc, 'Ignoring sorry_server inhibit used before or without sorry_server');
        return;
      }
      const v = argBool(s.args[0], ctx);
      if (v !== undefined) d.vs.sorryServer.inhibit = v;
    }),
    customKw<VsCtx>('sorry_server_lvs_method', { doc: 'Forwarding method of the sorry server.', syntax: 'NAT|DR|TUN [...]' }, (s, d, ctx) => {
      if (!d.vs.sorryServer) {
        ctx.diag.error(s.loc, 'sorry_server forwarding used without sorry_server');
        return;
      }
      const m = parseLvsMethod(s, ctx, 'real server');
      if (m) d.vs.sorryServer.lvsMethod = m;
    }),
    customKw<VsCtx>('real_server', { doc: 'A real server of the service.', syntax: '<IPADDR> [<PORT>] { ... }', block: 'required', sub: rsSpec }, (s, d, ctx) => {
      argOrAbort(s, ctx);
      const a = parseIp(s.args[0]!.text);
      const p = parsePort(s.args[1]);
      if (!a || p === null) {
        ctx.diag.error(s.args[0]!.loc, `Invalid real server ip address/port ${s.args[0]!.text}/${s.args[1]?.text ?? ''} - skipping`);
        return;
      }
      const rs: RealServer = {
        loc: s.loc, address: a, port: p, weight: d.vs.weight ?? 1, lvsMethod: null, uthreshold: null, lthreshold: null,
        inhibitOnFailure: null, alpha: null, smtpAlert: null, virtualhost: null, snmpName: null, notifyUp: null, notifyDown: null,
        own: {}, timers: resolveTimers(null, {}, d.vs.own, {}), checkers: [],
      };
      ctx.walk(rsSpec, s.block ?? [], { cfg: d.cfg, vs: d.vs, rs });
      d.vs.realServers.push(rs);
    }),
  ],
};

// lb_algo / lb_kind: legacy synonyms still used by keepalived's own samples.
const lbAlgo: KeywordSpec<VsCtx> = { ...vsSpec.keywords.find((k) => k.name === 'lvs_sched')!, name: 'lb_algo', doc: 'Synonym of `lvs_sched`.' };
const lbKind: KeywordSpec<VsCtx> = { ...vsSpec.keywords.find((k) => k.name === 'lvs_method')!, name: 'lb_kind', doc: 'Synonym of `lvs_method`.' };
(vsSpec.keywords as KeywordSpec<VsCtx>[]).push(lbAlgo, lbKind);

// ---------------------------------------------------------------------------------------------
// Timer inheritance: checker -> real server -> virtual server -> checker type default.

/** Resolves the checker timers of one level from its own settings and its parents'. `type` null = a real server. */
export function resolveTimers(type: Checker['type'] | null, ck: Partial<CheckerTimers>, vs: Partial<CheckerTimers>, rs: Partial<CheckerTimers>): CheckerTimers {
  // Each field by name (a look-up by a variable key on these small objects is slow in V8).
  const delayLoop = ck.delayLoop ?? rs.delayLoop ?? vs.delayLoop ?? DEFAULT_DELAY_LOOP_US;
  const retryDefault = type === 'DNS_CHECK' ? 3 : type === 'MISC_CHECK' ? 0 : 1;
  const dbrDefault = type === 'DNS_CHECK' ? delayLoop : type === 'HTTP_GET' || type === 'SSL_GET' ? 3_000_000 : 1_000_000;
  return {
    connectTimeout: ck.connectTimeout ?? rs.connectTimeout ?? vs.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_US,
    retry: ck.retry ?? rs.retry ?? vs.retry ?? retryDefault,
    delayBeforeRetry: ck.delayBeforeRetry ?? rs.delayBeforeRetry ?? vs.delayBeforeRetry ?? dbrDefault,
    warmup: ck.warmup ?? rs.warmup ?? vs.warmup ?? 0,
    delayLoop,
  };
}

function finishVirtualServer(vs: VirtualServer): void {
  for (const rs of vs.realServers) {
    rs.timers = resolveTimers(null, {}, vs.own, rs.own);
    for (const ck of rs.checkers) {
      if ('timers' in ck) {
        ck.timers = resolveTimers(ck.type, ck.own, vs.own, rs.own);
        if (ck.type === 'MISC_CHECK' && ck.timeout === 0) ck.timeout = ck.timers.delayLoop;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// virtual_server_group

/** Parses one address line of a virtual_server_group: `IP[-LAST] [PORT]` or `CIDR [PORT]`. */
export function parseVsgAddress(text: string): { first: IpAddress; last: IpAddress } | null {
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const first = parseIp(text.slice(0, dash));
    const tail = text.slice(dash + 1);
    if (!first) return null;
    let last = parseIp(tail);
    if (!last) {
      // Short form: the last octet (IPv4, decimal) or the last group (IPv6, hex).
      const re = first.family === 4 ? /^\d{1,3}$/ : /^[0-9a-fA-F]{1,4}$/;
      if (!re.test(tail)) return null;
      const v = first.family === 4 ? Number(tail) : parseInt(tail, 16);
      if (first.family === 4 && v > 255) return null;
      const b = new Uint8Array(first.bytes);
      if (first.family === 4) b[3] = v;
      else {
        b[14] = v >> 8;
        b[15] = v & 0xff;
      }
      last = { family: first.family, bytes: b };
    }
    if (last.family !== first.family) return null;
    // Only the last byte (IPv4) / last group (IPv6) may differ in a range... keepalived allows any, but first <= last.
    for (let i = 0; i < first.bytes.length; i++) {
      if (first.bytes[i]! < last.bytes[i]!) break;
      if (first.bytes[i]! > last.bytes[i]!) return null;
    }
    return { first, last };
  }
  const p = parseIpPrefix(text);
  if (!p) return null;
  if (!p.explicitPrefix) return { first: { family: p.family, bytes: p.bytes }, last: { family: p.family, bytes: p.bytes } };
  const net = networkOf(p);
  const bcast = new Uint8Array(net);
  for (let bit = p.prefixLen; bit < bcast.length * 8; bit++) bcast[bit >> 3]! |= 0x80 >> (bit & 7);
  return { first: { family: p.family, bytes: net }, last: { family: p.family, bytes: bcast } };
}

const vsgSpec: BlockSpec<VirtualServerGroup> = {
  name: 'virtual_server_group',
  keywords: [],
  other(stmt, g, ctx) {
    const ws = [stmt.keyword, ...stmt.args];
    if (stmt.keyword.text === 'fwmark') {
      const v = kaInt(ws[1], 0, U32_MAX, ctx.diag);
      const famW = ws[2];
      const family = famW?.text === 'inet' ? 4 : famW?.text === 'inet6' ? 6 : null;
      if (v === undefined || (famW && family === null)) {
        ctx.diag.error(stmt.loc, `virtual server group fwmark ${ws[1]?.text ?? ''} invalid - skipping`);
        return;
      }
      g.entries.push({ kind: 'fwmark', loc: stmt.loc, fwmark: v, family });
      return;
    }
    const addr = parseVsgAddress(stmt.keyword.text);
    const port = parsePort(ws[1]);
    if (!addr || port === null) {
      ctx.diag.error(stmt.loc, `Invalid virtual server group IP address ${stmt.keyword.text} ${ws[1] ? `/port/${ws[1].text}` : ''} - skipping`);
      return;
    }
    const e: VsgEntry = { kind: 'range', loc: stmt.loc, first: addr.first, last: addr.last, text: stmt.keyword.text, port };
    g.entries.push(e);
    if (stmt.block) ctx.walk(vsgSpec, stmt.block, g);
  },
};

// ---------------------------------------------------------------------------------------------
// Root keywords

function newVirtualServer(loc: Loc, address: VsAddress): VirtualServer {
  return {
    loc, name: vsDisplayName(address, null), address, protocol: null, family: address.kind === 'ip' ? address.address.family : null,
    scheduler: null, flags: [], lvsMethod: null, persistenceTimeout: null, persistenceGranularity: null, persistenceEngine: null,
    haSuspend: false, virtualhost: null, snmpName: null, smtpAlert: null, alpha: false, omega: false, quorum: 1, hysteresis: 0,
    quorumUp: null, quorumDown: null, inhibitOnFailure: false, weight: null, sorryServer: null, own: {}, realServers: [],
  };
}

function parseVsHeader(s: Stmt, ctx: ApplyContext): VsAddress | null {
  const a0 = s.args[0];
  const a1 = s.args[1];
  if (!a0) {
    ctx.diag.report('MISSING_PARAMETER', s.keyword.loc, `virtual_server requires an address, fwmark or group`);
    return null;
  }
  if (a0.text === 'fwmark') {
    const v = kaInt(a1, 1, U32_MAX, ctx.diag);
    if (v === undefined) {
      if (!a1) ctx.diag.report('MISSING_PARAMETER', a0.loc, 'virtual_server fwmark requires a mark');
      ctx.diag.error(s.loc, `Invalid virtual server fwmark - skipping`);
      return null;
    }
    return { kind: 'fwmark', fwmark: v };
  }
  if (a0.text === 'group') {
    if (!a1) {
      ctx.diag.report('MISSING_PARAMETER', a0.loc, 'virtual_server group requires a name');
      return null;
    }
    return { kind: 'group', group: a1.text };
  }
  const ip = parseIp(a0.text);
  const port = parsePort(a1);
  if (!ip || port === null) {
    ctx.diag.error(s.loc, a1 ? `Invalid virtual server IP address/port ${a0.text}/${a1.text} - skipping` : `Invalid virtual server IP address ${a0.text} - skipping`);
    return null;
  }
  return { kind: 'ip', address: ip, port };
}

/** Root keywords of the LVS family: SSL, virtual_server_group, virtual_server. */
export const lvsRootKeywords: KeywordSpec<ConfigDraft>[] = [
  customKw<ConfigDraft>('SSL', { doc: 'TLS material for SSL_GET checkers (a context is generated when absent).', syntax: '{ ... }', block: 'required', sub: sslSpec }, (s, cfg, ctx) => {
    if (cfg.lvs.ssl) ctx.diag.info(s.loc, 'SSL context already specified - replacing');
    const ssl: SslConfig = { loc: s.loc };
    ctx.walk(sslSpec, s.block ?? [], ssl);
    cfg.lvs.ssl = ssl;
  }),
  customKw<ConfigDraft>(
    'virtual_server_group',
    { doc: 'A named set of addresses, ranges and fwmarks served by one virtual_server.', syntax: '<STRING> { IP[-LAST]|CIDR [PORT]; fwmark N [inet|inet6] }', block: 'required', sub: vsgSpec },
    (s, cfg, ctx) => {
      argOrAbort(s, ctx);
      const g: VirtualServerGroup = { loc: s.loc, name: s.args[0]!.text, entries: [] };
      ctx.walk(vsgSpec, s.block ?? [], g);
      if (g.entries.length === 0) {
        ctx.diag.warning(null, `virtual server group ${g.name} has no entries - removing`);
        return;
      }
      cfg.lvs.groups.push(g);
    },
  ),
  customKw<ConfigDraft>('virtual_server', { doc: 'An IPVS service and its real servers.', syntax: '<IPADDR> [<PORT>] | fwmark <INTEGER> | group <STRING> { ... }', block: 'required', sub: vsSpec }, (s, cfg, ctx) => {
    argOrAbort(s, ctx);
    const addr = parseVsHeader(s, ctx);
    if (!addr) return; // keepalived skips the whole block
    const vs = newVirtualServer(s.loc, addr);
    const firstScript = cfg.global.scripts.length;
    ctx.walk(vsSpec, s.block ?? [], { cfg, vs });
    vsScripts.set(vs, cfg.global.scripts.slice(firstScript));
    finishVirtualServer(vs);
    cfg.lvs.virtualServers.push(vs);
  }),
];

/**
 * The scripts configured inside each virtual_server block: when keepalived drops the service, its
 * scripts never run and do not count towards the SECURITY VIOLATION report (corpus 1173, 1180).
 */
export const vsScripts = new WeakMap<VirtualServer, readonly ScriptRecord[]>();

/** Every LVS block table, for the README keyword table and tests. */
export const lvsBlockSpecs: readonly BlockSpec<never>[] = [sslSpec, vsgSpec, vsSpec, rsSpec, urlSpec, httpSpec, tcpSpec, smtpSpec, smtpHostSpec, dnsSpec, udpSpec, pingSpec, miscSpec, fileSpec, bfdSpec] as unknown as BlockSpec<never>[];
