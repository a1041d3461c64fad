// The VRRP raw socket (IP protocol 112, IPv4 or IPv6): event-driven receive with TTL/hop limit, ifindex and addresses; allocation-free send.
import { formatIp, parseIp } from '../net/ip';
import { META, errnoError, native, type NativeSocket } from './native';

/** IANA protocol number of VRRP. */
export const IPPROTO_VRRP = 112;
/** RFC 5798 §5.1.1.2 / §5.1.2.2: the IPv4 and IPv6 VRRP multicast groups. */
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';

/** Fields of the IPv4 header of a received packet (IPv4 raw sockets see the whole datagram). */
export interface ReceivedIpv4Header {
  readonly headerLength: number;
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  readonly ttl: number;
  readonly protocol: number;
}

/**
 * One received packet. The socket reuses one such object, and `payload`, `srcBytes` and `dstBytes`
 * are views into buffers it reuses, for every packet (the receive path allocates nothing in the
 * steady state): copy what must outlive the callback. `src` and `dst` are formatted when read.
 */
export interface VrrpPacket {
  readonly family: 4 | 6;
  /** The VRRP message (for IPv4, the part after the IP header). */
  readonly payload: Buffer;
  /** Source address as text, and as 4/16 bytes. */
  readonly src: string;
  readonly srcBytes: Buffer;
  /** Destination address (IP_PKTINFO / IPV6_PKTINFO) as text, and as bytes; '' when unknown. */
  readonly dst: string;
  readonly dstBytes: Buffer;
  /** Whether the destination is known (else `dst` is '' and `dstBytes` meaningless). */
  readonly dstKnown: boolean;
  /** Receiving interface index. */
  readonly ifindex: number;
  /** TTL or hop limit the packet arrived with; RFC 5798 §7.1 drops it unless 255. -1 if unknown. */
  readonly ttl: number;
  /** IPv4 TOS or IPv6 traffic class; -1 if unknown. */
  readonly tos: number;
  /** IPv4 only: the IP header fields. */
  readonly ipv4?: ReceivedIpv4Header;
  /** The message did not fit the receive buffer. */
  readonly truncated: boolean;
}

export interface VrrpSocketOptions {
  readonly family: 4 | 6;
  /** IP protocol (default 112). */
  readonly protocol?: number;
  /** SO_BINDTODEVICE to this interface name. */
  readonly device?: string;
  /** Deliver only packets received on this ifindex; also the default interface for sends. */
  readonly ifindex?: number;
  /** bind() to this local address (keepalived binds to the source address for unicast). */
  readonly bindAddress?: string;
  /** TTL / hop limit for sends (default 255, as RFC 5798 requires). */
  readonly ttl?: number;
  /** Receive our own multicast (default false, like keepalived). */
  readonly multicastLoop?: boolean;
  /** IPv6: let the kernel compute and verify the checksum at offset 6 (IPV6_CHECKSUM), as keepalived does. */
  readonly kernelChecksum?: boolean;
  /** Receive buffer size in bytes (default 65535). */
  readonly recvBufferSize?: number;
  /** Called for each received packet. */
  readonly onPacket?: (packet: VrrpPacket) => void;
  /** Called when the socket reports an error while reading. */
  readonly onError?: (err: Error) => void;
}

/** A destination prepared once and reused for every send (no parsing on the hot path). */
export interface SendTarget {
  readonly dst: Buffer;
  /** Outgoing interface (IP_PKTINFO / IPV6_PKTINFO and link-local scope); 0 lets routing decide. */
  readonly ifindex: number;
  /** Source address for IP_PKTINFO / IPV6_PKTINFO, or null. */
  readonly src: Buffer | null;
}

function addrBytes(s: string, family: 4 | 6, what: string): Buffer {
  const a = parseIp(s);
  if (!a || a.family !== family) throw new TypeError(`${what}: '${s}' is not an IPv${family} address`);
  return Buffer.from(a.bytes);
}

/** A VRRP raw socket of one family. */
export class VrrpSocket {
  readonly family: 4 | 6;
  readonly ifindex: number;
  private readonly sock: NativeSocket;
  private readonly recv: Buffer;
  private readonly meta = Buffer.alloc(META.size);
  private closed = false;
  /** The packet object handed to every callback, and its reused parts. */
  private readonly rx: RxPacket;
  private readonly rxIpv4: MutableIpv4Header = { headerLength: 0, tos: 0, totalLength: 0, id: 0, ttl: 0, protocol: 0 };
  /** The last payload view, reused while packets keep the same offset and length (adverts of one size). */
  private payloadView: Buffer;
  private payloadStart = -1;
  private payloadEnd = -1;

  constructor(opts: VrrpSocketOptions) {
    this.family = opts.family;
    this.ifindex = opts.ifindex ?? 0;
    const c = native.constants;
    this.sock = new native.NativeSocket(opts.family === 4 ? c.KIND_VRRP4 : c.KIND_VRRP6, opts.protocol ?? IPPROTO_VRRP, 0);
    this.recv = Buffer.alloc(opts.recvBufferSize ?? 65535);
    this.payloadView = this.recv.subarray(0, 0);
    const alen = this.family === 4 ? 4 : 16;
    this.rx = rxPacket(this.family, this.meta.subarray(META.src, META.src + alen), this.meta.subarray(META.dst, META.dst + alen), this.payloadView);
    try {
      if (opts.device !== undefined) this.sock.bindDevice(opts.device);
      if (opts.bindAddress !== undefined) this.sock.bindAddress(addrBytes(opts.bindAddress, this.family, 'bindAddress'), this.ifindex);
      if (this.ifindex > 0) {
        this.sock.setFilterIfindex(this.ifindex);
        this.sock.setMulticastInterface(this.ifindex);
      }
      if (opts.ttl !== undefined) this.setTtl(opts.ttl);
      if (opts.multicastLoop === true) {
        if (this.family === 4) this.sock.setIntOption(c.IPPROTO_IP, c.IP_MULTICAST_LOOP, 1);
        else this.sock.setIntOption(c.IPPROTO_IPV6, c.IPV6_MULTICAST_LOOP, 1);
      }
      if (opts.kernelChecksum === true && this.family === 6) this.sock.setIntOption(c.IPPROTO_IPV6, c.IPV6_CHECKSUM, 6);
      if (opts.onPacket) this.startReading(opts.onPacket, opts.onError);
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  /** Starts delivering packets (event-driven, through the addon's uv poll). */
  startReading(onPacket: (packet: VrrpPacket) => void, onError?: (err: Error) => void): void {
    this.sock.startReading(this.recv, this.meta, (status) => {
      if (status < 0) {
        const err = errnoError(status, 'recvmsg');
        if (onError) onError(err);
        return;
      }
      const p = this.decode(status);
      if (p) onPacket(p);
    });
  }

  /** Stops delivering packets. */
  stopReading(): void {
    this.sock.stopReading();
  }

  private decode(len: number): VrrpPacket | null {
    const m = this.meta;
    const rx = this.rx;
    let ttl = m.readInt32LE(META.ttl);
    let tos = m.readInt32LE(META.tclass);
    let start = 0;
    if (this.family === 4) {
      const r = this.recv;
      const ihl = len > 0 ? (r[0]! & 0x0f) * 4 : 0;
      if (len < 20 || ihl < 20 || ihl > len) return null; // the kernel never delivers these; be safe
      const h = this.rxIpv4;
      h.headerLength = ihl;
      h.tos = r[1]!;
      h.totalLength = r.readUInt16BE(2);
      h.id = r.readUInt16BE(4);
      h.ttl = r[8]!;
      h.protocol = r[9]!;
      rx.ipv4 = h;
      start = ihl;
      if (ttl < 0) ttl = h.ttl;
      tos = h.tos;
    }
    if (start !== this.payloadStart || len !== this.payloadEnd) {
      this.payloadView = this.recv.subarray(start, len);
      this.payloadStart = start;
      this.payloadEnd = len;
    }
    rx.payload = this.payloadView;
    rx.dstKnown = m[META.dstFamily] !== 0;
    rx.ifindex = m.readInt32LE(META.ifindex);
    rx.ttl = ttl;
    rx.tos = tos;
    rx.truncated = (m[META.flags]! & 1) !== 0;
    return rx;
  }

  /** Joins a multicast group (default the VRRP group) on an interface (default this socket's). */
  join(group?: string, ifindex?: number): void {
    this.sock.setMembership(this.groupBytes(group), ifindex ?? this.ifindex, true);
  }

  /** Leaves a multicast group joined with {@link join}. */
  leave(group?: string, ifindex?: number): void {
    this.sock.setMembership(this.groupBytes(group), ifindex ?? this.ifindex, false);
  }

  private groupBytes(group: string | undefined): Buffer {
    return addrBytes(group ?? (this.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6), this.family, 'group');
  }

  /** IP_MULTICAST_IF / IPV6_MULTICAST_IF. */
  setMulticastInterface(ifindex: number): void {
    this.sock.setMulticastInterface(ifindex);
  }

  /** TTL / hop limit for unicast and multicast sends. */
  setTtl(ttl: number): void {
    const c = native.constants;
    if (this.family === 4) {
      this.sock.setIntOption(c.IPPROTO_IP, c.IP_TTL, ttl);
      this.sock.setIntOption(c.IPPROTO_IP, c.IP_MULTICAST_TTL, ttl);
    } else {
      this.sock.setIntOption(c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS, ttl);
      this.sock.setIntOption(c.IPPROTO_IPV6, c.IPV6_MULTICAST_HOPS, ttl);
    }
  }

  /** Prepares a destination once: address text to bytes, interface, optional source address. */
  target(dst: string, opts: { ifindex?: number; src?: string } = {}): SendTarget {
    return {
      dst: addrBytes(dst, this.family, 'destination'),
      ifindex: opts.ifindex ?? this.ifindex,
      src: opts.src !== undefined ? addrBytes(opts.src, this.family, 'source') : null,
    };
  }

  /**
   * Sends `length` bytes of `buf` (a VRRP message; the kernel adds the IP header) to a prepared
   * target. Allocates nothing on success; throws an errno-shaped error when the kernel refuses.
   */
  send(buf: Uint8Array, length: number, to: SendTarget): void {
    const n = this.sock.send(buf, length, to.dst, to.ifindex, to.src);
    if (n < 0) throw errnoError(n, 'sendmsg');
  }

  /** Like {@link send} but returns -errno instead of throwing (0 or more: bytes sent). */
  trySend(buf: Uint8Array, length: number, to: SendTarget): number {
    return this.sock.send(buf, length, to.dst, to.ifindex, to.src);
  }

  /** The poll does not keep the process alive. */
  unref(): this {
    this.sock.unref();
    return this;
  }

  /** The poll keeps the process alive (default). */
  ref(): this {
    this.sock.ref();
    return this;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops reading and closes the socket. Idempotent. */
  close(): void {
    this.closed = true;
    this.sock.close();
  }
}

/**
 * An IPv4 raw socket with IP_HDRINCL: the caller builds the whole packet (IPv4 header, AH, VRRP),
 * as keepalived does for VRRPv2 with AH (its ICV covers the IP header, so the header must be
 * exactly what the ICV was computed over). The kernel fills only the header checksum (raw(7)).
 * Its protocol is AH, so it never sees the plain VRRP traffic; it only sends.
 */
export class HeaderIncludedSocket {
  private readonly sock: NativeSocket;

  constructor(protocol: number, ifname: string, ifindex: number) {
    const c = native.constants;
    this.sock = new native.NativeSocket(c.KIND_VRRP4, protocol, 0);
    try {
      this.sock.bindDevice(ifname);
      this.sock.setMulticastInterface(ifindex);
      this.sock.setIntOption(c.IPPROTO_IP, c.IP_HDRINCL, 1);
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  /** A destination; the header carries the source, and the device binding picks the interface (no IP_PKTINFO). */
  target(dst: string): SendTarget {
    return { dst: addrBytes(dst, 4, 'destination'), ifindex: 0, src: null };
  }

  /** Sends `length` bytes of a whole IPv4 packet; returns the bytes sent or -errno. */
  trySend(buf: Uint8Array, length: number, to: SendTarget): number {
    return this.sock.send(buf, length, to.dst, to.ifindex, to.src);
  }

  close(): void {
    this.sock.close();
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableIpv4Header = Mutable<ReceivedIpv4Header>;
type RxPacket = Mutable<Omit<VrrpPacket, 'src' | 'dst' | 'ipv4'>> & { readonly src: string; readonly dst: string; ipv4?: ReceivedIpv4Header };

/** The reused packet object: addresses are formatted only when read (own enumerable getters, so `{ ...p }` copies them). */
function rxPacket(family: 4 | 6, srcBytes: Buffer, dstBytes: Buffer, payload: Buffer): RxPacket {
  return {
    family,
    payload,
    srcBytes,
    dstBytes,
    dstKnown: false,
    get src(): string {
      return formatIp(srcBytes);
    },
    get dst(): string {
      return this.dstKnown ? formatIp(dstBytes) : '';
    },
    ifindex: 0,
    ttl: -1,
    tos: -1,
    truncated: false,
  };
}
