// Model of global_defs and the root-level global keywords, with keepalived 2.4.3's defaults.
import type { Loc } from '../diagnostics';

/** A notify FIFO: its path, an optional script reading it, and the user the script runs as. */
export interface NotifyFifo {
  name: string;
  /** Owner of the FIFO (`notify_fifo FIFO [user [group]]`). */
  user?: string;
  group?: string;
  script?: string;
  loc: Loc;
}

/** `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group IP]`. */
export interface LvsSyncDaemon {
  interface: string;
  /** The VRRP instance whose state the sync daemon follows; absent: run master and backup. */
  vrrpInstance?: string;
  /** Sync id 0..255; absent: the instance's VRID (0 without an instance). */
  syncId?: number;
  maxLen?: number;
  /** UDP port, default 8848. */
  port: number;
  ttl?: number;
  /** Multicast group, default 224.0.0.81. */
  group: string;
  loc: Loc;
}

/** One `startup_script`/`shutdown_script` with its optional user. */
export interface LifecycleScript {
  cmd: string;
  user?: string;
  group?: string;
  loc: Loc;
}

/** Per-process scheduling knobs (vrrp, checker, bfd). */
export interface ProcessSched {
  /** nice value -20..19. */
  priority?: number;
  noSwap: boolean;
  /** SCHED_RR priority 1..99. */
  rtPriority?: number;
  cpuAffinity?: number[];
  /** RLIMIT_RTTIME in microseconds (keepalived default 10000). */
  rlimitRttime: number;
}

/** Where a configured script will run, which decides the wording of the SECURITY VIOLATION line. */
export type ScriptProcess = 'vrrp' | 'checker' | 'parent';

/** A script seen by checkScript, kept for the SECURITY VIOLATION report. */
export interface ScriptRecord {
  cmd: string;
  process: ScriptProcess;
  /** The file exists (keepalived's SC_ISSCRIPT). */
  found: boolean;
  /** A root-run script on a path writable by a non-root user. */
  insecure: boolean;
  ok: boolean;
}

export interface GlobalDefs {
  // identity and files
  routerId?: string;
  /** Root `instance NAME` (moves pid files under /run/keepalived/NAME). */
  instanceName?: string;
  usePidDir: boolean;
  netNamespace?: string;
  netNamespaceIpvs?: string;
  namespaceWithIpsets: boolean;
  /** Seconds to wait for children at shutdown (default 5). */
  childWaitTime: number;
  linkbeatUsePolling: boolean;
  processNames: { parent?: string; vrrp?: string; checker?: string; bfd?: string };
  useSymlinkPaths: boolean;
  setSupplementaryGroups: boolean;
  /** File creation mask (default 0o022). */
  umask: number;
  randomSeed?: number;
  tmpConfigDirectory?: string;
  configSaveDir?: string;
  dataUseInstance: boolean;
  /** Dump file names (in KA_TMP_DIR, default /tmp). */
  stateDumpFile: string;
  statsDumpFile: string;
  jsonDumpFile: string;
  jsonVersion: 1 | 2;
  iprouteUsrDir?: string;
  iprouteEtcDir?: string;
  // email
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: { host: string; port: number; loc: Loc };
  smtpHeloName?: string;
  /** Microseconds (default 30 s). */
  smtpConnectTimeout: number;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  noCheckerEmails: boolean;
  checkerLogAllFailures: boolean;
  // lifecycle scripts and script security
  startupScript?: LifecycleScript;
  /** Seconds (default 10). */
  startupScriptTimeout: number;
  shutdownScript?: LifecycleScript;
  shutdownScriptTimeout: number;
  /** `script_user`; absent: keepalived_script if it exists, else root. */
  scriptUser?: { user: string; group?: string; uid?: number; gid?: number; failed: boolean; loc: Loc };
  enableScriptSecurity: boolean;
  /** Set once the default script user has been looked up (keepalived looks it up once). */
  defaultScriptUser?: { uid: number | null; gid: number | null; failed: boolean };
  /** Every script checkScript saw. */
  scripts: ScriptRecord[];
  // scheduling
  maxAutoPriority?: number;
  /** Microseconds. */
  minAutoPriorityDelay?: number;
  vrrpSched: ProcessSched;
  checkerSched: ProcessSched;
  bfdSched: ProcessSched;
  // VRRP defaults
  dynamicInterfaces: false | 'on' | 'allow_if_changes';
  defaultInterface?: string;
  disableLocalIgmp: boolean;
  v3ChecksumAsV2: boolean;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  /** Microseconds (default 5 s). */
  vrrpGarpMasterDelay: number;
  vrrpGarpMasterRepeat: number;
  /** Microseconds, 0 = no refresh. */
  vrrpGarpMasterRefresh: number;
  vrrpGarpMasterRefreshRepeat: number;
  /** Absent: same as the master values. */
  vrrpGarpLowerPrioDelay?: number;
  vrrpGarpLowerPrioRepeat?: number;
  vrrpDownTimerAdverts: number;
  /** Microseconds between GARPs / NAs on one interface. */
  vrrpGarpInterval: number;
  vrrpGnaInterval: number;
  vrrpMinGarp: boolean;
  /** Seconds; absent: off. */
  vrrpGarpExtraIf?: { seconds: number; all: boolean };
  vrrpLowerPrioNoAdvert?: boolean;
  vrrpHigherPrioSendAdvert?: boolean;
  vrrpVersion: 2 | 3;
  vrrpCheckUnicastSrc: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  vrrpNotifyPriorityChanges: boolean;
  /** Microseconds. */
  vrrpStartupDelay: number;
  vrrpDelayAfterBoot?: number;
  logUnknownVrids: boolean;
  vrrpOwnerIgnoreAdverts: boolean;
  vmacPrefix: string;
  vmacAddrPrefix?: string;
  vrrpRxBufsPolicy?: { mtu: boolean; advert: boolean; size?: number };
  vrrpRxBufsMultiplier: number;
  /** Netlink receive buffer sizes: name -> bytes (and whether forced). */
  rcvBufs: Record<string, { bytes: number; force: boolean }>;
  // firewall
  vrrpIptables?: { inChain: string; outChain?: string };
  vrrpIpsets?: string[];
  nftables?: { table: string; priority: number; ifindex: boolean; counters: boolean };
  nftablesIpvs?: { table: string; priority: number; startFwmark: number };
  // LVS
  lvsTimeouts?: { tcp?: number; tcpfin?: number; udp?: number };
  lvsFlush: boolean;
  lvsFlushOnStop: false | 'on' | 'vs';
  lvsSyncDaemon?: LvsSyncDaemon;
  rsInitNotifies: boolean;
  // notify FIFOs
  notifyFifo?: NotifyFifo;
  vrrpNotifyFifo?: NotifyFifo;
  lvsNotifyFifo?: NotifyFifo;
  fifoWriteVrrpStatesOnReload: boolean;
  // SNMP / DBus (parsed only)
  snmpSocket: string;
  enableTraps: boolean;
  enableSnmpVrrp: boolean;
  enableSnmpChecker: boolean;
  enableSnmpRfcv2: boolean;
  enableSnmpRfcv3: boolean;
  snmpVsStatsUpdateInterval?: number;
  snmpRsStatsUpdateInterval?: number;
  enableDbus: boolean;
  dbusServiceName: string;
  dbusNoInterfaceName: boolean;
  // reload control
  reloadCheckConfig?: { logFile?: string };
  reloadTimeFile?: string;
  reloadRepeat: boolean;
  reloadFile?: string;
  /** `include_check [OPTIONS]` (applied by the preprocessor; kept for the dump). */
  includeCheck?: string[];
}

function sched(): ProcessSched {
  return { noSwap: false, rlimitRttime: 10_000 };
}

/** keepalived's defaults (global_data.c init values; man5). */
export function defaultGlobalDefs(): GlobalDefs {
  return {
    usePidDir: false,
    namespaceWithIpsets: false,
    childWaitTime: 5,
    linkbeatUsePolling: false,
    processNames: {},
    useSymlinkPaths: false,
    setSupplementaryGroups: false,
    umask: 0o022,
    dataUseInstance: false,
    stateDumpFile: '/tmp/keepalived.data',
    statsDumpFile: '/tmp/keepalived.stats',
    jsonDumpFile: '/tmp/keepalived.json',
    jsonVersion: 1,
    notificationEmail: [],
    smtpConnectTimeout: 30_000_000,
    noEmailFaults: false,
    noCheckerEmails: false,
    checkerLogAllFailures: false,
    startupScriptTimeout: 10,
    shutdownScriptTimeout: 10,
    enableScriptSecurity: false,
    scripts: [],
    vrrpSched: sched(),
    checkerSched: sched(),
    bfdSched: sched(),
    dynamicInterfaces: false,
    disableLocalIgmp: false,
    v3ChecksumAsV2: false,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelay: 5_000_000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpDownTimerAdverts: 3,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpMinGarp: false,
    vrrpVersion: 2,
    vrrpCheckUnicastSrc: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpNotifyPriorityChanges: false,
    vrrpStartupDelay: 0,
    logUnknownVrids: false,
    vrrpOwnerIgnoreAdverts: false,
    vmacPrefix: 'vrrp',
    vrrpRxBufsMultiplier: 3,
    rcvBufs: {},
    lvsFlush: false,
    lvsFlushOnStop: false,
    rsInitNotifies: false,
    fifoWriteVrrpStatesOnReload: false,
    snmpSocket: 'udp:localhost:705',
    enableTraps: false,
    enableSnmpVrrp: false,
    enableSnmpChecker: false,
    enableSnmpRfcv2: false,
    enableSnmpRfcv3: false,
    enableDbus: false,
    dbusServiceName: 'org.keepalived.Vrrp1',
    dbusNoInterfaceName: false,
    reloadRepeat: false,
  };
}
