// Model of the LVS blocks: virtual_server_group, virtual_server, real_server, health checkers, SSL.
import type { Loc } from '../diagnostics';
import type { IpAddress } from '../../net/ip';

/** The 14 IPVS schedulers keepalived accepts (`lvs_sched`). */
export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];

/** Scheduler flag keywords of a virtual_server. */
export const LVS_SCHED_FLAGS = ['hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'] as const;
export type LvsSchedFlag = (typeof LVS_SCHED_FLAGS)[number];

export type LvsForwarding = 'NAT' | 'DR' | 'TUN';
export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** `lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
export interface LvsMethod {
  method: LvsForwarding;
  /** Only for TUN; ipip when no type was written. */
  tunnelType?: TunnelType;
  /** GUE's UDP port. */
  tunnelPort?: number;
  tunnelChecksum?: TunnelChecksum;
}

/** Timers and counts that a checker inherits from its real server, which inherits them from its virtual server. */
export interface CheckerTimers {
  /** Microseconds. */
  connectTimeout: number;
  retry: number;
  /** Microseconds. */
  delayBeforeRetry: number;
  /** Microseconds; 0 = start at once. */
  warmup: number;
  /** Microseconds. */
  delayLoop: number;
}

/** keepalived's defaults when nothing is configured at any level (man5). */
export const DEFAULT_CONNECT_TIMEOUT_US = 5_000_000;
export const DEFAULT_DELAY_LOOP_US = 60_000_000;
/** persistence_timeout without a value, or implied by persistence_granularity / port 0. */
export const DEFAULT_PERSISTENCE_TIMEOUT_S = 360;

/** SSL { password; ca; certificate; key } (root). */
export interface SslConfig {
  loc: Loc;
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

/** One line of a virtual_server_group. */
export type VsgEntry =
  | {
      kind: 'range';
      loc: Loc;
      /** First and last address (equal for a single address). */
      first: IpAddress;
      last: IpAddress;
      /** The line's address text as written. */
      text: string;
      /** 0 when no port was written. */
      port: number;
    }
  | { kind: 'fwmark'; loc: Loc; fwmark: number; family: 4 | 6 | null };

export interface VirtualServerGroup {
  loc: Loc;
  name: string;
  entries: VsgEntry[];
}

/** How a virtual server is addressed: `IP PORT`, `fwmark N`, or `group NAME`. */
export type VsAddress =
  | { kind: 'ip'; address: IpAddress; port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; group: string };

/** Fields common to every connection-oriented checker (`check_api.c`). */
export interface CheckerCommon {
  loc: Loc;
  /** Inherited and defaulted (VS -> RS -> checker). */
  timers: CheckerTimers;
  /** What this checker block itself set (for dumps and reload diffs). */
  own: Partial<CheckerTimers>;
  alpha: boolean | null;
  logAllFailures: boolean;
  /** connect_ip; null = the real server's address. */
  connectIp: IpAddress | null;
  /** connect_port; null = the real server's port. */
  connectPort: number | null;
  bindTo: IpAddress | null;
  bindPort: number | null;
  bindIf: string | null;
  fwmark: number | null;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** An inclusive status code range. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface HttpUrl {
  loc: Loc;
  path: string | null;
  /** Lower-case 32-hex MD5. */
  digest: string | null;
  /** Default 200-299 when none given. */
  statusCodes: StatusRange[];
  virtualhost: string | null;
  regex: string | null;
  regexNoMatch: boolean;
  regexOptions: string[];
  regexMinOffset: number | null;
  regexMaxOffset: number | null;
  regexStack: { start: number; max: number } | null;
  tlsCompliant: boolean;
}

export interface HttpChecker extends CheckerCommon {
  type: 'HTTP_GET' | 'SSL_GET';
  httpProtocol: HttpProtocol;
  virtualhost: string | null;
  enableSni: boolean;
  sniName: string | null;
  fastRecovery: boolean;
  tlsCompliant: boolean;
  urls: HttpUrl[];
}

export interface TcpChecker extends CheckerCommon {
  type: 'TCP_CHECK';
}
export interface PingChecker extends CheckerCommon {
  type: 'PING_CHECK';
}
export interface SmtpChecker extends CheckerCommon {
  type: 'SMTP_CHECK';
  heloName: string | null;
}
export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;
export type DnsType = (typeof DNS_TYPES)[number];
export interface DnsChecker extends CheckerCommon {
  type: 'DNS_CHECK';
  queryType: DnsType;
  name: string;
}
/** Bytes to match, with a mask: a 0 bit in mask means "ignore" (X nibbles). */
export interface MaskedBytes {
  data: Uint8Array;
  mask: Uint8Array;
}
export interface UdpChecker extends CheckerCommon {
  type: 'UDP_CHECK';
  payload: Uint8Array | null;
  requireReply: boolean;
  replyMatch: MaskedBytes | null;
  minReplyLength: number;
  maxReplyLength: number;
}
export interface MiscChecker extends CheckerCommon {
  type: 'MISC_CHECK';
  /** The command line as written; null when missing (the checker is dropped). */
  path: string | null;
  argv: string[];
  /** Microseconds; defaults to delay_loop. */
  timeout: number;
  dynamic: boolean;
  uid: number | null;
  gid: number | null;
  /** false when checkScript disabled it. */
  enabled: boolean;
}
export interface FileChecker {
  type: 'FILE_CHECK';
  loc: Loc;
  trackFile: string | null;
  weight: number;
  reverse: boolean;
}
export interface BfdChecker {
  type: 'BFD_CHECK';
  loc: Loc;
  name: string | null;
  alpha: boolean;
}

/** Every checker, discriminated by `type`. */
export type Checker = TcpChecker | HttpChecker | SmtpChecker | DnsChecker | UdpChecker | PingChecker | MiscChecker | FileChecker | BfdChecker;
export type CheckerType = Checker['type'];

/** A notify script: the command word as written plus its resolution. */
export interface LvsScript {
  loc: Loc;
  command: string;
  argv: string[];
  uid: number | null;
  gid: number | null;
  enabled: boolean;
}

export interface RealServer {
  loc: Loc;
  address: IpAddress;
  /** 0 when none written (fwmark services) or cleared. */
  port: number;
  weight: number;
  /** null = the virtual server's method. */
  lvsMethod: LvsMethod | null;
  uthreshold: number | null;
  lthreshold: number | null;
  inhibitOnFailure: boolean | null;
  alpha: boolean | null;
  smtpAlert: boolean | null;
  virtualhost: string | null;
  snmpName: string | null;
  notifyUp: LvsScript | null;
  notifyDown: LvsScript | null;
  /** What this real_server block set (not inherited). */
  own: Partial<CheckerTimers>;
  /** Inherited and defaulted (VS -> RS). */
  timers: CheckerTimers;
  checkers: Checker[];
}

export interface SorryServer {
  loc: Loc;
  address: IpAddress;
  port: number;
  inhibit: boolean;
  lvsMethod: LvsMethod | null;
}

export interface VirtualServer {
  loc: Loc;
  /** keepalived's display form, e.g. `[10.0.0.1]:tcp:80`, `FWM 3`, `[grp]:0`. */
  name: string;
  address: VsAddress;
  /** null = not set (keepalived defaults to UDP for addressed services; fwmark ignores it). */
  protocol: LvsProtocol | null;
  family: 4 | 6 | null;
  /** null = not set (wlc used). */
  scheduler: LvsScheduler | null;
  flags: LvsSchedFlag[];
  /** null = not set (NAT used). */
  lvsMethod: LvsMethod | null;
  /** Seconds; null = not persistent. */
  persistenceTimeout: number | null;
  /** IPv4 netmask text or IPv6 prefix length text. */
  persistenceGranularity: string | null;
  persistenceEngine: string | null;
  haSuspend: boolean;
  virtualhost: string | null;
  snmpName: string | null;
  smtpAlert: boolean | null;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp: LvsScript | null;
  quorumDown: LvsScript | null;
  inhibitOnFailure: boolean;
  weight: number | null;
  sorryServer: SorryServer | null;
  own: Partial<CheckerTimers>;
  realServers: RealServer[];
}

export interface LvsConfig {
  ssl: SslConfig | null;
  groups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
}

export function emptyLvsConfig(): LvsConfig {
  return { ssl: null, groups: [], virtualServers: [] };
}

/** The effective forwarding method of a real server. */
export function effectiveMethod(vs: VirtualServer, rs: RealServer): LvsMethod {
  return rs.lvsMethod ?? vs.lvsMethod ?? { method: 'NAT' };
}
