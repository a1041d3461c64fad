// A small rtnetlink layer for the VRRP driver: links, addresses, routes, rules, macvlan, and link events (errno-carrying errors).
// The raw socket only: the package's index also loads nl80211 and WireGuard tables we never use.
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { NetlinkSocket } from '../netlink/socket';
import { NetlinkError } from '../netlink/errors';
import { attr, attrMap, decodeMessages, encodeAttr, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, read, type NetlinkMessage } from '../netlink/message';

/** NETLINK_ROUTE from linux/netlink.h. */
export const NETLINK_ROUTE = 0;
/** Message types (linux/rtnetlink.h). */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
/** rtnetlink multicast group of link changes (RTNLGRP_LINK). */
export const RTNLGRP_LINK = 1;

const AF_INET = 2;
const AF_INET6 = 10;
/** Interface flags (linux/if.h). */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_LINK = 5;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
/** MACVLAN_MODE_PRIVATE (linux/if_link.h): keepalived's default for its VMACs. */
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_BRIDGE = 4;
/** IFLA_AF_SPEC, and inside its AF_INET6 part IFLA_INET6_ADDR_GEN_MODE (linux/if_link.h); see {@link Rtnl.setAddrGenMode}. */
const IFLA_AF_SPEC = 26;
const IFLA_INET6_ADDR_GEN_MODE = 8;
/** enum in6_addr_gen_mode: no automatic link-local (keepalived's VMACs). */
export const IN6_ADDR_GEN_MODE_NONE = 1;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
/** Address flags (linux/if_addr.h). */
export const IFA_F_NODAD = 0x02;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;

const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_MULTIPATH = 9;
const RTA_FLOW = 11;
const RTA_TABLE = 15;
const RTA_VIA = 18;
/** rtnh_flags (linux/rtnetlink.h): the gateway is forced on link. */
export const RTNH_F_ONLINK = 4;
/** sizeof(struct rtnexthop). */
const RTNH_HDRLEN = 8;

const FRA_DST = 1;
const FRA_SRC = 2;
const FRA_IIFNAME = 3;
const FRA_GOTO = 4;
const FRA_PRIORITY = 6;
const FRA_FWMARK = 10;
const FRA_TABLE = 15;
const FRA_FWMASK = 16;
const FRA_OIFNAME = 17;
const FRA_PROTOCOL = 21;

/** An interface as RTM_GETLINK reports it. */
export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  readonly flags: number;
  /** 6-byte MAC, or empty for links without one. */
  readonly mac: Uint8Array;
  /** IFLA_LINK (the parent of a macvlan), 0 when none. */
  readonly parent: number;
  readonly kind: string | null;
}

/** An address as RTM_GETADDR reports it. */
export interface AddrInfo {
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly prefixLen: number;
  readonly scope: number;
  readonly flags: number;
  /** IFA_LOCAL (IPv4) or IFA_ADDRESS (IPv6). */
  readonly address: Uint8Array;
}

/** What {@link Rtnl.addAddress} installs. */
export interface AddressSpec {
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly address: Uint8Array;
  readonly prefixLen: number;
  readonly scope?: number;
  readonly flags?: number;
  readonly broadcast?: Uint8Array | null;
  readonly label?: string | null;
  readonly peer?: Uint8Array | null;
  /** IFA_CACHEINFO preferred lifetime in seconds (0: deprecated at once); undefined: forever. */
  readonly preferredLft?: number;
}

/** What {@link Rtnl.route} sends. */
export interface RouteSpec {
  readonly family: 4 | 6;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly src?: Uint8Array | null;
  readonly srcLen?: number;
  readonly gateway?: Uint8Array | null;
  readonly prefSrc?: Uint8Array | null;
  readonly oif?: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  /** RTN_* (1 unicast, 6 blackhole, 7 unreachable, 8 prohibit, 9 throw, ...). */
  readonly type: number;
  readonly metric?: number | null;
  readonly tos?: number;
  /** `nexthop ...` entries: sent as RTA_MULTIPATH (even a single one, as `ip route` does). */
  readonly nexthops?: readonly NexthopSpec[];
}

/** One `nexthop` of a multipath route (struct rtnexthop and its attributes). */
export interface NexthopSpec {
  /** `via`: RTA_GATEWAY when of the route's family, else RTA_VIA (e.g. an IPv4 route via an IPv6 gateway). */
  readonly gateway?: { readonly family: 4 | 6; readonly bytes: Uint8Array } | null;
  /** `dev`: rtnh_ifindex, 0 for none. */
  readonly ifindex: number;
  /** `weight` 1..256 as written (rtnh_hops = weight - 1); null/absent: 1. */
  readonly weight?: number | null;
  /** `onlink`: RTNH_F_ONLINK. */
  readonly onlink?: boolean;
  /** `realms`: RTA_FLOW. */
  readonly realms?: number | null;
}

/**
 * The RTA_MULTIPATH attribute for `nexthops` of a `family` route, byte for byte as iproute2's
 * `ip route add ... nexthop via X dev Y weight W [onlink] [realm R]` sends it: an array of
 * struct rtnexthop { rtnh_len, rtnh_flags, rtnh_hops = weight - 1, rtnh_ifindex } each followed by
 * RTA_GATEWAY (same family) or RTA_VIA (struct rtvia: u16 family + address), then RTA_FLOW. Pure.
 */
export function encodeMultipath(family: 4 | 6, nexthops: readonly NexthopSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const nh of nexthops) {
    const w = nh.weight ?? 1;
    if (!Number.isInteger(w) || w < 1 || w > 256) throw new RangeError(`nexthop weight ${w} outside 1..256`);
    const attrs: Buffer[] = [];
    const g = nh.gateway;
    if (g) {
      if (g.family === family) attrs.push(encodeAttr(RTA_GATEWAY, Buffer.from(g.bytes)));
      else {
        const via = Buffer.alloc(2 + g.bytes.length);
        via.writeUInt16LE(famNum(g.family), 0);
        via.set(g.bytes, 2);
        attrs.push(encodeAttr(RTA_VIA, via));
      }
    }
    if (nh.realms !== null && nh.realms !== undefined) attrs.push(attr.u32(RTA_FLOW, nh.realms));
    const body = Buffer.concat(attrs);
    const hdr = Buffer.alloc(RTNH_HDRLEN);
    hdr.writeUInt16LE(RTNH_HDRLEN + body.length, 0);
    hdr[2] = nh.onlink ? RTNH_F_ONLINK : 0;
    hdr[3] = w - 1;
    hdr.writeInt32LE(nh.ifindex, 4);
    parts.push(hdr, body);
  }
  return encodeAttr(RTA_MULTIPATH, Buffer.concat(parts));
}

/** What {@link Rtnl.rule} sends. */
export interface RuleSpec {
  readonly family: 4 | 6;
  readonly src?: { readonly addr: Uint8Array; readonly len: number } | null;
  readonly dst?: { readonly addr: Uint8Array; readonly len: number } | null;
  readonly table: number;
  /** FR_ACT_*. */
  readonly action: number;
  readonly priority: number;
  readonly invert?: boolean;
  readonly tos?: number | null;
  readonly fwmark?: number | null;
  readonly fwmask?: number | null;
  readonly iif?: string | null;
  readonly oif?: string | null;
  readonly gotoTarget?: number | null;
  readonly protocol?: number | null;
}

/** True when a netlink error carries one of these errno names. */
export function isNetlinkErrno(e: unknown, ...names: string[]): boolean {
  return e instanceof NetlinkError && names.includes(e.errnoName);
}

function famNum(f: 4 | 6): number {
  return f === 4 ? AF_INET : AF_INET6;
}

function ifinfomsg(ifindex: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(0, 0);
  b.writeInt32LE(ifindex, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** Parses an RTM_NEWLINK/RTM_DELLINK payload. */
export function parseLink(payload: Buffer): LinkInfo {
  const ifindex = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const a = attrMap(payload.subarray(16));
  const info = a.get(IFLA_LINKINFO);
  const kind = info ? attrMap(info).get(IFLA_INFO_KIND) : undefined;
  const mac = a.get(IFLA_ADDRESS);
  const parent = a.get(IFLA_LINK);
  return {
    ifindex,
    flags,
    name: read.string(a.get(IFLA_IFNAME) ?? Buffer.alloc(0)),
    mac: mac ? new Uint8Array(mac) : new Uint8Array(0),
    parent: parent ? read.u32(parent) : 0,
    kind: kind ? read.string(kind) : null,
  };
}

/** Parses an RTM_NEWADDR/RTM_DELADDR payload. */
export function parseAddr(payload: Buffer): AddrInfo {
  const fam = payload[0] === AF_INET ? 4 : 6;
  const a = attrMap(payload.subarray(8));
  const addr = (fam === 4 ? a.get(IFA_LOCAL) : undefined) ?? a.get(IFA_ADDRESS) ?? Buffer.alloc(0);
  const fl = a.get(IFA_FLAGS);
  return {
    family: fam,
    prefixLen: payload[1]!,
    flags: fl ? read.u32(fl) : payload[2]!,
    scope: payload[3]!,
    ifindex: payload.readUInt32LE(4),
    address: new Uint8Array(addr),
  };
}

/** The RTM_NEWROUTE/RTM_DELROUTE payload (struct rtmsg and attributes) for a route. Pure. */
export function routePayload(s: RouteSpec): Buffer {
  const hdr = Buffer.alloc(12);
  hdr[0] = famNum(s.family);
  hdr[1] = s.dstLen;
  hdr[2] = s.srcLen ?? 0;
  hdr[3] = s.tos ?? 0;
  hdr[4] = s.table < 256 ? s.table : 252; // RT_TABLE_COMPAT; the real id goes in RTA_TABLE
  hdr[5] = s.protocol;
  hdr[6] = s.scope;
  hdr[7] = s.type;
  const attrs: Buffer[] = [attr.u32(RTA_TABLE, s.table)];
  if (s.dstLen > 0) attrs.push(encodeAttr(RTA_DST, Buffer.from(s.dst)));
  if (s.src && (s.srcLen ?? 0) > 0) attrs.push(encodeAttr(RTA_SRC, Buffer.from(s.src)));
  if (s.gateway) attrs.push(encodeAttr(RTA_GATEWAY, Buffer.from(s.gateway)));
  if (s.prefSrc) attrs.push(encodeAttr(RTA_PREFSRC, Buffer.from(s.prefSrc)));
  if (s.oif) attrs.push(attr.u32(RTA_OIF, s.oif));
  if (s.metric !== null && s.metric !== undefined) attrs.push(attr.u32(RTA_PRIORITY, s.metric));
  if (s.nexthops && s.nexthops.length > 0) attrs.push(encodeMultipath(s.family, s.nexthops));
  return Buffer.concat([hdr, ...attrs]);
}

/** rtnetlink requests with errno-carrying errors ({@link NetlinkError}). */
export class Rtnl {
  private readonly sock: NetlinkSocket;

  constructor(sock?: NetlinkSocket) {
    this.sock = sock ?? NetlinkSocket.open(NETLINK_ROUTE);
  }

  /** All links. */
  async links(): Promise<LinkInfo[]> {
    const r = await this.sock.request(RTM_GETLINK, ifinfomsg(0), { flags: NLM_F_DUMP, info: { label: 'RTM_GETLINK' } });
    return r.filter((m) => m.type === RTM_NEWLINK).map((m) => parseLink(m.payload));
  }

  /** One link by name, or null. */
  async link(name: string): Promise<LinkInfo | null> {
    return (await this.links()).find((l) => l.name === name) ?? null;
  }

  /** All addresses of a family (both when omitted). */
  async addresses(family?: 4 | 6): Promise<AddrInfo[]> {
    const hdr = Buffer.alloc(8);
    hdr[0] = family === undefined ? 0 : famNum(family);
    const r = await this.sock.request(RTM_GETADDR, hdr, { flags: NLM_F_DUMP, info: { label: 'RTM_GETADDR' } });
    return r.filter((m) => m.type === RTM_NEWADDR).map((m) => parseAddr(m.payload));
  }

  private addrPayload(s: AddressSpec): Buffer {
    const hdr = Buffer.alloc(8);
    hdr[0] = famNum(s.family);
    hdr[1] = s.prefixLen;
    hdr[2] = (s.flags ?? 0) & 0xff;
    hdr[3] = s.scope ?? 0;
    hdr.writeUInt32LE(s.ifindex, 4);
    const attrs: Buffer[] = [];
    const addr = Buffer.from(s.address);
    if (s.family === 4) {
      attrs.push(encodeAttr(IFA_LOCAL, addr));
      attrs.push(encodeAttr(IFA_ADDRESS, s.peer ? Buffer.from(s.peer) : addr));
    } else {
      if (s.peer) attrs.push(encodeAttr(IFA_LOCAL, addr));
      attrs.push(encodeAttr(IFA_ADDRESS, s.peer ? Buffer.from(s.peer) : addr));
    }
    if (s.broadcast) attrs.push(encodeAttr(IFA_BROADCAST, Buffer.from(s.broadcast)));
    if (s.label) attrs.push(attr.string(IFA_LABEL, s.label));
    if ((s.flags ?? 0) > 0xff) attrs.push(attr.u32(IFA_FLAGS, s.flags ?? 0));
    if (s.preferredLft !== undefined) {
      const ci = Buffer.alloc(16);
      ci.writeUInt32LE(s.preferredLft >>> 0, 0);
      ci.writeUInt32LE(0xffffffff, 4);
      attrs.push(encodeAttr(IFA_CACHEINFO, ci));
    }
    return Buffer.concat([hdr, ...attrs]);
  }

  /** RTM_NEWADDR (NLM_F_CREATE|NLM_F_EXCL: EEXIST when already there). */
  async addAddress(s: AddressSpec): Promise<void> {
    await this.sock.request(RTM_NEWADDR, this.addrPayload(s), { flags: NLM_F_CREATE | NLM_F_EXCL, info: { label: 'RTM_NEWADDR' } });
  }

  /** RTM_DELADDR (EADDRNOTAVAIL when absent). */
  async deleteAddress(s: AddressSpec): Promise<void> {
    await this.sock.request(RTM_DELADDR, this.addrPayload(s), { info: { label: 'RTM_DELADDR' } });
  }

  /** Adds (replacing an identical one) or deletes a route. */
  async route(add: boolean, s: RouteSpec): Promise<void> {
    if (add) await this.sock.request(RTM_NEWROUTE, routePayload(s), { flags: NLM_F_CREATE | NLM_F_REPLACE, info: { label: 'RTM_NEWROUTE' } });
    else await this.sock.request(RTM_DELROUTE, routePayload(s), { info: { label: 'RTM_DELROUTE' } });
  }

  private rulePayload(s: RuleSpec): Buffer {
    const hdr = Buffer.alloc(12);
    hdr[0] = famNum(s.family);
    hdr[1] = s.dst?.len ?? 0;
    hdr[2] = s.src?.len ?? 0;
    hdr[3] = s.tos ?? 0;
    hdr[4] = s.table < 256 ? s.table : 252;
    hdr[7] = s.action;
    hdr.writeUInt32LE(s.invert ? 2 : 0, 8); // FIB_RULE_INVERT
    const attrs: Buffer[] = [attr.u32(FRA_PRIORITY, s.priority)];
    if (s.table > 0) attrs.push(attr.u32(FRA_TABLE, s.table));
    if (s.src) attrs.push(encodeAttr(FRA_SRC, Buffer.from(s.src.addr)));
    if (s.dst) attrs.push(encodeAttr(FRA_DST, Buffer.from(s.dst.addr)));
    if (s.fwmark !== null && s.fwmark !== undefined) attrs.push(attr.u32(FRA_FWMARK, s.fwmark));
    if (s.fwmask !== null && s.fwmask !== undefined) attrs.push(attr.u32(FRA_FWMASK, s.fwmask));
    if (s.iif) attrs.push(attr.string(FRA_IIFNAME, s.iif));
    if (s.oif) attrs.push(attr.string(FRA_OIFNAME, s.oif));
    if (s.gotoTarget !== null && s.gotoTarget !== undefined) attrs.push(attr.u32(FRA_GOTO, s.gotoTarget));
    if (s.protocol !== null && s.protocol !== undefined) attrs.push(attr.u8(FRA_PROTOCOL, s.protocol));
    return Buffer.concat([hdr, ...attrs]);
  }

  /** Adds or deletes a FIB rule. */
  async rule(add: boolean, s: RuleSpec): Promise<void> {
    if (add) await this.sock.request(RTM_NEWRULE, this.rulePayload(s), { flags: NLM_F_CREATE | NLM_F_EXCL, info: { label: 'RTM_NEWRULE' } });
    else await this.sock.request(RTM_DELRULE, this.rulePayload(s), { info: { label: 'RTM_DELRULE' } });
  }

  /** Creates a macvlan on `parent` with a MAC, in `mode` (keepalived: private). EEXIST when the name is taken. */
  async addMacvlan(name: string, parent: number, mac: Uint8Array, mode = MACVLAN_MODE_PRIVATE): Promise<void> {
    // Nested attributes get NLA_F_NESTED here (the netlink package never sets it; the kernel tolerates both).
    const data = encodeAttr(IFLA_INFO_DATA, attr.u32(IFLA_MACVLAN_MODE, mode), true);
    const linkinfo = encodeAttr(IFLA_LINKINFO, Buffer.concat([attr.string(IFLA_INFO_KIND, 'macvlan'), data]), true);
    const payload = Buffer.concat([ifinfomsg(0), attr.string(IFLA_IFNAME, name), attr.u32(IFLA_LINK, parent), encodeAttr(IFLA_ADDRESS, Buffer.from(mac)), linkinfo]);
    await this.sock.request(RTM_NEWLINK, payload, { flags: NLM_F_CREATE | NLM_F_EXCL, info: { label: 'RTM_NEWLINK macvlan' } });
  }

  /** Sets a link up or down. */
  async setLinkUp(ifindex: number, up: boolean): Promise<void> {
    await this.sock.request(RTM_NEWLINK, ifinfomsg(ifindex, up ? IFF_UP : 0, IFF_UP), { info: { label: 'RTM_NEWLINK up/down' } });
  }

  // ---- IPv6 VMAC (vmac.ts) ----
  /**
   * Sets a link's IPv6 address generation mode (IFLA_AF_SPEC > AF_INET6 > IFLA_INET6_ADDR_GEN_MODE).
   * {@link IN6_ADDR_GEN_MODE_NONE} keeps the kernel from giving the link an EUI-64 link-local when it
   * comes up. Its own request, sent before the link is set up (with IFF_UP in the same message the
   * link would come up first and get the address anyway: keepalived issue #2026).
   */
  async setAddrGenMode(ifindex: number, mode: number): Promise<void> {
    const inet6 = encodeAttr(AF_INET6, attr.u8(IFLA_INET6_ADDR_GEN_MODE, mode), true);
    const payload = Buffer.concat([ifinfomsg(ifindex), encodeAttr(IFLA_AF_SPEC, inet6, true)]);
    await this.sock.request(RTM_NEWLINK, payload, { info: { label: 'RTM_NEWLINK addr_gen_mode' } });
  }
  // ---- end IPv6 VMAC ----

  /** Deletes a link. */
  async deleteLink(ifindex: number): Promise<void> {
    await this.sock.request(RTM_DELLINK, ifinfomsg(ifindex), { info: { label: 'RTM_DELLINK' } });
  }

  close(): void {
    this.sock.close();
  }
}

/** A link event: the message type is kept (the netlink package's own event handler drops it). */
export interface LinkEvent {
  readonly deleted: boolean;
  readonly link: LinkInfo;
}

/** Listens to RTNLGRP_LINK on its own socket and reports RTM_NEWLINK / RTM_DELLINK with their type. */
export class LinkMonitor {
  private readonly sock: RawNetlinkSocket;

  constructor(onEvent: (e: LinkEvent) => void, onError: (e: Error) => void) {
    this.sock = new RawNetlinkSocket(NETLINK_ROUTE, { recvBufferSize: 1 << 20, sendBufferSize: 1 << 16 });
    this.sock.addMembership(RTNLGRP_LINK);
    this.sock.on('message', (d: Buffer) => {
      let msgs: NetlinkMessage[];
      try {
        msgs = decodeMessages(d);
      } catch (e) {
        onError(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      for (const m of msgs) {
        if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) onEvent({ deleted: m.type === RTM_DELLINK, link: parseLink(m.payload) });
      }
    });
    this.sock.on('error', (e: Error) => onError(e));
  }

  close(): void {
    this.sock.close();
  }
}

/** Whether a link can carry VRRP: administratively up and with carrier (IFF_RUNNING). */
export function linkUsable(l: LinkInfo): boolean {
  return (l.flags & IFF_UP) !== 0 && (l.flags & IFF_RUNNING) !== 0;
}
