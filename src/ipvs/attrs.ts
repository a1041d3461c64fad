// IPVS attribute codec (pure): services, destinations, sync daemon, timeouts, info and stats <-> netlink attributes.
import { formatIp, parseIp } from '../net/ip';
import { attr, attrMap, decodeAttrs, encodeNested, NetlinkDecodeError, read } from '../netlink/message';
import * as K from './constants';

/** Address family of a service or destination. */
export type IpvsFamily = 'inet' | 'inet6';
/** Transport protocol of an address/port service. */
export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
/** Forwarding method; 'local' and 'bypass' only appear when reading back. */
export type IpvsForward = 'nat' | 'dr' | 'tun' | 'local' | 'bypass';
/** Tunnel encapsulation of a 'tun' destination. */
export type IpvsTunnelType = 'ipip' | 'gue' | 'gre';
/** Tunnel checksum option (IP_VS_TUNNEL_ENCAP_FLAG_*). */
export type IpvsTunnelCsum = 'nocsum' | 'csum' | 'remcsum';

/** Which virtual service: address/port/protocol, or firewall mark. */
export type IpvsServiceKey =
  | { readonly family: IpvsFamily; readonly protocol: IpvsProtocol; readonly address: string; readonly port: number }
  | { readonly family: IpvsFamily; readonly fwmark: number };

/** Persistence: connections from one client (network) stick to one destination for `timeout` seconds. */
export interface IpvsPersistence {
  /** Seconds (keepalived's persistence_timeout). */
  readonly timeout: number;
  /** Client granularity as a prefix length (default 32 / 128). */
  readonly prefixLength?: number;
  /** Persistence engine, e.g. 'sip'. */
  readonly engine?: string;
}

/** Scheduler flags IP_VS_SVC_F_SCHED1..3 (sh-fallback = flag1, sh-port = flag2; same for mh). */
export interface IpvsSchedulerFlags {
  readonly flag1?: boolean;
  readonly flag2?: boolean;
  readonly flag3?: boolean;
}

/** A virtual service as we want it (keepalived-independent). */
export interface IpvsService {
  readonly key: IpvsServiceKey;
  /** One of IPVS_SCHEDULERS (the kernel loads ip_vs_<name>). */
  readonly scheduler: string;
  readonly schedulerFlags?: IpvsSchedulerFlags;
  /** One-packet scheduling (IP_VS_SVC_F_ONEPACKET; UDP). */
  readonly onePacket?: boolean;
  readonly persistence?: IpvsPersistence;
}

/** Tunnel parameters of a 'tun' destination. */
export interface IpvsTunnel {
  readonly type: IpvsTunnelType;
  /** GUE destination port. */
  readonly port?: number;
  readonly csum?: IpvsTunnelCsum;
}

/** A destination (real server) of a service. */
export interface IpvsDest {
  readonly address: string;
  /** Family of `address` (may differ from the service's with 'tun'); default: the address's own. */
  readonly family?: IpvsFamily;
  readonly port: number;
  readonly forward: IpvsForward;
  readonly weight: number;
  /** Upper connection threshold (0 = none). */
  readonly upperThreshold?: number;
  /** Lower connection threshold (0 = none). */
  readonly lowerThreshold?: number;
  readonly tunnel?: IpvsTunnel;
}

/** Counters and rates read back from the kernel (STATS64 when present, else STATS). */
export interface IpvsStats {
  readonly conns: bigint;
  readonly inPkts: bigint;
  readonly outPkts: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly cps: bigint;
  readonly inPps: bigint;
  readonly outPps: bigint;
  readonly inBps: bigint;
  readonly outBps: bigint;
}

/** A service as the kernel reports it. */
export interface IpvsServiceEntry extends IpvsService {
  /** IPVS_SVC_ATTR_FLAGS as returned (with IP_VS_SVC_F_HASHED). */
  readonly rawFlags: number;
  readonly stats?: IpvsStats;
}

/** A destination as the kernel reports it. */
export interface IpvsDestEntry extends IpvsDest {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly stats?: IpvsStats;
}

/** Sync daemon parameters (IPVS_CMD_NEW_DAEMON). */
export interface IpvsDaemon {
  readonly state: 'master' | 'backup';
  /** Multicast interface name. */
  readonly interface: string;
  readonly syncId: number;
  /** UDP payload size (IPVS_DAEMON_ATTR_SYNC_MAXLEN). */
  readonly maxLen?: number;
  /** Multicast group (IPv4 or IPv6). */
  readonly group?: string;
  readonly port?: number;
  readonly ttl?: number;
}

/** Connection timeouts in seconds (0 = leave as is). */
export interface IpvsTimeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

/** IPVS_CMD_GET_INFO. */
export interface IpvsInfo {
  /** 'major.minor.patch', e.g. '1.2.1'. */
  readonly version: string;
  readonly versionCode: number;
  readonly connTabSize: number;
}

/** Thrown when a description cannot be encoded (bad address, name too long...). */
export class IpvsEncodeError extends Error {
  override readonly name = 'IpvsEncodeError';
  readonly code = 'TSKA_ERR_IPVS_ENCODE';
}

const PROTOCOLS: Readonly<Record<IpvsProtocol, number>> = { tcp: K.IPPROTO_TCP, udp: K.IPPROTO_UDP, sctp: K.IPPROTO_SCTP };
const FORWARDS: Readonly<Record<IpvsForward, number>> = {
  nat: K.IP_VS_CONN_F_MASQ, local: K.IP_VS_CONN_F_LOCALNODE, tun: K.IP_VS_CONN_F_TUNNEL, dr: K.IP_VS_CONN_F_DROUTE, bypass: K.IP_VS_CONN_F_BYPASS,
};
const TUNNELS: Readonly<Record<IpvsTunnelType, number>> = {
  ipip: K.IP_VS_CONN_F_TUNNEL_TYPE_IPIP, gue: K.IP_VS_CONN_F_TUNNEL_TYPE_GUE, gre: K.IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};
const CSUMS: Readonly<Record<IpvsTunnelCsum, number>> = {
  nocsum: K.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM, csum: K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM, remcsum: K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
};

function reverse<T extends string>(m: Readonly<Record<T, number>>, v: number, what: string): T {
  for (const [k, n] of Object.entries(m) as [T, number][]) if (n === v) return k;
  throw new NetlinkDecodeError('unknown-value', `${what}: unknown value ${v}`);
}

/** The AF_* number of a family. */
export function afOf(f: IpvsFamily): number {
  return f === 'inet' ? K.AF_INET : K.AF_INET6;
}

function familyOfAf(af: number): IpvsFamily {
  if (af === K.AF_INET) return 'inet';
  if (af === K.AF_INET6) return 'inet6';
  throw new NetlinkDecodeError('unknown-family', `IPVS: address family ${af}`);
}

/** The family of a literal address, or throws. */
export function familyOfAddress(address: string): IpvsFamily {
  const ip = parseIp(address);
  if (!ip) throw new IpvsEncodeError(`not an IP address: ${address}`);
  return ip.family === 4 ? 'inet' : 'inet6';
}

/** Canonical text of an address (RFC 5952 for IPv6), so that equal addresses compare equal. */
export function canonicalAddress(address: string): string {
  const ip = parseIp(address);
  if (!ip) throw new IpvsEncodeError(`not an IP address: ${address}`);
  return formatIp(ip);
}

/** union nf_inet_addr as the kernel reads it: 16 bytes, the IPv4 address in the first 4. */
function addrBytes(address: string, family: IpvsFamily): Buffer {
  const ip = parseIp(address);
  if (!ip || (ip.family === 4) !== (family === 'inet')) throw new IpvsEncodeError(`${address} is not an ${family} address`);
  const b = Buffer.alloc(16);
  Buffer.from(ip.bytes).copy(b, 0);
  return b;
}

function addrText(v: Buffer, family: IpvsFamily): string {
  const n = family === 'inet' ? 4 : 16;
  if (v.length < n) throw new NetlinkDecodeError('short-value', `address: ${v.length} bytes for ${family}`);
  return formatIp(new Uint8Array(v.subarray(0, n)));
}

function nameAttr(type: number, name: string, max: number, what: string): Buffer {
  if (Buffer.byteLength(name) >= max) throw new IpvsEncodeError(`${what} '${name}' is longer than ${max - 1} bytes`);
  return attr.string(type, name);
}

/** The IP_VS_SVC_F_* bits a service asks for. */
export function serviceFlags(s: IpvsService): number {
  let f = 0;
  if (s.persistence) f |= K.IP_VS_SVC_F_PERSISTENT;
  if (s.onePacket) f |= K.IP_VS_SVC_F_ONEPACKET;
  if (s.schedulerFlags?.flag1) f |= K.IP_VS_SVC_F_SCHED1;
  if (s.schedulerFlags?.flag2) f |= K.IP_VS_SVC_F_SCHED2;
  if (s.schedulerFlags?.flag3) f |= K.IP_VS_SVC_F_SCHED3;
  return f;
}

function maxPrefix(f: IpvsFamily): number {
  return f === 'inet' ? 32 : 128;
}

/** IPVS_SVC_ATTR_NETMASK: an IPv4 mask in network order, or an IPv6 prefix length in host order (as ipvsadm sends them). */
function netmaskAttr(family: IpvsFamily, prefix: number): Buffer {
  if (!Number.isInteger(prefix) || prefix < (family === 'inet' ? 0 : 1) || prefix > maxPrefix(family)) {
    throw new IpvsEncodeError(`persistence prefix length ${prefix} is out of range for ${family}`);
  }
  if (family === 'inet6') return attr.u32(K.IPVS_SVC_ATTR_NETMASK, prefix);
  return attr.be32(K.IPVS_SVC_ATTR_NETMASK, prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

function prefixOfNetmask(family: IpvsFamily, v: Buffer): number {
  if (family === 'inet6') return read.u32(v);
  let m = read.be32(v);
  let n = 0;
  while (m & 0x80000000) {
    n++;
    m = (m << 1) >>> 0;
  }
  return n;
}

/** The attributes that identify a service (AF, then FWMARK or PROTOCOL/ADDR/PORT). */
function serviceKeyAttrs(key: IpvsServiceKey): Buffer[] {
  const out = [attr.u16(K.IPVS_SVC_ATTR_AF, afOf(key.family))];
  if ('fwmark' in key) {
    out.push(attr.u32(K.IPVS_SVC_ATTR_FWMARK, key.fwmark));
  } else {
    out.push(
      attr.u16(K.IPVS_SVC_ATTR_PROTOCOL, PROTOCOLS[key.protocol]),
      attr.bytes(K.IPVS_SVC_ATTR_ADDR, addrBytes(key.address, key.family)),
      attr.be16(K.IPVS_SVC_ATTR_PORT, key.port),
    );
  }
  return out;
}

/**
 * IPVS_CMD_ATTR_SERVICE. With `full`, the settings too (required by NEW/SET_SERVICE), in ipvsadm 1.31's order:
 * AF, FWMARK | PROTOCOL ADDR PORT, SCHED_NAME, PE_NAME, FLAGS (flags, mask ~0), TIMEOUT, NETMASK.
 */
export function encodeServiceAttr(s: IpvsService | IpvsServiceKey, full: boolean): Buffer {
  if (!full || !('key' in s)) return encodeNested(K.IPVS_CMD_ATTR_SERVICE, serviceKeyAttrs('key' in s ? s.key : s));
  const fam = s.key.family;
  const children = serviceKeyAttrs(s.key);
  children.push(nameAttr(K.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler, K.IP_VS_SCHEDNAME_MAXLEN, 'scheduler'));
  if (s.persistence?.engine) children.push(nameAttr(K.IPVS_SVC_ATTR_PE_NAME, s.persistence.engine, K.IP_VS_PENAME_MAXLEN, 'persistence engine'));
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(serviceFlags(s), 0);
  flags.writeUInt32LE(0xffffffff, 4);
  children.push(
    attr.bytes(K.IPVS_SVC_ATTR_FLAGS, flags),
    attr.u32(K.IPVS_SVC_ATTR_TIMEOUT, s.persistence?.timeout ?? 0),
    netmaskAttr(fam, s.persistence?.prefixLength ?? maxPrefix(fam)),
  );
  return encodeNested(K.IPVS_CMD_ATTR_SERVICE, children);
}

function decodeStats(v: Buffer, wide: boolean): IpvsStats {
  const m = attrMap(v);
  const get = (t: number, is64: boolean): bigint => {
    const a = m.get(t);
    if (!a) return 0n;
    return is64 || wide ? read.u64(a) : BigInt(read.u32(a));
  };
  return {
    conns: get(K.IPVS_STATS_ATTR_CONNS, false),
    inPkts: get(K.IPVS_STATS_ATTR_INPKTS, false),
    outPkts: get(K.IPVS_STATS_ATTR_OUTPKTS, false),
    inBytes: get(K.IPVS_STATS_ATTR_INBYTES, true),
    outBytes: get(K.IPVS_STATS_ATTR_OUTBYTES, true),
    cps: get(K.IPVS_STATS_ATTR_CPS, false),
    inPps: get(K.IPVS_STATS_ATTR_INPPS, false),
    outPps: get(K.IPVS_STATS_ATTR_OUTPPS, false),
    inBps: get(K.IPVS_STATS_ATTR_INBPS, false),
    outBps: get(K.IPVS_STATS_ATTR_OUTBPS, false),
  };
}

function pickStats(m: Map<number, Buffer>, t32: number, t64: number): IpvsStats | undefined {
  const s64 = m.get(t64);
  if (s64) return decodeStats(s64, true);
  const s32 = m.get(t32);
  return s32 ? decodeStats(s32, false) : undefined;
}

function required(m: Map<number, Buffer>, t: number, what: string): Buffer {
  const v = m.get(t);
  if (!v) throw new NetlinkDecodeError('missing-attr', `IPVS: ${what} missing`);
  return v;
}

/** Decodes the contents of an IPVS_CMD_ATTR_SERVICE nest (as in a GET_SERVICE reply). */
export function decodeService(nest: Buffer): IpvsServiceEntry {
  const m = attrMap(nest);
  const family = familyOfAf(read.u16(required(m, K.IPVS_SVC_ATTR_AF, 'IPVS_SVC_ATTR_AF')));
  const fw = m.get(K.IPVS_SVC_ATTR_FWMARK);
  let key: IpvsServiceKey;
  if (fw && read.u32(fw) !== 0) {
    key = { family, fwmark: read.u32(fw) };
  } else {
    key = {
      family,
      protocol: reverse(PROTOCOLS, read.u16(required(m, K.IPVS_SVC_ATTR_PROTOCOL, 'IPVS_SVC_ATTR_PROTOCOL')), 'protocol'),
      address: addrText(required(m, K.IPVS_SVC_ATTR_ADDR, 'IPVS_SVC_ATTR_ADDR'), family),
      port: read.be16(required(m, K.IPVS_SVC_ATTR_PORT, 'IPVS_SVC_ATTR_PORT')),
    };
  }
  const flagsAttr = m.get(K.IPVS_SVC_ATTR_FLAGS);
  const rawFlags = flagsAttr ? read.u32(flagsAttr) : 0;
  const timeout = m.get(K.IPVS_SVC_ATTR_TIMEOUT);
  const netmask = m.get(K.IPVS_SVC_ATTR_NETMASK);
  const pe = m.get(K.IPVS_SVC_ATTR_PE_NAME);
  const engine = pe ? read.string(pe) : '';
  const sf: IpvsSchedulerFlags = {
    ...(rawFlags & K.IP_VS_SVC_F_SCHED1 ? { flag1: true } : {}),
    ...(rawFlags & K.IP_VS_SVC_F_SCHED2 ? { flag2: true } : {}),
    ...(rawFlags & K.IP_VS_SVC_F_SCHED3 ? { flag3: true } : {}),
  };
  const stats = pickStats(m, K.IPVS_SVC_ATTR_STATS, K.IPVS_SVC_ATTR_STATS64);
  return {
    key,
    scheduler: read.string(required(m, K.IPVS_SVC_ATTR_SCHED_NAME, 'IPVS_SVC_ATTR_SCHED_NAME')),
    ...(Object.keys(sf).length ? { schedulerFlags: sf } : {}),
    ...(rawFlags & K.IP_VS_SVC_F_ONEPACKET ? { onePacket: true } : {}),
    ...(rawFlags & K.IP_VS_SVC_F_PERSISTENT
      ? {
          persistence: {
            timeout: timeout ? read.u32(timeout) : 0,
            prefixLength: netmask ? prefixOfNetmask(family, netmask) : maxPrefix(family),
            ...(engine ? { engine } : {}),
          },
        }
      : {}),
    rawFlags,
    ...(stats ? { stats } : {}),
  };
}

/** The family a destination's address is in. */
export function destFamily(d: IpvsDest): IpvsFamily {
  return d.family ?? familyOfAddress(d.address);
}

/**
 * IPVS_CMD_ATTR_DEST. With `full`, the settings too (NEW/SET_DEST), in ipvsadm 1.31's order: ADDR_FAMILY, ADDR,
 * PORT, FWD_METHOD, WEIGHT, TUN_TYPE, TUN_PORT, TUN_FLAGS, U_THRESH, L_THRESH. Without: ADDR_FAMILY, ADDR, PORT.
 */
export function encodeDestAttr(d: IpvsDest, full: boolean): Buffer {
  const fam = destFamily(d);
  const children = [
    attr.u16(K.IPVS_DEST_ATTR_ADDR_FAMILY, afOf(fam)),
    attr.bytes(K.IPVS_DEST_ATTR_ADDR, addrBytes(d.address, fam)),
    attr.be16(K.IPVS_DEST_ATTR_PORT, d.port),
  ];
  if (full) {
    if (d.weight < 0 || !Number.isInteger(d.weight)) throw new IpvsEncodeError(`weight ${d.weight} is not a non-negative integer`);
    const tun = d.forward === 'tun' ? d.tunnel : undefined;
    children.push(
      attr.u32(K.IPVS_DEST_ATTR_FWD_METHOD, FORWARDS[d.forward]),
      attr.u32(K.IPVS_DEST_ATTR_WEIGHT, d.weight),
      attr.u8(K.IPVS_DEST_ATTR_TUN_TYPE, TUNNELS[tun?.type ?? 'ipip']),
      attr.be16(K.IPVS_DEST_ATTR_TUN_PORT, tun?.port ?? 0),
      attr.u16(K.IPVS_DEST_ATTR_TUN_FLAGS, CSUMS[tun?.csum ?? 'nocsum']),
      attr.u32(K.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold ?? 0),
      attr.u32(K.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold ?? 0),
    );
  }
  return encodeNested(K.IPVS_CMD_ATTR_DEST, children);
}

/** Decodes the contents of an IPVS_CMD_ATTR_DEST nest; `serviceFamily` is used when ADDR_FAMILY is absent (old kernels). */
export function decodeDest(nest: Buffer, serviceFamily: IpvsFamily): IpvsDestEntry {
  const m = attrMap(nest);
  const af = m.get(K.IPVS_DEST_ATTR_ADDR_FAMILY);
  const family = af ? familyOfAf(read.u16(af)) : serviceFamily;
  const forward = reverse(FORWARDS, read.u32(required(m, K.IPVS_DEST_ATTR_FWD_METHOD, 'IPVS_DEST_ATTR_FWD_METHOD')) & K.IP_VS_CONN_F_FWD_MASK, 'forwarding method');
  const u32 = (t: number): number => {
    const v = m.get(t);
    return v ? read.u32(v) : 0;
  };
  let tunnel: IpvsTunnel | undefined;
  if (forward === 'tun') {
    const tt = m.get(K.IPVS_DEST_ATTR_TUN_TYPE);
    const tp = m.get(K.IPVS_DEST_ATTR_TUN_PORT);
    const tf = m.get(K.IPVS_DEST_ATTR_TUN_FLAGS);
    const type = tt ? reverse(TUNNELS, read.u8(tt), 'tunnel type') : 'ipip';
    const flags = tf ? read.u16(tf) : 0;
    tunnel = {
      type,
      ...(tp && read.be16(tp) ? { port: read.be16(tp) } : {}),
      ...(flags & K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM ? { csum: 'remcsum' as const } : flags & K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM ? { csum: 'csum' as const } : {}),
    };
  }
  const stats = pickStats(m, K.IPVS_DEST_ATTR_STATS, K.IPVS_DEST_ATTR_STATS64);
  return {
    address: addrText(required(m, K.IPVS_DEST_ATTR_ADDR, 'IPVS_DEST_ATTR_ADDR'), family),
    family,
    port: read.be16(required(m, K.IPVS_DEST_ATTR_PORT, 'IPVS_DEST_ATTR_PORT')),
    forward,
    weight: read.s32(required(m, K.IPVS_DEST_ATTR_WEIGHT, 'IPVS_DEST_ATTR_WEIGHT')),
    upperThreshold: u32(K.IPVS_DEST_ATTR_U_THRESH),
    lowerThreshold: u32(K.IPVS_DEST_ATTR_L_THRESH),
    ...(tunnel ? { tunnel } : {}),
    activeConns: u32(K.IPVS_DEST_ATTR_ACTIVE_CONNS),
    inactiveConns: u32(K.IPVS_DEST_ATTR_INACT_CONNS),
    persistentConns: u32(K.IPVS_DEST_ATTR_PERSIST_CONNS),
    ...(stats ? { stats } : {}),
  };
}

/** IPVS_CMD_ATTR_DAEMON for NEW_DAEMON (`full`) or DEL_DAEMON (state only), ipvsadm's order. */
export function encodeDaemonAttr(d: Pick<IpvsDaemon, 'state'> & Partial<IpvsDaemon>, full: boolean): Buffer {
  const children = [attr.u32(K.IPVS_DAEMON_ATTR_STATE, d.state === 'master' ? K.IP_VS_STATE_MASTER : K.IP_VS_STATE_BACKUP)];
  if (full) {
    if (d.interface === undefined || d.syncId === undefined) throw new IpvsEncodeError('sync daemon needs an interface and a sync id');
    children.push(
      nameAttr(K.IPVS_DAEMON_ATTR_MCAST_IFN, d.interface, K.IP_VS_IFNAME_MAXLEN, 'interface'),
      attr.u32(K.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId),
    );
    if (d.maxLen !== undefined) children.push(attr.u16(K.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxLen));
    if (d.group !== undefined) {
      const g = parseIp(d.group);
      if (!g) throw new IpvsEncodeError(`not an IP address: ${d.group}`);
      children.push(attr.bytes(g.family === 4 ? K.IPVS_DAEMON_ATTR_MCAST_GROUP : K.IPVS_DAEMON_ATTR_MCAST_GROUP6, Buffer.from(g.bytes)));
    }
    if (d.port !== undefined) children.push(attr.u16(K.IPVS_DAEMON_ATTR_MCAST_PORT, d.port));
    if (d.ttl !== undefined) children.push(attr.u8(K.IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl));
  }
  return encodeNested(K.IPVS_CMD_ATTR_DAEMON, children);
}

/** Decodes an IPVS_CMD_ATTR_DAEMON nest from a GET_DAEMON reply. */
export function decodeDaemon(nest: Buffer): IpvsDaemon {
  const m = attrMap(nest);
  const state = read.u32(required(m, K.IPVS_DAEMON_ATTR_STATE, 'IPVS_DAEMON_ATTR_STATE'));
  const g4 = m.get(K.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = m.get(K.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  const ml = m.get(K.IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  const port = m.get(K.IPVS_DAEMON_ATTR_MCAST_PORT);
  const ttl = m.get(K.IPVS_DAEMON_ATTR_MCAST_TTL);
  const group = g6 && g6.length >= 16 && g6.some((b) => b !== 0) ? formatIp(new Uint8Array(g6.subarray(0, 16))) : g4 ? formatIp(new Uint8Array(g4.subarray(0, 4))) : undefined;
  return {
    state: state & K.IP_VS_STATE_BACKUP ? 'backup' : 'master',
    interface: read.string(required(m, K.IPVS_DAEMON_ATTR_MCAST_IFN, 'IPVS_DAEMON_ATTR_MCAST_IFN')),
    syncId: read.u32(required(m, K.IPVS_DAEMON_ATTR_SYNC_ID, 'IPVS_DAEMON_ATTR_SYNC_ID')),
    ...(ml ? { maxLen: read.u16(ml) } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(port ? { port: read.u16(port) } : {}),
    ...(ttl ? { ttl: read.u8(ttl) } : {}),
  };
}

/** The top-level attributes of IPVS_CMD_SET_CONFIG. */
export function encodeTimeouts(t: IpvsTimeouts): Buffer[] {
  return [
    attr.u32(K.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp),
    attr.u32(K.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin),
    attr.u32(K.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp),
  ];
}

/** Decodes the attributes of an IPVS_CMD_GET_CONFIG reply. */
export function decodeTimeouts(attrs: Buffer): IpvsTimeouts {
  const m = attrMap(attrs);
  const g = (t: number): number => {
    const v = m.get(t);
    return v ? read.u32(v) : 0;
  };
  return { tcp: g(K.IPVS_CMD_ATTR_TIMEOUT_TCP), tcpFin: g(K.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN), udp: g(K.IPVS_CMD_ATTR_TIMEOUT_UDP) };
}

/** Decodes the attributes of an IPVS_CMD_GET_INFO reply. */
export function decodeInfo(attrs: Buffer): IpvsInfo {
  const m = attrMap(attrs);
  const code = read.u32(required(m, K.IPVS_INFO_ATTR_VERSION, 'IPVS_INFO_ATTR_VERSION'));
  return {
    version: `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`,
    versionCode: code,
    connTabSize: read.u32(required(m, K.IPVS_INFO_ATTR_CONN_TAB_SIZE, 'IPVS_INFO_ATTR_CONN_TAB_SIZE')),
  };
}

/** The first nest of type `type` among top-level reply attributes. */
export function nestOf(attrs: Buffer, type: number): Buffer | undefined {
  return decodeAttrs(attrs).find((a) => a.type === type)?.value;
}
