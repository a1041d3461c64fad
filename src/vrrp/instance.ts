// One running vrrp_instance: feeds the pure state machine (fsm.ts) with adverts, timers and faults, and executes its actions.
import { channel } from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { VrrpInstance } from '../config/model/vrrp';
import type { VirtualAddress } from '../config/model/ip';
import type { StateLog } from '../core/state-log';
import { formatIp, ipEquals } from '../net/ip';
import { IPPROTO_AH, IPPROTO_VRRP, IPV4_HEADER_LEN } from '../net/ipv4';
import type { SendTarget, VrrpPacket } from '../sys/vrrp-socket';
import { authKey, nextAhSequence, type AuthConfig } from './auth';
import { initialState, step, type DiscardReason, type InstanceConfig, type TimerName, type Transition, type VrrpAction, type VrrpState } from './fsm';
import { GarpSender, type GarpTarget, type PacketSocketPool } from './garp';
import { garpExtraTargets } from './garp-extra';
import type { AdvertSender, VrrpIo } from './io';
import {
  advertHasAddress, advertLength, decodeAdvertView, decodeIpv4AdvertView, encodeAdvertInto, encodeIpv4Advert, newAdvertView, VrrpDecodeError,
  VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, type AdvertView, type VrrpFamily, type VrrpVersion,
} from './packet';
import { newInstanceStats, clearInstanceStats, type InstanceStats } from './stats';
import { microsToAdverInt, type Micros } from './timers';
import { nowMicros, sharedScheduler, TimerSlot, type DeadlineScheduler } from './scheduler';
import { canonical as canonicalOf } from './reload';
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

export { nowMicros };

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
  /** The effective priority changed (notify_priority_changes FIFO lines). */
  readonly onPriorityChanged?: (inst: Instance, priority: number) => void;
  /** Sync group: the master-down timer fired; may this member become master now? (absent: yes) */
  readonly mayBecomeMaster?: (inst: Instance) => boolean;
  /** Sync group: a member refused mastership heard a master again. */
  readonly onMasterSeen?: (inst: Instance) => void;
  /** As master, heard an advert with a lower priority (notify_master_rx_lower_pri). */
  readonly onMasterRxLowerPri?: (inst: Instance, priority: number) => void;
  /** Runs the protocol timers (default: the process-wide one). */
  readonly scheduler?: DeadlineScheduler;
  /**
   * An interface's index and MAC (null: unknown). With it GARP/NA for each VIP go out on the VIP's own
   * interface with that interface's MAC (keepalived send_arp); without it, on the instance's.
   */
  readonly linkOf?: (ifname: string) => { readonly ifindex: number; readonly mac: Uint8Array } | null;
  /** Whether an interface is a VMAC of ours (garp_extra_if without `all` only announces on those). */
  readonly isOurs?: (ifname: string) => boolean;
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

const NO_ADDRESS = new Uint8Array(0);

const TIMERS: readonly TimerName[] = ['masterDown', 'advert', 'garpDelay', 'garpRefresh', 'garpExtra'];
/** How early (µs) an advert may be sent to share a wake-up with other instances' adverts. */
const ADVERT_EARLY_US = 1000;
/** Timer events are immutable: one per timer, not one per expiry. */
const TIMER_EVENTS = {
  masterDown: { type: 'timer', timer: 'masterDown' }, advert: { type: 'timer', timer: 'advert' },
  garpDelay: { type: 'timer', timer: 'garpDelay' }, garpRefresh: { type: 'timer', timer: 'garpRefresh' },
  garpExtra: { type: 'timer', timer: 'garpExtra' },
} as const satisfies Record<TimerName, { type: 'timer'; timer: TimerName }>;

/** Every address the instance installs as master: virtual_ipaddress then virtual_ipaddress_excluded. */
function installedVips(cfg: VrrpInstance): VirtualAddress[] {
  return [...cfg.vips, ...cfg.excludedVips];
}

/** The advert's address list: VIPs of the instance's family (RFC 5798 §5.2.9). */
function advertAddresses(cfg: VrrpInstance): VirtualAddress[] {
  return cfg.vips.filter((v) => v.family === cfg.family);
}

/** Maps the model to what the state machine needs (`garpExtraInterval`: 0 unless garp_extra_if has interfaces to serve). */
export function fsmConfig(cfg: VrrpInstance, primary: Uint8Array, garpExtraInterval = 0): InstanceConfig {
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
    skipCheckAdvAddr: cfg.skipCheckAdvAddr,
    ownerIgnoreAdverts: cfg.ownerIgnoreAdverts,
    garpExtraInterval,
    garp: {
      masterDelay: cfg.garp.masterDelayUs,
      masterRepeat: cfg.garp.masterRepeat,
      masterRefresh: cfg.garp.masterRefreshUs,
      masterRefreshRepeat: cfg.garp.masterRefreshRepeat,
      lowerPrioRepeat: cfg.garp.lowerPrioRepeat,
      lowerPrioDelay: cfg.garp.lowerPrioDelayUs,
    },
  };
}

/**
 * keepalived's IPsec AH counter (ipsecah_counter): one sequence number per instance for both
 * directions. A received advert is accepted only above it and raises it; a sent advert takes it
 * plus one. So whoever becomes master continues the sequence the other masters left, and the
 * backups' anti-replay check accepts it.
 */
interface AhCounter {
  seq: number;
  /** The counter reached 0xFFFFFFFD: reset when becoming master (keepalived vrrp_state_goto_master). */
  cycle: boolean;
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
  /** One reusable deadline per timer, run by the shared scheduler (no timer object per advert). */
  private readonly slots: Record<TimerName, TimerSlot>;
  private readonly scheduler: DeadlineScheduler;
  private buf: Buffer;
  private readonly fields: AdvertScratch;
  private readonly targets: Target[] = [];
  private readonly rx: RxContext;
  private readonly peers: Uint8Array[];
  private sender: AdvertSender | null = null;
  /** VRRPv2 with AH: the anti-replay counter; null otherwise. */
  private readonly ah: AhCounter | null;
  /** IPv4 identification of the next packet we build ourselves (AH); keepalived skips 0, which the kernel would replace. */
  private ipId = 0;
  /** Base priority: the configured one, unless lowered by the two-owners rule (keepalived base_priority = 254). */
  private basePriority: number;
  /** Why the advert being stepped does not match our address list (for the log line if the FSM discards it). */
  private rxMismatch: string | null = null;
  /** Source of the advert being stepped (a view into the receive buffer, valid during the step), for log lines. */
  private rxSrc: Uint8Array | null = null;
  /** Reused for every received packet: the decoded advert and the event given to the state machine. */
  private readonly rxView: AdvertView = newAdvertView();
  private readonly rxEvent: { type: 'advert'; priority: number; maxAdverInt: number; src: Uint8Array; addressesMatch: boolean } = {
    type: 'advert', priority: 0, maxAdverInt: 0, src: NO_ADDRESS, addressesMatch: true,
  };
  /** `garp_lower_prio_delay` bursts queued (never cancelled by the FSM; cleared on stop). */
  private readonly laterGarps = new Set<NodeJS.Timeout>();
  private garp: GarpSender | null = null;
  /** garp_extra_if: one frame per extra interface (null when off), sent every {@link garpExtraUs}. */
  private garpExtra: GarpSender | null = null;
  private garpExtraUs = 0;
  /** "Dropping packet(s) ... since we are address owner" is logged once per start. */
  private ownerDropLogged = false;
  private linkFault = false;
  private track: TrackState = { fault: false, priorityDelta: 0 };
  /** Set by the sync group: another member (or the group) is in FAULT. */
  private groupFault = false;
  /** Held in INIT until every weight-0 track script has reported once (keepalived num_script_init). */
  private held = false;
  private current: VrrpInstance;
  private vipChain: Promise<void> = Promise.resolve();
  private readonly listeners: ((e: TransitionEvent) => void)[] = [];
  private running = false;
  private stopping = false;
  private registered = false;

  constructor(
    cfg: VrrpInstance,
    readonly env: InstanceEnv,
    private readonly deps: InstanceDeps,
  ) {
    this.name = cfg.name;
    this.current = cfg;
    this.basePriority = cfg.priority;
    this.s = initialState(fsmConfig(cfg, env.primary));
    this.peers = cfg.unicastPeers.map((p) => p.address.bytes);
    const fam = cfg.family;
    const adv = advertAddresses(cfg);
    this.buf = Buffer.alloc(advertLength(cfg.version, fam, Math.min(255, adv.length)) + 64);
    this.fields = {
      version: cfg.version, vrid: cfg.vrid ?? 0, priority: cfg.priority,
      maxAdverInt: microsToAdverInt(cfg.version, cfg.advertIntUs),
      addresses: adv.slice(0, 255).map((v) => v.address.bytes),
    };
    const auth = authOf(cfg);
    this.ah = auth?.type === 'ah' && fam === 4 ? { seq: 0, cycle: false } : null;
    this.rx = {
      family: fam, src: env.primary, dst: env.primary, unicast: this.peers.length > 0, version: cfg.version,
      ...(auth ? { auth } : {}), v3ChecksumAsV2: cfg.v3ChecksumAsV2, unicastChecksumCompat: cfg.oldUnicastChecksum === 'config',
    };
    this.scheduler = deps.scheduler ?? sharedScheduler;
    this.slots = {
      masterDown: new TimerSlot(() => this.onTimer('masterDown')),
      // Adverts may leave up to 1 ms early with others due then: deadlines that are close together
      // converge and share one wake-up instead of one each (a few per interval instead of ~instances).
      advert: new TimerSlot(() => this.onTimer('advert'), ADVERT_EARLY_US),
      garpDelay: new TimerSlot(() => this.onTimer('garpDelay')),
      garpRefresh: new TimerSlot(() => this.onTimer('garpRefresh')),
      garpExtra: new TimerSlot(() => this.onTimer('garpExtra')),
    };
  }

  /** Current protocol state. */
  get state(): VrrpState {
    return this.s;
  }

  /** The configuration the instance runs (replaced in place by {@link reconfigure}). */
  get cfg(): VrrpInstance {
    return this.current;
  }

  /** Subscribes to transitions. */
  onTransition(fn: (e: TransitionEvent) => void): void {
    this.listeners.push(fn);
  }

  private get sendIf(): { ifname: string; ifindex: number; mac: Uint8Array } {
    const v = this.env.vmac;
    return v && !this.cfg.vmacXmitBase ? v : this.env;
  }

  /**
   * Opens sockets, builds frames and targets, and starts in BACKUP (or MASTER for an owner), or
   * FAULT when the link is down. With `hold` the state machine stays in INIT until {@link leaveInit}.
   */
  start(linkUp: boolean, hold = false): void {
    const cfg = this.cfg;
    const fam = cfg.family;
    const unicast = this.peers.length > 0;
    const group = unicast ? null : this.env.mcastGroup ?? (fam === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
    // Adverts are heard where they are sent (keepalived): with use_vmac on the VMAC, since a private-mode
    // macvlan takes the frames whose source is its own MAC, i.e. the other routers' adverts.
    this.deps.io.register(fam, this.sendIf.ifname, this.sendIf.ifindex, cfg.vrid ?? 0, this, group ? formatIp(group) : null, this.protocol);
    this.registered = true;
    const out = this.sendIf;
    this.sender = this.deps.io.acquireSender(fam, out.ifname, out.ifindex, this.sendTtl, this.headerIncluded);
    const auth = authOf(cfg);
    const dsts = unicast ? this.peers : [group!];
    for (const d of dsts) {
      this.targets.push({
        st: this.sender.target(formatIp(d), { ifindex: out.ifindex, src: formatIp(this.env.primary) }),
        opts: { family: fam, src: this.env.primary, dst: d, ...(auth ? { auth } : {}), v3ChecksumAsV2: cfg.v3ChecksumAsV2 },
      });
    }
    this.garp = this.newGarp(cfg);
    this.setGarpExtra(cfg);
    this.running = true;
    this.linkFault = !linkUp;
    // keepalived removes VIPs left over from a previous run before starting ("(VI_1) removing VIPs.").
    this.queueVips(false, false);
    this.held = hold;
    if (!hold) this.startMachine();
  }

  /** IP protocol of our adverts: AH (51) for VRRPv2 with auth_type AH, else VRRP (112). */
  private get protocol(): number {
    return this.ah ? IPPROTO_AH : IPPROTO_VRRP;
  }

  /** With AH the IPv4 header is ours (IP_HDRINCL), as keepalived builds it (vrrp_build_ip4). */
  private get headerIncluded(): { readonly protocol: number } | undefined {
    return this.ah ? { protocol: IPPROTO_AH } : undefined;
  }

  private get sendTtl(): number | undefined {
    return this.peers.length > 0 && this.cfg.unicastTtl !== null ? this.cfg.unicastTtl : undefined;
  }

  private newGarp(cfg: VrrpInstance): GarpSender {
    const targets: GarpTarget[] = [];
    for (const v of installedVips(cfg)) {
      const t = this.garpTargetOf(v, this.vipIfname(v));
      if (t) targets.push(t);
    }
    return new GarpSender(this.deps.pool, targets, this.env.garpIntervalUs, this.env.gnaIntervalUs);
  }

  // ---- garp_extra_if (keepalived vmac_garp_intvl) ----

  /** The interface a VIP is installed on (null: the instance's, when the driver gives no link lookup). */
  private vipIfname(v: VirtualAddress): string | null {
    return this.deps.linkOf ? this.deps.vips.ifnameOf(v, this.env.vmac?.ifname ?? null) : null;
  }

  /** A VIP's GARP/NA source: its interface and that interface's MAC; null when the interface is unknown. */
  private garpTargetOf(v: VirtualAddress, ifname: string | null): GarpTarget | null {
    const base = this.env.vmac ?? this.env;
    const l = ifname === null ? base : this.deps.linkOf?.(ifname) ?? null;
    if (!l || l.mac.length !== 6) return null;
    return { ifindex: l.ifindex, mac: l.mac, family: v.family, address: v.address.bytes };
  }

  /** (Re)builds the garp_extra_if frames and gives the state machine their interval (0: none to send). */
  private setGarpExtra(cfg: VrrpInstance): void {
    this.garpExtra?.close();
    this.garpExtra = null;
    const x = cfg.garpExtraIf;
    const targets: GarpTarget[] = [];
    if (x && x.intervalUs > 0 && this.deps.linkOf) {
      const chosen = garpExtraTargets(installedVips(cfg), {
        ownIf: this.env.vmac?.ifname ?? this.env.ifname, xmitBase: cfg.vmacXmitBase, all: x.all,
        ifnameOf: (v) => this.vipIfname(v)!, isOurs: this.deps.isOurs ?? (() => false),
      });
      for (const c of chosen) {
        const t = this.garpTargetOf(c.vip, c.ifname);
        if (t) targets.push(t);
      }
    }
    if (targets.length > 0) this.garpExtra = new GarpSender(this.deps.pool, targets, this.env.garpIntervalUs, this.env.gnaIntervalUs);
    this.garpExtraUs = targets.length > 0 ? x!.intervalUs : 0;
    this.s = { ...this.s, config: fsmConfig(cfg, this.env.primary, this.garpExtraUs) };
  }

  private startMachine(): void {
    this.apply(step(this.s, { type: 'startup' }, nowMicros()));
    if (this.faulted) this.apply(step(this.s, { type: 'fault' }, nowMicros()));
    this.applyPriority();
  }

  /** Whether the instance still waits in INIT for its weight-0 track scripts. */
  get holding(): boolean {
    return this.held;
  }

  /** Every weight-0 track script has reported: leave INIT (keepalived try_up_instance). */
  leaveInit(): void {
    if (!this.held || !this.running || this.stopping) return;
    this.held = false;
    this.startMachine();
  }

  private get faulted(): boolean {
    return this.linkFault || this.track.fault || this.groupFault;
  }

  /** The instance's own fault (link or tracking), without the sync group's. */
  get ownFault(): boolean {
    return this.linkFault || this.track.fault;
  }

  /** What {@link ownFault} would be after a link or tracking change (sync groups decide first). */
  ownFaultWith(change: { linkUp?: boolean; track?: TrackState }): boolean {
    const link = change.linkUp === undefined ? this.linkFault : !change.linkUp;
    return link || (change.track ?? this.track).fault;
  }

  /** Sync group: hold the instance in FAULT (or release it) because of another member. */
  setGroupFault(on: boolean): void {
    const was = this.faulted;
    this.groupFault = on;
    this.faultChanged(was);
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
    if (!this.running || this.held) return;
    const base = this.basePriority;
    // keepalived: the address owner's priority is never changed by tracking.
    const want = base === 255 ? 255 : Math.max(1, Math.min(254, base + this.track.priorityDelta));
    if (want !== this.s.effectivePriority) {
      this.deps.log.info(`(${this.name}) Changing effective priority from ${this.s.effectivePriority} to ${want}`);
      this.apply(step(this.s, { type: 'priorityChanged', priority: want }, nowMicros()));
      this.deps.onPriorityChanged?.(this, want);
    }
  }

  private faultChanged(was: boolean): void {
    if (!this.running || this.stopping || this.held) return;
    const now = this.faulted;
    if (now === was) return;
    this.apply(step(this.s, { type: now ? 'fault' : 'faultCleared' }, nowMicros()));
  }

  /**
   * A packet for our VRID arrived (called by {@link VrrpIo}). The steady path allocates nothing but
   * the state machine's next state: the packet, the decoded view and the event are reused.
   */
  onPacket(p: VrrpPacket): void {
    if (!this.running) return;
    const rx = this.rx;
    rx.src = p.srcBytes;
    rx.dst = p.dstKnown ? p.dstBytes : (this.env.mcastGroup ?? VRRP_MCAST_GROUP4);
    rx.ttl = p.ttl >= 0 ? p.ttl : undefined;
    const adv = this.rxView;
    try {
      if (this.ah) this.decodeAh(p);
      else decodeAdvertView(p.payload, rx, adv);
    } catch (e) {
      if (e instanceof VrrpDecodeError) {
        this.stats.drops[e.reason]++;
        this.deps.log.debug(`(${this.name}) dropping received VRRP packet from ${p.src}: ${e.message}`);
        return;
      }
      throw e;
    }
    if (this.ah && adv.ahSequence >= 0 && !this.acceptAhSequence(adv.ahSequence)) return;
    if (this.peers.length > 0 && this.cfg.checkUnicastSrc && !this.isPeer(p.srcBytes)) {
      this.stats.drops['unknown-peer']++;
      return;
    }
    this.rxSrc = p.srcBytes;
    if (adv.addrCount !== this.fields.addresses.length) {
      // keepalived vrrp_in_chk refuses a wrong address count before anything else, in every state and
      // whatever skip_check_adv_addr says (that option only skips the per-address comparison).
      this.rxMismatch = `received an invalid ip number count ${adv.addrCount}, expected ${this.fields.addresses.length}!`;
      this.countDiscard('address-mismatch');
      this.rxMismatch = null;
      this.rxSrc = null;
      return;
    }
    this.stats.advertRcvd++;
    this.rxMismatch = this.addressMismatch(adv);
    if (adv.priority === 0) {
      this.stats.priZeroRcvd++;
      if (this.s.state === 'backup') this.deps.log.info(`(${this.name}) Backup received priority 0 advertisement`);
    } else if (this.s.state === 'master' && adv.priority > this.s.effectivePriority && this.rxMismatch === null) {
      this.deps.log.info(`(${this.name}) Master received advert from ${p.src} with higher priority ${adv.priority}, ours ${this.s.effectivePriority}`);
    }
    const ev = this.rxEvent;
    ev.priority = adv.priority;
    ev.maxAdverInt = adv.maxAdverInt;
    ev.src = p.srcBytes; // the FSM copies the address if it keeps it
    ev.addressesMatch = this.rxMismatch === null;
    try {
      this.apply(step(this.s, ev, nowMicros()));
    } finally {
      this.rxMismatch = null;
      this.rxSrc = null;
      ev.src = NO_ADDRESS;
    }
  }

  private isPeer(src: Uint8Array): boolean {
    for (const a of this.peers) if (ipEquals(a, src)) return true;
    return false;
  }

  /** The source of the advert being stepped, for log lines. */
  private rxSrcText(): string {
    return this.rxSrc ? formatIp(this.rxSrc) : '';
  }

  /**
   * VRRPv2 with AH: the socket returns the IP header too (the payload is a view just past it in
   * the socket's receive buffer), and the ICV covers it, so the whole packet is decoded.
   */
  private decodeAh(p: VrrpPacket): void {
    const ihl = p.ipv4?.headerLength ?? 0;
    const pl = p.payload;
    if (ihl < IPV4_HEADER_LEN || pl.byteOffset < ihl) throw new VrrpDecodeError('bad-ip-header', 'IPv4 header not available for AH');
    decodeIpv4AdvertView(new Uint8Array(pl.buffer, pl.byteOffset - ihl, ihl + pl.length), this.rx, this.rxView);
  }

  /** keepalived vrrp_in_chk_ipsecah: anti-replay on the shared counter. */
  private acceptAhSequence(seq: number): boolean {
    const ah = this.ah!;
    if (seq > ah.seq) {
      ah.seq = seq;
      if (this.s.state === 'backup') ah.cycle = false;
      return true;
    }
    this.stats.drops['ah-replay']++;
    this.deps.log.info(`(${this.name}) IPSEC-AH : sequence number ${seq} already processed. Packet dropped. Local(${ah.seq})`);
    return false;
  }

  /**
   * Null when every VIP of ours is in the advert (its count was checked already: keepalived
   * vrrp_in_chk), else keepalived's log text for the mismatch.
   */
  private addressMismatch(got: AdvertView): string | null {
    const want = this.fields.addresses;
    for (const w of want) {
      if (!advertHasAddress(got, w)) return `ip address associated with VRID ${this.fields.vrid} not present in MASTER advert : ${formatIp(w)}`;
    }
    return null;
  }

  private onTimer(t: TimerName): void {
    const at = this.s.timers[t];
    if (at === null) return;
    const now = this.scheduler.now();
    // Node timers have 1 ms resolution: never act early (beyond the slot's tolerance); re-arm for what is left.
    if (now < at - this.slots[t].early) {
      this.arm(t, at);
      return;
    }
    if (t === 'masterDown' && this.s.state === 'backup') {
      this.deps.log.info(`(${this.name}) Receive advertisement timeout`);
      if (this.deps.mayBecomeMaster && !this.deps.mayBecomeMaster(this)) {
        this.apply(step(this.s, { type: 'syncRefuseMaster' }, now));
        return;
      }
    }
    this.apply(step(this.s, TIMER_EVENTS[t], now));
  }

  private arm(t: TimerName, at: Micros): void {
    this.scheduler.arm(this.slots[t], at);
  }

  private disarm(t: TimerName): void {
    this.scheduler.cancel(this.slots[t]);
  }

  /** Sync group: become MASTER now (another member did). */
  syncMaster(): void {
    if (this.running && !this.stopping && !this.held) this.apply(step(this.s, { type: 'syncMaster' }, nowMicros()));
  }

  /** Sync group: leave MASTER for BACKUP now (another member did). */
  syncBackup(): void {
    if (this.running && !this.stopping && !this.held) this.apply(step(this.s, { type: 'syncBackup' }, nowMicros()));
  }

  private apply(r: { state: VrrpState; actions: readonly VrrpAction[] }): void {
    const wanted = this.s.wantMaster === true;
    this.s = r.state;
    if (wanted && !r.state.wantMaster && r.state.state === 'backup') this.deps.onMasterSeen?.(this);
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
            for (const v of installedVips(this.cfg)) {
              this.deps.log.info(`(${this.name}) Sending/queueing ${v.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${this.vipIfname(v) ?? this.env.vmac?.ifname ?? this.env.ifname} for ${formatIp(v.address.bytes)}`);
            }
          }
          this.garp?.burst(a.repeat);
          break;
        case 'sendGratuitousExtra':
          this.garpExtra?.burst(1);
          break;
        case 'notify':
          if (a.transition.to === 'master') {
            toMaster = true;
            // keepalived vrrp_state_goto_master: "If becoming MASTER in IPSEC AH AUTH, we reset the anti-replay".
            if (this.ah?.cycle) {
              this.ah.cycle = false;
              this.ah.seq = 0;
            }
          }
          this.onTransitionAction(a.transition);
          break;
        case 'masterRxLowerPriority':
          this.deps.onMasterRxLowerPri?.(this, a.priority);
          break;
        case 'discard':
          this.countDiscard(a.reason);
          break;
        case 'sendGratuitousLater':
          this.queueLaterGarp(a.at, a.repeat);
          break;
        case 'ownerConflict':
          // keepalived vrrp_state_master_rx lowers effective and base priority to 254; tracking
          // then works from 254 until a reload restores the configured priority.
          this.deps.log.info(`(${this.name}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`);
          this.basePriority = a.priority;
          break;
      }
    }
  }

  private countDiscard(reason: DiscardReason): void {
    const d = this.stats.drops;
    switch (reason) {
      case 'interval-mismatch':
        d['interval-mismatch']++;
        break;
      case 'not-listening':
        d['not-listening']++;
        break;
      case 'address-mismatch':
        d['addr-list']++;
        this.deps.log.info(`(${this.name}) ${this.rxMismatch ?? 'address list mismatch'}${this.rxMismatch?.startsWith('received') ? ` (from ${this.rxSrcText()})` : ''}`);
        break;
      case 'owner-ignore-adverts':
        d['owner-ignore-adverts']++;
        if (!this.ownerDropLogged) {
          this.ownerDropLogged = true;
          this.deps.log.info(`(${this.name}) Dropping packet(s) from ${this.rxSrcText()} since we are address owner`);
        }
        break;
      case 'own-advert':
        d['own-advert']++;
        this.deps.log.info(`(${this.name}) WARNING - equal priority advert received from remote host with our IP address.`);
        break;
      case 'lower-priority-preempt':
        // RFC 5798 §6.4.2 "Discard the ADVERTISEMENT": the protocol working, not a bad advert; not counted (keepalived neither).
        break;
    }
  }

  /** `garp_lower_prio_delay`: one more burst at `at` if the VIPs are still set then (keepalived vrrp_send_link_update). */
  private queueLaterGarp(at: number, repeat: number): void {
    const t = setTimeout(() => {
      this.laterGarps.delete(t);
      if (this.running && !this.stopping && this.s.vipsSet) this.garp?.burst(repeat);
    }, Math.max(0, (at - nowMicros()) / 1000));
    this.laterGarps.add(t);
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

  /** Encodes into the preallocated buffer and sends to every target; allocation-free (AH aside). */
  private sendAdvert(priority: number): void {
    const sock = this.sender;
    if (!sock) return;
    const f = this.fields;
    f.priority = priority;
    if (this.ah) this.sendAdvertAh(sock);
    else for (let i = 0; i < this.targets.length; i++) {
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

  /**
   * VRRPv2 with AH: the whole IPv4 packet (header, AH, VRRP) per target, as keepalived's
   * vrrp_update_pkt: the IP id counts up skipping 0, the AH sequence number comes from the shared
   * counter, the ICV covers the header with TOS, fragment field and checksum zeroed (and TTL for
   * unicast). HMAC-MD5 through node:crypto allocates: this path is not allocation-free.
   */
  private sendAdvertAh(sock: AdvertSender): void {
    const ah = this.ah!;
    const next = nextAhSequence(ah.seq);
    if (next === null) ah.cycle = true;
    else ah.seq = next;
    this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
    const unicast = this.peers.length > 0;
    const ttl = this.sendTtl;
    for (let i = 0; i < this.targets.length; i++) {
      const t = this.targets[i]!;
      const pkt = encodeIpv4Advert(this.fields, { ...t.opts, ipId: this.ipId, ahSequence: ah.seq, unicast, ...(ttl !== undefined ? { ttl } : {}) });
      const n = sock.trySend(pkt, pkt.length, t.st);
      if (n < 0) this.stats.sendErrors++;
      else this.stats.advertSent++;
    }
  }

  private queueVips(add: boolean, log: boolean): void {
    const cfg = this.cfg;
    const vips = installedVips(cfg);
    if (log && vips.length > 0) this.deps.log.info(`(${this.name}) ${add ? 'setting' : 'removing'} VIPs.`);
    this.queueNetlink(add, vips, cfg.routes, cfg.rules);
  }

  private queueNetlink(add: boolean, vips: readonly VirtualAddress[], routes: VrrpInstance['routes'], rules: VrrpInstance['rules']): Promise<void> {
    const vmacDev = this.env.vmac?.ifname ?? null;
    const cfg = { routes, rules };
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
    return this.vipChain;
  }

  /**
   * Reload, first half: while master, removes the VIPs, routes and rules the new configuration no
   * longer has (the driver does this for every instance before any instance adds, so a VIP moving
   * between instances is released before it is claimed).
   */
  async releaseStale(next: VrrpInstance): Promise<void> {
    if (!this.running || !this.s.vipsSet) return;
    const keep = new Set(installedVips(next).map(canonicalOf));
    const gone = installedVips(this.cfg).filter((v) => !keep.has(canonicalOf(v)));
    const keepR = new Set(next.routes.map(canonicalOf));
    const keepRu = new Set(next.rules.map(canonicalOf));
    const routes = this.cfg.routes.filter((r) => !keepR.has(canonicalOf(r)));
    const rules = this.cfg.rules.filter((r) => !keepRu.has(canonicalOf(r)));
    if (gone.length + routes.length + rules.length === 0) return;
    await this.queueNetlink(false, gone, routes, rules);
  }

  /**
   * Reload, second half: takes the new configuration without leaving the current state. The
   * state machine keeps its state and timers with the new priority, preemption and GARP settings;
   * while master, VIPs, routes and rules the old configuration did not have are added and announced.
   * Only fields {@link IN_PLACE_FIELDS} lists may differ (the driver restarts the instance otherwise).
   */
  async reconfigure(next: VrrpInstance): Promise<void> {
    const prev = this.cfg;
    this.current = next;
    this.basePriority = next.priority;
    this.s = { ...this.s, config: fsmConfig(next, this.env.primary, this.garpExtraUs) };
    const adv = advertAddresses(next).slice(0, 255);
    const need = advertLength(next.version, next.family, adv.length) + 64;
    if (need > this.buf.length) this.buf = Buffer.alloc(need);
    this.fields.addresses = adv.map((v) => v.address.bytes);
    if (prev.advertIntUs !== next.advertIntUs) {
      this.fields.maxAdverInt = microsToAdverInt(next.version, next.advertIntUs);
      if (this.running) {
        this.deps.log.info(`(${this.name}) advert interval changed from ${prev.advertIntUs / 1000} ms to ${next.advertIntUs / 1000} ms`);
        this.apply(step(this.s, { type: 'intervalChanged' }, nowMicros()));
      }
    }
    if (!this.running) return;
    const had = new Set(installedVips(prev).map(canonicalOf));
    const added = installedVips(next).filter((v) => !had.has(canonicalOf(v)));
    if (canonicalOf(installedVips(prev)) !== canonicalOf(installedVips(next))) {
      this.garp?.close();
      this.garp = this.newGarp(next);
    }
    if (canonicalOf([installedVips(prev), prev.garpExtraIf]) !== canonicalOf([installedVips(next), next.garpExtraIf])) this.setGarpExtra(next);
    if (!this.held) this.applyPriority();
    if (!this.s.vipsSet) return;
    const hadR = new Set(prev.routes.map(canonicalOf));
    const hadRu = new Set(prev.rules.map(canonicalOf));
    const routes = next.routes.filter((r) => !hadR.has(canonicalOf(r)));
    const rules = next.rules.filter((r) => !hadRu.has(canonicalOf(r)));
    if (added.length + routes.length + rules.length === 0) return;
    if (added.length > 0) this.deps.log.info(`(${this.name}) setting VIPs.`);
    await this.queueNetlink(true, added, routes, rules);
    if (added.length > 0) this.garp?.burst(next.garp.masterRepeat);
  }

  /** Stops: priority 0 if master, VIPs removed (unless -V), sockets released. Resolves when netlink is done. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.apply(step(this.s, { type: 'shutdown' }, nowMicros()));
    for (const t of TIMERS) this.disarm(t);
    for (const t of this.laterGarps) clearTimeout(t);
    this.laterGarps.clear();
    await this.vipChain;
    this.running = false;
    this.release();
  }

  private release(): void {
    this.garp?.close();
    this.garp = null;
    this.garpExtra?.close();
    this.garpExtra = null;
    if (this.registered) {
      const unicast = this.peers.length > 0;
      const group = unicast ? null : this.env.mcastGroup ?? (this.cfg.family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
      this.deps.io.unregister(this.cfg.family, this.sendIf.ifindex, this.cfg.vrid ?? 0, group ? formatIp(group) : null, this.protocol);
      this.registered = false;
    }
    if (this.sender) {
      const out = this.sendIf;
      this.deps.io.releaseSender(this.cfg.family, out.ifindex, this.sendTtl, this.headerIncluded);
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
      vips: installedVips(this.cfg).map((v) => v.text),
      fault: { link: this.linkFault, track: this.track.fault, syncGroup: this.groupFault },
      held: this.held,
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
