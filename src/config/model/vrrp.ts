// Model of the VRRP blocks: vrrp_instance, vrrp_sync_group, vrrp_script, track_file, vrrp_track_process,
// garp_group, track_group, linkbeat_interfaces, interface_up_down_delays and static_*; what the VRRP engine reads.
import type { Loc } from '../diagnostics';
import type { IpAddress } from '../../net/ip';
import type { VirtualAddress, VirtualRoute, VirtualRule } from './ip';
import type { ScriptCheck } from '../script-check';

/** The initial state a vrrp_instance asks for. */
export type VrrpWantState = 'MASTER' | 'BACKUP';

/** A name as written in the configuration, with where. */
export interface NameRef {
  readonly loc: Loc;
  readonly name: string;
}

/** One line of a `track_interface` block. */
export interface TrackedInterface {
  readonly loc: Loc;
  readonly name: string;
  /** 0: a down interface puts the instance in FAULT; otherwise added to (or, reversed, subtracted from) the priority. */
  weight: number;
  readonly reverse: boolean;
}

/** One line of a `track_script` / `track_file` / `track_process` / `track_bfd` block. */
export interface TrackedRef {
  readonly loc: Loc;
  readonly name: string;
  /** The weight written on the line, or null to use the tracker's own weight. */
  weight: number | null;
  readonly reverse: boolean;
}

/** A notify (or other) script as configured: the command line and what checkScript made of it. */
export interface ScriptRef {
  readonly loc: Loc;
  /** The command as written (a quoted command line is one string). */
  readonly command: string;
  readonly check: ScriptCheck;
}

/** Notify scripts of an instance or a sync group. */
export interface NotifyScripts {
  master: ScriptRef | null;
  backup: ScriptRef | null;
  fault: ScriptRef | null;
  stop: ScriptRef | null;
  /** Instances only. */
  deleted: ScriptRef | null;
  /** `notify`: called with type, name, state and priority appended. */
  generic: ScriptRef | null;
  /** Instances only: `notify_master_rx_lower_pri`. */
  masterRxLowerPri: ScriptRef | null;
}

export interface UnicastPeer {
  readonly loc: Loc;
  readonly address: IpAddress;
  readonly minTtl: number | null;
  readonly maxTtl: number | null;
}

/** GARP / unsolicited NA timings of an instance (microseconds and counts). */
export interface GarpTimings {
  masterDelayUs: number;
  masterRepeat: number;
  /** 0: no periodic refresh. */
  masterRefreshUs: number;
  masterRefreshRepeat: number;
  lowerPrioDelayUs: number;
  lowerPrioRepeat: number;
}

export interface VmacConfig {
  readonly loc: Loc;
  /** The macvlan's name (null: keepalived picks vrrp.VRID). */
  ifname: string | null;
  /** A MAC address to use instead of 00:00:5e:00:01:VRID. */
  readonly mac: string | null;
  readonly netlinkNotifyMsg: boolean;
  readonly group: number | null;
}

export interface IpvlanConfig {
  readonly loc: Loc;
  readonly ifname: string | null;
  readonly address: string | null;
  readonly mode: 'bridge' | 'private' | 'vepa';
  readonly group: number | null;
}

export interface AuthConfig {
  readonly loc: Loc;
  type: 'PASS' | 'AH' | null;
  /** At most 8 characters (keepalived truncates). */
  password: string | null;
}

export interface AuthHmacKey {
  readonly loc: Loc;
  readonly id: number;
  readonly source: 'hex' | 'file' | 'ascii' | 'credential';
  readonly value: string;
}

export interface AuthHmacConfig {
  readonly loc: Loc;
  keys: AuthHmacKey[];
  activeKey: number | null;
  antiReplay: 'time' | 'monotonic' | null;
  timeWindowUs: number | null;
  mode: 'enforce' | 'permissive' | 'receive-only';
}

/** Values keepalived leaves unset until the instance is completed (global defaults, strict mode). */
export interface VrrpInstanceConfigured {
  version: 2 | 3 | null;
  priority: number | null;
  strict: boolean | null;
  accept: boolean | null;
  lowerPrioNoAdvert: boolean | null;
  higherPrioSendAdvert: boolean | null;
  skipCheckAdvAddr: boolean | null;
  checkUnicastSrc: boolean | null;
  /** `owner_ignore_adverts` as written (null: the global vrrp_owner_ignore_adverts). */
  ownerIgnoreAdverts: boolean | null;
  smtpAlert: boolean | null;
  notifyPriorityChanges: boolean | null;
  garp: Partial<GarpTimings>;
  /** A unicast keyword was written (unicast_src_ip, an empty unicast_peer block). */
  unicastKeyword: boolean;
}

/** A vrrp_instance, its defaults resolved by validateVrrp. */
export interface VrrpInstance {
  readonly loc: Loc;
  readonly name: string;
  /** Resolved initial state (configured, else MASTER iff priority 255). */
  state: VrrpWantState;
  /** The state as written, if any. */
  wantState: VrrpWantState | null;
  interface: string | null;
  interfaceLoc: Loc | null;
  vrf: string | null;
  /** null when not configured (reported). */
  vrid: number | null;
  /** Resolved: configured, else 255 for initial MASTER, else 100. */
  priority: number;
  /** Microseconds; rounded to whole seconds (v2) or centiseconds (v3). */
  advertIntUs: number;
  /** Resolved from the instance, the address family, or global vrrp_version. */
  version: 2 | 3;
  /** From the VIPs (or unicast addresses); 4 when none say. */
  family: 4 | 6;
  vips: VirtualAddress[];
  excludedVips: VirtualAddress[];
  noVirtualIpaddress: boolean;
  routes: VirtualRoute[];
  rules: VirtualRule[];
  promoteSecondaries: boolean;
  /** unicast_src_ip or mcast_src_ip. */
  srcIp: IpAddress | null;
  /** Resolved multicast destination: mcast_dst_ip, else the global vrrp_mcast_group4/6. */
  mcastDstIp: IpAddress;
  /** mcast_dst_ip as configured. */
  mcastDstIpConfigured: IpAddress | null;
  unicastPeers: UnicastPeer[];
  /** null: kernel default (IPv6) or 255 (IPv4). */
  unicastTtl: number | null;
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  oldUnicastChecksum: 'config' | 'never' | null;
  trackSrcIp: boolean;
  vmac: VmacConfig | null;
  vmacXmitBase: boolean;
  useVmacAddr: boolean;
  ipvlan: IpvlanConfig | null;
  dontTrackPrimary: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedRef[];
  trackFiles: TrackedRef[];
  trackProcesses: TrackedRef[];
  trackBfds: TrackedRef[];
  /** Resolved: configured, else true unless strict (or address owner). */
  accept: boolean;
  nopreempt: boolean;
  preemptDelayUs: number;
  skipCheckAdvAddr: boolean;
  strict: boolean;
  v3ChecksumAsV2: boolean;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /**
   * Resolved `owner_ignore_adverts` (else global `vrrp_owner_ignore_adverts`): while the priority
   * is 255 (address owner) every received advert is dropped.
   */
  ownerIgnoreAdverts: boolean;
  kernelRxBufSize: number | null;
  garp: GarpTimings;
  garpExtraIf: { readonly intervalUs: number; readonly all: boolean } | null;
  downTimerAdverts: number;
  /** timer_expired_backup: the priority at or above which an expiring backup goes master (null: any). */
  timerExpiredBackup: { readonly priority: number | null } | null;
  notify: NotifyScripts;
  notifyPriorityChanges: boolean;
  smtpAlert: boolean;
  auth: AuthConfig | null;
  authHmac: AuthHmacConfig | null;
  debug: number;
  linkbeatUsePolling: boolean;
  /** The sync group it belongs to (set by validation). */
  syncGroup: string | null;
  /** Raw values before resolution, for the dump and for reload diffs. */
  configured: VrrpInstanceConfigured;
}

export interface VrrpScript {
  readonly loc: Loc;
  readonly name: string;
  script: ScriptRef | null;
  /** Words after `user`, if any. */
  user: string[] | null;
  userLoc: Loc | null;
  intervalUs: number;
  /** Resolved: configured, else the interval. */
  timeoutUs: number;
  timeoutConfigured: number | null;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
  /** false when removed (no script, bad user): references to it are then "not found". */
  enabled: boolean;
}

export interface TrackFile {
  readonly loc: Loc;
  readonly name: string;
  file: string | null;
  weight: number;
  weightReverse: boolean;
  /** init_file [VALUE] [overwrite]. */
  init: { readonly value: number; readonly overwrite: boolean } | null;
  enabled: boolean;
}

export interface TrackProcess {
  readonly loc: Loc;
  readonly name: string;
  process: string | null;
  params: string[];
  paramMatch: 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  quorum: number;
  quorumMax: number | null;
  delayUs: number;
  terminateDelayUs: number | null;
  forkDelayUs: number | null;
  fullCommand: boolean;
  enabled: boolean;
}

export interface SyncGroup {
  readonly loc: Loc;
  readonly name: string;
  members: NameRef[];
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedRef[];
  trackFiles: TrackedRef[];
  trackProcesses: TrackedRef[];
  trackBfds: TrackedRef[];
  notify: NotifyScripts;
  smtpAlert: boolean | null;
  /** sync_group_tracking_weight (or the deprecated global_tracking). */
  trackingWeight: boolean;
  notifyPriorityChanges: boolean | null;
}

export interface GarpGroup {
  readonly loc: Loc;
  garpIntervalUs: number | null;
  gnaIntervalUs: number | null;
  interfaces: NameRef[];
}

export interface TrackGroup {
  readonly loc: Loc;
  readonly name: string;
  members: NameRef[];
}

export interface LinkbeatInterface {
  readonly loc: Loc;
  readonly name: string;
  readonly mode: 'MII' | 'ETHTOOL' | 'IOCTL' | null;
}

export interface UpDownDelay {
  readonly loc: Loc;
  readonly interface: string;
  readonly downUs: number;
  readonly upUs: number;
}

export interface VrrpConfig {
  instances: VrrpInstance[];
  syncGroups: SyncGroup[];
  scripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  garpGroups: GarpGroup[];
  trackGroups: TrackGroup[];
  linkbeatInterfaces: LinkbeatInterface[];
  upDownDelays: UpDownDelay[];
  staticAddresses: VirtualAddress[];
  staticRoutes: VirtualRoute[];
  staticRules: VirtualRule[];
}

export function emptyVrrpConfig(): VrrpConfig {
  return {
    instances: [],
    syncGroups: [],
    scripts: [],
    trackFiles: [],
    trackProcesses: [],
    garpGroups: [],
    trackGroups: [],
    linkbeatInterfaces: [],
    upDownDelays: [],
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
  };
}

/** keepalived's defaults (vrrp.h, global_data.c). */
export const VRRP_DEFAULTS = {
  priority: 100,
  ownerPriority: 255,
  advertIntUs: 1_000_000,
  version: 2 as 2 | 3,
  mcastGroup4: '224.0.0.18',
  mcastGroup6: 'ff02::12',
  garpMasterDelayUs: 5_000_000,
  garpMasterRepeat: 5,
  garpMasterRefreshUs: 0,
  garpMasterRefreshRepeat: 1,
  downTimerAdverts: 3,
  scriptIntervalUs: 1_000_000,
} as const;

export function emptyNotify(): NotifyScripts {
  return { master: null, backup: null, fault: null, stop: null, deleted: null, generic: null, masterRxLowerPri: null };
}

/** A fresh instance with keepalived's defaults; validateVrrp resolves the rest. */
export function newVrrpInstance(name: string, loc: Loc): VrrpInstance {
  return {
    loc,
    name,
    state: 'BACKUP',
    wantState: null,
    interface: null,
    interfaceLoc: null,
    vrf: null,
    vrid: null,
    priority: VRRP_DEFAULTS.priority,
    advertIntUs: VRRP_DEFAULTS.advertIntUs,
    version: VRRP_DEFAULTS.version,
    family: 4,
    vips: [],
    excludedVips: [],
    noVirtualIpaddress: false,
    routes: [],
    rules: [],
    promoteSecondaries: false,
    srcIp: null,
    mcastDstIp: { family: 4, bytes: new Uint8Array([224, 0, 0, 18]) },
    mcastDstIpConfigured: null,
    unicastPeers: [],
    unicastTtl: null,
    unicastFaultNoPeer: false,
    checkUnicastSrc: false,
    oldUnicastChecksum: null,
    trackSrcIp: false,
    vmac: null,
    vmacXmitBase: false,
    useVmacAddr: false,
    ipvlan: null,
    dontTrackPrimary: false,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    accept: true,
    nopreempt: false,
    preemptDelayUs: 0,
    skipCheckAdvAddr: false,
    strict: false,
    v3ChecksumAsV2: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    ownerIgnoreAdverts: false,
    kernelRxBufSize: null,
    garp: {
      masterDelayUs: VRRP_DEFAULTS.garpMasterDelayUs,
      masterRepeat: VRRP_DEFAULTS.garpMasterRepeat,
      masterRefreshUs: VRRP_DEFAULTS.garpMasterRefreshUs,
      masterRefreshRepeat: VRRP_DEFAULTS.garpMasterRefreshRepeat,
      lowerPrioDelayUs: VRRP_DEFAULTS.garpMasterDelayUs,
      lowerPrioRepeat: VRRP_DEFAULTS.garpMasterRepeat,
    },
    garpExtraIf: null,
    downTimerAdverts: VRRP_DEFAULTS.downTimerAdverts,
    timerExpiredBackup: null,
    notify: emptyNotify(),
    notifyPriorityChanges: false,
    smtpAlert: false,
    auth: null,
    authHmac: null,
    debug: 0,
    linkbeatUsePolling: false,
    syncGroup: null,
    configured: {
      version: null,
      priority: null,
      strict: null,
      accept: null,
      lowerPrioNoAdvert: null,
      higherPrioSendAdvert: null,
      skipCheckAdvAddr: null,
      checkUnicastSrc: null,
      ownerIgnoreAdverts: null,
      smtpAlert: null,
      notifyPriorityChanges: null,
      garp: {},
      unicastKeyword: false,
    },
  };
}
