// The global_defs block table and the root-level global keywords (net_namespace, instance, ...).
import type { ConfigClassName } from '../diagnostics';
import type { ConfigDraft } from '../model';
import type { GlobalDefs, NotifyFifo, ProcessSched } from '../model/global';
import type { Stmt, Word } from '../tree';
import { parseIp } from '../../net/ip';
import type { ApplyContext, BlockSpec, KeywordSpec, KeywordStatus } from './registry';
import { aliasKw, customKw, flagKw, argBool, strKw, type KwOpts } from './args';

type G = ConfigDraft;
type Apply = KeywordSpec<G>['apply'];

const INT = /^[+-]?\d+$/;
const DEC = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * keepalived's read_int/read_unsigned reporting: "invalid number 'X'" or
 * "number 'N' outside range [min, max]" (class INVALID_NUMBER), then the handler's own line.
 */
export function kaInt(w: Word | undefined, min: number, max: number, ctx: ApplyContext, bad?: string, badCls: ConfigClassName = 'GENERAL_ERROR'): number | undefined {
  if (!w) return undefined;
  let msg: string | undefined;
  let v = NaN;
  if (!INT.test(w.text)) msg = `invalid number '${w.text}'`;
  else {
    v = Number(w.text);
    if (v < min || v > max) msg = `number '${w.text}' outside range [${min}, ${max}]`;
  }
  if (msg === undefined) return v;
  ctx.diag.report('INVALID_NUMBER', w.loc, msg);
  if (bad) ctx.diag.report(badCls, w.loc, bad.replace('%s', w.text));
  return undefined;
}

/** A decimal number of seconds read as keepalived's read_decimal_unsigned (microseconds out). */
export function kaTimer(w: Word | undefined, min: number, max: number, ctx: ApplyContext, bad?: string): number | undefined {
  if (!w) return undefined;
  let msg: string | undefined;
  let v = NaN;
  if (!DEC.test(w.text)) msg = `invalid number '${w.text}'`;
  else {
    v = Number(w.text);
    const frac = w.text.split('.')[1];
    if (frac !== undefined && frac.length > 6) msg = `number '${w.text}' has too many decimal places`;
    else if (v < min || v > max) msg = `number '${w.text}' outside range [${min}, ${max}]`;
  }
  if (msg === undefined) return Math.round(v * 1_000_000);
  ctx.diag.report('INVALID_NUMBER', w.loc, msg);
  if (bad) ctx.diag.report('GENERAL_ERROR', w.loc, bad.replace('%s', w.text));
  return undefined;
}

function missing(stmt: Stmt, ctx: ApplyContext, msg?: string): boolean {
  if (stmt.args.length > 0) return false;
  ctx.diag.report('MISSING_PARAMETER', stmt.keyword.loc, msg ?? `'${stmt.keyword.text}' requires a parameter`);
  return true;
}

function o(doc: string, syntax?: string, status?: KeywordStatus): KwOpts {
  return { doc, ...(syntax !== undefined ? { syntax } : {}), ...(status ? { status } : {}) };
}

/** An integer keyword reported keepalived's way. */
function gInt(name: string, min: number, max: number, doc: string, set: (g: GlobalDefs, v: number) => void, opts: { status?: KeywordStatus; bad?: string; syntax?: string } = {}): KeywordSpec<G> {
  return customKw<G>(name, { ...o(doc, opts.syntax ?? `<${min}-${max}>`, opts.status), syntax: opts.syntax ?? `<${min}-${max}>` }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], min, max, ctx, opts.bad ?? `Invalid ${name} '%s' - ignoring`);
    if (v !== undefined) set(d.global, v);
  });
}

/** A timer keyword (decimal seconds, microseconds stored). */
function gTimer(name: string, min: number, max: number, doc: string, set: (g: GlobalDefs, usec: number) => void, bad?: string, status?: KeywordStatus): KeywordSpec<G> {
  return customKw<G>(name, { ...o(doc, '<SECONDS>', status), syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaTimer(s.args[0], min, max, ctx, bad ?? `${name} '%s' is invalid`);
    if (v !== undefined) set(d.global, v);
  });
}

function gFlag(name: string, doc: string, set: (g: GlobalDefs, v: boolean) => void, status?: KeywordStatus): KeywordSpec<G> {
  return flagKw<G>(name, o(doc, '[BOOL]', status), (d, v) => set(d.global, v));
}

/** A flag keyword that takes no argument at all (keepalived ignores anything after it). */
function gBare(name: string, doc: string, set: (g: GlobalDefs) => void, status?: KeywordStatus): KeywordSpec<G> {
  return customKw<G>(name, { ...o(doc, '', status), syntax: '' }, (_s, d) => set(d.global));
}

function gStr(name: string, doc: string, set: (g: GlobalDefs, v: string) => void, status?: KeywordStatus, syntax = '<STRING>'): KeywordSpec<G> {
  return strKw<G>(name, o(doc, syntax, status), (d, v) => set(d.global, v));
}

// ---- scheduling -------------------------------------------------------------------------------

function schedKeywords(proc: 'vrrp' | 'checker' | 'bfd', pick: (g: GlobalDefs) => ProcessSched, status: KeywordStatus): KeywordSpec<G>[] {
  const label = proc === 'vrrp' ? 'vrrp' : proc === 'checker' ? 'checker' : 'bfd';
  const rttime = gInt(`${proc}_rlimit_rttime`, 1, 4294967295, `RLIMIT_RTTIME (microseconds) of the ${label} process when it runs real-time.`, (g, v) => {
    pick(g).rlimitRttime = v;
  }, { status, syntax: '<MICROSECONDS>', bad: `Invalid ${proc}_rlimit_rttime '%s' - ignoring` });
  return [
    customKw<G>(`${proc}_priority`, { ...o(`Nice value of the ${label} process.`, '<-20..19>', status), syntax: '<-20..19>' }, (s, d, ctx) => {
      if (missing(s, ctx, `No ${label} process priority specified`)) return;
      const v = kaInt(s.args[0], -20, 19, ctx, `Invalid ${label} process priority specified`);
      if (v !== undefined) pick(d.global).priority = v;
    }),
    gFlag(`${proc}_no_swap`, `Lock the ${label} process in memory (mlockall).`, (g, v) => {
      pick(g).noSwap = v;
    }, status),
    customKw<G>(`${proc}_rt_priority`, { ...o(`SCHED_RR real-time priority of the ${label} process.`, '<1..99>', status), syntax: '<1..99>' }, (s, d, ctx) => {
      if (missing(s, ctx, `No ${label} process real-time priority specified`)) return;
      const w = s.args[0]!;
      if (!INT.test(w.text)) {
        ctx.diag.report('INVALID_NUMBER', w.loc, `invalid number '${w.text}'`);
        ctx.diag.report('GENERAL_ERROR', w.loc, `${label} process real-time priority '${w.text}' invalid`);
        return;
      }
      let v = Number(w.text);
      if (v < 1) {
        ctx.diag.report('GENERAL_ERROR', w.loc, `${label} process real-time priority '${w.text}' invalid`);
        return;
      }
      if (v > 99) {
        ctx.diag.report('GENERAL_ERROR', w.loc, `${label} process real-time priority ${v} greater than maximum 99 - setting to maximum`);
        v = 99;
      }
      pick(d.global).rtPriority = v;
    }),
    customKw<G>(`${proc}_cpu_affinity`, { ...o(`CPUs the ${label} process may run on.`, '<CPU>...', status), syntax: '<CPU>...' }, (s, d, ctx) => {
      if (missing(s, ctx)) return;
      const cpus: number[] = [];
      for (const w of s.args) {
        const v = kaInt(w, 0, 1023, ctx, `Invalid ${label} cpu affinity '%s' - ignoring`);
        if (v === undefined) return;
        cpus.push(v);
      }
      pick(d.global).cpuAffinity = cpus;
    }),
    rttime,
    aliasKw(`${proc}_rlimit_rtime`, rttime),
  ];
}

// ---- notify FIFOs -----------------------------------------------------------------------------

function fifoKeywords(prefix: '' | 'vrrp_' | 'lvs_', pick: (g: GlobalDefs) => NotifyFifo | undefined, put: (g: GlobalDefs, f: NotifyFifo) => void): KeywordSpec<G>[] {
  const what = prefix === '' ? 'all' : prefix === 'vrrp_' ? 'VRRP' : 'LVS';
  return [
    customKw<G>(`${prefix}notify_fifo`, { doc: `FIFO receiving ${what} state change lines.`, syntax: '<PATH> [USER [GROUP]]' }, (s, d, ctx) => {
      if (missing(s, ctx, `${prefix}notify_fifo requires a fifo name`)) return;
      const f: NotifyFifo = { name: s.args[0]!.text, loc: s.keyword.loc };
      const prev = pick(d.global);
      if (prev?.script) f.script = prev.script;
      if (s.args[1]) f.user = s.args[1].text;
      if (s.args[2]) f.group = s.args[2].text;
      put(d.global, f);
    }),
    customKw<G>(`${prefix}notify_fifo_script`, { doc: `Script started to read the ${what} notify FIFO.`, syntax: '<SCRIPT> [USER [GROUP]]' }, (s, d, ctx) => {
      if (missing(s, ctx, `${prefix}notify_fifo_script requires a script`)) return;
      const prev = pick(d.global);
      const f: NotifyFifo = prev ?? { name: '', loc: s.keyword.loc };
      f.script = s.args[0]!.text;
      put(d.global, f);
    }),
  ];
}

// ---- keywords with hand-written handlers --------------------------------------------------------

const notificationEmailSpec: BlockSpec<G> = {
  name: 'notification_email',
  keywords: [],
  other: (s, d) => {
    for (const w of [s.keyword, ...s.args]) d.global.notificationEmail.push(w.text);
  },
};

const smtpServer: Apply = (s, d, ctx) => {
  if (missing(s, ctx)) return;
  let port = 25;
  const pw = s.args[1];
  if (pw) {
    const v = kaInt(pw, 1, 65535, ctx);
    if (v === undefined) {
      ctx.diag.error(s.keyword.loc, `Invalid smtp server ${s.args[0]!.text} ${pw.text}`);
      return;
    }
    port = v;
  }
  // keepalived resolves host names here (no DNS at -t time in this project: names are kept as given).
  d.global.smtpServer = { host: s.args[0]!.text, port, loc: s.keyword.loc };
};

const scriptUser: Apply = (s, d, ctx) => {
  if (s.args.length === 0) {
    ctx.diag.error(s.keyword.loc, 'No script username specified');
    return;
  }
  let user = s.args[0]!.text;
  let group = s.args[1]?.text;
  const colon = user.indexOf(':');
  if (colon >= 0) {
    group = user.slice(colon + 1) || group;
    user = user.slice(0, colon);
  }
  const rec: NonNullable<GlobalDefs['scriptUser']> = { user, failed: false, loc: s.keyword.loc, ...(group !== undefined ? { group } : {}) };
  const u = ctx.host.user(user);
  if (u === null) rec.failed = true;
  else if (u) {
    rec.uid = u.uid;
    rec.gid = u.gid;
  }
  if (!rec.failed && group !== undefined) {
    const g = ctx.host.group(group);
    if (g === null) rec.failed = true;
    else if (g !== undefined) rec.gid = g;
  }
  if (rec.failed) ctx.diag.error(s.keyword.loc, 'Error setting global script uid/gid');
  d.global.scriptUser = rec;
};

function lifecycleScript(which: 'startup' | 'shutdown'): Apply {
  return (s, d, ctx) => {
    if (s.args.length === 0) {
      ctx.diag.error(s.keyword.loc, `${which} script missing`);
      return;
    }
    const sc = { cmd: s.args[0]!.text, loc: s.args[0]!.loc, ...(s.args[1] ? { user: s.args[1].text } : {}), ...(s.args[2] ? { group: s.args[2].text } : {}) };
    if (which === 'startup') d.global.startupScript = sc;
    else d.global.shutdownScript = sc;
  };
}

function scriptTimeout(which: 'startup' | 'shutdown'): Apply {
  return (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], 1, 1000, ctx, `${which}_script_timeout '%s' must be in [1, 1000] - ignoring`);
    if (v === undefined) return;
    if (which === 'startup') d.global.startupScriptTimeout = v;
    else d.global.shutdownScriptTimeout = v;
  };
}

function mcastGroup(fam: 4 | 6): Apply {
  return (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const w = s.args[0]!;
    const ip = parseIp(w.text);
    if (!ip || ip.family !== fam) {
      ctx.diag.error(w.loc, `Cant parse vrrp_mcast_group${fam} [${w.text}]. Skipping`);
      return;
    }
    if (fam === 4) d.global.vrrpMcastGroup4 = w.text;
    else d.global.vrrpMcastGroup6 = w.text;
  };
}

const lvsTimeouts: Apply = (s, d, ctx) => {
  if (s.args.length < 2) {
    ctx.diag.error(s.keyword.loc, 'lvs_timeouts requires at least one option');
    return;
  }
  const t: NonNullable<GlobalDefs['lvsTimeouts']> = d.global.lvsTimeouts ?? {};
  for (let i = 0; i < s.args.length; i++) {
    const k = s.args[i]!;
    if (k.text !== 'tcp' && k.text !== 'tcpfin' && k.text !== 'udp') {
      ctx.diag.error(k.loc, `Unknown option ${k.text} specified for lvs_timeouts`);
      continue;
    }
    const vw = s.args[i + 1];
    if (!vw) {
      ctx.diag.error(k.loc, `No value specified for lvs_timeout ${k.text} - ignoring`);
      break;
    }
    i++;
    const v = kaInt(vw, 0, 86400 * 31, ctx, `Invalid lvs_timeout ${k.text} (%s) - ignoring`);
    if (v !== undefined) t[k.text] = v;
  }
  d.global.lvsTimeouts = t;
};

const lvsSyncDaemon: Apply = (s, d, ctx) => {
  const g = d.global;
  if (g.lvsSyncDaemon) {
    const prev = [g.lvsSyncDaemon.interface, g.lvsSyncDaemon.vrrpInstance].filter((x) => x !== undefined).join(' ');
    ctx.diag.error(s.keyword.loc, `lvs_sync_daemon has already been specified as ${prev} - ignoring`);
    return;
  }
  if (s.args.length < 1) {
    ctx.diag.error(s.keyword.loc, 'lvs_sync_daemon requires interface, VRRP instance');
    return;
  }
  const sd: NonNullable<GlobalDefs['lvsSyncDaemon']> = { interface: s.args[0]!.text, port: 8848, group: '224.0.0.81', loc: s.keyword.loc };
  const opt = ['id', 'maxlen', 'port', 'ttl', 'group'];
  for (let i = 1; i < s.args.length; i++) {
    const k = s.args[i]!;
    const vw = s.args[i + 1];
    if (k.text === 'inst' || (i === 1 && !opt.includes(k.text))) {
      const name = k.text === 'inst' ? vw : k;
      if (k.text === 'inst') i++;
      if (name) sd.vrrpInstance = name.text;
      continue;
    }
    if (!opt.includes(k.text)) {
      ctx.diag.error(k.loc, `Unknown option ${k.text} specified for lvs_sync_daemon`);
      continue;
    }
    i++;
    if (!vw) {
      ctx.diag.error(k.loc, `lvs_sync_daemon ${k.text} requires a value`);
      break;
    }
    switch (k.text) {
      case 'id': {
        const v = kaInt(vw, 0, 255, ctx, 'Invalid syncid (%s) - defaulting to vrid');
        if (v !== undefined) sd.syncId = v;
        break;
      }
      case 'maxlen': {
        if (!INT.test(vw.text) || Number(vw.text) < 1 || Number(vw.text) > 65507) ctx.diag.error(vw.loc, `Invalid lvs_sync_daemon maxlen (${vw.text}) - ignoring`);
        else sd.maxLen = Number(vw.text);
        break;
      }
      case 'port': {
        if (!INT.test(vw.text) || Number(vw.text) < 1 || Number(vw.text) > 65535) ctx.diag.error(vw.loc, `Invalid lvs_sync_daemon port (${vw.text}) - ignoring`);
        else sd.port = Number(vw.text);
        break;
      }
      case 'ttl': {
        if (!INT.test(vw.text) || Number(vw.text) < 1 || Number(vw.text) > 255) ctx.diag.error(vw.loc, `Invalid lvs_sync_daemon ttl (${vw.text}) - ignoring`);
        else sd.ttl = Number(vw.text);
        break;
      }
      default: {
        const ip = parseIp(vw.text);
        if (!ip) ctx.diag.error(vw.loc, `Invalid lvs_sync_daemon group (${vw.text}) - ignoring`);
        else sd.group = vw.text;
      }
    }
  }
  g.lvsSyncDaemon = sd;
};

const rxBufsPolicy: Apply = (s, d, ctx) => {
  if (missing(s, ctx, 'vrrp_rx_bufs_policy missing')) return;
  const p: NonNullable<GlobalDefs['vrrpRxBufsPolicy']> = { mtu: false, advert: false };
  for (const w of s.args) {
    const t = w.text.toUpperCase();
    if (t === 'MTU') p.mtu = true;
    else if (t === 'ADVERT') p.advert = true;
    else {
      const v = kaInt(w, 1, 2147483647, ctx, `Invalid vrrp_rx_bufs_policy ${w.text}`);
      if (v === undefined) return;
      p.size = v;
    }
  }
  d.global.vrrpRxBufsPolicy = p;
};

function rcvBufs(name: string, force: boolean): KeywordSpec<G> {
  const doc = force ? `Force the receive buffer of ${name.replace(/_force$/, '')} even above rmem_max.` : `Receive buffer size (bytes) of the ${name.replace(/_rcv_bufs$/, '').replace(/_/g, ' ')} socket.`;
  if (force) return gFlag(name, doc, (g, v) => {
    const base = name.replace(/_force$/, '');
    g.rcvBufs[base] = { bytes: g.rcvBufs[base]?.bytes ?? 0, force: v };
  });
  return gInt(name, 0, 2147483647, doc, (g, v) => {
    g.rcvBufs[name] = { bytes: v, force: g.rcvBufs[name]?.force ?? false };
  }, { syntax: '<BYTES>', bad: `Invalid ${name} size (%s) - ignoring` });
}

const umaskKw: Apply = (s, d, ctx) => {
  if (missing(s, ctx)) return;
  const w = s.args[0]!;
  // NUMBER (octal with leading 0, or hex/decimal) or BITS like IWGRP | IWOTH
  const text = s.args.map((a) => a.text).join(' ');
  if (/^(0[0-7]*|[1-9]\d*|0[xX][0-9a-fA-F]+)$/.test(w.text)) {
    const v = w.text.startsWith('0x') || w.text.startsWith('0X') ? parseInt(w.text, 16) : w.text.startsWith('0') ? parseInt(w.text, 8) : parseInt(w.text, 10);
    if (v & ~0o777) {
      ctx.diag.error(w.loc, `Invalid umask value ${w.text}`);
      return;
    }
    d.global.umask = v;
    return;
  }
  const bits: Record<string, number> = { IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1 };
  let v = 0;
  for (const part of text.split(/[\s|]+/).filter(Boolean)) {
    const b = bits[part];
    if (b === undefined) {
      ctx.diag.error(w.loc, `Invalid umask bit ${part} - ignoring`);
      return;
    }
    v |= b;
  }
  d.global.umask = v;
};

const garpExtraIf: Apply = (s, d, ctx) => {
  let i = 0;
  let all = false;
  if (s.args[0]?.text === 'all') {
    all = true;
    i = 1;
  }
  const w = s.args[i];
  if (!w) {
    ctx.diag.report('MISSING_PARAMETER', s.keyword.loc, `'${s.keyword.text}' requires a delay`);
    return;
  }
  const v = kaInt(w, 0, 86400, ctx, `Invalid vrrp_garp_extra_if '%s' - ignoring`);
  if (v !== undefined) d.global.vrrpGarpExtraIf = { seconds: v, all };
};

const nftablesKw: Apply = (s, d) => {
  const prev = d.global.nftables;
  d.global.nftables = { table: s.args[0]?.text ?? 'keepalived', priority: prev?.priority ?? -1, ifindex: prev?.ifindex ?? false, counters: prev?.counters ?? false };
};

function nftablesDraft(g: GlobalDefs): NonNullable<GlobalDefs['nftables']> {
  g.nftables ??= { table: 'keepalived', priority: -1, ifindex: false, counters: false };
  return g.nftables;
}
function nftIpvsDraft(g: GlobalDefs): NonNullable<GlobalDefs['nftablesIpvs']> {
  g.nftablesIpvs ??= { table: 'keepalived_ipvs', priority: -101, startFwmark: 1000 };
  return g.nftablesIpvs;
}

const processNames: Apply = (_s, d) => {
  d.global.processNames = { parent: 'keepalived', vrrp: 'keepalived_vrrp', checker: 'keepalived_ipvs', bfd: 'keepalived_bfd' };
};

const dynamicInterfaces: Apply = (s, d, ctx) => {
  const a = s.args[0];
  if (!a) d.global.dynamicInterfaces = 'on';
  else if (a.text === 'allow_if_changes') d.global.dynamicInterfaces = 'allow_if_changes';
  else ctx.diag.error(a.loc, `Unknown dynamic_interfaces option '${a.text}'`);
};

const vrrpVersion: Apply = (s, d, ctx) => {
  if (missing(s, ctx)) return;
  const v = kaInt(s.args[0], 2, 3, ctx, 'Version not valid - must be either 2 or 3');
  if (v !== undefined) d.global.vrrpVersion = v as 2 | 3;
};

const jsonVersion: Apply = (s, d, ctx) => {
  if (missing(s, ctx)) return;
  const v = kaInt(s.args[0], 1, 2, ctx, 'Invalid json_version %s - ignoring');
  if (v !== undefined) d.global.jsonVersion = v as 1 | 2;
};

const reloadCheckConfig: Apply = (s, d) => {
  d.global.reloadCheckConfig = s.args[0] ? { logFile: s.args[0].text } : {};
};

const includeCheck: Apply = (s, d) => {
  d.global.includeCheck = s.args.map((a) => a.text);
};

const lvsFlushOnStop: Apply = (s, d, ctx) => {
  const a = s.args[0];
  if (!a) d.global.lvsFlushOnStop = 'on';
  else if (a.text === 'VS') d.global.lvsFlushOnStop = 'vs';
  else {
    const b = argBool(a, ctx);
    if (b !== undefined) d.global.lvsFlushOnStop = b ? 'on' : false;
  }
};

const vrrpIptables: Apply = (s, d, ctx) => {
  // keepalived 2.4.3 as packaged is built for nftables only and says so.
  ctx.diag.report('WARNING', s.keyword.loc, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
  d.global.vrrpIptables = { inChain: s.args[0]?.text ?? 'INPUT', ...(s.args[1] ? { outChain: s.args[1].text } : {}) };
  nftablesDraft(d.global);
};

const vrrpIpsets: Apply = (s, d, ctx) => {
  // keepalived 2.4.3 built without libipset does not register the keyword.
  ctx.diag.report('UNKNOWN_KEYWORD', s.keyword.loc, "Unknown keyword 'vrrp_ipsets'");
  d.global.vrrpIpsets = s.args.map((a) => a.text);
};

const maxAutoPriority: Apply = (s, d, ctx) => {
  if (s.args.length === 0) {
    d.global.maxAutoPriority = 99;
    return;
  }
  const v = kaInt(s.args[0], -1, 99, ctx, 'Invalid max_auto_priority %s - ignoring');
  if (v !== undefined) d.global.maxAutoPriority = v;
};

// ---- the table ----------------------------------------------------------------------------------

const P: KeywordStatus = 'parsed';
const I: KeywordStatus = 'ignored';

const lvsFlushOnStopKw = customKw<G>('lvs_flush_on_stop', { doc: 'Flush the LVS configuration at shutdown (VS: only the virtual servers).', syntax: '[VS|BOOL]' }, lvsFlushOnStop);
const garpExtraIfKw = customKw<G>('vrrp_garp_extra_if', { doc: 'Periodic GARP/NA on VIP interfaces other than the instance interface (seconds, max 1 day).', syntax: '[all] <SECONDS>' }, garpExtraIf);
const checkerProcessNameKw = gStr('checker_process_name', 'Process name of the checker child.', (g, v) => {
  g.processNames.checker = v;
});
const snmpVrrpKw = gBare('enable_snmp_vrrp', 'Enable the KEEPALIVED-MIB VRRP SNMP subagent.', (g) => {
  g.enableSnmpVrrp = true;
}, P);

/** The keywords of the global_defs block. */
export const globalDefsKeywords: KeywordSpec<G>[] = [
  // identity and files
  gStr('router_id', 'Name of this machine in emails and SNMP (default: the host name).', (g, v) => {
    g.routerId = v;
  }),
  customKw<G>('process_names', { doc: 'Use the default process names keepalived, keepalived_vrrp, keepalived_ipvs, keepalived_bfd.', syntax: '' }, processNames),
  gStr('process_name', 'Process name of the parent.', (g, v) => {
    g.processNames.parent = v;
  }),
  gStr('vrrp_process_name', 'Process name of the VRRP child.', (g, v) => {
    g.processNames.vrrp = v;
  }),
  checkerProcessNameKw,
  aliasKw('lvs_process_name', checkerProcessNameKw),
  gStr('bfd_process_name', 'Process name of the BFD child.', (g, v) => {
    g.processNames.bfd = v;
  }, P),
  gFlag('use_symlink_paths', 'Do not resolve symbolic links in configuration file paths.', (g, v) => {
    g.useSymlinkPaths = v;
  }),
  gFlag('set_supplementary_groups', "Give scripts their user's supplementary groups.", (g, v) => {
    g.setSupplementaryGroups = v;
  }),
  customKw<G>('umask', { doc: 'File creation mask for files keepalived creates.', syntax: '<NUMBER>|<BITS>' }, umaskKw),
  gInt('random_seed', 0, 4294967295, 'Seed of the random number generator (for repeatable tests).', (g, v) => {
    g.randomSeed = v;
  }, { syntax: '<UNSIGNED>' }),
  gStr('tmp_config_directory', 'Directory for the temporary copy of the configuration.', (g, v) => {
    g.tmpConfigDirectory = v;
  }, I, '<DIRECTORY>'),
  gStr('config_save_dir', 'Save configuration and state before and after each reload (debugging).', (g, v) => {
    g.configSaveDir = v;
  }, P, '<DIRECTORY>'),
  gFlag('data_use_instance', 'Add the instance name to the dump file names.', (g, v) => {
    g.dataUseInstance = v;
  }),
  gStr('state_dump_file', 'File written on SIGUSR1 (default /tmp/keepalived.data).', (g, v) => {
    g.stateDumpFile = v;
  }, undefined, '<PATH>'),
  gStr('stats_dump_file', 'File written on SIGUSR2 (default /tmp/keepalived.stats).', (g, v) => {
    g.statsDumpFile = v;
  }, undefined, '<PATH>'),
  gStr('json_dump_file', 'File written on SIGJSON (default /tmp/keepalived.json).', (g, v) => {
    g.jsonDumpFile = v;
  }, undefined, '<PATH>'),
  customKw<G>('json_version', { doc: 'Format version of the JSON dump (1 or 2).', syntax: '<1|2>' }, jsonVersion),
  gStr('iproute_usr_dir', 'Where iproute2 keeps its default name tables (rt_tables, ...).', (g, v) => {
    g.iprouteUsrDir = v;
  }, undefined, '<DIRECTORY>'),
  gStr('iproute_etc_dir', 'Where iproute2 keeps its local name tables (default /etc/iproute2).', (g, v) => {
    g.iprouteEtcDir = v;
  }, undefined, '<DIRECTORY>'),
  // email
  customKw<G>('notification_email', { doc: 'Addresses that email alerts are sent to.', syntax: '{ ADDRESS... }', block: 'required', sub: notificationEmailSpec, status: P }, (s, d, ctx) => {
    if (!s.block || s.block.length === 0) {
      ctx.diag.warning(s.keyword.loc, 'Warning - empty notification_email block');
      return;
    }
    ctx.walk(notificationEmailSpec, s.block, d);
  }),
  gStr('notification_email_from', 'From: address of email alerts (default keepalived@<host name>).', (g, v) => {
    g.notificationEmailFrom = v;
  }, P, '<ADDRESS>'),
  customKw<G>('smtp_server', { doc: 'SMTP server for email alerts, with an optional port (default 25).', syntax: '<HOST> [<PORT>]', status: P }, smtpServer),
  gStr('smtp_helo_name', 'Name sent in SMTP HELO (default: the host name).', (g, v) => {
    g.smtpHeloName = v;
  }, P),
  customKw<G>('smtp_connect_timeout', { doc: 'SMTP connection timeout in seconds (default 30).', syntax: '<SECONDS>', status: P }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], 1, 2147483, ctx, 'Invalid smtp_connect_timeout %s - ignoring');
    if (v !== undefined) d.global.smtpConnectTimeout = v * 1_000_000;
  }),
  gFlag('smtp_alert', 'Default for all smtp_alert settings.', (g, v) => {
    g.smtpAlert = v;
  }, P),
  gFlag('smtp_alert_vrrp', 'Default for VRRP smtp_alert settings.', (g, v) => {
    g.smtpAlertVrrp = v;
  }, P),
  gFlag('smtp_alert_checker', 'Default for checker smtp_alert settings.', (g, v) => {
    g.smtpAlertChecker = v;
  }, P),
  gFlag('no_email_faults', 'Send no email alerts for FAULT states.', (g, v) => {
    g.noEmailFaults = v;
  }, P),
  gFlag('no_checker_emails', 'Send no email alerts for each checker failure, only for real server state changes.', (g, v) => {
    g.noCheckerEmails = v;
  }, P),
  gFlag('checker_log_all_failures', 'Log every failed real server check.', (g, v) => {
    g.checkerLogAllFailures = v;
  }),
  // lifecycle scripts and script security
  customKw<G>('startup_script', { doc: 'Script run once before the children start.', syntax: '<SCRIPT> [USER [GROUP]]' }, lifecycleScript('startup')),
  customKw<G>('startup_script_timeout', { doc: 'Seconds the startup script may run (1-1000, default 10).', syntax: '<1-1000>' }, scriptTimeout('startup')),
  customKw<G>('shutdown_script', { doc: 'Script run once after the children stopped.', syntax: '<SCRIPT> [USER [GROUP]]' }, lifecycleScript('shutdown')),
  customKw<G>('shutdown_script_timeout', { doc: 'Seconds the shutdown script may run (1-1000, default 10).', syntax: '<1-1000>' }, scriptTimeout('shutdown')),
  customKw<G>('script_user', { doc: 'Default user (and group) scripts run as (default keepalived_script if it exists, else root).', syntax: '<USER> [GROUP]' }, scriptUser),
  gBare('enable_script_security', 'Refuse root-run scripts whose path is writable by a non-root user.', (g) => {
    g.enableScriptSecurity = true;
  }),
  // scheduling
  customKw<G>('max_auto_priority', { doc: 'Highest real-time priority chosen automatically (-1 disables).', syntax: '[<-1..99>]' }, maxAutoPriority),
  gInt('min_auto_priority_delay', 1, 2147483647, 'Minimum scheduling delay (microseconds) that raises the automatic real-time priority.', (g, v) => {
    g.minAutoPriorityDelay = v;
  }, { syntax: '<MICROSECONDS>' }),
  ...schedKeywords('vrrp', (g) => g.vrrpSched, 'supported'),
  ...schedKeywords('checker', (g) => g.checkerSched, 'supported'),
  ...schedKeywords('bfd', (g) => g.bfdSched, P),
  // VRRP defaults
  customKw<G>('dynamic_interfaces', { doc: 'Allow interfaces that are missing at start or disappear later.', syntax: '[allow_if_changes]' }, dynamicInterfaces),
  gStr('default_interface', 'Interface for static addresses and routes without one (default eth0).', (g, v) => {
    g.defaultInterface = v;
  }, undefined, '<INTERFACE>'),
  gFlag('disable_local_igmp', 'Turn off igmp_link_local_mcast_reports.', (g, v) => {
    g.disableLocalIgmp = v;
  }),
  gFlag('v3_checksum_as_v2', 'Compute VRRPv3 IPv4 checksums without the pseudo-header (old keepalived interop).', (g, v) => {
    g.v3ChecksumAsV2 = v;
  }),
  customKw<G>('vrrp_mcast_group4', { doc: 'IPv4 multicast group of VRRP adverts (default 224.0.0.18).', syntax: '<IPV4>' }, mcastGroup(4)),
  customKw<G>('vrrp_mcast_group6', { doc: 'IPv6 multicast group of VRRP adverts (default ff02::12).', syntax: '<IPV6>' }, mcastGroup(6)),
  gTimer('vrrp_garp_master_delay', 0, 2147483, 'Delay of the second set of GARPs after becoming MASTER (default 5 s, 0: none).', (g, v) => {
    g.vrrpGarpMasterDelay = Math.round(v / 1_000_000) * 1_000_000;
  }, 'vrrp_garp_master_delay \'%s\' invalid - ignoring'),
  customKw<G>('vrrp_garp_master_repeat', { doc: 'GARPs sent in each set after becoming MASTER (default 5).', syntax: '<INTEGER>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], -2147483648, 2147483647, ctx, 'Invalid vrrp_garp_master_repeat %s - ignoring');
    if (v === undefined) return;
    if (v < 1) ctx.diag.error(s.args[0]!.loc, 'vrrp_garp_master_repeat must be greater than 0, setting to 1');
    d.global.vrrpGarpMasterRepeat = Math.max(1, v);
  }),
  customKw<G>('vrrp_garp_master_refresh', { doc: 'Interval (whole seconds) of GARP refreshes while MASTER (default 0: none).', syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], 0, 2147483, ctx, "Invalid vrrp_garp_master_refresh '%s' - ignoring");
    if (v !== undefined) d.global.vrrpGarpMasterRefresh = v * 1_000_000;
  }),
  customKw<G>('vrrp_garp_master_refresh_repeat', { doc: 'GARPs sent at each refresh (default 1).', syntax: '<INTEGER>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], -2147483648, 2147483647, ctx, 'Invalid vrrp_garp_master_refresh_repeat %s - ignoring');
    if (v === undefined) return;
    if (v < 1) ctx.diag.error(s.args[0]!.loc, 'vrrp_garp_master_refresh_repeat must be greater than 0, setting to 1');
    d.global.vrrpGarpMasterRefreshRepeat = Math.max(1, v);
  }),
  customKw<G>('vrrp_garp_lower_prio_delay', { doc: 'Delay of the second GARP set after a lower priority advert (default: vrrp_garp_master_delay).', syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], 0, 2147483, ctx, "vrrp_garp_lower_prio_delay '%s' invalid - ignoring");
    if (v !== undefined) d.global.vrrpGarpLowerPrioDelay = v * 1_000_000;
  }),
  gInt('vrrp_garp_lower_prio_repeat', 0, 2147483647, 'GARPs sent after a lower priority advert (default: vrrp_garp_master_repeat).', (g, v) => {
    g.vrrpGarpLowerPrioRepeat = v;
  }, { syntax: '<INTEGER>', bad: "Invalid vrrp_garp_lower_prio_repeat '%s' - ignoring" }),
  gInt('vrrp_down_timer_adverts', 1, 100, 'Default number of missed adverts before a BACKUP takes over (default 3).', (g, v) => {
    g.vrrpDownTimerAdverts = v;
  }, { bad: "Invalid vrrp_down_timer_adverts '%s' - ignoring" }),
  gTimer('vrrp_garp_interval', 0.000001, 1, 'Delay between GARPs on one interface (seconds, microsecond resolution).', (g, v) => {
    g.vrrpGarpInterval = v;
  }),
  gTimer('vrrp_gna_interval', 0.000001, 1, 'Delay between unsolicited NAs on one interface (seconds, microsecond resolution).', (g, v) => {
    g.vrrpGnaInterval = v;
  }),
  gFlag('vrrp_min_garp', 'Send one GARP/NA on becoming MASTER and no second set.', (g, v) => {
    g.vrrpMinGarp = v;
    if (v) {
      g.vrrpGarpMasterRepeat = 1;
      g.vrrpGarpMasterDelay = 0;
      g.vrrpGarpMasterRefreshRepeat = 1;
      g.vrrpGarpLowerPrioRepeat = 1;
      g.vrrpGarpLowerPrioDelay = 0;
    }
  }),
  garpExtraIfKw,
  aliasKw('vrrp_vmac_garp_intvl', garpExtraIfKw),
  gFlag('vrrp_lower_prio_no_advert', 'Do not answer a lower priority advert with an advert (RFC behaviour; default with vrrp_strict).', (g, v) => {
    g.vrrpLowerPrioNoAdvert = v;
  }),
  gFlag('vrrp_higher_prio_send_advert', 'Send one advert when a higher priority advert makes a MASTER back off.', (g, v) => {
    g.vrrpHigherPrioSendAdvert = v;
  }),
  customKw<G>('vrrp_version', { doc: 'Default VRRP version (2; IPv6 instances use 3).', syntax: '<2|3>' }, vrrpVersion),
  gBare('vrrp_check_unicast_src', 'Accept unicast adverts only from configured peers.', (g) => {
    g.vrrpCheckUnicastSrc = true;
  }),
  gBare('vrrp_skip_check_adv_addr', 'Do not check the addresses of adverts from the current MASTER.', (g) => {
    g.vrrpSkipCheckAdvAddr = true;
  }),
  gBare('vrrp_strict', 'Enforce RFC 3768/5798 strictly (no unicast, no authentication, ...).', (g) => {
    g.vrrpStrict = true;
  }),
  gFlag('vrrp_notify_priority_changes', 'Write priority changes to the notify FIFOs.', (g, v) => {
    g.vrrpNotifyPriorityChanges = v;
  }),
  gTimer('vrrp_startup_delay', 0, 3600, 'Delay VRRP startup after boot or start (seconds).', (g, v) => {
    g.vrrpStartupDelay = v;
  }, "vrrp_startup_delay '%s' is invalid"),
  gTimer('vrrp_delay_after_boot', 0, 3600, 'Delay VRRP startup only while the system has been up less than this (seconds).', (g, v) => {
    g.vrrpDelayAfterBoot = v;
  }),
  gFlag('log_unknown_vrids', 'Log adverts received for VRIDs that are not configured.', (g, v) => {
    g.logUnknownVrids = v;
  }),
  gFlag('vrrp_owner_ignore_adverts', 'Address owners (priority 255) ignore adverts from other routers.', (g, v) => {
    g.vrrpOwnerIgnoreAdverts = v;
  }),
  gStr('vmac_prefix', 'Prefix of automatically named VMAC interfaces (default vrrp).', (g, v) => {
    g.vmacPrefix = v;
  }),
  gStr('vmac_addr_prefix', 'Prefix of automatically named VMAC address interfaces.', (g, v) => {
    g.vmacAddrPrefix = v;
  }),
  customKw<G>('vrrp_rx_bufs_policy', { doc: 'How the VRRP receive buffer is sized.', syntax: 'MTU|ADVERT|<SIZE>' }, rxBufsPolicy),
  gInt('vrrp_rx_bufs_multiplier', 1, 2147483647, 'Multiplier of the VRRP receive buffer size (default 3).', (g, v) => {
    g.vrrpRxBufsMultiplier = v;
  }, { syntax: '<INTEGER>' }),
  rcvBufs('vrrp_netlink_cmd_rcv_bufs', false),
  rcvBufs('vrrp_netlink_cmd_rcv_bufs_force', true),
  rcvBufs('vrrp_netlink_monitor_rcv_bufs', false),
  rcvBufs('vrrp_netlink_monitor_rcv_bufs_force', true),
  rcvBufs('process_monitor_rcv_bufs', false),
  rcvBufs('process_monitor_rcv_bufs_force', true),
  // firewall
  customKw<G>('vrrp_iptables', { doc: 'iptables chains for no_accept (this build: nftables is used instead, as keepalived 2.4.3 packaged).', syntax: '[IN_CHAIN [OUT_CHAIN]]', status: P }, vrrpIptables),
  customKw<G>('vrrp_ipsets', { doc: 'ipset names for no_accept; keepalived 2.4.3 packaged without libipset does not know it.', syntax: '[SET...]', status: I }, vrrpIpsets),
  customKw<G>('nftables', { doc: 'Use nftables (table name, default keepalived) for no_accept and VMAC filtering.', syntax: '[TABLE]', status: P }, nftablesKw),
  gInt('nftables_priority', -2147483648, 2147483647, 'Priority of the nftables chains (default -1).', (g, v) => {
    nftablesDraft(g).priority = v;
  }, { status: P, syntax: '<PRIORITY>' }),
  gFlag('nftables_ifindex', 'Match interfaces by index rather than name in nftables rules.', (g, v) => {
    nftablesDraft(g).ifindex = v;
  }, P),
  gFlag('nftables_counters', 'Add counters to the nftables rules.', (g, v) => {
    nftablesDraft(g).counters = v;
  }, P),
  customKw<G>('nftables_ipvs', { doc: 'nftables table for IPVS fwmarks (default keepalived_ipvs).', syntax: '[TABLE]', status: P }, (s, d) => {
    nftIpvsDraft(d.global).table = s.args[0]?.text ?? 'keepalived_ipvs';
  }),
  gInt('nftables_ipvs_priority', -2147483648, 2147483647, 'Priority of the nftables IPVS chain (default -101).', (g, v) => {
    nftIpvsDraft(g).priority = v;
  }, { status: P, syntax: '<PRIORITY>' }),
  gInt('nftables_ipvs_start_fwmark', 1, 4294967295, 'First fwmark used for IPVS nftables rules (default 1000).', (g, v) => {
    nftIpvsDraft(g).startFwmark = v;
  }, { status: P, syntax: '<FWMARK>' }),
  // LVS
  customKw<G>('lvs_timeouts', { doc: 'IPVS connection timeouts in seconds.', syntax: '[tcp SECS] [tcpfin SECS] [udp SECS]' }, lvsTimeouts),
  gBare('lvs_flush', 'Flush the IPVS tables at startup.', (g) => {
    g.lvsFlush = true;
  }),
  lvsFlushOnStopKw,
  aliasKw('lvs_flush_onstop', lvsFlushOnStopKw),
  customKw<G>('lvs_sync_daemon', { doc: 'Run the IPVS connection sync daemon, following a VRRP instance.', syntax: '<IF> [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]' }, lvsSyncDaemon),
  rcvBufs('lvs_netlink_cmd_rcv_bufs', false),
  rcvBufs('lvs_netlink_cmd_rcv_bufs_force', true),
  rcvBufs('lvs_netlink_monitor_rcv_bufs', false),
  rcvBufs('lvs_netlink_monitor_rcv_bufs_force', true),
  gFlag('rs_init_notifies', 'Run real server notify scripts for the initial state.', (g, v) => {
    g.rsInitNotifies = v;
  }),
  // notify FIFOs
  ...fifoKeywords('', (g) => g.notifyFifo, (g, f) => {
    g.notifyFifo = f;
  }),
  ...fifoKeywords('vrrp_', (g) => g.vrrpNotifyFifo, (g, f) => {
    g.vrrpNotifyFifo = f;
  }),
  ...fifoKeywords('lvs_', (g) => g.lvsNotifyFifo, (g, f) => {
    g.lvsNotifyFifo = f;
  }),
  gFlag('fifo_write_vrrp_states_on_reload', 'Write every VRRP state to the FIFOs after a reload.', (g, v) => {
    g.fifoWriteVrrpStatesOnReload = v;
  }),
  // SNMP
  gStr('snmp_socket', 'AgentX socket of the SNMP master agent (default udp:localhost:705).', (g, v) => {
    g.snmpSocket = v;
  }, P, '<SOCKET>'),
  gBare('enable_traps', 'Send SNMP traps.', (g) => {
    g.enableTraps = true;
  }, P),
  snmpVrrpKw,
  aliasKw('enable_snmp_keepalived', snmpVrrpKw),
  gBare('enable_snmp_checker', 'Enable the checker SNMP subagent.', (g) => {
    g.enableSnmpChecker = true;
  }, P),
  gBare('enable_snmp_rfc', 'Enable the RFC 2787 and RFC 6527 VRRP MIBs.', (g) => {
    g.enableSnmpRfcv2 = true;
    g.enableSnmpRfcv3 = true;
  }, P),
  gBare('enable_snmp_rfcv2', 'Enable the RFC 2787 VRRPv2 MIB.', (g) => {
    g.enableSnmpRfcv2 = true;
  }, P),
  gBare('enable_snmp_rfcv3', 'Enable the RFC 6527 VRRPv3 MIB.', (g) => {
    g.enableSnmpRfcv3 = true;
  }, P),
  gTimer('snmp_vs_stats_update_interval', 0, 3600, 'Minimum interval between SNMP virtual server statistics reads.', (g, v) => {
    g.snmpVsStatsUpdateInterval = v;
  }, undefined, P),
  gTimer('snmp_rs_stats_update_interval', 0, 3600, 'Minimum interval between SNMP real server statistics reads.', (g, v) => {
    g.snmpRsStatsUpdateInterval = v;
  }, undefined, P),
  // DBus
  gBare('enable_dbus', 'Export VRRP state on DBus.', (g) => {
    g.enableDbus = true;
  }, P),
  gStr('dbus_service_name', 'DBus service name (default org.keepalived.Vrrp1).', (g, v) => {
    g.dbusServiceName = v;
  }, P),
  gBare('dbus_no_interface_name', 'Leave the interface name out of DBus object paths.', (g) => {
    g.dbusNoInterfaceName = true;
  }, P),
  // reload control
  customKw<G>('reload_check_config', { doc: 'Check the new configuration before a reload (optionally logging to a file).', syntax: '[LOG_FILE]' }, reloadCheckConfig),
  gStr('reload_time_file', 'File holding the time of a scheduled reload.', (g, v) => {
    g.reloadTimeFile = v;
  }, P, '<PATH>'),
  gFlag('reload_repeat', 'Repeat a scheduled reload every day at the same time.', (g, v) => {
    g.reloadRepeat = v;
  }, P),
  customKw<G>('reload_file', { doc: 'Reload when this file is created (default keepalived.reload in the pid directory).', syntax: '[PATH]', status: P }, (s, d) => {
    d.global.reloadFile = s.args[0]?.text ?? '/run/keepalived/keepalived.reload';
  }),
  customKw<G>('include_check', { doc: 'Check included files (applied by the preprocessor).', syntax: '[OPTIONS]' }, includeCheck),
];

/** The global_defs block table. */
export const globalDefsSpec: BlockSpec<G> = { name: 'global_defs', keywords: globalDefsKeywords };

function rootStr(name: string, doc: string, set: (g: GlobalDefs, v: string) => void, status?: KeywordStatus): KeywordSpec<G> {
  return strKw<G>(name, o(doc, '<NAME>', status), (d, v) => set(d.global, v));
}

/** Root-level global keywords, global_defs first. */
export const globalRootKeywords: KeywordSpec<G>[] = [
  customKw<G>('global_defs', { doc: 'Global definitions.', syntax: '{ ... }', block: 'required', sub: globalDefsSpec }, (s, d, ctx) => {
    if (s.block) ctx.walk(globalDefsSpec, s.block, d);
  }),
  rootStr('net_namespace', 'Run keepalived inside this network namespace.', (g, v) => {
    g.netNamespace = v;
  }, P),
  rootStr('net_namespace_ipvs', 'Network namespace holding the IPVS configuration.', (g, v) => {
    g.netNamespaceIpvs = v;
  }, P),
  gBare('namespace_with_ipsets', 'Use ipset names specific to the network namespace.', (g) => {
    g.namespaceWithIpsets = true;
  }, I),
  gBare('use_pid_dir', 'Put the pid files under /run/keepalived/.', (g) => {
    g.usePidDir = true;
  }),
  customKw<G>('instance', { doc: 'Instance name: pid files under /run/keepalived/NAME (implies use_pid_dir).', syntax: '<NAME>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    if (d.global.instanceName !== undefined) {
      ctx.diag.error(s.keyword.loc, `Duplicate instance definition ${s.args[0]!.text} - ignoring`);
      return;
    }
    d.global.instanceName = s.args[0]!.text;
    d.global.usePidDir = true;
  }),
  customKw<G>('child_wait_time', { doc: 'Seconds to wait for children to exit at shutdown (default 5).', syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (missing(s, ctx)) return;
    const v = kaInt(s.args[0], 0, 4294967295, ctx, 'Invalid child_wait_time %s');
    if (v !== undefined) d.global.childWaitTime = v;
  }),
  gBare('linkbeat_use_polling', 'Poll interface link state (MII/ETHTOOL) instead of netlink.', (g) => {
    g.linkbeatUsePolling = true;
  }),
];
