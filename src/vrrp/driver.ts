// The VRRP driver: resolves interfaces, runs one Instance per vrrp_instance, wires tracking, notify and sync groups to them, and reloads without disturbing unchanged instances.
import type { Logger } from 'pino';
import type { KeepalivedConfig } from '../config/model';
import type { StateLog } from '../core/state-log';
import { parseIp } from '../net/ip';
import { PacketSocketPool } from './garp';
import type { SyncGroup, VrrpConfig, VrrpInstance } from '../config/model/vrrp';
import { splitCommand } from '../config/script-check';
import { Instance, type InstanceDeps, type InstanceEnv, type TrackState, type TransitionEvent } from './instance';
import { Notifier, NotifyFifo, notifyStateOf, type NotifyState, type NotifySubject } from './notify';
import { canonical, planReload, syncGroupFingerprint, trackingFingerprint, type ReloadPlan } from './reload';
import {
  createSyncGroup, syncMasterSeen, syncMayBecomeMaster, syncMemberTransition, syncTrackingChanged,
  type SyncGroupModel, type SyncStep,
} from './sync-group';
import { fireAndForget } from './track/run-script';
import type { ScriptRunReport } from './track/track-script';
import { Tracker, type InstanceTrackState } from './track/tracker';
import { VrrpIo } from './io';
import { LinkMonitor, linkUsable, Rtnl, type AddrInfo, type LinkInfo } from './rtnl';
import { clearDrops } from './stats';
import { VipSet } from './vip';
import { ensureVmac, parseMac, removeVmac, virtualMac, vmacLinkLocal, vmacName } from './vmac';

/** What the driver needs from its host (the worker's subsystem, the standalone runner or a test). */
export interface DriverOptions {
  readonly log: Logger;
  readonly stateLog: StateLog;
  /** -V / --dont-release-vrrp: leave VIPs (and VMACs) in place on stop. */
  readonly keepVipsOnStop?: boolean;
}

/**
 * A canonical text of an instance's configuration without source locations, to tell whether a
 * reload changed it (an unchanged instance keeps running: no transition, no VIP touched).
 */
export function instanceFingerprint(i: VrrpInstance): string {
  return canonical(i);
}

/** The VRRP part of a loaded configuration as the model type (see {@link modelInstances}). */
export function modelVrrp(cfg: KeepalivedConfig): VrrpConfig {
  return cfg.vrrp as unknown as VrrpConfig;
}

/** keepalived's log line for a vrrp_script whose status changed, or null when it did not. */
export function scriptRunMessage(r: ScriptRunReport): string | null {
  if (!r.changed) return null;
  if (r.ok) return `VRRP_Script(${r.name}) succeeded`;
  const o = r.outcome;
  switch (o.type) {
    case 'exit':
      return `VRRP_Script(${r.name}) failed (exited with status ${o.code})`;
    case 'signal':
      return `VRRP_Script(${r.name}) failed (due to signal ${o.signal})`;
    case 'timeout':
      return `VRRP_Script(${r.name}) timed_out`;
    case 'error':
      return `VRRP_Script(${r.name}) failed (${o.message})`;
  }
}

/**
 * The instances of a loaded configuration as the model types. DeepReadonly<> turns Uint8Array
 * fields into a structural look-alike the codecs do not accept; the driver never mutates them.
 */
export function modelInstances(cfg: KeepalivedConfig): readonly VrrpInstance[] {
  return cfg.vrrp.instances as unknown as readonly VrrpInstance[];
}

function bytesOf(text: string): Uint8Array {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a.bytes;
}

/** A running sync group: its configuration and its pure model (sync-group.ts). */
interface RunningGroup {
  cfg: SyncGroup;
  model: SyncGroupModel;
}

/** Runs every vrrp_instance of a configuration. */
export class VrrpDriver {
  private readonly rtnl: Rtnl;
  private readonly io = new VrrpIo();
  private readonly pool = new PacketSocketPool();
  private readonly links = new Map<string, LinkInfo>();
  private readonly instances = new Map<string, Instance>();
  private readonly vmacsCreated = new Map<string, number>();
  private monitor: LinkMonitor | null = null;
  private cfg: KeepalivedConfig | null = null;
  private readonly listeners: ((e: TransitionEvent) => void)[] = [];
  private readonly log: Logger;
  private tracker: Tracker | null = null;
  private trackerOff: (() => void) | null = null;
  private trackFp = '';
  /** Last status of every vrrp_script, carried into a Tracker rebuilt by a reload. */
  private readonly scriptUp = new Map<string, boolean>();
  private readonly fifos: NotifyFifo[] = [];
  private fifoKey = '';
  private readonly notifier: Notifier;
  private readonly groups = new Map<string, RunningGroup>();
  private groupFp = '';
  /** Instances being removed by a reload: their stop is notified as DELETED when notify_deleted is set. */
  private readonly deleting = new Set<string>();

  constructor(private readonly opts: DriverOptions, rtnl?: Rtnl) {
    this.log = opts.log;
    this.rtnl = rtnl ?? new Rtnl();
    this.notifier = new Notifier(this.fifos, (spec, args) => {
      fireAndForget(spec, args, (e) => this.log.error(`Failed to exec notify script ${spec.argv.join(' ')}: ${e.message}`));
    });
  }

  /** Hears every transition of every instance (notify, FIFO, sync groups). */
  onTransition(fn: (e: TransitionEvent) => void): void {
    this.listeners.push(fn);
    for (const inst of this.instances.values()) inst.onTransition(fn);
  }

  /** The running instances by name (for tracking and sync groups). */
  instance(name: string): Instance | undefined {
    return this.instances.get(name);
  }

  /** Names of the running instances. */
  instanceNames(): string[] {
    return [...this.instances.keys()];
  }

  /** A sync group's current model (tests, dumps). */
  syncGroup(name: string): SyncGroupModel | undefined {
    return this.groups.get(name)?.model;
  }

  private ifindexOf = (name: string): number => this.links.get(name)?.ifindex ?? 0;

  private linkOf = (name: string): { ifindex: number; mac: Uint8Array } | null => this.links.get(name) ?? null;

  /** A VMAC of ours (keepalived is_ours): one we created, or an instance's (garp_extra_if). */
  private isOurVmac = (name: string): boolean =>
    this.vmacsCreated.has(name) || [...this.instances.values()].some((i) => i.env.vmac?.ifname === name);

  private async refreshLinks(): Promise<void> {
    this.links.clear();
    for (const l of await this.rtnl.links()) this.links.set(l.name, l);
  }

  /** Starts every instance of the configuration, with its tracking, notify FIFOs and sync groups. */
  async start(cfg: KeepalivedConfig): Promise<void> {
    this.cfg = cfg;
    await this.refreshLinks();
    this.monitor = new LinkMonitor(
      (e) => this.onLink(e.deleted, e.link),
      (err) => this.log.error(`netlink link monitor: ${err.message}`),
    );
    await this.openFifos(cfg);
    await this.startTracker(cfg);
    const addrs = await this.rtnl.addresses();
    const fresh: { inst: Instance; linkUp: boolean }[] = [];
    for (const ic of modelInstances(cfg)) {
      const r = await this.createInstance(ic, addrs);
      if (r) fresh.push(r);
    }
    this.buildGroups(cfg, true);
    for (const r of fresh) this.launch(r.inst, r.linkUp);
  }

  // ---- notify ----

  private async openFifos(cfg: KeepalivedConfig): Promise<void> {
    const g = cfg.global;
    const wanted = [g.notifyFifo, g.vrrpNotifyFifo].filter((f): f is NonNullable<typeof f> => !!f && f.name !== '');
    const key = canonical(wanted.map((f) => [f.name, f.script ?? null]));
    if (key === this.fifoKey) return;
    for (const f of this.fifos.splice(0)) f.close();
    this.fifoKey = key;
    const seen = new Set<string>();
    for (const f of wanted) {
      if (seen.has(f.name)) continue;
      seen.add(f.name);
      const script = f.script ? { argv: splitCommand(f.script), uid: null, gid: null } : null;
      const fifo = new NotifyFifo({ path: f.name, script });
      try {
        await fifo.open();
        this.fifos.push(fifo);
      } catch (e) {
        this.log.error(`Unable to open notify FIFO ${f.name}: ${(e as Error).message}`);
      }
    }
  }

  private onInstanceTransition(inst: Instance, e: TransitionEvent): void {
    const t = e.transition;
    const state: NotifyState = t.to === 'init' && this.deleting.has(inst.name) && inst.cfg.notify.deleted ? 'DELETED' : notifyStateOf(t.to);
    this.notifier.instance(inst.cfg, state, e.priority);
    const g = this.groupOf(inst.name);
    if (g) this.applySync(g, syncMemberTransition(g.model, inst.name, t.to));
  }

  // ---- tracking ----

  private async startTracker(cfg: KeepalivedConfig): Promise<void> {
    const vcfg = modelVrrp(cfg);
    const fp = trackingFingerprint(vcfg);
    if (this.tracker && fp === this.trackFp) return;
    const old = this.tracker;
    this.trackerOff?.();
    this.trackerOff = null;
    // Interfaces come from the driver's own link monitor (one netlink socket, one order of events):
    // with a second watcher the instance's own interface was seen down by one and up by the other for
    // a moment (FAULT, BACKUP, FAULT within ms at a quick down/up).
    const t = new Tracker(vcfg, {
      external: ['interface'],
      onScriptRun: (r) => {
        if (r.up !== null) this.scriptUp.set(r.name, r.up);
        const msg = scriptRunMessage(r);
        if (msg) this.log.info(msg);
      },
    });
    await t.start();
    this.seedInterfaces(t);
    // A rebuilt Tracker starts its scripts afresh: keep their last results until they run again.
    for (const s of vcfg.scripts) {
      const up = this.scriptUp.get(s.name);
      if (up !== undefined) t.setStatus('script', s.name, { kind: 'script', up });
    }
    this.tracker = t;
    this.trackFp = fp;
    this.trackerOff = t.onChange((st) => this.applyTrack(st));
    if (old) await old.stop();
  }

  /** Gives a tracker the state of every interface it tracks, from the driver's link table (missing = down). */
  private seedInterfaces(t: Tracker): void {
    const names = new Set<string>();
    for (const ic of this.cfg ? modelInstances(this.cfg) : []) for (const it of t.itemsOf(ic.name)) if (it.kind === 'interface') names.add(it.name);
    for (const n of names) {
      const l = this.links.get(n);
      t.setStatus('interface', n, { kind: 'interface', up: l !== undefined && linkUsable(l) });
    }
  }

  private trackOf(name: string): InstanceTrackState | null {
    try {
      return this.tracker?.state(name) ?? null;
    } catch {
      return null;
    }
  }

  private applyTrack(st: InstanceTrackState): void {
    const inst = this.instances.get(st.instance);
    if (!inst) return;
    const track: TrackState = { fault: st.fault, priorityDelta: st.priorityDelta };
    this.ownFaultChanging(inst, inst.ownFaultWith({ track }));
    inst.setTrackState(track);
    if (!st.pending && inst.holding) inst.leaveInit();
  }

  // ---- sync groups ----

  private groupOf(instance: string): RunningGroup | undefined {
    for (const g of this.groups.values()) if (g.model.members.includes(instance)) return g;
    return undefined;
  }

  /** A member's own fault is about to change: the group decides first (keepalived vrrp_sync_fault). */
  private ownFaultChanging(inst: Instance, fault: boolean): void {
    const g = this.groupOf(inst.name);
    if (!g || g.model.faulted.has(inst.name) === fault) return;
    this.applySync(g, syncTrackingChanged(g.model, inst.name, fault));
  }

  private applySync(g: RunningGroup, st: SyncStep): void {
    g.model = st.group;
    if (st.notify) {
      this.opts.stateLog.syncGroup(g.cfg.name, st.notify);
      const subject: NotifySubject = { name: g.cfg.name, notify: g.cfg.notify, notifyPriorityChanges: g.cfg.notifyPriorityChanges ?? false };
      this.notifier.group(subject, st.notify);
    }
    for (const c of st.commands) {
      const i = this.instances.get(c.instance);
      if (!i) continue;
      switch (c.action) {
        case 'fault':
          i.setGroupFault(true);
          break;
        case 'faultCleared':
          i.setGroupFault(false);
          break;
        case 'master':
          i.syncMaster();
          break;
        case 'backup':
          i.syncBackup();
          break;
      }
    }
  }

  private mayBecomeMaster = (inst: Instance): boolean => {
    const g = this.groupOf(inst.name);
    if (!g) return true;
    const r = syncMayBecomeMaster(g.model, inst.name);
    g.model = r.group;
    return r.allowed;
  };

  private onMasterSeen = (inst: Instance): void => {
    const g = this.groupOf(inst.name);
    if (g) g.model = syncMasterSeen(g.model, inst.name);
  };

  /**
   * (Re)builds the sync groups when their membership changed (or at start): each group's state
   * comes from its members' own faults and current states; members of a FAULT group are held there.
   */
  private buildGroups(cfg: KeepalivedConfig, force: boolean): void {
    const vcfg = modelVrrp(cfg);
    const fp = syncGroupFingerprint(vcfg);
    if (!force && fp === this.groupFp) return;
    this.groupFp = fp;
    this.groups.clear();
    for (const sg of vcfg.syncGroups) {
      const members = sg.members.map((m) => m.name).filter((m) => this.instances.has(m));
      if (members.length === 0) continue;
      const insts = members.map((m) => this.instances.get(m)!);
      const faulted = new Set(insts.filter((i) => i.ownFault).map((i) => i.name));
      const owners = new Set(insts.filter((i) => i.cfg.priority === 255).map((i) => i.name));
      let model = createSyncGroup(sg.name, members, { owners, faulted });
      const states = new Map(insts.map((i) => [i.name, i.state.state]));
      const anyMaster = insts.some((i) => i.state.state === 'master');
      model = { ...model, states, state: model.state === 'FAULT' ? 'FAULT' : anyMaster ? 'MASTER' : model.state };
      this.groups.set(sg.name, { cfg: sg, model });
    }
    for (const inst of this.instances.values()) inst.setGroupFault(this.groupOf(inst.name)?.model.state === 'FAULT');
  }

  // ---- instances ----

  private async createInstance(ic: VrrpInstance, addrs: readonly AddrInfo[]): Promise<{ inst: Instance; linkUp: boolean } | null> {
    const g = this.cfg!.global;
    if (ic.vrid === null || ic.interface === null) {
      this.log.error(`(${ic.name}) no interface or virtual_router_id: instance not started`);
      return null;
    }
    const link = this.links.get(ic.interface);
    if (!link) {
      this.log.error(`(${ic.name}) interface ${ic.interface} does not exist: instance not started`);
      return null;
    }
    const fam = ic.family;
    let primary: Uint8Array | null = ic.srcIp && ic.srcIp.family === fam ? ic.srcIp.bytes : null;
    // IPv6 adverts sent from the VMAC: it carries the link-local they leave from (vmac.ts vmacLinkLocal).
    let vmacLl: Uint8Array | null = null;
    if (ic.vmac && fam === 6 && !ic.vmacXmitBase) {
      try {
        vmacLl = vmacLinkLocal(primary, link, addrs);
      } catch (e) {
        this.log.error(`(${ic.name}) ${(e as Error).message}: instance not started`);
        return null;
      }
      primary ??= vmacLl;
    }
    if (!primary) {
      const mine = addrs.filter((a) => a.ifindex === link.ifindex && a.family === fam);
      const pick = fam === 4 ? mine[0] : mine.find((a) => a.scope === 253) ?? mine[0];
      primary = pick ? pick.address : null;
    }
    if (!primary) {
      this.log.error(`(${ic.name}) interface ${ic.interface} has no IPv${fam} address to send adverts from: instance not started`);
      return null;
    }
    let vmac: InstanceEnv['vmac'] = null;
    if (ic.vmac) {
      const name = ic.vmac.ifname ?? vmacName(ic.vrid);
      const mac = (ic.vmac.mac ? parseMac(ic.vmac.mac) : null) ?? virtualMac(fam, ic.vrid);
      const ipv6 = fam === 6 || ic.excludedVips.some((v) => v.family === 6);
      let r: Awaited<ReturnType<typeof ensureVmac>>;
      try {
        r = await ensureVmac(this.rtnl, this.log, { name, parent: link, mac, ipv6, linkLocal: vmacLl });
      } catch (e) {
        this.log.error(`(${ic.name}) ${(e as Error).message}: instance not started`);
        return null;
      }
      if (r.created) this.vmacsCreated.set(name, r.link.ifindex);
      this.links.set(name, r.link);
      vmac = { ifname: name, ifindex: r.link.ifindex, mac: r.link.mac.length === 6 ? r.link.mac : mac };
    }
    const mcast: Uint8Array = ic.mcastDstIp.family === fam ? ic.mcastDstIp.bytes : bytesOf(fam === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6);
    const env: InstanceEnv = {
      ifname: link.name, ifindex: link.ifindex, mac: link.mac, primary, vmac, mcastGroup: mcast,
      garpIntervalUs: g.vrrpGarpInterval, gnaIntervalUs: g.vrrpGnaInterval,
    };
    const ifname = ic.interface;
    const vips = new VipSet(this.rtnl, this.log, this.ifindexOf, () => ifname);
    const deps: InstanceDeps = {
      io: this.io, pool: this.pool, vips, log: this.log, stateLog: this.opts.stateLog, keepVipsOnStop: this.opts.keepVipsOnStop ?? false,
      mayBecomeMaster: this.mayBecomeMaster,
      onMasterSeen: this.onMasterSeen,
      onPriorityChanged: (i, p) => this.notifier.priorityChanged(i.cfg, i.state.state, p),
      onMasterRxLowerPri: (i, p) => this.notifier.masterRxLowerPri(i.cfg, p),
      linkOf: this.linkOf,
      isOurs: this.isOurVmac,
    };
    const inst = new Instance(ic, env, deps);
    inst.onTransition((e) => this.onInstanceTransition(inst, e));
    for (const l of this.listeners) inst.onTransition(l);
    this.instances.set(ic.name, inst);
    const ts = this.trackOf(ic.name);
    if (ts) inst.setTrackState({ fault: ts.fault, priorityDelta: ts.priorityDelta });
    return { inst, linkUp: ic.dontTrackPrimary || linkUsable(link) };
  }

  /** Starts a created instance; held in INIT while a weight-0 track script has not reported. */
  private launch(inst: Instance, linkUp: boolean): void {
    inst.start(linkUp, this.trackOf(inst.name)?.pending ?? false);
  }

  private onLink(deleted: boolean, l: LinkInfo): void {
    // A rename shows as the same index under a new name: the old name is gone.
    if (!deleted) {
      for (const [name, o] of this.links) if (o.ifindex === l.ifindex && name !== l.name) this.onLink(true, o);
    }
    const prev = this.links.get(l.name);
    if (deleted) this.links.delete(l.name);
    else this.links.set(l.name, l);
    const wasUp = prev ? linkUsable(prev) : false;
    const isUp = !deleted && linkUsable(l);
    if (prev && wasUp === isUp) return;
    this.linkStateChanged(l.name, isUp);
  }

  /** One interface went up or down: the instances on it, then the tracker (track_interface), in that order. */
  private linkStateChanged(name: string, isUp: boolean): void {
    let logged = false;
    for (const inst of this.instances.values()) {
      if (inst.env.ifname !== name || inst.cfg.dontTrackPrimary) continue;
      if (!logged) {
        this.log.info(`Netlink reports ${name} ${isUp ? 'up' : 'down'}`);
        logged = true;
      }
      this.ownFaultChanging(inst, inst.ownFaultWith({ linkUp: isUp }));
      inst.setLinkUp(isUp);
    }
    this.tracker?.setStatus('interface', name, { kind: 'interface', up: isUp });
  }

  /**
   * Applies a new configuration (SIGHUP) without disturbing what did not change: unchanged
   * instances are not touched; instances whose priority, tracking, notify or VIPs changed take
   * the change in place (no transition, only the differing VIPs added or removed); instances whose
   * wire identity changed restart; removed ones stop (notify_deleted) and added ones start. Every
   * VIP leaving an instance is removed before any is added, so a VIP moves in one reload.
   */
  async reload(cfg: KeepalivedConfig): Promise<ReloadPlan> {
    const before = this.cfg;
    if (!before) {
      await this.start(cfg);
      return planReload([], modelInstances(cfg));
    }
    this.cfg = cfg;
    const plan = planReload(modelInstances(before), modelInstances(cfg));
    const next = new Map(modelInstances(cfg).map((i) => [i.name, i]));
    for (const name of plan.removed) {
      const inst = this.instances.get(name);
      if (!inst) continue;
      this.deleting.add(name);
      await inst.stop();
      this.deleting.delete(name);
      this.instances.delete(name);
    }
    const inPlace = plan.changed.filter((c) => !c.restart && this.instances.has(c.name));
    for (const c of plan.changed) {
      if (!c.restart) continue;
      await this.instances.get(c.name)?.stop();
      this.instances.delete(c.name);
    }
    for (const c of inPlace) await this.instances.get(c.name)!.releaseStale(next.get(c.name)!);
    await this.openFifos(cfg);
    await this.startTracker(cfg);
    for (const c of inPlace) await this.instances.get(c.name)!.reconfigure(next.get(c.name)!);
    await this.refreshLinks();
    const addrs = await this.rtnl.addresses();
    const fresh: { inst: Instance; linkUp: boolean }[] = [];
    for (const ic of modelInstances(cfg)) {
      if (this.instances.has(ic.name)) continue;
      const r = await this.createInstance(ic, addrs);
      if (r) fresh.push(r);
    }
    this.buildGroups(cfg, fresh.length > 0 || plan.removed.length > 0);
    for (const r of fresh) this.launch(r.inst, r.linkUp);
    for (const st of this.tracker?.states() ?? []) this.applyTrack(st);
    const keepVmacs = new Set([...this.instances.values()].map((x) => x.env.vmac?.ifname).filter((x): x is string => !!x));
    for (const [name, ifindex] of [...this.vmacsCreated]) {
      if (keepVmacs.has(name)) continue;
      await removeVmac(this.rtnl, ifindex).catch(() => undefined);
      this.vmacsCreated.delete(name);
    }
    const changed = plan.changed.map((c) => `${c.name}${c.restart ? ' (restart)' : ''}`);
    if (changed.length + plan.added.length + plan.removed.length > 0) {
      this.log.info(`VRRP reload: changed [${changed.join(', ')}], added [${plan.added.join(', ')}], removed [${plan.removed.join(', ')}]`);
    }
    return plan;
  }

  /** Stops everything: priority 0 from masters, VIPs and VMACs removed unless -V; STOP notifications. */
  async stop(): Promise<void> {
    this.trackerOff?.();
    this.trackerOff = null;
    const tracker = this.tracker;
    this.tracker = null;
    await Promise.all([...this.instances.values()].map((inst) => inst.stop()));
    this.instances.clear();
    this.groups.clear();
    await tracker?.stop();
    if (!this.opts.keepVipsOnStop) {
      for (const ifindex of this.vmacsCreated.values()) await removeVmac(this.rtnl, ifindex).catch(() => undefined);
    }
    this.vmacsCreated.clear();
    for (const f of this.fifos.splice(0)) f.close();
    this.fifoKey = '';
    this.monitor?.close();
    this.monitor = null;
    this.io.close();
    this.pool.closeAll();
    this.rtnl.close();
  }

  /** JSON-able state of every instance and sync group. */
  dump(): unknown {
    return {
      instances: [...this.instances.values()].map((inst) => ({ ...inst.dump(), tracking: this.trackOf(inst.name) })),
      syncGroups: [...this.groups.values()].map((g) => ({
        name: g.cfg.name, state: g.model.state, members: g.model.members, faulted: [...g.model.faulted],
      })),
    };
  }

  /** Counters of every instance and of the receive path. */
  stats(clear: boolean): unknown {
    const out = {
      receive: { drops: { ...this.io.drops } },
      instances: Object.fromEntries([...this.instances.values()].map((inst) => [inst.name, inst.readStats(clear)])),
      notify: { fifoDropped: this.fifos.reduce((n, f) => n + f.dropped, 0) },
    };
    if (clear) clearDrops(this.io.drops);
    return out;
  }
}
