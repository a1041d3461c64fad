// Root keywords of the VRRP family and their block tables: vrrp_instance, vrrp_sync_group, vrrp_script,
// track_file, vrrp_track_process, garp_group, track_group, linkbeat_interfaces, interface_up_down_delays, static_*.
import { scriptWords } from '../parse';
import type { Loc } from '../diagnostics';
import type { Stmt, Word } from '../tree';
import type { ConfigDraft } from '../model';
import type { ApplyContext, BlockSpec, KeywordSpec } from './registry';
import { parsedOnly, aliasKw, argBool, argInt, argOrAbort, argTimer, customKw, flagKw, needArgs, type KwOpts } from './args';
import { missingInterface, parseAddressStmt, parseRouteStmt, parseRuleStmt } from './ip-grammar';
import { checkScript, type ScriptKind } from '../script-check';
import { addressKey } from '../address-key';
import { parseIp, formatIp, ipEquals } from '../../net/ip';
import {
  emptyNotify,
  newVrrpInstance,
  VRRP_DEFAULTS,
  type AuthHmacConfig,
  type GarpGroup,
  type NameRef,
  type NotifyScripts,
  type ScriptRef,
  type SyncGroup,
  type TrackedInterface,
  type TrackedRef,
  type TrackFile,
  type TrackProcess,
  type VrrpInstance,
  type VrrpScript,
} from '../model/vrrp';

// ---------------------------------------------------------------------------------------------
// Drafts of the nested blocks: the whole configuration plus the object being filled.

/** Draft of a vrrp_instance block. */
export interface InstanceDraft {
  readonly cfg: ConfigDraft;
  readonly inst: VrrpInstance;
}
interface GroupDraft {
  readonly cfg: ConfigDraft;
  readonly group: SyncGroup;
}
interface ScriptDraft {
  readonly cfg: ConfigDraft;
  readonly script: VrrpScript;
  userWords: Word[] | null;
  scriptWord: Word | null;
}
interface FileDraft {
  readonly file: TrackFile;
}
interface ProcessDraft {
  readonly proc: TrackProcess;
}
interface GarpDraft {
  readonly group: GarpGroup;
  /** The groups defined so far (an interface may belong to one only). */
  readonly all: readonly GarpGroup[];
}
interface NamesDraft {
  readonly names: NameRef[];
}

// ---------------------------------------------------------------------------------------------
// Shared readers.

/** keepalived's strtoul-style integer read: 'invalid number' for non-numbers, then the caller's own range message. */
function readIntOr(w: Word, ctx: ApplyContext): number | null {
  if (!/^[+-]?\d+$/.test(w.text)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `invalid number '${w.text}'`);
    return null;
  }
  return Number(w.text);
}

/** Reads a decimal number of seconds to microseconds; 'invalid number' when not one. */
function readSecondsOr(w: Word, ctx: ApplyContext): number | null {
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(w.text)) {
    ctx.diag.report('INVALID_NUMBER', w.loc, `invalid number '${w.text}'`);
    return null;
  }
  return Math.round(Number(w.text) * 1_000_000);
}

/** Every word of every statement of a value block (keepalived's read_value_block). */
function blockWords(stmt: Stmt): Word[] {
  const out: Word[] = [];
  for (const s of stmt.block ?? []) {
    out.push(s.keyword, ...s.args);
    if (s.block) out.push(...blockWords(s));
  }
  return out;
}

/** Options for one line of a tracking block. */
interface TrackLineOpts {
  readonly owner: string;
  readonly min: number;
  readonly max: number;
  /** Whether `noreverse` is accepted too (track_script). */
  readonly noreverse?: boolean;
}

/** Parses `NAME [weight W [reverse]]`; null when the line is unusable (reported). */
function parseTrackLine(s: Stmt, ctx: ApplyContext, o: TrackLineOpts): { name: string; weight: number | null; reverse: boolean } | null {
  const name = s.keyword.text;
  let weight: number | null = null;
  let reverse = false;
  const a = s.args;
  let i = 0;
  while (i < a.length) {
    const w = a[i]!;
    if (w.text === 'weight') {
      const v = a[i + 1];
      if (!v) {
        ctx.diag.report('MISSING_PARAMETER', w.loc, `(${o.owner}) weight missing for ${name}`);
        return null;
      }
      const n = readIntOr(v, ctx);
      if (n === null || n < o.min || n > o.max) {
        ctx.diag.error(v.loc, `(${o.owner}) weight for ${name} must be between [${o.min}..${o.max}] inclusive. Ignoring...`);
        weight = null;
      } else weight = n;
      i += 2;
    } else if (w.text === 'reverse') {
      reverse = true;
      i++;
    } else if (w.text === 'noreverse' && o.noreverse) {
      reverse = false;
      i++;
    } else {
      ctx.diag.error(w.loc, `(${o.owner}) unknown track option '${w.text}' for ${name} - ignoring`);
      i++;
    }
  }
  return { name, weight, reverse };
}

type TrackKind = 'script' | 'file' | 'process' | 'bfd';

/** Reads a track_interface block, checking each interface exists when the host knows. */
function readTrackInterfaces(stmt: Stmt, owner: string, out: TrackedInterface[], ctx: ApplyContext): void {
  for (const s of stmt.block ?? []) {
    const t = parseTrackLine(s, ctx, { owner, min: -254, max: 254 });
    if (!t) continue;
    if (ctx.host.interfaceExists(t.name) === false) {
      ctx.diag.error(s.keyword.loc, `(${owner}) tracked interface ${t.name} doesn't exist`);
      missingInterface.add(ctx);
      continue;
    }
    out.push({ loc: s.keyword.loc, name: t.name, weight: t.weight ?? 0, reverse: t.reverse });
  }
}

/** Reads a track_script/track_file/track_process/track_bfd block; names are resolved against what is defined so far. */
function readTrackRefs(stmt: Stmt, kind: TrackKind, owner: string, cfg: ConfigDraft, out: TrackedRef[], ctx: ApplyContext): void {
  const range = kind === 'script' ? { min: -253, max: 253 } : { min: -254, max: 254 };
  for (const s of stmt.block ?? []) {
    const t = parseTrackLine(s, ctx, { owner, ...range, noreverse: kind === 'script' });
    if (!t) continue;
    let found = true;
    if (kind === 'script') found = hasEnabled(cfg.vrrp.scripts, t.name);
    else if (kind === 'file') found = hasEnabled(cfg.vrrp.trackFiles, t.name);
    else if (kind === 'process') found = hasEnabled(cfg.vrrp.trackProcesses, t.name);
    if (!found) {
      ctx.diag.error(s.keyword.loc, `(${owner}) track ${kind} ${t.name} not found, ignoring...`);
      continue;
    }
    if (out.some((x) => x.name === t.name)) {
      ctx.diag.report('WARNING', s.keyword.loc, `(${owner}) track ${kind} ${t.name} listed twice - ignoring`, { extra: true });
      continue;
    }
    out.push({ loc: s.keyword.loc, name: t.name, weight: t.weight, reverse: t.reverse });
  }
}

export { missingInterface };

/** Names of a growing list of named things, indexed for the many look-ups of large configurations. */
const nameIndex = new WeakMap<readonly { name: string }[], { len: number; map: Map<string, { name: string }[]> }>();

/** The items of a list with this name. (Indexed: the list only ever grows while the configuration is read.) */
function named<T extends { name: string }>(list: readonly T[], name: string): readonly T[] {
  let idx = nameIndex.get(list);
  if (!idx || idx.len > list.length) {
    idx = { len: 0, map: new Map() };
    nameIndex.set(list, idx);
  }
  for (; idx.len < list.length; idx.len++) {
    const item = list[idx.len]!;
    const l = idx.map.get(item.name);
    if (l) l.push(item);
    else idx.map.set(item.name, [item]);
  }
  return (idx.map.get(name) ?? []) as T[];
}

/** Does the list hold an enabled item with this name? */
function hasEnabled<T extends { name: string; enabled: boolean }>(list: readonly T[], name: string): boolean {
  return named(list, name).some((x) => x.enabled);
}

/** VMAC interface names taken, per configuration: the instance that took each. */
const vmacNames = new WeakMap<object, Map<string, VrrpInstance>>();

/** Checks one configured script through checkScript. */
function scriptRef(cmd: Word, user: readonly Word[] | undefined, kind: ScriptKind, cfg: ConfigDraft, ctx: ApplyContext): ScriptRef {
  return { loc: cmd.loc, command: cmd.text, check: checkScript(cmd, user, kind, cfg, ctx) };
}

type NotifySlot = keyof NotifyScripts;

/** A notify_* keyword: `notify_master CMD [USER [GROUP]]`, keeping the first one. */
function notifyKw<D>(
  name: string,
  slot: NotifySlot,
  doc: string,
  get: (d: D) => { notify: NotifyScripts; owner: string; cfg: ConfigDraft },
): KeywordSpec<D> {
  return customKw<D>(name, { doc, syntax: '<SCRIPT> [USER [GROUP]]' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const t = get(d);
    if (t.notify[slot]) {
      ctx.diag.error(s.keyword.loc, `(${t.owner}) ${name} script already specified - ignoring ${s.args[0]!.text}`);
      return;
    }
    // keepalived re-splits the line with quotes and escapes (notify_script_init).
    const words = scriptWords(s, ctx.diag);
    if (!words || words.length < 2) return;
    const user = words.slice(2);
    t.notify[slot] = scriptRef(words[1]!, user.length ? user : undefined, 'notify', t.cfg, ctx);
  });
}

/** A flag on the instance, optionally with a BOOL argument. */
function instFlag(name: string, doc: string, set: (i: VrrpInstance, v: boolean) => void, status: KwOpts['status'] = 'supported'): KeywordSpec<InstanceDraft> {
  return flagKw<InstanceDraft>(name, { doc, status }, (d, v) => set(d.inst, v));
}

/** An optional BOOL (unset, i.e. null, until configured). */
function instBool(name: string, doc: string, set: (i: VrrpInstance, v: boolean) => void, status: KwOpts['status'] = 'supported'): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(name, { doc, syntax: '[BOOL]', status }, (s, d, ctx) => {
    const v = argBool(s.args[0], ctx);
    if (v === undefined) return;
    set(d.inst, v);
  });
}

// ---------------------------------------------------------------------------------------------
// vrrp_instance.

function ipLineOwner(d: InstanceDraft): { defaultInterface: string | null; owner: string } {
  return { defaultInterface: d.inst.interface, owner: `(${d.inst.name})` };
}

/**
 * The addresses configured on one instance (VIPs and excluded ones), for the duplicate check in
 * O(1): kept for the instance being read only (its blocks are read one after the other), and made
 * again from its lists whenever they changed behind it.
 */
const vipCache: { inst: VrrpInstance | null; count: number; keys: Set<string | number> } = { inst: null, count: 0, keys: new Set() };
function vipKeys(inst: VrrpInstance): Set<string | number> {
  const count = inst.vips.length + inst.excludedVips.length;
  if (vipCache.inst !== inst || vipCache.count !== count) {
    const keys = new Set<string | number>();
    for (const v of inst.vips) keys.add(addressKey(v.address.family, v.address.bytes, 0));
    for (const v of inst.excludedVips) keys.add(addressKey(v.address.family, v.address.bytes, 0));
    vipCache.inst = inst;
    vipCache.count = count;
    vipCache.keys = keys;
  }
  return vipCache.keys;
}

/** The address sub-block of virtual_ipaddress / virtual_ipaddress_excluded. */
function vipKw(name: 'virtual_ipaddress' | 'virtual_ipaddress_excluded', doc: string): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(name, { doc, syntax: '{ ADDRESS[/LEN] [dev IF] [scope S] [label L] ... }', block: 'required' }, (s, d, ctx) => {
    const list = name === 'virtual_ipaddress' ? d.inst.vips : d.inst.excludedVips;
    for (const line of s.block ?? []) {
      const a = parseAddressStmt(line, ctx, ipLineOwner(d));
      if (!a) continue;
      const key = addressKey(a.address.family, a.address.bytes, 0);
      const seen = vipKeys(d.inst);
      const dup = seen.has(key);
      if (dup) {
        ctx.diag.error(line.keyword.loc, `(${d.inst.name}): VIP duplicates a VIP ${formatIp(a.address)} - ignoring`);
        continue;
      }
      if (name === 'virtual_ipaddress') {
        const fam = d.inst.vips[0]?.address.family;
        if (fam !== undefined && fam !== a.address.family) {
          ctx.diag.error(line.keyword.loc, `(${d.inst.name}): address family must match VRRP instance [${a.text}] - ignoring`);
          continue;
        }
      }
      seen.add(key);
      list.push(a);
      vipCache.count++;
    }
  });
}

function unicastPeerKw(): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(
    'unicast_peer',
    { doc: 'Send adverts by unicast to these peers instead of multicast.', syntax: '{ ADDRESS [min_ttl N] [max_ttl N] ... }', block: 'required' },
    (s, d, ctx) => {
      const inst = d.inst;
      if (!s.block || s.block.length === 0) inst.configured.unicastKeyword = true;
      for (const line of s.block ?? []) {
        const ip = parseIp(line.keyword.text);
        if (!ip) {
          ctx.diag.error(line.keyword.loc, `Configuration error: VRRP instance[${inst.name}] malformed unicast peer address[${line.keyword.text}]. Skipping...`);
          continue;
        }
        let minTtl: number | null = null;
        let maxTtl: number | null = null;
        for (let i = 0; i < line.args.length; i++) {
          const w = line.args[i]!;
          if (w.text === 'min_ttl' || w.text === 'max_ttl') {
            const v = argInt(line.args[i + 1], { min: 0, max: 255 }, ctx, w.text);
            if (line.args[i + 1] === undefined) ctx.diag.report('MISSING_PARAMETER', w.loc, `(${inst.name}) ${w.text} requires a value`);
            if (v !== undefined) {
              if (w.text === 'min_ttl') minTtl = v;
              else maxTtl = v;
            }
            i++;
          } else ctx.diag.error(w.loc, `(${inst.name}) unknown unicast_peer option '${w.text}' - ignoring`);
        }
        if (inst.unicastPeers.some((p) => p.address.family === ip.family && ipEquals(p.address.bytes, ip.bytes))) {
          ctx.diag.error(line.keyword.loc, `(${inst.name}) ${formatIp(ip)} - duplicate unicast_peer`);
          continue;
        }
        inst.unicastPeers.push({ loc: line.keyword.loc, address: ip, minTtl, maxTtl });
      }
    },
  );
}

function srcIpKw(name: 'unicast_src_ip' | 'mcast_src_ip'): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(
    name,
    { doc: name === 'unicast_src_ip' ? 'Source address of unicast adverts.' : 'Source address of multicast adverts (default: the primary address of the interface).', syntax: '<IPADDR>' },
    (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const ip = parseIp(w.text);
      if (!ip) {
        ctx.diag.error(w.loc, `Configuration error: VRRP instance[${d.inst.name}] malformed src address[${w.text}]. Skipping...`);
        return;
      }
      d.inst.srcIp = ip;
      if (name === 'unicast_src_ip') d.inst.configured.unicastKeyword = true;
    },
  );
}

function authBlock(): BlockSpec<InstanceDraft> {
  return {
    name: 'authentication',
    keywords: [
      customKw<InstanceDraft>('auth_type', { doc: 'VRRPv2 authentication: simple password or IPSEC AH.', syntax: 'PASS|AH' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const auth = (d.inst.auth ??= { loc: s.keyword.loc, type: null, password: null });
        const t = s.args[0]!.text;
        if (t === 'PASS' || t === 'AH') auth.type = t;
        else ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) unknown authentication type '${t}'`);
      }),
      customKw<InstanceDraft>('auth_pass', { doc: 'The password (only its first 8 characters are used).', syntax: '<PASSWORD>' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const auth = (d.inst.auth ??= { loc: s.keyword.loc, type: null, password: null });
        let p = s.args[0]!.text;
        if (p.length > 8) {
          ctx.diag.error(s.args[0]!.loc, 'Truncating auth_pass to 8 characters');
          p = p.slice(0, 8);
        }
        auth.password = p;
      }),
    ],
  };
}
const authSpec = authBlock();

function authHmacBlock(): BlockSpec<InstanceDraft> {
  const get = (d: InstanceDraft, loc: Loc): AuthHmacConfig =>
    (d.inst.authHmac ??= { loc, keys: [], activeKey: null, antiReplay: null, timeWindowUs: null, mode: 'enforce' });
  return {
    name: 'auth_hmac',
    keywords: [
      customKw<InstanceDraft>('key', { doc: 'An HMAC-SHA256 key: its id and hex:..., file:..., credential:... or ASCII text.', syntax: '<ID> <KEY>', status: 'parsed' }, (s, d, ctx) => {
        if (!needArgs(s, 2, ctx)) return;
        const id = argInt(s.args[0], { min: 0, max: 255 }, ctx, 'key id');
        if (id === undefined) return;
        const h = get(d, s.keyword.loc);
        const v = s.args[1]!.text;
        const m = /^(hex|file|credential):(.*)$/.exec(v);
        if (m && m[1] === 'hex' && !/^[0-9a-fA-F]+$/.test(m[2]!)) {
          ctx.diag.error(s.args[1]!.loc, `(${d.inst.name}) invalid hex key '${v}' - ignoring`);
          return;
        }
        if (h.keys.some((k) => k.id === id)) {
          ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) auth_hmac key ${id} already defined - ignoring`);
          return;
        }
        h.keys.push({ loc: s.keyword.loc, id, source: m ? (m[1] as 'hex' | 'file' | 'credential') : 'ascii', value: m ? m[2]! : v });
      }),
      customKw<InstanceDraft>('active_key', { doc: 'The key id used to sign sent adverts.', syntax: '<ID>', status: 'parsed' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const id = argInt(s.args[0], { min: 0, max: 255 }, ctx, 'active_key');
        if (id !== undefined) get(d, s.keyword.loc).activeKey = id;
      }),
      customKw<InstanceDraft>('anti_replay', { doc: 'Replay protection by wall-clock time or a monotonic counter.', syntax: 'time|monotonic', status: 'parsed' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const t = s.args[0]!.text;
        if (t === 'time' || t === 'monotonic') get(d, s.keyword.loc).antiReplay = t;
        else ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) invalid anti_replay '${t}'`);
      }),
      customKw<InstanceDraft>('time_window', { doc: 'Accepted clock difference for time-based anti-replay.', syntax: '<SECONDS>', status: 'parsed' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const v = argTimer(s.args[0], { min: 0 }, ctx, 'time_window');
        if (v !== undefined) get(d, s.keyword.loc).timeWindowUs = v;
      }),
      customKw<InstanceDraft>('mode', { doc: 'enforce: drop unsigned/bad adverts; permissive: log only; receive-only: check but do not sign.', syntax: 'enforce|permissive|receive-only', status: 'parsed' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        const t = s.args[0]!.text;
        if (t === 'enforce' || t === 'permissive' || t === 'receive-only') get(d, s.keyword.loc).mode = t;
        else ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) invalid auth_hmac mode '${t}'`);
      }),
    ],
  };
}
const authHmacSpec = authHmacBlock();

/** A garp_* keyword of an instance: an integer count or whole seconds. */
function garpKw(
  name: string,
  doc: string,
  kind: 'secs' | 'count',
  set: (i: VrrpInstance, v: number, s: Stmt, ctx: ApplyContext) => void,
): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(name, { doc, syntax: kind === 'secs' ? '<SECONDS>' : '<COUNT>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const n = readIntOr(s.args[0]!, ctx);
    if (n === null) return;
    set(d.inst, n, s, ctx);
  });
}

const trackIfKw = (doc: string): KeywordSpec<InstanceDraft> =>
  customKw<InstanceDraft>('track_interface', { doc, syntax: '{ IF [weight <-254..254> [reverse]] ... }', block: 'required' }, (s, d, ctx) =>
    readTrackInterfaces(s, d.inst.name, d.inst.trackInterfaces, ctx),
  );

function trackRefKw(name: string, kind: TrackKind, doc: string, status: KwOpts['status'], pick: (i: VrrpInstance) => TrackedRef[]): KeywordSpec<InstanceDraft> {
  const range = kind === 'script' ? '<-253..253>' : '<-254..254>';
  return customKw<InstanceDraft>(name, { doc, syntax: `{ NAME [weight ${range} [reverse]] ... }`, block: 'required', status }, (s, d, ctx) =>
    readTrackRefs(s, kind, d.inst.name, d.cfg, pick(d.inst), ctx),
  );
}

function useVmacKw(): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(
    'use_vmac',
    { doc: 'Run the instance on a macvlan with the VRRP virtual MAC (00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6).', syntax: '[IFNAME] [MAC] [netlink_notify_msg] [group N]' },
    (s, d, ctx) => {
      let ifname: string | null = null;
      let mac: string | null = null;
      let notifyMsg = false;
      let group: number | null = null;
      for (let i = 0; i < s.args.length; i++) {
        const w = s.args[i]!;
        if (w.text === 'netlink_notify_msg') notifyMsg = true;
        else if (w.text === 'group') {
          const v = argInt(s.args[i + 1], { min: 0, max: 0xffffffff }, ctx, 'group');
          if (v !== undefined) group = v;
          i++;
        } else if (/^([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}$/.test(w.text)) mac = w.text;
        else if (ifname === null) ifname = w.text;
        else ctx.diag.error(w.loc, `(${d.inst.name}) unknown use_vmac parameter ${w.text} - ignoring`);
      }
      if (ifname !== null && ifname.length >= 16) {
        ctx.diag.error(s.args[0]!.loc, `VMAC interface name '${ifname}' too long - ignoring`);
        ifname = null;
      }
      if (ifname !== null) {
        // keepalived refuses a VMAC name another instance already uses (vrrp_vmac_handler; corpus 2013).
        let taken = vmacNames.get(d.cfg.vrrp);
        if (!taken) vmacNames.set(d.cfg.vrrp, (taken = new Map()));
        const holder = taken.get(ifname);
        const other = holder && holder !== d.inst && holder.vmac?.ifname === ifname ? holder : undefined;
        if (other) {
          ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) VRRP instance ${other.name} is already using ${ifname} - ignoring name`);
          ifname = null;
        }
      }
      d.inst.vmac = { loc: s.keyword.loc, ifname, mac, netlinkNotifyMsg: notifyMsg, group };
      if (ifname !== null) vmacNames.get(d.cfg.vrrp)?.set(ifname, d.inst);
    },
  );
}

function useIpvlanKw(): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(
    'use_ipvlan',
    { doc: 'Run the instance on an ipvlan interface.', syntax: '[IFNAME] [IPADDR[/LEN]] [bridge|private|vepa] [group N]', status: 'parsed' },
    (s, d, ctx) => {
      let ifname: string | null = null;
      let address: string | null = null;
      let mode: 'bridge' | 'private' | 'vepa' = 'bridge';
      let group: number | null = null;
      for (let i = 0; i < s.args.length; i++) {
        const w = s.args[i]!;
        if (w.text === 'bridge' || w.text === 'private' || w.text === 'vepa') mode = w.text;
        else if (w.text === 'group') {
          const v = argInt(s.args[i + 1], { min: 0, max: 0xffffffff }, ctx, 'group');
          if (v !== undefined) group = v;
          i++;
        } else if (parseIp(w.text.split('/')[0]!)) address = w.text;
        else if (ifname === null) ifname = w.text;
        else ctx.diag.error(w.loc, `(${d.inst.name}) unknown use_ipvlan parameter ${w.text} - ignoring`);
      }
      d.inst.ipvlan = { loc: s.keyword.loc, ifname, address, mode, group };
    },
  );
}

const instanceNotify = (d: InstanceDraft): { notify: NotifyScripts; owner: string; cfg: ConfigDraft } => ({ notify: d.inst.notify, owner: d.inst.name, cfg: d.cfg });

function timerExpiredBackupKw(): KeywordSpec<InstanceDraft> {
  return customKw<InstanceDraft>(
    'timer_expired_backup',
    { doc: 'When the master-down timer expires in BACKUP, only take over if our priority is at least PRIO (default: always).', syntax: '[<PRIO>]' },
    (s, d, ctx) => {
      if (s.args[0]) {
        const v = argInt(s.args[0], { min: 1, max: 255 }, ctx, 'timer_expired_backup priority');
        if (v === undefined) return;
        d.inst.timerExpiredBackup = { priority: v };
      } else d.inst.timerExpiredBackup = { priority: null };
    },
  );
}

function instanceKeywords(): KeywordSpec<InstanceDraft>[] {
  const timerExpired = timerExpiredBackupKw();
  const garpExtraIf = customKw<InstanceDraft>(
    'garp_extra_if',
    { doc: 'While MASTER, one GARP/NA every SECONDS on each other VMAC of ours carrying VIPs (all: each other interface carrying VIPs); 0 disables.', syntax: '[all] <SECONDS>' },
    (s, d, ctx) => {
      let i = 0;
      let all = false;
      if (s.args[0]?.text === 'all') {
        all = true;
        i = 1;
      }
      const w = s.args[i];
      if (!w) {
        ctx.diag.report('MISSING_PARAMETER', s.keyword.loc, `(${d.inst.name}) ${s.keyword.text} requires a delay`);
        return;
      }
      const n = readIntOr(w, ctx);
      if (n === null || n < 0 || n > 86400) {
        ctx.diag.error(w.loc, `(${d.inst.name}) ${s.keyword.text} '${w.text}' invalid - ignoring`);
        return;
      }
      d.inst.garpExtraIf = { intervalUs: n * 1_000_000, all };
    },
  );
  const lvsSyncd = customKw<InstanceDraft>(
    'lvs_sync_daemon_interface',
    { doc: 'Run the IPVS sync daemon on this interface, following this instance.', syntax: '<IF>', deprecated: 'lvs_sync_daemon', status: 'parsed' },
    (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      void d;
    },
  );
  return [
    customKw<InstanceDraft>('state', { doc: 'The initial state; MASTER normally goes with priority 255.', syntax: 'MASTER|BACKUP' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text;
      if (t === 'MASTER') d.inst.wantState = 'MASTER';
      else if (t === 'BACKUP') {
        if (d.inst.wantState === 'MASTER') ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) state previously set as MASTER - ignoring BACKUP`);
        else d.inst.wantState = 'BACKUP';
      } else {
        ctx.diag.error(s.args[0]!.loc, `(${d.inst.name}) unknown state '${t}', defaulting to BACKUP`);
        d.inst.wantState = 'BACKUP';
      }
    }),
    customKw<InstanceDraft>('interface', { doc: 'The interface the instance runs on.', syntax: '<IF>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      if (w.text.length >= 16) {
        ctx.diag.error(w.loc, `Interface name '${w.text}' too long - ignoring`);
        return;
      }
      d.inst.interface = w.text;
      d.inst.interfaceLoc = w.loc;
      if (ctx.host.interfaceExists(w.text) === false) {
        ctx.diag.error(w.loc, `WARNING - interface ${w.text} for vrrp_instance ${d.inst.name} doesn't exist`);
        missingInterface.add(ctx);
      }
    }),
    customKw<InstanceDraft>('vrf', { doc: 'Bind the instance to a VRF (for unicast without an interface).', syntax: '<VRF-IF>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      d.inst.vrf = w.text;
      if (ctx.host.interfaceExists(w.text) === false) {
        ctx.diag.error(w.loc, `(${d.inst.name}) WARNING - VRF interface ${w.text} doesn't exist`);
        missingInterface.add(ctx);
      }
    }),
    customKw<InstanceDraft>('virtual_router_id', { doc: 'The VRID, shared by all routers of the virtual router.', syntax: '<1-255>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const n = readIntOr(w, ctx);
      if (n === null || n < 1 || n > 255) {
        ctx.diag.error(w.loc, `(${d.inst.name}): VRID '${w.text}' not valid - must be between 1 & 255`);
        return;
      }
      d.inst.vrid = n;
    }),
    customKw<InstanceDraft>('priority', { doc: 'Election priority; 255 means address owner. Default 100 (255 with state MASTER).', syntax: '<1-255>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const n = readIntOr(w, ctx);
      if (n === null || n < 1 || n > 255) {
        ctx.diag.error(w.loc, `(${d.inst.name}) Priority not valid! must be between 1 & 255. Using default ${VRRP_DEFAULTS.priority}`);
        d.inst.configured.priority = VRRP_DEFAULTS.priority;
        return;
      }
      d.inst.configured.priority = n;
    }),
    customKw<InstanceDraft>('advert_int', { doc: 'Advertisement interval in seconds (fractions allowed with VRRPv3, centisecond units).', syntax: '<SECONDS>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const us = readSecondsOr(w, ctx);
      if (us === null || us <= 0) {
        ctx.diag.error(w.loc, `(${d.inst.name}) Advert interval (${w.text}) not valid! Must be > 0 - ignoring`);
        return;
      }
      d.inst.advertIntUs = us;
    }),
    customKw<InstanceDraft>('version', { doc: 'VRRP version (default: global vrrp_version, 3 for IPv6).', syntax: '2|3' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      if (w.text !== '2' && w.text !== '3') {
        ctx.diag.error(w.loc, `(${d.inst.name}): Version not valid - must be 2 or 3`);
        return;
      }
      const v = w.text === '2' ? 2 : 3;
      if (v === 2 && d.inst.vips[0]?.address.family === 6) {
        ctx.diag.error(w.loc, `(${d.inst.name}) vrrp_version conflicts with configured or deduced version; ignoring.`);
        return;
      }
      d.inst.configured.version = v;
    }),
    customKw<InstanceDraft>('native_ipv6', { doc: 'Force an IPv6 instance (VRRPv3).', syntax: '', deprecated: 'version 3' }, (s, d, ctx) => {
      if (d.inst.vips[0]?.address.family === 4) {
        ctx.diag.error(s.keyword.loc, `(${d.inst.name}) Cannot specify native_ipv6 with IPv4 addresses`);
        return;
      }
      d.inst.family = 6;
      d.inst.configured.version = 3;
    }),
    customKw<InstanceDraft>('down_timer_adverts', { doc: 'How many missed adverts make the master down (default 3, RFC value).', syntax: '<1-100>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = argInt(s.args[0], { min: 1, max: 100 }, ctx, 'down_timer_adverts');
      if (v !== undefined) d.inst.downTimerAdverts = v;
    }),
    timerExpired,
    aliasKw('thread_timer_expired', timerExpired, { deprecated: false }),
    customKw<InstanceDraft>('debug', { doc: 'Debug level of the instance.', syntax: '<0-4>' }, (s, d, ctx) => {
      const w = s.args[0];
      if (!w) {
        d.inst.debug = 1;
        return;
      }
      const n = readIntOr(w, ctx);
      if (n === null || n < 0 || n > 4) {
        ctx.diag.error(w.loc, `(${d.inst.name}) Debug value not valid! must be between 0-4`);
        d.inst.debug = 0;
        return;
      }
      d.inst.debug = n;
    }),
    vipKw('virtual_ipaddress', 'The virtual addresses, added while MASTER and sent in adverts.'),
    vipKw('virtual_ipaddress_excluded', 'Virtual addresses added while MASTER but not sent in adverts.'),
    instFlag('no_virtual_ipaddress', 'Allow an instance without VIPs (no warning).', (i, v) => (i.noVirtualIpaddress = v)),
    instFlag('promote_secondaries', 'Set promote_secondaries on the interface so removing one VIP keeps the others.', (i, v) => (i.promoteSecondaries = v)),
    customKw<InstanceDraft>('virtual_routes', { doc: 'Routes added while MASTER.', syntax: '{ ROUTE ... }', block: 'required' }, (s, d, ctx) => {
      for (const line of s.block ?? []) {
        const r = parseRouteStmt(line, ctx, ipLineOwner(d));
        if (r) d.inst.routes.push(r);
      }
    }),
    customKw<InstanceDraft>('virtual_rules', { doc: 'Policy routing rules added while MASTER.', syntax: '{ RULE ... }', block: 'required' }, (s, d, ctx) => {
      for (const line of s.block ?? []) {
        const r = parseRuleStmt(line, ctx, ipLineOwner(d));
        if (r) d.inst.rules.push(r);
      }
    }),
    srcIpKw('unicast_src_ip'),
    srcIpKw('mcast_src_ip'),
    unicastPeerKw(),
    customKw<InstanceDraft>('mcast_dst_ip', { doc: 'Multicast group for adverts (default 224.0.0.18 / ff02::12).', syntax: '<IPADDR>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const ip = parseIp(w.text);
      if (!ip || !(ip.family === 4 ? (ip.bytes[0]! & 0xf0) === 0xe0 : ip.bytes[0] === 0xff)) {
        ctx.diag.error(w.loc, `(${d.inst.name}) mcast_dst_ip '${w.text}' is not a multicast address - ignoring`);
        return;
      }
      d.inst.mcastDstIpConfigured = ip;
    }),
    customKw<InstanceDraft>('unicast_ttl', { doc: 'TTL of unicast adverts (default 255).', syntax: '<1-255>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = argInt(s.args[0], { min: 1, max: 255 }, ctx, 'unicast_ttl');
      if (v !== undefined) d.inst.unicastTtl = v;
    }),
    instFlag('unicast_fault_no_peer', 'Go to FAULT when unicast is configured with no peers.', (i, v) => (i.unicastFaultNoPeer = v)),
    instBool('check_unicast_src', 'Only accept unicast adverts from configured peers.', (i, v) => (i.configured.checkUnicastSrc = v)),
    customKw<InstanceDraft>('old_unicast_checksum', { doc: 'Compute unicast VRRPv3 checksums as keepalived < 1.3.6 did.', syntax: '[never]' }, (s, d, ctx) => {
      const w = s.args[0];
      if (!w) d.inst.oldUnicastChecksum = 'config';
      else if (w.text === 'never') d.inst.oldUnicastChecksum = 'never';
      else ctx.diag.error(w.loc, `(${d.inst.name}) Unknown old_unicast_chksum mode ${w.text} - ignoring`);
    }),
    instFlag('track_src_ip', 'Go to FAULT when the configured source address goes away.', (i, v) => (i.trackSrcIp = v)),
    useVmacKw(),
    instFlag('use_vmac_addr', 'Use the virtual MAC on the base interface (no macvlan).', (i, v) => (i.useVmacAddr = v)),
    instFlag('vmac_xmit_base', 'Send and receive adverts on the base interface rather than the VMAC.', (i, v) => (i.vmacXmitBase = v)),
    useIpvlanKw(),
    instFlag('dont_track_primary', 'Ignore faults of the instance\'s own interface.', (i, v) => (i.dontTrackPrimary = v)),
    trackIfKw('Interfaces whose state changes the priority (weight) or puts the instance in FAULT.'),
    trackRefKw('track_script', 'script', 'vrrp_scripts whose result changes the priority or puts the instance in FAULT.', 'supported', (i) => i.trackScripts),
    trackRefKw('track_file', 'file', 'track_files whose value changes the priority.', 'supported', (i) => i.trackFiles),
    trackRefKw('track_process', 'process', 'vrrp_track_processes whose presence changes the priority.', 'supported', (i) => i.trackProcesses),
    trackRefKw('track_bfd', 'bfd', 'BFD sessions whose state changes the priority.', 'parsed', (i) => i.trackBfds),
    instBool('accept', 'Accept packets to the VIPs when not address owner (default unless strict).', (i, v) => (i.configured.accept = v)),
    flagKw<InstanceDraft>('no_accept', { doc: 'Drop packets to the VIPs when not address owner (needs a firewall).', status: 'parsed' }, (d, v) => (d.inst.configured.accept = !v)),
    flagKw<InstanceDraft>('preempt', { doc: 'Preempt a lower-priority master (the default).' }, (d, v) => (d.inst.nopreempt = !v)),
    flagKw<InstanceDraft>('nopreempt', { doc: 'Do not preempt a lower-priority master (needs initial state BACKUP).' }, (d, v) => (d.inst.nopreempt = v)),
    customKw<InstanceDraft>('preempt_delay', { doc: 'Wait this long after startup before preempting.', syntax: '<0-1000 SECONDS>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const us = readSecondsOr(w, ctx);
      if (us === null || us > 1000 * 1_000_000) {
        ctx.diag.error(w.loc, `(${d.inst.name}) Preempt_delay not valid! must be between 0-1000`);
        d.inst.preemptDelayUs = 0;
        return;
      }
      d.inst.preemptDelayUs = us;
    }),
    instBool('skip_check_adv_addr', 'Do not check the address list of adverts from the current master.', (i, v) => (i.configured.skipCheckAdvAddr = v)),
    instBool('strict_mode', 'Enforce RFC compliance (see vrrp_strict).', (i, v) => (i.configured.strict = v)),
    instFlag('v3_checksum_as_v2', 'Compute IPv4 VRRPv3 checksums without the pseudo-header (old peers).', (i, v) => (i.v3ChecksumAsV2 = v)),
    instBool('lower_prio_no_advert', 'Do not answer a lower-priority advert with one of ours.', (i, v) => (i.configured.lowerPrioNoAdvert = v)),
    instBool('higher_prio_send_advert', 'Send an advert before yielding to a higher-priority master.', (i, v) => (i.configured.higherPrioSendAdvert = v)),
    instFlag('owner_ignore_adverts', 'As address owner (priority 255), drop every advert received from other routers.', (i, v) => (i.configured.ownerIgnoreAdverts = v)),
    customKw<InstanceDraft>('kernel_rx_buf_size', { doc: 'Receive buffer size of the instance\'s socket.', syntax: '<BYTES>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = argInt(s.args[0], { min: 0, max: 0x7fffffff }, ctx, 'kernel_rx_buf_size');
      if (v !== undefined) d.inst.kernelRxBufSize = v;
    }),
    flagKw<InstanceDraft>('linkbeat_use_polling', { doc: 'Poll the link state of the interface (MII/ethtool) instead of netlink.', deprecated: 'linkbeat_interfaces', status: 'parsed' }, (d, v) => (d.inst.linkbeatUsePolling = v)),
    garpKw('garp_master_delay', 'Delay before the second set of GARPs after becoming MASTER (seconds, 0 for none).', 'secs', (i, n, s, ctx) => {
      if (n < 0 || n > 255) {
        ctx.diag.error(s.args[0]!.loc, `(${i.name}): garp_master_delay must be between 0 and 255 - ignoring`);
        return;
      }
      i.configured.garp.masterDelayUs = n * 1_000_000;
    }),
    garpKw('garp_master_repeat', 'Number of GARPs/NAs sent per set on becoming MASTER.', 'count', (i, n, s, ctx) => {
      if (n < 1) {
        ctx.diag.error(s.args[0]!.loc, `(${i.name}): garp_master_repeat must be greater than 0, setting to 1`);
        n = 1;
      }
      i.configured.garp.masterRepeat = n;
    }),
    garpKw('garp_master_refresh', 'Interval of periodic GARPs while MASTER (seconds, 0 for none).', 'secs', (i, n, s, ctx) => {
      if (n < 0) {
        ctx.diag.error(s.args[0]!.loc, `(${i.name}): garp_master_refresh must be >= 0 - ignoring`);
        return;
      }
      i.configured.garp.masterRefreshUs = n * 1_000_000;
    }),
    garpKw('garp_master_refresh_repeat', 'Number of GARPs/NAs per periodic refresh.', 'count', (i, n, s, ctx) => {
      if (n < 1) {
        ctx.diag.error(s.args[0]!.loc, `(${i.name}): garp_master_refresh_repeat must be greater than 0, setting to 1`);
        n = 1;
      }
      i.configured.garp.masterRefreshRepeat = n;
    }),
    garpKw('garp_lower_prio_delay', 'Delay before GARPs after seeing a lower-priority advert while MASTER.', 'secs', (i, n, s, ctx) => {
      if (n < 0) {
        ctx.diag.error(s.args[0]!.loc, `(${i.name}): garp_lower_prio_delay must be >= 0 - ignoring`);
        return;
      }
      i.configured.garp.lowerPrioDelayUs = n * 1_000_000;
    }),
    garpKw('garp_lower_prio_repeat', 'Number of GARPs/NAs sent after a lower-priority advert (0 for none).', 'count', (i, n) => {
      i.configured.garp.lowerPrioRepeat = n < 0 ? 0 : n;
    }),
    garpExtraIf,
    aliasKw('vmac_garp_intvl', garpExtraIf),
    notifyKw<InstanceDraft>('notify_master', 'master', 'Script run on transition to MASTER.', instanceNotify),
    notifyKw<InstanceDraft>('notify_backup', 'backup', 'Script run on transition to BACKUP.', instanceNotify),
    notifyKw<InstanceDraft>('notify_fault', 'fault', 'Script run on transition to FAULT.', instanceNotify),
    notifyKw<InstanceDraft>('notify_stop', 'stop', 'Script run when the instance stops.', instanceNotify),
    notifyKw<InstanceDraft>('notify_deleted', 'deleted', 'Script run when the instance is removed by a reload.', instanceNotify),
    notifyKw<InstanceDraft>('notify', 'generic', 'Script run on every transition with INSTANCE, name, state and priority appended.', instanceNotify),
    notifyKw<InstanceDraft>('notify_master_rx_lower_pri', 'masterRxLowerPri', 'Script run when MASTER receives a lower-priority advert.', instanceNotify),
    instBool('notify_priority_changes', 'Also notify (FIFO) when the effective priority changes.', (i, v) => (i.configured.notifyPriorityChanges = v)),
    parsedOnly(instBool('smtp_alert', 'Send email alerts on transitions (email is not sent by tskeepalived).', (i, v) => (i.configured.smtpAlert = v))),
    lvsSyncd,
    customKw<InstanceDraft>('authentication', { doc: 'VRRPv2 authentication (removed by RFC 3768; not in strict mode).', syntax: '{ auth_type PASS|AH; auth_pass P }', block: 'required', sub: authSpec }, (s, d, ctx) =>
      ctx.walk(authSpec, s.block ?? [], d),
    ),
    customKw<InstanceDraft>('auth_hmac', { doc: 'HMAC-SHA256 advert authentication with key rotation.', syntax: '{ key ID KEY; active_key ID; anti_replay time|monotonic; time_window S; mode M }', block: 'required', sub: authHmacSpec, status: 'parsed' }, (s, d, ctx) =>
      ctx.walk(authHmacSpec, s.block ?? [], d),
    ),
  ];
}


/** The vrrp_instance block table. */
export const vrrpInstanceSpec: BlockSpec<InstanceDraft> = { name: 'vrrp_instance', keywords: instanceKeywords() };

// ---------------------------------------------------------------------------------------------
// vrrp_sync_group.

const groupNotify = (d: GroupDraft): { notify: NotifyScripts; owner: string; cfg: ConfigDraft } => ({ notify: d.group.notify, owner: d.group.name, cfg: d.cfg });

function groupTrackKw(kw: string, kind: TrackKind, status: KwOpts['status'], pick: (g: SyncGroup) => TrackedRef[]): KeywordSpec<GroupDraft> {
  return customKw<GroupDraft>(kw, { doc: `Tracked ${kind}s applied to every member.`, syntax: '{ NAME [weight W [reverse]] ... }', block: 'required', status }, (s, d, ctx) =>
    readTrackRefs(s, kind, d.group.name, d.cfg, pick(d.group), ctx),
  );
}

const syncGroupTracking = flagKw<GroupDraft>('sync_group_tracking_weight', { doc: 'Apply tracking weights of members to the whole group instead of faulting it.' }, (d, v) => (d.group.trackingWeight = v));

/** The vrrp_sync_group block table. */
export const vrrpSyncGroupSpec: BlockSpec<GroupDraft> = {
  name: 'vrrp_sync_group',
  keywords: [
    customKw<GroupDraft>('group', { doc: 'The member instances; they change state together.', syntax: '{ INSTANCE ... }', block: 'required' }, (s, d, ctx) => {
      if (d.group.members.length) {
        ctx.diag.error(s.keyword.loc, `Group list already specified for sync group ${d.group.name}`);
        return;
      }
      for (const w of blockWords(s)) d.group.members.push({ loc: w.loc, name: w.text });
    }),
    customKw<GroupDraft>('track_interface', { doc: 'Tracked interfaces applied to every member.', syntax: '{ IF [weight W [reverse]] ... }', block: 'required' }, (s, d, ctx) =>
      readTrackInterfaces(s, d.group.name, d.group.trackInterfaces, ctx),
    ),
    groupTrackKw('track_script', 'script', 'supported', (g) => g.trackScripts),
    groupTrackKw('track_file', 'file', 'supported', (g) => g.trackFiles),
    groupTrackKw('track_process', 'process', 'supported', (g) => g.trackProcesses),
    groupTrackKw('track_bfd', 'bfd', 'parsed', (g) => g.trackBfds),
    notifyKw<GroupDraft>('notify_master', 'master', 'Script run when the group becomes MASTER.', groupNotify),
    notifyKw<GroupDraft>('notify_backup', 'backup', 'Script run when the group becomes BACKUP.', groupNotify),
    notifyKw<GroupDraft>('notify_fault', 'fault', 'Script run when the group goes to FAULT.', groupNotify),
    notifyKw<GroupDraft>('notify_stop', 'stop', 'Script run when the group stops.', groupNotify),
    notifyKw<GroupDraft>('notify', 'generic', 'Script run on every transition with GROUP, name and state appended.', groupNotify),
    parsedOnly(customKw<GroupDraft>('smtp_alert', { doc: 'Send email alerts on group transitions (email is not sent by tskeepalived).', syntax: '[BOOL]' }, (s, d, ctx) => {
      const v = argBool(s.args[0], ctx);
      if (v !== undefined) d.group.smtpAlert = v;
    })),
    { ...aliasKw('global_tracking', syncGroupTracking), deprecated: 'sync_group_tracking_weight' },
    syncGroupTracking,
    customKw<GroupDraft>('notify_priority_changes', { doc: 'Notify priority changes of members.', syntax: '[BOOL]' }, (s, d, ctx) => {
      const v = argBool(s.args[0], ctx);
      if (v !== undefined) d.group.notifyPriorityChanges = v;
    }),
  ],
};

// ---------------------------------------------------------------------------------------------
// vrrp_script.

/** The vrrp_script block table. */
export const vrrpScriptSpec: BlockSpec<ScriptDraft> = {
  name: 'vrrp_script',
  keywords: [
    customKw<ScriptDraft>('script', { doc: 'The command to run; exit 0 means up.', syntax: '<COMMAND>|"<COMMAND LINE>"' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      d.scriptWord = s.args.length === 1 ? s.args[0]! : { text: s.args.map((w) => w.text).join(' '), loc: s.args[0]!.loc };
    }),
    customKw<ScriptDraft>('interval', { doc: 'Seconds between runs (default 1).', syntax: '<SECONDS>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const us = readSecondsOr(s.args[0]!, ctx);
      if (us === null) return;
      d.script.intervalUs = Math.max(us, 1_000_000);
    }),
    customKw<ScriptDraft>('timeout', { doc: 'Seconds after which a run counts as failed (default: the interval).', syntax: '<SECONDS>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const us = readSecondsOr(s.args[0]!, ctx);
      if (us === null) return;
      d.script.timeoutConfigured = Math.max(us, 1_000_000);
    }),
    customKw<ScriptDraft>('weight', { doc: 'Priority change while up (positive) or down (negative); 0: fault when down.', syntax: '<-253..253> [reverse]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const w = s.args[0]!;
      const n = readIntOr(w, ctx);
      if (n === null || n < -253 || n > 253) {
        ctx.diag.error(w.loc, `vrrp_script ${d.script.name} weight must be between [-253..253] inclusive. Ignoring...`);
        return;
      }
      d.script.weight = n;
      if (s.args[1]) {
        if (s.args[1].text === 'reverse') d.script.weightReverse = true;
        else if (s.args[1].text !== 'noreverse') ctx.diag.error(s.args[1].loc, `vrrp_script ${d.script.name} unknown weight option '${s.args[1].text}'`);
      }
    }),
    customKw<ScriptDraft>('rise', { doc: 'Successes needed to count as up (default 1).', syntax: '<N>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const n = readIntOr(s.args[0]!, ctx);
      if (n !== null) d.script.rise = Math.max(1, n);
    }),
    customKw<ScriptDraft>('fall', { doc: 'Failures needed to count as down (default 1).', syntax: '<N>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const n = readIntOr(s.args[0]!, ctx);
      if (n !== null) d.script.fall = Math.max(1, n);
    }),
    customKw<ScriptDraft>('user', { doc: 'Run as this user (and group).', syntax: '<USER> [GROUP]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      d.userWords = [...s.args];
      d.script.user = s.args.map((w) => w.text);
      d.script.userLoc = s.keyword.loc;
    }),
    flagKw<ScriptDraft>('init_fail', { doc: 'Start in the failed state rather than up.' }, (d, v) => (d.script.initFail = v)),
  ],
};

// ---------------------------------------------------------------------------------------------
// track_file.

/** The track_file block table. */
export const trackFileSpec: BlockSpec<FileDraft> = {
  name: 'track_file',
  keywords: [
    customKw<FileDraft>('file', { doc: 'The file whose integer content is read (times weight) into the priority.', syntax: '<PATH>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      if (d.file.file !== null) {
        ctx.diag.error(s.args[0]!.loc, `File already set for track file ${d.file.name} - ignoring ${s.args[0]!.text}`);
        return;
      }
      d.file.file = s.args[0]!.text;
    }),
    customKw<FileDraft>('weight', { doc: 'Multiplier of the file\'s value (default 1); 0: non-zero value means fault.', syntax: '<-254..254> [reverse]' }, (s, d, ctx) => {
      if (!s.args[0]) {
        ctx.diag.report('MISSING_PARAMETER', s.keyword.loc, `No weight specified for track file ${d.file.name} - ignoring`);
        return;
      }
      const w = s.args[0];
      const n = readIntOr(w, ctx);
      if (n === null || n < -254 || n > 254) {
        ctx.diag.error(w.loc, `Weight for ${d.file.name} must be between [-254..254] inclusive. Ignoring...`);
        return;
      }
      d.file.weight = n;
      if (s.args[1]?.text === 'reverse') d.file.weightReverse = true;
      else if (s.args[1]) ctx.diag.error(s.args[1].loc, `track file ${d.file.name} unknown weight option '${s.args[1].text}'`);
    }),
    customKw<FileDraft>('init_file', { doc: 'Create the file with VALUE (default 0) if absent, or always with overwrite.', syntax: '[VALUE] [overwrite]' }, (s, d, ctx) => {
      let value = 0;
      let overwrite = false;
      for (const w of s.args) {
        if (/^[0-9-]/.test(w.text)) {
          const n = readIntOr(w, ctx);
          if (n === null) ctx.diag.error(w.loc, `Track file ${d.file.name} init weight ${w.text} is invalid`);
          else value = n;
        } else if (w.text === 'overwrite') overwrite = true;
        else ctx.diag.error(w.loc, `Unknown track file init option ${w.text}`);
      }
      d.file.init = { value, overwrite };
    }),
  ],
};

// ---------------------------------------------------------------------------------------------
// vrrp_track_process.

function procDelay(kw: string, doc: string, set: (p: TrackProcess, us: number) => void): KeywordSpec<ProcessDraft> {
  return customKw<ProcessDraft>(kw, { doc, syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const us = argTimer(s.args[0], { min: 0, max: 3600 }, ctx, kw);
    if (us !== undefined) set(d.proc, us);
  });
}

/** The vrrp_track_process block table. */
export const trackProcessSpec: BlockSpec<ProcessDraft> = {
  name: 'vrrp_track_process',
  keywords: [
    customKw<ProcessDraft>('process', { doc: 'The process name (or full command with parameters) to watch.', syntax: '<NAME> [PARAMS ...]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      d.proc.process = s.args[0]!.text;
      d.proc.params = s.args.slice(1).map((w) => w.text);
    }),
    customKw<ProcessDraft>('param_match', { doc: 'How PARAMS must match the command line.', syntax: 'initial|partial' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const t = s.args[0]!.text;
      if (t === 'initial' || t === 'partial') d.proc.paramMatch = t;
      else ctx.diag.error(s.args[0]!.loc, `Unknown param_match ${t} for track process ${d.proc.name} - ignoring`);
    }),
    customKw<ProcessDraft>('weight', { doc: 'Priority change while the quorum is met (or, reversed, not met); 0: fault.', syntax: '<-254..254> [reverse]' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const n = readIntOr(s.args[0]!, ctx);
      if (n === null || n < -254 || n > 254) {
        ctx.diag.error(s.args[0]!.loc, `Weight for track process ${d.proc.name} must be between [-254..254] inclusive. Ignoring...`);
        return;
      }
      d.proc.weight = n;
      if (s.args[1]?.text === 'reverse') d.proc.weightReverse = true;
    }),
    customKw<ProcessDraft>('quorum', { doc: 'Minimum number of processes (default 1).', syntax: '<1-65535>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = argInt(s.args[0], { min: 1, max: 65535 }, ctx, 'quorum');
      if (v !== undefined) d.proc.quorum = v;
    }),
    customKw<ProcessDraft>('quorum_max', { doc: 'Maximum number of processes.', syntax: '<0-65535>' }, (s, d, ctx) => {
      if (!needArgs(s, 1, ctx)) return;
      const v = argInt(s.args[0], { min: 0, max: 65535 }, ctx, 'quorum_max');
      if (v !== undefined) d.proc.quorumMax = v;
    }),
    procDelay('delay', 'Delay before acting on a change (both directions).', (p, us) => (p.delayUs = us)),
    procDelay('terminate_delay', 'Delay before acting on a process ending.', (p, us) => (p.terminateDelayUs = us)),
    procDelay('fork_delay', 'Delay before acting on a process starting.', (p, us) => (p.forkDelayUs = us)),
    flagKw<ProcessDraft>('full_command', { doc: 'Match the full command line rather than the process name.' }, (d, v) => (d.proc.fullCommand = v)),
  ],
};

// ---------------------------------------------------------------------------------------------
// garp_group, track_group.

function intervalKw(kw: 'garp_interval' | 'gna_interval'): KeywordSpec<GarpDraft> {
  return customKw<GarpDraft>(kw, { doc: `Minimum delay between ${kw === 'garp_interval' ? 'gratuitous ARPs' : 'unsolicited NAs'} on these interfaces.`, syntax: '<SECONDS>' }, (s, d, ctx) => {
    if (!needArgs(s, 1, ctx)) return;
    const us = readSecondsOr(s.args[0]!, ctx);
    if (us === null) return;
    if (us >= 1_000_000) ctx.diag.report('WARNING', s.args[0]!.loc, `The ${kw} is very large - ${s.args[0]!.text} seconds`);
    if (kw === 'garp_interval') d.group.garpIntervalUs = us;
    else d.group.gnaIntervalUs = us;
  });
}

function garpIfAdd(w: Word, d: GarpDraft, ctx: ApplyContext): void {
  if (ctx.host.interfaceExists(w.text) === false) {
    ctx.diag.error(w.loc, `WARNING - interface ${w.text} specified for garp_group doesn't exist`);
    missingInterface.add(ctx);
    return;
  }
  if ([...d.all, d.group].some((g) => g.interfaces.some((i) => i.name === w.text))) {
    ctx.diag.error(w.loc, `garp_group already specified for ${w.text} - ignoring`);
    return;
  }
  d.group.interfaces.push({ loc: w.loc, name: w.text });
}

/** The garp_group block table. */
export const garpGroupSpec: BlockSpec<GarpDraft> = (() => {
  return {
    name: 'garp_group',
    keywords: [
      intervalKw('garp_interval'),
      intervalKw('gna_interval'),
      customKw<GarpDraft>('interface', { doc: 'The interface the delays apply to.', syntax: '<IF>' }, (s, d, ctx) => {
        if (!needArgs(s, 1, ctx)) return;
        garpIfAdd(s.args[0]!, d, ctx);
      }),
      customKw<GarpDraft>('interfaces', { doc: 'Interfaces the delays apply to, aggregated.', syntax: '{ IF ... }', block: 'required' }, (s, d, ctx) => {
        const ws = blockWords(s);
        if (!ws.length) {
          ctx.diag.error(s.keyword.loc, 'Warning - empty garp_group interfaces block');
          return;
        }
        for (const w of ws) garpIfAdd(w, d, ctx);
      }),
    ],
  };
})();

/** The track_group block table. */
export const trackGroupSpec: BlockSpec<NamesDraft> = {
  name: 'track_group',
  keywords: [
    customKw<NamesDraft>('group', { doc: 'Instances whose state decides whether static addresses/routes/rules tagged with this group are kept.', syntax: '{ INSTANCE ... }', block: 'required' }, (s, d) => {
      for (const w of blockWords(s)) d.names.push({ loc: w.loc, name: w.text });
    }),
  ],
};

// ---------------------------------------------------------------------------------------------
// Root keywords.

type Root = KeywordSpec<ConfigDraft>;

function rootName(s: Stmt, what: string, ctx: ApplyContext): Word | null {
  if (s.args.length !== 1) {
    ctx.diag.error(s.keyword.loc, `${what} must have a name - skipping`);
    return null;
  }
  return s.args[0]!;
}

const vrrpInstanceKw: Root = customKw<ConfigDraft>(
  'vrrp_instance',
  { doc: 'A VRRP instance: one virtual router on one interface.', syntax: '<NAME> { ... }', block: 'required', sub: vrrpInstanceSpec },
  (s, cfg, ctx) => {
    const n = rootName(s, 'vrrp_instance', ctx);
    if (!n) return;
    if (named(cfg.vrrp.instances, n.text).length > 0) {
      ctx.diag.error(n.loc, `vrrp instance ${n.text} already defined`);
      return;
    }
    const inst = newVrrpInstance(n.text, s.keyword.loc);
    cfg.vrrp.instances.push(inst);
    ctx.walk(vrrpInstanceSpec, s.block ?? [], { cfg, inst });
  },
);

const syncGroupKw: Root = customKw<ConfigDraft>(
  'vrrp_sync_group',
  { doc: 'Instances that change state together.', syntax: '<NAME> { ... }', block: 'required', sub: vrrpSyncGroupSpec },
  (s, cfg, ctx) => {
    const n = rootName(s, 'vrrp_sync_group', ctx);
    if (!n) return;
    if (cfg.vrrp.syncGroups.some((g) => g.name === n.text)) {
      ctx.diag.error(n.loc, `vrrp sync group ${n.text} already defined`);
      return;
    }
    const group: SyncGroup = {
      loc: s.keyword.loc,
      name: n.text,
      members: [],
      trackInterfaces: [],
      trackScripts: [],
      trackFiles: [],
      trackProcesses: [],
      trackBfds: [],
      notify: emptyNotify(),
      smtpAlert: null,
      trackingWeight: false,
      notifyPriorityChanges: null,
    };
    cfg.vrrp.syncGroups.push(group);
    ctx.walk(vrrpSyncGroupSpec, s.block ?? [], { cfg, group });
  },
);

const vrrpScriptKw: Root = customKw<ConfigDraft>(
  'vrrp_script',
  { doc: 'A script run periodically; instances tracking it change priority or go to FAULT.', syntax: '<NAME> { ... }', block: 'required', sub: vrrpScriptSpec },
  (s, cfg, ctx) => {
    argOrAbort(s, ctx);
    const n = rootName(s, 'vrrp_script', ctx);
    if (!n) return;
    if (hasEnabled(cfg.vrrp.scripts, n.text)) {
      ctx.diag.error(n.loc, `vrrp_script ${n.text} already defined`);
      return;
    }
    const script: VrrpScript = {
      loc: s.keyword.loc,
      name: n.text,
      script: null,
      user: null,
      userLoc: null,
      intervalUs: VRRP_DEFAULTS.scriptIntervalUs,
      timeoutUs: VRRP_DEFAULTS.scriptIntervalUs,
      timeoutConfigured: null,
      weight: 0,
      weightReverse: false,
      rise: 1,
      fall: 1,
      initFail: false,
      enabled: true,
    };
    const draft: ScriptDraft = { cfg, script, userWords: null, scriptWord: null };
    ctx.walk(vrrpScriptSpec, s.block ?? [], draft);
    script.timeoutUs = script.timeoutConfigured ?? script.intervalUs;
    if (!draft.scriptWord) {
      ctx.diag.error(s.keyword.loc, `No script set for vrrp_script ${n.text} - removing`);
      script.enabled = false;
    } else {
      script.script = scriptRef(draft.scriptWord, draft.userWords ?? undefined, 'vrrp_script', cfg, ctx);
    }
    cfg.vrrp.scripts.push(script);
  },
);

function trackFileRoot(kwName: string, deprecated: boolean): Root {
  return customKw<ConfigDraft>(
    kwName,
    {
      doc: deprecated ? 'Deprecated alias of `track_file`.' : 'A file whose integer content changes the priority of the instances tracking it.',
      syntax: '<NAME> { ... }',
      block: 'required',
      sub: trackFileSpec,
      ...(deprecated ? { deprecated: 'track_file' } : {}),
    },
    (s, cfg, ctx) => {
      argOrAbort(s, ctx);
      const n = rootName(s, kwName, ctx);
      if (!n) return;
      if (hasEnabled(cfg.vrrp.trackFiles, n.text)) {
        ctx.diag.error(n.loc, `track_file ${n.text} already defined`);
        return;
      }
      const file: TrackFile = { loc: s.keyword.loc, name: n.text, file: null, weight: 1, weightReverse: false, init: null, enabled: true };
      ctx.walk(trackFileSpec, s.block ?? [], { file });
      if (file.file === null) {
        ctx.diag.error(s.keyword.loc, `No file set for track_file ${n.text} - ignoring`);
        file.enabled = false;
      }
      cfg.vrrp.trackFiles.push(file);
    },
  );
}

const trackProcessKw: Root = customKw<ConfigDraft>(
  'vrrp_track_process',
  { doc: 'Processes (seen through the kernel proc connector) whose presence changes the priority.', syntax: '<NAME> { ... }', block: 'required', sub: trackProcessSpec },
  (s, cfg, ctx) => {
    const n = rootName(s, 'vrrp_track_process', ctx);
    if (!n) return;
    if (hasEnabled(cfg.vrrp.trackProcesses, n.text)) {
      ctx.diag.error(n.loc, `vrrp_track_process ${n.text} already defined`);
      return;
    }
    const proc: TrackProcess = {
      loc: s.keyword.loc,
      name: n.text,
      process: null,
      params: [],
      paramMatch: 'exact',
      weight: 0,
      weightReverse: false,
      quorum: 1,
      quorumMax: null,
      delayUs: 0,
      terminateDelayUs: null,
      forkDelayUs: null,
      fullCommand: false,
      enabled: true,
    };
    ctx.walk(trackProcessSpec, s.block ?? [], { proc });
    if (proc.process === null) {
      ctx.diag.error(s.keyword.loc, `No process specified for track process ${n.text} - removing`);
      proc.enabled = false;
    } else if (proc.quorumMax !== null && proc.quorumMax < proc.quorum) {
      ctx.diag.error(s.keyword.loc, `(${n.text}): quorum_max ${proc.quorumMax} < quorum ${proc.quorum} - setting quorum_max to quorum`);
      proc.quorumMax = proc.quorum;
    }
    cfg.vrrp.trackProcesses.push(proc);
  },
);

const garpGroupKw: Root = customKw<ConfigDraft>(
  'garp_group',
  { doc: 'Rate limits for GARPs/NAs on a set of interfaces.', syntax: '{ garp_interval S; gna_interval S; interface IF | interfaces { ... } }', block: 'required', sub: garpGroupSpec },
  (s, cfg, ctx) => {
    const group: GarpGroup = { loc: s.keyword.loc, garpIntervalUs: null, gnaIntervalUs: null, interfaces: [] };
    ctx.walk(garpGroupSpec, s.block ?? [], { group, all: cfg.vrrp.garpGroups });
    if (group.garpIntervalUs === null && group.gnaIntervalUs === null) {
      ctx.diag.error(s.keyword.loc, `garp group ${cfg.vrrp.garpGroups.length + 1} does not have any delay set - removing`);
      return;
    }
    cfg.vrrp.garpGroups.push(group);
  },
);

const trackGroupKw: Root = customKw<ConfigDraft>(
  'track_group',
  { doc: 'A named set of instances for tracking static addresses, routes and rules.', syntax: '<NAME> { group { ... } }', block: 'required', sub: trackGroupSpec },
  (s, cfg, ctx) => {
    const n = rootName(s, 'track_group', ctx);
    if (!n) return;
    if (cfg.vrrp.trackGroups.some((g) => g.name === n.text)) {
      ctx.diag.error(n.loc, `track_group ${n.text} already defined`);
      return;
    }
    const names: NameRef[] = [];
    ctx.walk(trackGroupSpec, s.block ?? [], { names });
    if (!names.length) ctx.diag.error(s.keyword.loc, `track_group ${n.text} has no virtual routers(s) - removing`);
    else cfg.vrrp.trackGroups.push({ loc: s.keyword.loc, name: n.text, members: names });
  },
);

const linkbeatKw: Root = customKw<ConfigDraft>(
  'linkbeat_interfaces',
  { doc: 'Interfaces whose link state is polled (MII, ETHTOOL or IOCTL) rather than taken from netlink.', syntax: '{ IF [MII|ETHTOOL|IOCTL] ... }', block: 'required', status: 'parsed' },
  (s, cfg, ctx) => {
    for (const line of s.block ?? []) {
      const nm = line.keyword.text;
      if (ctx.host.interfaceExists(nm) === false) {
        ctx.diag.error(line.keyword.loc, `unknown interface ${nm} specified for linkbeat interface`);
        missingInterface.add(ctx);
        continue;
      }
      let mode: 'MII' | 'ETHTOOL' | 'IOCTL' | null = null;
      const m = line.args[0];
      if (m) {
        if (m.text === 'MII' || m.text === 'ETHTOOL' || m.text === 'IOCTL') mode = m.text;
        else ctx.diag.error(m.loc, `Unknown linkbeat type ${m.text} for ${nm} - ignoring`);
      }
      cfg.vrrp.linkbeatInterfaces.push({ loc: line.keyword.loc, name: nm, mode });
    }
  },
);

const upDownKw: Root = customKw<ConfigDraft>(
  'interface_up_down_delays',
  { doc: 'Debounce link changes: ignore a down (and up) shorter than these delays.', syntax: '{ IF DOWN-SECONDS [UP-SECONDS] ... }', block: 'required' },
  (s, cfg, ctx) => {
    for (const line of s.block ?? []) {
      const nm = line.keyword.text;
      if (ctx.host.interfaceExists(nm) === false) {
        ctx.diag.report('FATAL', line.keyword.loc, `unknown interface ${nm} specified for up/down delay`);
        continue;
      }
      if (!line.args.length) {
        ctx.diag.error(line.keyword.loc, `No timeouts specified for ${nm} up/down delays`);
        continue;
      }
      if (line.args.length > 2) ctx.diag.error(line.args[2]!.loc, `Too many parameters for ${nm} up/down delays`);
      const down = readSecondsOr(line.args[0]!, ctx);
      if (down === null || down > 255_000_000) {
        ctx.diag.error(line.args[0]!.loc, `Invalid down delay ${line.args[0]!.text} for ${nm}`);
        continue;
      }
      let up = 0;
      if (line.args[1]) {
        const u = readSecondsOr(line.args[1], ctx);
        if (u === null || u > 255_000_000) {
          ctx.diag.error(line.args[1].loc, `Invalid up delay ${line.args[1].text} for ${nm}`);
          continue;
        }
        up = u;
      }
      cfg.vrrp.upDownDelays.push({ loc: line.keyword.loc, interface: nm, downUs: down, upUs: up });
    }
  },
);

function extraParams(s: Stmt, ctx: ApplyContext): void {
  if (s.args.length) ctx.diag.error(s.args[0]!.loc, `Block ${s.keyword.text} has extra parameters ${s.args.map((w) => w.text).join(' ')} ...`);
}

const staticAddrKw: Root = customKw<ConfigDraft>(
  'static_ipaddress',
  { doc: 'Addresses added at startup whatever the VRRP state.', syntax: '{ ADDRESS ... }', block: 'required' },
  (s, cfg, ctx) => {
    extraParams(s, ctx);
    for (const line of s.block ?? []) {
      const a = parseAddressStmt(line, ctx, { defaultInterface: null, owner: 'static_ipaddress' });
      if (a) cfg.vrrp.staticAddresses.push(a);
    }
  },
);
const staticRoutesKw: Root = customKw<ConfigDraft>(
  'static_routes',
  { doc: 'Routes added at startup whatever the VRRP state.', syntax: '{ ROUTE ... }', block: 'required' },
  (s, cfg, ctx) => {
    extraParams(s, ctx);
    for (const line of s.block ?? []) {
      const r = parseRouteStmt(line, ctx, { defaultInterface: null, owner: 'static_routes' });
      if (r) cfg.vrrp.staticRoutes.push(r);
    }
  },
);
const staticRulesKw: Root = customKw<ConfigDraft>(
  'static_rules',
  { doc: 'Policy rules added at startup whatever the VRRP state.', syntax: '{ RULE ... }', block: 'required' },
  (s, cfg, ctx) => {
    extraParams(s, ctx);
    for (const line of s.block ?? []) {
      const r = parseRuleStmt(line, ctx, { defaultInterface: null, owner: 'static_rules' });
      if (r) cfg.vrrp.staticRules.push(r);
    }
  },
);

/** The VRRP family's root keywords. */
export const vrrpRootKeywords: KeywordSpec<ConfigDraft>[] = [
  vrrpInstanceKw,
  syncGroupKw,
  vrrpScriptKw,
  trackFileRoot('track_file', false),
  trackFileRoot('vrrp_track_file', true),
  trackProcessKw,
  garpGroupKw,
  trackGroupKw,
  linkbeatKw,
  upDownKw,
  staticAddrKw,
  staticRoutesKw,
  staticRulesKw,
];
