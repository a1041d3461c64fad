// The VRRP driver: resolves interfaces, runs one Instance per vrrp_instance, follows link state, reloads without disturbing unchanged instances.
import type { Logger } from 'pino';
import type { KeepalivedConfig } from '../config/model';
import type { StateLog } from '../core/state-log';
import { parseIp } from '../net/ip';
import { PacketSocketPool } from './garp';
import type { VrrpInstance } from '../config/model/vrrp';
import { Instance, type InstanceEnv, type TransitionEvent } from './instance';
import { VrrpIo } from './io';
import { LinkMonitor, linkUsable, Rtnl, type AddrInfo, type LinkInfo } from './rtnl';
import { clearDrops } from './stats';
import { VipSet } from './vip';
import { ensureVmac, parseMac, removeVmac, virtualMac, vmacName } from './vmac';

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
  return JSON.stringify(i, (k, v: unknown) => {
    if (k === 'loc' || k === 'interfaceLoc' || k === 'userLoc') return undefined;
    if (v instanceof Uint8Array) return Array.from(v);
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
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

/** Runs every vrrp_instance of a configuration. */
export class VrrpDriver {
  private readonly rtnl: Rtnl;
  private readonly io = new VrrpIo();
  private readonly pool = new PacketSocketPool();
  private readonly links = new Map<string, LinkInfo>();
  private readonly instances = new Map<string, { inst: Instance; fp: string }>();
  private readonly vmacsCreated = new Map<string, number>();
  private monitor: LinkMonitor | null = null;
  private cfg: KeepalivedConfig | null = null;
  private readonly listeners: ((e: TransitionEvent) => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly opts: DriverOptions, rtnl?: Rtnl) {
    this.log = opts.log;
    this.rtnl = rtnl ?? new Rtnl();
  }

  /** Hears every transition of every instance (notify, FIFO, sync groups). */
  onTransition(fn: (e: TransitionEvent) => void): void {
    this.listeners.push(fn);
    for (const { inst } of this.instances.values()) inst.onTransition(fn);
  }

  /** The running instances by name (for tracking and sync groups). */
  instance(name: string): Instance | undefined {
    return this.instances.get(name)?.inst;
  }

  /** Names of the running instances. */
  instanceNames(): string[] {
    return [...this.instances.keys()];
  }

  private ifindexOf = (name: string): number => this.links.get(name)?.ifindex ?? 0;

  private async refreshLinks(): Promise<void> {
    this.links.clear();
    for (const l of await this.rtnl.links()) this.links.set(l.name, l);
  }

  /** Starts every instance of the configuration. */
  async start(cfg: KeepalivedConfig): Promise<void> {
    this.cfg = cfg;
    await this.refreshLinks();
    this.monitor = new LinkMonitor(
      (e) => this.onLink(e.deleted, e.link),
      (err) => this.log.error(`netlink link monitor: ${err.message}`),
    );
    const addrs = await this.rtnl.addresses();
    for (const ic of modelInstances(cfg)) await this.startInstance(ic, addrs);
  }

  private async startInstance(ic: VrrpInstance, addrs: readonly AddrInfo[]): Promise<void> {
    const g = this.cfg!.global;
    if (ic.vrid === null || ic.interface === null) {
      this.log.error(`(${ic.name}) no interface or virtual_router_id: instance not started`);
      return;
    }
    const link = this.links.get(ic.interface);
    if (!link) {
      this.log.error(`(${ic.name}) interface ${ic.interface} does not exist: instance not started`);
      return;
    }
    const fam = ic.family;
    let primary: Uint8Array | null = ic.srcIp && ic.srcIp.family === fam ? ic.srcIp.bytes : null;
    if (!primary) {
      const mine = addrs.filter((a) => a.ifindex === link.ifindex && a.family === fam);
      const pick = fam === 4 ? mine[0] : mine.find((a) => a.scope === 253) ?? mine[0];
      primary = pick ? pick.address : null;
    }
    if (!primary) {
      this.log.error(`(${ic.name}) interface ${ic.interface} has no IPv${fam} address to send adverts from: instance not started`);
      return;
    }
    let vmac: InstanceEnv['vmac'] = null;
    if (ic.vmac) {
      const name = ic.vmac.ifname ?? vmacName(ic.vrid);
      const mac = (ic.vmac.mac ? parseMac(ic.vmac.mac) : null) ?? virtualMac(fam, ic.vrid);
      const existed = this.links.has(name);
      const l = await ensureVmac(this.rtnl, this.log, name, link, mac);
      if (!existed) this.vmacsCreated.set(name, l.ifindex);
      this.links.set(name, l);
      vmac = { ifname: name, ifindex: l.ifindex, mac: l.mac.length === 6 ? l.mac : mac };
    }
    const mcast: Uint8Array = ic.mcastDstIp.family === fam ? ic.mcastDstIp.bytes : bytesOf(fam === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6);
    const env: InstanceEnv = {
      ifname: link.name, ifindex: link.ifindex, mac: link.mac, primary, vmac, mcastGroup: mcast,
      garpIntervalUs: g.vrrpGarpInterval, gnaIntervalUs: g.vrrpGnaInterval,
    };
    const ifname = ic.interface;
    const vips = new VipSet(this.rtnl, this.log, this.ifindexOf, () => ifname);
    const inst = new Instance(ic, env, { io: this.io, pool: this.pool, vips, log: this.log, stateLog: this.opts.stateLog, keepVipsOnStop: this.opts.keepVipsOnStop ?? false });
    for (const l of this.listeners) inst.onTransition(l);
    this.instances.set(ic.name, { inst, fp: instanceFingerprint(ic) });
    inst.start(ic.dontTrackPrimary || linkUsable(link));
  }

  private onLink(deleted: boolean, l: LinkInfo): void {
    const prev = this.links.get(l.name);
    if (deleted) this.links.delete(l.name);
    else this.links.set(l.name, l);
    const wasUp = prev ? linkUsable(prev) : false;
    const isUp = !deleted && linkUsable(l);
    if (prev && wasUp === isUp) return;
    let logged = false;
    for (const { inst } of this.instances.values()) {
      if (inst.env.ifname !== l.name || inst.cfg.dontTrackPrimary) continue;
      if (!logged) {
        this.log.info(`Netlink reports ${l.name} ${isUp ? 'up' : 'down'}`);
        logged = true;
      }
      inst.setLinkUp(isUp);
    }
  }

  /** Applies a new configuration: unchanged instances keep running untouched; others stop/start. */
  async reload(cfg: KeepalivedConfig): Promise<void> {
    this.cfg = cfg;
    const wanted = new Map(modelInstances(cfg).map((i) => [i.name, i]));
    for (const [name, { inst, fp }] of [...this.instances]) {
      const n = wanted.get(name);
      if (n && instanceFingerprint(n) === fp) continue;
      await inst.stop();
      this.instances.delete(name);
    }
    await this.refreshLinks();
    const addrs = await this.rtnl.addresses();
    for (const ic of modelInstances(cfg)) if (!this.instances.has(ic.name)) await this.startInstance(ic, addrs);
    const keepVmacs = new Set([...this.instances.values()].map((x) => x.inst.env.vmac?.ifname).filter((x): x is string => !!x));
    for (const [name, ifindex] of [...this.vmacsCreated]) {
      if (keepVmacs.has(name)) continue;
      await removeVmac(this.rtnl, ifindex).catch(() => undefined);
      this.vmacsCreated.delete(name);
    }
  }

  /** Stops everything: priority 0 from masters, VIPs and VMACs removed unless -V. */
  async stop(): Promise<void> {
    await Promise.all([...this.instances.values()].map(({ inst }) => inst.stop()));
    this.instances.clear();
    if (!this.opts.keepVipsOnStop) {
      for (const ifindex of this.vmacsCreated.values()) await removeVmac(this.rtnl, ifindex).catch(() => undefined);
    }
    this.vmacsCreated.clear();
    this.monitor?.close();
    this.monitor = null;
    this.io.close();
    this.pool.closeAll();
    this.rtnl.close();
  }

  /** JSON-able state of every instance. */
  dump(): unknown {
    return { instances: [...this.instances.values()].map(({ inst }) => inst.dump()) };
  }

  /** Counters of every instance and of the receive path. */
  stats(clear: boolean): unknown {
    const out = {
      receive: { drops: { ...this.io.drops } },
      instances: Object.fromEntries([...this.instances.values()].map(({ inst }) => [inst.name, inst.readStats(clear)])),
    };
    if (clear) clearDrops(this.io.drops);
    return out;
  }
}
