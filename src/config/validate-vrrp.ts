// Completes and cross-checks the VRRP model after every block has been read: resolves defaults (global
// vrrp_* settings, strict mode, version, priority/state), then reports what keepalived reports, plus our own checks.
import type { ConfigDraft } from './model';
import type { GlobalDefs } from './model/global';
import type { ApplyContext } from './keywords/registry';
import type { Loc } from './diagnostics';
import { missingInterface } from './keywords/vrrp';
import { addressKey } from './address-key';
import { formatIp, ipEquals, isLinkLocal6, parseIp, type IpAddress } from '../net/ip';
import { VRRP_DEFAULTS, type GarpTimings, type SyncGroup, type TrackedRef, type VrrpInstance } from './model/vrrp';

/** The global_defs settings the VRRP instances inherit (keepalived's defaults when global_defs says nothing). */
export interface VrrpGlobalDefaults {
  version: 2 | 3;
  strict: boolean;
  mcastGroup4: IpAddress;
  mcastGroup6: IpAddress;
  garp: GarpTimings;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  skipCheckAdvAddr: boolean;
  checkUnicastSrc: boolean;
  ownerIgnoreAdverts: boolean;
  /** `vrrp_garp_extra_if [all] N`: the default of instances without `garp_extra_if`. */
  garpExtraIf: VrrpInstance['garpExtraIf'];
  notifyPriorityChanges: boolean;
  smtpAlertVrrp: boolean | null;
  smtpAlert: boolean | null;
}

/** Reads the vrrp_* defaults from global_defs (timers in microseconds). */
export function vrrpGlobalDefaults(g: GlobalDefs): VrrpGlobalDefaults {
  const masterDelayUs = g.vrrpGarpMasterDelay;
  const masterRepeat = g.vrrpGarpMasterRepeat;
  return {
    version: g.vrrpVersion,
    strict: g.vrrpStrict,
    mcastGroup4: parseIp(g.vrrpMcastGroup4) ?? parseIp(VRRP_DEFAULTS.mcastGroup4)!,
    mcastGroup6: parseIp(g.vrrpMcastGroup6) ?? parseIp(VRRP_DEFAULTS.mcastGroup6)!,
    garp: {
      masterDelayUs,
      masterRepeat,
      masterRefreshUs: g.vrrpGarpMasterRefresh,
      masterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
      lowerPrioDelayUs: g.vrrpGarpLowerPrioDelay ?? masterDelayUs,
      lowerPrioRepeat: g.vrrpGarpLowerPrioRepeat ?? masterRepeat,
    },
    lowerPrioNoAdvert: g.vrrpLowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: g.vrrpHigherPrioSendAdvert ?? false,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
    checkUnicastSrc: g.vrrpCheckUnicastSrc,
    ownerIgnoreAdverts: g.vrrpOwnerIgnoreAdverts,
    garpExtraIf: g.vrrpGarpExtraIf ? { intervalUs: g.vrrpGarpExtraIf.seconds * 1_000_000, all: g.vrrpGarpExtraIf.all } : null,
    notifyPriorityChanges: g.vrrpNotifyPriorityChanges,
    smtpAlertVrrp: g.smtpAlertVrrp ?? null,
    smtpAlert: g.smtpAlert ?? null,
  };
}

const ETHER_HDR = 14;
const VRRP_HDR = 8;
const VRRP_AUTH_LEN = 8;
const DEFAULT_MTU = 1500;

/** `%f` as C prints it. */
function cf(us: number): string {
  return (us / 1_000_000).toFixed(6);
}

/** Resolves the defaults of one instance and reports what keepalived's vrrp_complete_instance reports. */
function completeInstance(inst: VrrpInstance, G: VrrpGlobalDefaults, sync: SyncGroup | null, ctx: ApplyContext): void {
  const d = ctx.diag;
  const n = inst.name;
  const err = (msg: string, loc: Loc = inst.loc): void => d.error(loc, msg);
  const c = inst.configured;
  const strict = c.strict ?? G.strict;
  inst.strict = strict;

  // Address family: from the VIPs, else native_ipv6, else the configured addresses.
  inst.family = inst.vips[0]?.address.family ?? (inst.family === 6 ? 6 : (inst.srcIp?.family ?? inst.unicastPeers[0]?.address.family ?? 4));

  if (inst.family === 6) {
    if (c.version === 2 && strict) {
      err(`(${n}) cannot use IPv6 with VRRP version 2; setting version 3`);
    } else if (c.version === 2) {
      d.report('WARNING', inst.loc, `(${n}) IPv6 needs VRRP version 3; setting version 3`, { extra: true });
    }
    inst.version = 3;
  } else inst.version = c.version ?? G.version;

  if (inst.vrid === null) err(`(${n}) the virtual router id must be set`);
  if (inst.interface === null && inst.unicastPeers.length === 0) err(`(${n}) Unknown interface!`);

  if (inst.vips.length === 0 && !inst.noVirtualIpaddress) {
    if (inst.version === 3 || strict) err(`(${n}) No VIP specified; at least one is required`);
    else err(`(${n}) No VIP specified; at least one is sensible`);
  }

  // Priority from the state, then the state from the priority.
  inst.priority = c.priority ?? (inst.wantState === 'MASTER' ? VRRP_DEFAULTS.ownerPriority : VRRP_DEFAULTS.priority);
  const owner = inst.priority === VRRP_DEFAULTS.ownerPriority;
  if (inst.wantState === null) inst.state = owner ? 'MASTER' : 'BACKUP';
  else {
    inst.state = inst.wantState;
    if (strict && (inst.wantState === 'MASTER') !== owner) {
      err(`(${n}) State MASTER must match being address owner`);
      inst.state = owner ? 'MASTER' : 'BACKUP';
    }
  }

  // VRRPv2 authentication.
  const auth = inst.auth;
  if (auth && auth.type !== null) {
    let drop = true;
    if (strict) err(`(${n}) Strict mode does not support authentication. Ignoring.`, auth.loc);
    else if (inst.version === 3) err(`(${n}) VRRP version 3 does not support authentication. Ignoring.`, auth.loc);
    else if (!auth.password) err(`(${n}) Authentication specified but no password given. Ignoring`, auth.loc);
    else if (inst.family === 6 && auth.type === 'AH') err(`(${n}) Cannot use AH authentication with IPv6. ignoring`, auth.loc);
    else {
      drop = false;
      if (auth.type === 'AH' && inst.state === 'MASTER' && !owner) {
        err(`(${n}) Initial state master is incompatible with AH authentication - clearing`, auth.loc);
        inst.state = 'BACKUP';
      }
    }
    if (drop) inst.auth = null;
  } else if (auth) inst.auth = null;

  // Unicast.
  if (strict && inst.unicastPeers.length && inst.interface && ctx.host.interfaceExists(inst.interface) === true) {
    err(`(${n}) Unicast peers are not supported in strict mode`);
  }
  if (inst.interface === null && inst.unicastPeers.length) {
    if (!inst.srcIp) err(`(${n}): Unicast instances must have unicast_src_ip or interface`);
    else if (inst.family === 6 && isLinkLocal6(inst.srcIp)) err(`(${n}) Non link-local address required if interface omitted`);
  }
  if (inst.unicastPeers.length === 0) {
    if (c.unicastKeyword) {
      err(`(${n}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`);
    }
    if (inst.unicastTtl !== null) {
      err(`(${n}): Cannot use unicast_ttl without unicast peers - resetting`);
      inst.unicastTtl = null;
    }
  } else if (inst.vmac) {
    if (inst.interface === null) {
      err(`(${n}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`, inst.vmac.loc);
      inst.vmac = null;
    } else if (!inst.vmacXmitBase) {
      err(`(${n}) unicast with use_vmac requires vmac_xmit_base - setting`, inst.vmac.loc);
      inst.vmacXmitBase = true;
    }
  }
  if (inst.unicastTtl === null && inst.family === 4) inst.unicastTtl = 255;

  // IPv6 multicast: the first VIP is the advert's primary address.
  const first = inst.vips[0];
  if (inst.family === 6 && inst.unicastPeers.length === 0 && first && !isLinkLocal6(first.address)) {
    if (strict) err(`(${n}) the first IPv6 VIP address must be link local`, first.loc);
    else d.info(first.loc, `(${n}) the first IPv6 VIP address should be link local`);
  }

  // The VIPs must fit in one advert.
  const hdr = inst.family === 4 ? ETHER_HDR + 20 + VRRP_HDR + (inst.version === 2 ? VRRP_AUTH_LEN + (inst.auth?.type === 'AH' ? 24 : 0) : 0) : ETHER_HDR + 40 + VRRP_HDR;
  const maxAddr = Math.min(255, Math.floor((DEFAULT_MTU - hdr) / (inst.family === 4 ? 4 : 16)));
  if (inst.vips.length > maxAddr) {
    err(`(${n}) Number of VIPs (${inst.vips.length}) exceeds maximum/space available in packet (max ${maxAddr} addresses) - excess moved to eVIPs`);
    inst.excludedVips.push(...inst.vips.splice(maxAddr));
  }

  // Preemption.
  if (owner && inst.nopreempt) {
    err(`(${n}) nopreempt is incompatible with priority 255. resetting nopreempt`);
    inst.nopreempt = false;
  }
  if (inst.state === 'MASTER') {
    if (inst.nopreempt) {
      err(`(${n}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      inst.nopreempt = false;
    }
    if (inst.preemptDelayUs) {
      err(`(${n}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      inst.preemptDelayUs = 0;
    }
  }
  if (inst.preemptDelayUs) {
    if (strict) {
      err(`(${n}) preempt_delay is incompatible with strict mode - resetting`);
      inst.preemptDelayUs = 0;
    }
    if (inst.nopreempt) {
      err(`(${n}) preempt_delay is incompatible with nopreempt mode - resetting`);
      inst.preemptDelayUs = 0;
    }
  }

  // Accept mode: default on, except in strict mode for a non-owner.
  inst.accept = c.accept ?? (owner ? true : !strict);
  if (inst.accept && !owner && strict && inst.version === 2) {
    err(`(${n}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    inst.accept = false;
  }

  // GARP timings and advert behaviour (strict mode overrides).
  inst.garp = { ...G.garp, ...c.garp };
  if (c.garp.lowerPrioRepeat === undefined) inst.garp.lowerPrioRepeat = strict ? 0 : G.garp.lowerPrioRepeat;
  else if (strict && inst.garp.lowerPrioRepeat) {
    err(`(${n}) Strict mode requires no repeat garps. resetting`);
    inst.garp.lowerPrioRepeat = 0;
  }
  if (c.garp.lowerPrioDelayUs === undefined) inst.garp.lowerPrioDelayUs = strict ? 0 : G.garp.lowerPrioDelayUs;
  else if (strict && inst.garp.lowerPrioDelayUs) {
    err(`(${n}) Strict mode requires no repeat garp delay. resetting`);
    inst.garp.lowerPrioDelayUs = 0;
  }
  if (c.lowerPrioNoAdvert === null) inst.lowerPrioNoAdvert = strict ? true : G.lowerPrioNoAdvert;
  else {
    inst.lowerPrioNoAdvert = c.lowerPrioNoAdvert;
    if (strict && !inst.lowerPrioNoAdvert) {
      err(`(${n}) Strict mode requires no lower priority advert. resetting`);
      inst.lowerPrioNoAdvert = true;
    }
  }
  if (c.higherPrioSendAdvert === null) inst.higherPrioSendAdvert = strict ? false : G.higherPrioSendAdvert;
  else {
    inst.higherPrioSendAdvert = c.higherPrioSendAdvert;
    if (strict && inst.higherPrioSendAdvert) {
      err(`(${n}) strict mode requires higher_prio_send_advert to be clear. resetting`);
      inst.higherPrioSendAdvert = false;
    }
  }
  inst.skipCheckAdvAddr = c.skipCheckAdvAddr ?? G.skipCheckAdvAddr;
  inst.checkUnicastSrc = c.checkUnicastSrc ?? G.checkUnicastSrc;
  inst.ownerIgnoreAdverts = c.ownerIgnoreAdverts ?? G.ownerIgnoreAdverts;
  // keepalived vrrp_complete_instance: an instance without garp_extra_if takes the global one.
  inst.garpExtraIf ??= G.garpExtraIf;
  inst.smtpAlert = c.smtpAlert ?? G.smtpAlertVrrp ?? G.smtpAlert ?? false;
  inst.notifyPriorityChanges = c.notifyPriorityChanges ?? sync?.notifyPriorityChanges ?? G.notifyPriorityChanges;

  // Advert interval: whole seconds in v2 (8 bits), centiseconds in v3 (12 bits).
  let adv = inst.advertIntUs;
  if (inst.version === 2) {
    if (adv >= 256 * 1_000_000) {
      err(`(${n}) VRRPv2 advertisement interval ${(adv / 1_000_000).toFixed(2)}s is out of range. Must be less than 256s. Setting to 255s`);
      adv = 255 * 1_000_000;
    } else if (adv % 1_000_000) {
      err(`(${n}) VRRPv2 advertisement interval ${cf(adv)}s must be an integer. rounding`);
      adv += 500_000;
      adv -= adv % 1_000_000;
      if (adv === 0) adv = 1_000_000;
    }
  } else {
    if (adv >= 4096 * 10_000) {
      err(`(${n}) VRRPv3 advertisement interval ${(adv / 1_000_000).toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
      adv = 4095 * 10_000;
    } else if (adv % 10_000) {
      err(`(${n}) VRRPv3 advertisement interval ${cf(adv)}s must be in units of 10ms - rounding`);
      adv += 5_000;
      adv -= adv % 10_000;
      if (adv === 0) adv = 10_000;
    }
  }
  inst.advertIntUs = adv;

  if (!inst.srcIp) inst.trackSrcIp = false;
  inst.mcastDstIp = inst.mcastDstIpConfigured && inst.mcastDstIpConfigured.family === inst.family ? inst.mcastDstIpConfigured : inst.family === 4 ? G.mcastGroup4 : G.mcastGroup6;
  if (inst.mcastDstIpConfigured && inst.mcastDstIpConfigured.family !== inst.family) {
    err(`(${n}) mcast_dst_ip ${formatIp(inst.mcastDstIpConfigured)} is not of the instance's address family - ignoring`);
  }

  if (inst.vmac || inst.ipvlan) {
    if (inst.vmac && strict && inst.vmacXmitBase) {
      err(`(${n}) xmit_base is incompatible with strict mode - resetting`);
      inst.vmacXmitBase = false;
    }
    if (inst.promoteSecondaries) {
      err(`(${n}) promote_secondaries is automatically set for vmacs - ignoring`);
      inst.promoteSecondaries = false;
    }
  }

  // Tracking our own interface is implicit.
  if (inst.interface !== null && inst.trackInterfaces.length > 0) {
    inst.trackInterfaces = inst.trackInterfaces.filter((t) => {
      if (t.name !== inst.interface) return true;
      err(`(${n}) Ignoring track_interface ${t.name} since own interface`, t.loc);
      return false;
    });
  }
}

/**
 * The first item of each name in a list, indexed on first use (a find() per tracked reference would
 * make thousands of instances tracking thousands of scripts quadratic).
 */
function firstNamed<T extends { readonly name: string }>(list: readonly T[]): (name: string) => T | undefined {
  let map: Map<string, T> | null = null;
  return (name) => {
    if (!map) {
      map = new Map();
      for (const x of list) if (!map.has(x.name)) map.set(x.name, x);
    }
    return map.get(name);
  };
}

/** Look-ups of the trackers that tracked references name. */
interface Trackers {
  readonly script: (name: string) => { readonly weight: number } | undefined;
  readonly file: (name: string) => { readonly weight: number } | undefined;
  readonly process: (name: string) => { readonly weight: number } | undefined;
}

/** Weighted tracking is ignored for address owners (priority 255 cannot change). */
function ownerTracking(inst: VrrpInstance, named: Trackers, ctx: ApplyContext): void {
  if (inst.priority !== VRRP_DEFAULTS.ownerPriority) return;
  const n = inst.name;
  for (const t of inst.trackInterfaces) {
    if (t.weight) {
      ctx.diag.error(t.loc, `(${n}) ignoring tracked interface ${t.name} with weights due to address_owner`);
      t.weight = 0;
    }
  }
  const fix = (refs: TrackedRef[], what: string, own: (name: string) => number): void => {
    for (const t of refs) {
      if ((t.weight ?? own(t.name)) !== 0) {
        ctx.diag.error(t.loc, `(${n}) ignoring ${what} ${t.name} with weights due to address_owner`);
        t.weight = 0;
      }
    }
  };
  fix(inst.trackScripts, 'tracked script', (s) => named.script(s)?.weight ?? 0);
  fix(inst.trackFiles, 'tracked file', (s) => named.file(s)?.weight ?? 0);
  fix(inst.trackProcesses, 'tracked process', (s) => named.process(s)?.weight ?? 0);
}

/** Members of a sync group ignore tracking weights unless sync_group_tracking_weight is set. */
function syncTracking(inst: VrrpInstance, g: SyncGroup, named: Trackers, ctx: ApplyContext): void {
  if (g.trackingWeight) return;
  const n = inst.name;
  for (const t of inst.trackInterfaces) {
    if (t.weight) {
      ctx.diag.error(t.loc, `(${n}) ignoring ${t.name} tracked interface weight due to SYNC group`);
      t.weight = 0;
    }
  }
  const fix = (refs: TrackedRef[], what: string, own: (name: string) => number): void => {
    for (const t of refs) {
      if ((t.weight ?? own(t.name)) !== 0) {
        ctx.diag.error(t.loc, `(${n}) ignoring ${what} ${t.name} weight due to SYNC group`);
        t.weight = 0;
      }
    }
  };
  fix(inst.trackScripts, 'tracked script', (s) => named.script(s)?.weight ?? 0);
  fix(inst.trackFiles, 'tracked file', (s) => named.file(s)?.weight ?? 0);
  fix(inst.trackProcesses, 'tracked process', (s) => named.process(s)?.weight ?? 0);
}

/** Resolves sync group membership; returns instance name -> group. */
function resolveSyncGroups(cfg: ConfigDraft, ctx: ApplyContext): Map<string, SyncGroup> {
  const member = new Map<string, SyncGroup>();
  const known = new Set(cfg.vrrp.instances.map((i) => i.name));
  const keep: SyncGroup[] = [];
  for (const g of cfg.vrrp.syncGroups) {
    g.members = g.members.filter((m) => {
      if (!known.has(m.name)) {
        ctx.diag.error(m.loc, `Virtual router ${m.name} specified in sync group ${g.name} doesn't exist - ignoring`);
        return false;
      }
      const other = member.get(m.name);
      if (other) {
        ctx.diag.report('GENERAL_ERROR', m.loc, `Virtual router ${m.name} cannot exist in more than one sync group (${other.name}); ignoring it in ${g.name}`, { extra: true });
        return false;
      }
      member.set(m.name, g);
      return true;
    });
    if (g.members.length === 0) {
      ctx.diag.error(g.loc, `Sync group ${g.name} has no virtual router(s) - removing`);
      continue;
    }
    if (g.members.length === 1) ctx.diag.error(g.loc, `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want`);
    keep.push(g);
  }
  cfg.vrrp.syncGroups = keep;
  return member;
}

/** Disables vrrp_scripts whose command checkScript rejected, and drops references to them. */
function disableBadScripts(cfg: ConfigDraft, ctx: ApplyContext): void {
  const bad = new Set<string>();
  for (const s of cfg.vrrp.scripts) {
    if (s.enabled && s.script && !s.script.check.ok) {
      ctx.diag.error(s.loc, `Disabling track script ${s.name} since not found/accessible`);
      s.enabled = false;
      bad.add(s.name);
    }
  }
  if (!bad.size) return;
  for (const i of cfg.vrrp.instances) i.trackScripts = i.trackScripts.filter((t) => !bad.has(t.name));
  for (const g of cfg.vrrp.syncGroups) g.trackScripts = g.trackScripts.filter((t) => !bad.has(t.name));
}

/** VRID clashes (keepalived) and VIPs configured on two instances (ours). */
function crossInstance(cfg: ConfigDraft, ctx: ApplyContext): void {
  const byKey = new Map<string, VrrpInstance>();
  for (const i of cfg.vrrp.instances) {
    if (i.vrid === null || i.interface === null || i.unicastPeers.length) continue;
    const key = `${i.interface}|${i.family}|${i.vrid}`;
    const prev = byKey.get(key);
    if (prev) ctx.diag.error(i.loc, `${prev.name} and ${i.name} both use VRID ${i.vrid} with IPv${i.family} on interface ${i.interface}`);
    else byKey.set(key, i);
  }
  // Indexed by address (family and bytes): configurations with thousands of VIPs stay linear.
  const seen = new Map<string | number, VrrpInstance[]>();
  for (const i of cfg.vrrp.instances) {
    for (const list of [i.vips, i.excludedVips]) {
      for (const v of list) {
        const key = addressKey(v.address.family, v.address.bytes, 0);
        const holders = seen.get(key);
        const other = holders?.find((h) => h !== i);
        if (other) ctx.diag.report('WARNING', v.loc, `(${i.name}) VIP ${formatIp(v.address)} is also configured on vrrp_instance ${other.name}`, { extra: true });
        else if (holders) holders.push(i);
        else seen.set(key, [i]);
      }
    }
  }
}

/** Checks track_group members name instances. */
function checkTrackGroups(cfg: ConfigDraft, ctx: ApplyContext): void {
  const known = new Set(cfg.vrrp.instances.map((i) => i.name));
  for (const g of cfg.vrrp.trackGroups) {
    g.members = g.members.filter((m) => {
      if (known.has(m.name)) return true;
      ctx.diag.report('GENERAL_ERROR', m.loc, `track_group ${g.name}: vrrp_instance ${m.name} doesn't exist - ignoring`, { extra: true });
      return false;
    });
  }
}

/** Completes the VRRP model and reports configuration problems. */
export function validateVrrp(cfg: ConfigDraft, ctx: ApplyContext): void {
  const G = vrrpGlobalDefaults(cfg.global);
  disableBadScripts(cfg, ctx);
  const member = resolveSyncGroups(cfg, ctx);
  for (const inst of cfg.vrrp.instances) {
    const g = member.get(inst.name) ?? null;
    inst.syncGroup = g?.name ?? null;
    completeInstance(inst, G, g, ctx);
  }
  const named: Trackers = { script: firstNamed(cfg.vrrp.scripts), file: firstNamed(cfg.vrrp.trackFiles), process: firstNamed(cfg.vrrp.trackProcesses) };
  for (const inst of cfg.vrrp.instances) {
    ownerTracking(inst, named, ctx);
    const g = member.get(inst.name);
    if (g) syncTracking(inst, g, named, ctx);
  }
  crossInstance(cfg, ctx);
  checkTrackGroups(cfg, ctx);
  if (missingInterface.has(ctx)) ctx.diag.report('BAD_IF', null, 'Non-existent interface specified in configuration');
}
