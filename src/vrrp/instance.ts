// One running vrrp_instance: feeds the pure state machine (fsm.ts) with adverts, timers and faults, and executes its actions.
import { channel } from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { VrrpInstance } from '../config/model/vrrp';
import type { VirtualAddress } from '../config/model/ip';
import type { StateLog } from '../core/state-log';
import { formatIp, ipEquals } from '../net/ip';
import type { SendTarget, VrrpPacket, VrrpSocket } from '../sys/vrrp-socket';
import { authKey, type AuthConfig } from './auth';
import { initialState, step, type InstanceConfig, type TimerName, type Transition, type VrrpAction, type VrrpState } from './fsm';
import { GarpSender, type PacketSocketPool } from './garp';
import type { VrrpIo } from './io';
import { advertLength, decodeAdvert, encodeAdvertInto, VrrpDecodeError, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, type VrrpFamily, type VrrpVersion } from './packet';
import { newInstanceStats, clearInstanceStats, type InstanceStats } from './stats';
import { microsToAdverInt, type Micros } from './timers';
import type { VipSet } from './vip';

/** Diagnostics channel every transition is published on ({@link TransitionEvent}). */
export const TRANSITION_CHANNEL = 'tskeepalived:vrrp:transition';
const transitionChannel = channel(TRANSITION_CHANNEL);

/** A transition as published to listeners (notify scripts, FIFO, sync groups, tests). */
export interface TransitionEvent {
  readonly instance: string;
  readonly transition: Transition;
  readonly priority: number;
}

/** Input from tracking (track_interface/script/file/process/bfd, sync groups). */
export interface TrackState {
  /** A tracked object says FAULT. */
  readonly fault: boolean;
  /** Sum of tracking weights to add to the configured priority. */
  readonly priorityDelta: number;
}

/** Monotonic microseconds. */
export function nowMicros(): Micros {
  return Math.round(performance.now() * 1000);
}

/** Where the instance runs, resolved by the driver from the kernel. */
export interface InstanceEnv {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  /** The advert source: unicast_src_ip/mcast_src_ip, else the interface's first IPv4 / its IPv6 link-local. */
  readonly primary: Uint8Array;
  /** VMAC interface to send from and carry the VIPs (null without use_vmac). */
  readonly vmac: { readonly ifname: string; readonly ifindex: number; readonly mac: Uint8Array } | null;
  readonly mcastGroup: Uint8Array | null;
  readonly garpIntervalUs: number;
  readonly gnaIntervalUs: number;
}

/** What an instance uses from its driver. */
export interface InstanceDeps {
  readonly io: VrrpIo;
  readonly pool: PacketSocketPool;
  readonly vips: VipSet;
  readonly log: Logger;
  readonly stateLog: StateLog;
  /** -V: keep VIPs on stop. */
  readonly keepVipsOnStop: boolean;
}

/** Mutable advert fields reused for every send (no allocation on the advert path). */
interface AdvertScratch {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  maxAdverInt: number;
  addresses: Uint8Array[];
}

interface Target {
  readonly st: SendTarget;
  readonly opts: { family: VrrpFamily; src: Uint8Array; dst: Uint8Array; auth?: AuthConfig; v3ChecksumAsV2?: boolean };
}

/** Mutable decode context reused for every received packet. */
interface RxContext {
  family: VrrpFamily;
  src: Uint8Array;
  dst: Uint8Array;
  ttl?: number;
  unicast: boolean;
  version: VrrpVersion;
  auth?: AuthConfig;
  v3ChecksumAsV2: boolean;
  unicastChecksumCompat: boolean;
}

const TIMERS: readonly TimerName[] = ['masterDown', 'advert', 'garpDelay', 'garpRefresh'];

/** The advert's address list: VIPs of the instance's family (RFC 5798 §5.2.9). */
function advertAddresses(cfg: VrrpInstance): VirtualAddress[] {
  return cfg.vips.filter((v) => v.family === cfg.family);
}

/** Maps the model to what the state machine needs. */
export function fsmConfig(cfg: VrrpInstance, primary: Uint8Array): InstanceConfig {
  return {
    name: cfg.name,
    version: cfg.version,
    priority: cfg.priority,
    advertInterval: cfg.advertIntUs,
    initialState: cfg.state === 'MASTER' ? 'master' : 'backup',
    primaryAddress: primary,
    nopreempt: cfg.nopreempt,
    preemptDelay: cfg.preemptDelayUs,
    accept: cfg.accept,
    lowerPrioNoAdvert: cfg.lowerPrioNoAdvert,
    higherPrioSendAdvert: cfg.higherPrioSendAdvert,
    downTimerAdverts: cfg.downTimerAdverts,
    garp: {
      masterDelay: cfg.garp.masterDelayUs,
      masterRepeat: cfg.garp.masterRepeat,
      masterRefresh: cfg.garp.masterRefreshUs,
      masterRefreshRepeat: cfg.garp.masterRefreshRepeat,
      lowerPrioRepeat: 0,
    },
  };
}

function authOf(cfg: VrrpInstance): AuthConfig | undefined {
  if (cfg.version !== 2 || !cfg.auth || !cfg.auth.type || cfg.auth.password === null) return undefined;
  return { type: cfg.auth.type === 'PASS' ? 'pass' : 'ah', key: authKey(cfg.auth.password) };
}

/** A running vrrp_instance. */
export class Instance {
  readonly name: string;
  readonly stats: InstanceStats = newInstanceStats();
  private s: VrrpState;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly fire: Record<TimerName, () => void>;
  private readonly buf: Buffer;
  private readonly fields: AdvertScratch;
  private readonly targets: Target[] = [];
  private readonly rx: RxContext;
  private readonly advAddrs: VirtualAddress[];
  private readonly peers: Uint8Array[];
  private sender: VrrpSocket | null = null;
  private garp: GarpSender | null = null;
  private linkFault = false;
  private track: TrackState = { fault: false, priorityDelta: 0 };
  private vipChain: Promise<void> = Promise.resolve();
  private readonly listeners: ((e: TransitionEvent) => void)[] = [];
  private running = false;
  private stopping = false;
  private registered = false;

  constructor(
    readonly cfg: VrrpInstance,
    readonly env: InstanceEnv,
    private readonly deps: InstanceDeps,
  ) {
    this.name = cfg.name;
    this.s = initialState(fsmConfig(cfg, env.primary));
    this.advAddrs = advertAddresses(cfg);
    this.peers = cfg.unicastPeers.map((p) => p.address.bytes);
    const fam = cfg.family;
    this.buf = Buffer.alloc(advertLength(cfg.version, fam, Math.min(255, this.advAddrs.length)) + 64);
    this.fields = {
      version: cfg.version, vrid: cfg.vrid ?? 0, priority: cfg.priority,
      maxAdverInt: microsToAdverInt(cfg.version, cfg.advertIntUs),
      addresses: this.advAddrs.slice(0, 255).map((v) => v.address.bytes),
    };
    const auth = authOf(cfg);
    this.rx = {
      family: fam, src: env.primary, dst: env.primary, unicast: this.peers.length > 0, version: cfg.version,
      ...(auth ? { auth } : {}), v3ChecksumAsV2: cfg.v3ChecksumAsV2, unicastChecksumCompat: cfg.oldUnicastChecksum === 'config',
    };
    this.fire = {
      masterDown: () => this.onTimer('masterDown'),
      advert: () => this.onTimer('advert'),
      garpDelay: () => this.onTimer('garpDelay'),
      garpRefresh: () => this.onTimer('garpRefresh'),
    };
  }

  /** Current protocol state. */
  get state(): VrrpState {
    return this.s;
  }

  /** Subscribes to transitions. */
  onTransition(fn: (e: TransitionEvent) => void): void {
    this.listeners.push(fn);
  }

  private get sendIf(): { ifname: string; ifindex: number; mac: Uint8Array } {
    const v = this.env.vmac;
    return v && !this.cfg.vmacXmitBase ? v : this.env;
  }

  /** Opens sockets, builds frames and targets, and starts in BACKUP (or MASTER for an owner), or FAULT when the link is down. */
  start(linkUp: boolean): void {
    const cfg = this.cfg;
    const fam = cfg.family;
    const unicast = this.peers.length > 0;
    const group = unicast ? null : this.env.mcastGroup ?? (fam === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
    this.deps.io.register(fam, this.env.ifname, this.env.ifindex, cfg.vrid ?? 0, this, group ? formatIp(group) : null);
    this.registered = true;
    const out = this.sendIf;
    const ttl = unicast && cfg.unicastTtl !== null ? cfg.unicastTtl : undefined;
    this.sender = this.deps.io.acquireSender(fam, out.ifname, out.ifindex, ttl);
    const auth = authOf(cfg);
    const dsts = unicast ? this.peers : [group!];
    for (const d of dsts) {
      this.targets.push({
        st: this.sender.target(formatIp(d), { ifindex: out.ifindex, src: formatIp(this.env.primary) }),
        opts: { family: fam, src: this.env.primary, dst: d, ...(auth ? { auth } : {}), v3ChecksumAsV2: cfg.v3ChecksumAsV2 },
      });
    }
    const garpMac = this.env.vmac ? this.env.vmac.mac : this.env.mac;
    const garpIf = this.env.vmac ? this.env.vmac.ifindex : this.env.ifindex;
    this.garp = new GarpSender(
      this.deps.pool,
      cfg.vips.map((v) => ({ ifindex: garpIf, mac: garpMac, family: v.family, address: v.address.bytes })),
      this.env.garpIntervalUs, this.env.gnaIntervalUs,
    );
    this.running = true;
    this.linkFault = !linkUp;
    // keepalived removes VIPs left over from a previous run before starting ("(VI_1) removing VIPs.").
    this.queueVips(false, false);
    if (this.faulted) {
      this.apply(step(this.s, { type: 'startup' }, nowMicros()));
      this.apply(step(this.s, { type: 'fault' }, nowMicros()));
    } else {
      this.apply(step(this.s, { type: 'startup' }, nowMicros()));
    }
    this.applyPriority();
  }

  private get faulted(): boolean {
    return this.linkFault || this.track.fault;
  }

  /** Link state of the instance's interface changed (from the link monitor). */
  setLinkUp(up: boolean): void {
    const was = this.faulted;
    this.linkFault = !up;
    this.faultChanged(was);
  }

  /** Tracking input: fault and priority delta (keepalived's effective_priority). */
  setTrackState(t: TrackState): void {
    const was = this.faulted;
    this.track = t;
    this.applyPriority();
    this.faultChanged(was);
  }

  private applyPriority(): void {
    if (!this.running) return;
    const base = this.cfg.priority;
    // keepalived: the address owner's priority is never changed by tracking.
    const want = base === 255 ? 255 : Math.max(1, Math.min(254, base + this.track.priorityDelta));
    if (want !== this.s.effectivePriority) {
      this.deps.log.info(`(${this.name}) Changing effective priority from ${this.s.effectivePriority} to ${want}`);
      this.apply(step(this.s, { type: 'priorityChanged', priority: want }, nowMicros()));
    }
  }

  private faultChanged(was: boolean): void {
    if (!this.running || this.stopping) return;
    const now = this.faulted;
    if (now === was) return;
    this.apply(step(this.s, { type: now ? 'fault' : 'faultCleared' }, nowMicros()));
  }

  /** A packet for our VRID arrived (called by {@link VrrpIo}). */
  onPacket(p: VrrpPacket): void {
    if (!this.running) return;
    const rx = this.rx;
    rx.src = p.srcBytes;
    rx.dst = p.dst === '' ? (this.env.mcastGroup ?? VRRP_MCAST_GROUP4) : p.dstBytes;
    if (p.ttl >= 0) rx.ttl = p.ttl;
    else delete rx.ttl;
    let adv;
    try {
      adv = decodeAdvert(p.payload, rx);
    } catch (e) {
      if (e instanceof VrrpDecodeError) {
        this.stats.drops[e.reason]++;
        this.deps.log.debug(`(${this.name}) dropping received VRRP packet from ${p.src}: ${e.message}`);
        return;
      }
      throw e;
    }
    if (this.peers.length > 0 && this.cfg.checkUnicastSrc && !this.peers.some((a) => ipEquals(a, p.srcBytes))) {
      this.stats.drops['unknown-peer']++;
      return;
    }
    this.stats.advertRcvd++;
    if (!this.cfg.skipCheckAdvAddr && adv.priority !== 0 && !this.addressesMatch(adv.addresses)) {
      this.stats.drops['addr-list']++;
      this.deps.log.info(`(${this.name}) ip address associated with VRID ${this.fields.vrid} not present in MASTER advert : ${p.src}`);
      return;
    }
    if (adv.priority === 0) {
      this.stats.priZeroRcvd++;
      if (this.s.state === 'backup') this.deps.log.info(`(${this.name}) Backup received priority 0 advertisement`);
    } else if (this.s.state === 'master' && adv.priority > this.s.effectivePriority) {
      this.deps.log.info(`(${this.name}) Master received advert from ${p.src} with higher priority ${adv.priority}, ours ${this.s.effectivePriority}`);
    }
    this.apply(step(this.s, { type: 'advert', priority: adv.priority, maxAdverInt: adv.maxAdverInt, src: Uint8Array.from(p.srcBytes) }, nowMicros()));
  }

  private addressesMatch(got: readonly Uint8Array[]): boolean {
    const want = this.fields.addresses;
    if (want.length === 0) return got.length === 0;
    if (got.length !== want.length) return false;
    for (const w of want) if (!got.some((g) => ipEquals(g, w))) return false;
    return true;
  }

  private onTimer(t: TimerName): void {
    this.timers.delete(t);
    const at = this.s.timers[t];
    if (at === null) return;
    const now = nowMicros();
    // Node timers have 1 ms resolution: never act early; re-arm for what is left.
    if (now < at - 200) {
      this.arm(t, at);
      return;
    }
    if (t === 'masterDown' && this.s.state === 'backup') this.deps.log.info(`(${this.name}) Receive advertisement timeout`);
    this.apply(step(this.s, { type: 'timer', timer: t }, now));
  }

  private arm(t: TimerName, at: Micros): void {
    const old = this.timers.get(t);
    if (old) clearTimeout(old);
    const ms = Math.max(0, (at - nowMicros()) / 1000);
    this.timers.set(t, setTimeout(this.fire[t], ms));
  }

  private disarm(t: TimerName): void {
    const old = this.timers.get(t);
    if (old) clearTimeout(old);
    this.timers.delete(t);
  }

  private apply(r: { state: VrrpState; actions: readonly VrrpAction[] }): void {
    this.s = r.state;
    let toMaster = false;
    for (const a of r.actions) {
      switch (a.type) {
        case 'sendAdvert':
          this.sendAdvert(a.priority);
          break;
        case 'armTimer':
          this.arm(a.timer, a.at);
          break;
        case 'cancelTimer':
          this.disarm(a.timer);
          break;
        case 'addVips':
          this.queueVips(true, true);
          break;
        case 'removeVips':
          if (!(this.stopping && this.deps.keepVipsOnStop)) this.queueVips(false, true);
          break;
        case 'sendGratuitous':
          if (toMaster && this.garp) {
            for (const v of this.cfg.vips) {
              this.deps.log.info(`(${this.name}) Sending/queueing ${v.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${this.env.vmac?.ifname ?? this.env.ifname} for ${formatIp(v.address.bytes)}`);
            }
          }
          this.garp?.burst(a.repeat);
          break;
        case 'notify':
          if (a.transition.to === 'master') toMaster = true;
          this.onTransitionAction(a.transition);
          break;
        case 'masterRxLowerPriority':
          break;
        case 'discard':
          if (a.reason === 'interval-mismatch') this.stats.drops['interval-mismatch']++;
          else if (a.reason === 'not-listening') this.stats.drops['not-listening']++;
          break;
      }
    }
  }

  private onTransitionAction(t: Transition): void {
    const sl = this.deps.stateLog;
    if (t.to === 'master') {
      this.stats.becomeMaster++;
      sl.vrrpState(this.name, 'MASTER');
    } else if (t.to === 'backup') {
      if (t.from === 'master') this.stats.releaseMaster++;
      if (t.reason === 'startup') this.deps.log.info(`(${this.name}) Entering BACKUP STATE (init)`);
      else sl.vrrpState(this.name, 'BACKUP');
    } else if (t.to === 'fault') {
      if (t.from === 'master') this.stats.releaseMaster++;
      sl.vrrpState(this.name, 'FAULT');
    } else if (t.from === 'master') this.stats.releaseMaster++;
    const ev: TransitionEvent = { instance: this.name, transition: t, priority: this.s.effectivePriority };
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (e) {
        this.deps.log.error({ err: e }, `(${this.name}) transition listener failed`);
      }
    }
    if (transitionChannel.hasSubscribers) transitionChannel.publish(ev);
  }

  /** Encodes into the preallocated buffer and sends to every target; allocation-free. */
  private sendAdvert(priority: number): void {
    const sock = this.sender;
    if (!sock) return;
    const f = this.fields;
    f.priority = priority;
    for (let i = 0; i < this.targets.length; i++) {
      const t = this.targets[i]!;
      const len = encodeAdvertInto(f, t.opts, this.buf, 0);
      const n = sock.trySend(this.buf, len, t.st);
      if (n < 0) this.stats.sendErrors++;
      else this.stats.advertSent++;
    }
    if (priority === 0) {
      this.stats.priZeroSent++;
      this.deps.log.info(`(${this.name}) sent 0 priority`);
    }
  }

  private queueVips(add: boolean, log: boolean): void {
    const vmacDev = this.env.vmac?.ifname ?? null;
    const vips = this.cfg.vips;
    const cfg = this.cfg;
    if (log && vips.length > 0) this.deps.log.info(`(${this.name}) ${add ? 'setting' : 'removing'} VIPs.`);
    this.vipChain = this.vipChain.then(async () => {
      if (add) {
        await this.deps.vips.addAddresses(vips, vmacDev);
        await this.deps.vips.routes(true, cfg.routes);
        await this.deps.vips.rules(true, cfg.rules);
      } else {
        await this.deps.vips.rules(false, cfg.rules);
        await this.deps.vips.routes(false, cfg.routes);
        await this.deps.vips.removeAddresses(vips, vmacDev);
      }
    }).catch((e: unknown) => this.deps.log.error({ err: e }, `(${this.name}) VIP update failed`));
  }

  /** Stops: priority 0 if master, VIPs removed (unless -V), sockets released. Resolves when netlink is done. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.apply(step(this.s, { type: 'shutdown' }, nowMicros()));
    for (const t of TIMERS) this.disarm(t);
    await this.vipChain;
    this.running = false;
    this.release();
  }

  private release(): void {
    this.garp?.close();
    this.garp = null;
    if (this.registered) {
      const unicast = this.peers.length > 0;
      const group = unicast ? null : this.env.mcastGroup ?? (this.cfg.family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
      this.deps.io.unregister(this.cfg.family, this.env.ifindex, this.cfg.vrid ?? 0, group ? formatIp(group) : null);
      this.registered = false;
    }
    if (this.sender) {
      const out = this.sendIf;
      this.deps.io.releaseSender(this.cfg.family, out.ifindex, this.peers.length > 0 && this.cfg.unicastTtl !== null ? this.cfg.unicastTtl : undefined);
      this.sender = null;
    }
  }

  /** JSON-able state for dumps. */
  dump(): Record<string, unknown> {
    const s = this.s;
    return {
      name: this.name,
      state: s.state.toUpperCase(),
      vrid: this.cfg.vrid,
      interface: this.env.ifname,
      vmac: this.env.vmac?.ifname ?? null,
      version: this.cfg.version,
      priority: this.cfg.priority,
      effectivePriority: s.effectivePriority,
      advertIntUs: this.cfg.advertIntUs,
      masterAdverIntUs: s.masterAdverInterval,
      masterAddress: s.masterAddress ? formatIp(s.masterAddress) : null,
      masterPriority: s.masterPriority,
      source: formatIp(this.env.primary),
      vips: this.cfg.vips.map((v) => v.text),
      fault: { link: this.linkFault, track: this.track.fault },
      lastTransition: s.lastTransition,
      garp: this.garp?.stats ?? null,
    };
  }

  /** Counters; `clear` zeroes them after reading. */
  readStats(clear: boolean): InstanceStats {
    const copy: InstanceStats = { ...this.stats, drops: { ...this.stats.drops } };
    if (clear) clearInstanceStats(this.stats);
    return copy;
  }
}
