// Cross-reference validation of the LVS family: keepalived's post-parse checks of virtual servers
// (defaults it applies, ports it resets, duplicates it removes, quorum it reduces) plus our own extras.
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';
import type { RealServer, VirtualServer } from './model/lvs';
import { effectiveMethod, DEFAULT_PERSISTENCE_TIMEOUT_S } from './model/lvs';
import { rsDisplayName, vsDisplayName, vsScripts } from './keywords/lvs';
import { ipEquals } from '../net/ip';
import { addressKey } from './address-key';

/**
 * Names defined in another family's model, read defensively (the VRRP and BFD models are written
 * by others): accepts an array of `{ name }`, a Map keyed by name, or a record keyed by name.
 * undefined when no such collection exists, so the caller can skip the check.
 */
export function definedNames(model: unknown, keys: readonly string[]): Set<string> | undefined {
  if (typeof model !== 'object' || model === null) return undefined;
  const rec = model as Record<string, unknown>;
  for (const k of keys) {
    const v = rec[k];
    if (v === undefined) continue;
    const out = new Set<string>();
    if (v instanceof Map) for (const key of v.keys()) out.add(String(key));
    else if (Array.isArray(v)) {
      for (const e of v) {
        if (typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string') out.add((e as { name: string }).name);
      }
    } else if (typeof v === 'object' && v !== null) for (const key of Object.keys(v)) out.add(key);
    else continue;
    return out;
  }
  return undefined;
}

/** Equal for real servers with the same port, address family and address. */
function rsKey(rs: RealServer): string | number {
  return addressKey(rs.address.family, rs.address.bytes, rs.port);
}

/** keepalived's per-service checks and defaults, in keepalived's order. Returns false when the service is dropped. */
function checkVirtualServer(vs: VirtualServer, cfg: ConfigDraft, ctx: ApplyContext): boolean {
  const diag = ctx.diag;
  if (vs.address.kind === 'group') {
    const name = vs.address.group;
    if (!cfg.lvs.groups.some((g) => g.name === name)) {
      diag.report('GENERAL_ERROR', vs.loc, `Virtual server group ${name} specified but not configured - ignoring virtual server`, { extra: true });
      return false;
    }
  }
  if (vs.realServers.length === 0) {
    diag.warning(null, `Virtual server ${vsDisplayName(vs.address, vs.protocol)} has no real servers - ignoring`);
    return false;
  }
  if (vs.address.kind === 'fwmark') {
    if (vs.protocol !== null) {
      diag.warning(null, `Warning: Virtual server ${vs.name}: protocol specified for fwmark - protocol will be ignored`);
      vs.protocol = null;
    }
  } else if (vs.protocol === null) {
    diag.warning(null, `Virtual server ${vsDisplayName(vs.address, null)}: no protocol set - defaulting to UDP`);
    vs.protocol = 'UDP';
  }
  vs.name = vsDisplayName(vs.address, vs.protocol);
  if (vs.address.kind === 'ip' && vs.address.port === 0 && vs.persistenceTimeout === null) {
    diag.warning(null, `Virtual server ${vs.name}: zero port only valid for persistent services - setting`);
    vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT_S;
  }
  if (vs.scheduler === null) {
    diag.warning(null, `Virtual server ${vs.name}: no scheduler set, setting default 'wlc'`);
    vs.scheduler = 'wlc';
  }
  if (vs.lvsMethod === null) {
    diag.warning(null, `Virtual server ${vs.name}: no forwarding method set, setting default NAT`);
    vs.lvsMethod = { method: 'NAT' };
  }

  // Address family: tunnelled real servers may differ from the service.
  const kept: RealServer[] = [];
  /** The kept real servers by address and port (a look-up per real server, not a scan). */
  const keptKeys = new Set<string | number>();
  for (const rs of vs.realServers) {
    const m = effectiveMethod(vs, rs).method;
    if (m !== 'TUN') {
      if (vs.family === null) vs.family = rs.address.family;
      else if (vs.family !== rs.address.family) {
        diag.warning(rs.loc, `Address family of virtual server and real server ${rsDisplayName(vs, rs).replace(/^\[(.*)\]:.*$/, '$1')} don't match - skipping real server.`);
        continue;
      }
    }
    const key = rsKey(rs);
    if (keptKeys.has(key)) {
      diag.warning(null, `VS ${vs.name}: real server ${rsDisplayName(vs, rs)} is duplicated - removing second rs`);
      continue;
    }
    keptKeys.add(key);
    kept.push(rs);
  }
  vs.realServers = kept;

  // Ports: DR and TUN cannot translate ports; a fwmark service has no port.
  for (const rs of vs.realServers) {
    const m = effectiveMethod(vs, rs).method;
    if (vs.address.kind === 'ip') {
      if (rs.port === 0) rs.port = vs.address.port;
      else if (m !== 'NAT' && rs.port !== vs.address.port) {
        diag.warning(null, `WARNING - virtual server ${vs.name} and real server ${rsDisplayName(vs, rs)} ports don't match - resetting`);
        rs.port = vs.address.port;
      }
    } else if (vs.address.kind === 'fwmark' && rs.port !== 0 && m !== 'NAT') {
      diag.warning(null, `WARNING - fwmark virtual server ${vs.name}, real server ${rsDisplayName(vs, rs)} has port specified - clearing`);
      rs.port = 0;
    }
  }
  const ss = vs.sorryServer;
  if (ss) {
    const m = (ss.lvsMethod ?? vs.lvsMethod).method;
    if (vs.address.kind === 'ip') {
      if (ss.port === 0) ss.port = vs.address.port;
      else if (m !== 'NAT' && ss.port !== vs.address.port) {
        diag.warning(null, `WARNING - virtual server ${vs.name} and sorry server ports don't match - resetting`);
        ss.port = vs.address.port;
      }
    } else if (vs.address.kind === 'fwmark' && ss.port !== 0 && m !== 'NAT') {
      diag.warning(null, `WARNING - virtual server ${vs.name}, sorry server has port specified - clearing`);
      ss.port = 0;
    }
    // A real server that is also the sorry server must agree on inhibit_on_failure (keepalived
    // takes the real server's: corpus 1370).
    const same = vs.realServers.find((rs) => rs.port === ss.port && rs.address.family === ss.address.family && ipEquals(rs.address.bytes, ss.address.bytes));
    const inhibit = same ? same.inhibitOnFailure ?? vs.inhibitOnFailure : null;
    if (same && inhibit !== null && inhibit !== ss.inhibit) {
      diag.warning(null, `Virtual server ${vs.name}: real server ${rsDisplayName(vs, same)} matches sorry server, but inhibit setting differs, setting on sorry server`);
      ss.inhibit = inhibit;
    }
  }

  const total = vs.realServers.reduce((n, rs) => n + rs.weight, 0);
  if (vs.quorum > total) {
    diag.warning(null, `Warning - quorum ${vs.quorum} for ${vs.name} exceeds total weight of real servers ${total}, reducing quorum to ${total}`);
    vs.quorum = total;
  }
  return true;
}

/** Validates the LVS blocks after every block has been read; drops services keepalived drops. */
export function validateLvs(cfg: ConfigDraft, ctx: ApplyContext): void {
  const trackFiles = definedNames(cfg.vrrp, ['trackFiles', 'track_files', 'trackFile']);
  const bfds = definedNames(cfg.bfd, ['instances']);
  const kept: VirtualServer[] = [];
  /** The first kept service of each name (a look-up per service: thousands of services stay linear). */
  const firstByName = new Map<string, VirtualServer>();
  for (const vs of cfg.lvs.virtualServers) {
    if (!checkVirtualServer(vs, cfg, ctx)) {
      const gone = new Set(vsScripts.get(vs) ?? []);
      if (gone.size > 0) cfg.global.scripts = cfg.global.scripts.filter((r) => !gone.has(r));
      continue;
    }
    const dup = firstByName.get(vs.name);
    if (dup) {
      ctx.diag.report('WARNING', vs.loc, `Duplicate virtual server ${vs.name} (first defined at line ${dup.loc.line})`, { extra: true });
    }
    for (const rs of vs.realServers) {
      rs.checkers = rs.checkers.filter((ck) => {
        if (ck.type === 'FILE_CHECK' && ck.trackFile !== null && trackFiles && !trackFiles.has(ck.trackFile)) {
          ctx.diag.error(ck.loc, `track_file ${ck.trackFile} not found`);
          return false;
        }
        if (ck.type === 'BFD_CHECK' && ck.name !== null && bfds && !bfds.has(ck.name)) {
          ctx.diag.error(ck.loc, `(${rsDisplayName(vs, rs)}) BFD_CHECK - BFD ${ck.name} not configured`);
          return false;
        }
        return true;
      });
    }
    kept.push(vs);
    if (!dup) firstByName.set(vs.name, vs);
  }
  cfg.lvs.virtualServers = kept;
}
