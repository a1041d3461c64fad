// VRRP sockets per interface, family and IP protocol (112, or 51 for VRRPv2 with AH): receive -> route to the instance by VRID, count what nobody claims; shared send sockets.
import { IPPROTO_AH, IPPROTO_VRRP } from '../net/ipv4';
import { HeaderIncludedSocket, VrrpSocket, type SendTarget, type VrrpPacket } from '../sys/vrrp-socket';
import { AH_HEADER_LEN } from './auth';
import { newDropCounters, type DropCounters, type DropReason } from './stats';

/** What an instance sends its adverts through. */
export interface AdvertSender {
  /** Prepares a destination once (no parsing on the advert path). */
  target(dst: string, opts?: { ifindex?: number; src?: string }): SendTarget;
  /** Sends `length` bytes; returns the bytes sent or -errno. */
  trySend(buf: Uint8Array, length: number, to: SendTarget): number;
  close(): void;
}

/** What an instance registers to hear its adverts. */
export interface PacketHandler {
  onPacket(p: VrrpPacket): void;
}

interface SockEntry {
  readonly sock: VrrpSocket;
  readonly family: 4 | 6;
  readonly protocol: number;
  readonly ifindex: number;
  /** VRID -> handler (one instance per VRID, interface and family). */
  readonly handlers: Map<number, PacketHandler>;
  /** Multicast group joins (group text -> refs). */
  readonly groups: Map<string, number>;
  refs: number;
}

/** Opens sockets lazily, shares them, and routes received adverts by VRID. */
export class VrrpIo {
  private readonly recv = new Map<string, SockEntry>();
  private readonly send = new Map<string, { sock: AdvertSender; refs: number }>();
  /** Drops before any instance could see the packet. */
  readonly drops: DropCounters = newDropCounters();
  private readonly rxBuf: number;

  constructor(opts: { readonly recvBufferSize?: number } = {}) {
    this.rxBuf = opts.recvBufferSize ?? 65535;
  }

  private static key(family: 4 | 6, ifindex: number, protocol: number): string {
    return `${family}:${ifindex}:${protocol}`;
  }

  /** Counts a drop at the io level. */
  drop(reason: DropReason): void {
    this.drops[reason]++;
  }

  /**
   * Registers an instance for (family, interface, VRID); joins `group` when multicast.
   * `protocol` is 112, or 51 for VRRPv2 with AH (keepalived opens its socket for IPPROTO_AH then:
   * the packets carry AH, not VRRP, as their IP protocol). Throws when another instance already
   * holds the same (family, interface, protocol, VRID).
   */
  register(family: 4 | 6, ifname: string, ifindex: number, vrid: number, h: PacketHandler, group: string | null, protocol: number = IPPROTO_VRRP): void {
    const k = VrrpIo.key(family, ifindex, protocol);
    let e = this.recv.get(k);
    if (!e) {
      const handlers = new Map<number, PacketHandler>();
      const off = protocol === IPPROTO_AH ? AH_HEADER_LEN : 0;
      const sock = new VrrpSocket({
        family, protocol, device: ifname, ifindex, recvBufferSize: this.rxBuf,
        onPacket: (p) => this.route(handlers, p, off),
      });
      e = { sock, family, protocol, ifindex, handlers, groups: new Map(), refs: 0 };
      this.recv.set(k, e);
    }
    if (e.handlers.has(vrid)) throw new Error(`VRID ${vrid} is used twice on ${ifname} (IPv${family})`);
    e.handlers.set(vrid, h);
    e.refs++;
    if (group) {
      const n = e.groups.get(group) ?? 0;
      if (n === 0) e.sock.join(group, ifindex);
      e.groups.set(group, n + 1);
    }
  }

  /** Undoes {@link register}; closes the socket with its last user. */
  unregister(family: 4 | 6, ifindex: number, vrid: number, group: string | null, protocol: number = IPPROTO_VRRP): void {
    const k = VrrpIo.key(family, ifindex, protocol);
    const e = this.recv.get(k);
    if (!e) return;
    if (e.handlers.delete(vrid)) e.refs--;
    if (group) {
      const n = (e.groups.get(group) ?? 1) - 1;
      if (n <= 0) {
        e.groups.delete(group);
        try {
          e.sock.leave(group, ifindex);
        } catch {
          // the interface may be gone
        }
      } else e.groups.set(group, n);
    }
    if (e.refs <= 0) {
      e.sock.close();
      this.recv.delete(k);
    }
  }

  /**
   * A socket for sending out of `ifname` (bound to it, so the frame leaves there with its MAC).
   * `headerIncluded`: IPv4 with IP_HDRINCL for `protocol` (the caller builds the IP header: AH).
   */
  acquireSender(family: 4 | 6, ifname: string, ifindex: number, ttl?: number, headerIncluded?: { readonly protocol: number }): AdvertSender {
    const k = VrrpIo.senderKey(family, ifindex, ttl, headerIncluded);
    let e = this.send.get(k);
    if (!e) {
      // Never read: the kernel drops what overflows its (small) queue.
      const sock: AdvertSender = headerIncluded && family === 4
        ? new HeaderIncludedSocket(headerIncluded.protocol, ifname, ifindex)
        : new VrrpSocket({ family, device: ifname, ifindex, ...(ttl !== undefined ? { ttl } : {}), recvBufferSize: 16 });
      e = { sock, refs: 0 };
      this.send.set(k, e);
    }
    e.refs++;
    return e.sock;
  }

  /** Gives back a sender from {@link acquireSender}. */
  releaseSender(family: 4 | 6, ifindex: number, ttl?: number, headerIncluded?: { readonly protocol: number }): void {
    const k = VrrpIo.senderKey(family, ifindex, ttl, headerIncluded);
    const e = this.send.get(k);
    if (!e) return;
    if (--e.refs <= 0) {
      e.sock.close();
      this.send.delete(k);
    }
  }

  private static senderKey(family: 4 | 6, ifindex: number, ttl: number | undefined, hdr: { readonly protocol: number } | undefined): string {
    return `${family}:${ifindex}:${ttl ?? 255}${hdr ? `:hdrincl${hdr.protocol}` : ''}`;
  }

  /** `off`: bytes before the VRRP message in the payload (the AH header on an AH socket). */
  private route(handlers: Map<number, PacketHandler>, p: VrrpPacket, off: number): void {
    if (p.truncated) {
      this.drops.truncated++;
      return;
    }
    if (p.payload.length < off + 8) {
      this.drops['too-short']++;
      return;
    }
    const h = handlers.get(p.payload[off + 1]!);
    if (!h) {
      this.drops['unknown-vrid']++;
      return;
    }
    h.onPacket(p);
  }

  /** Closes every socket. */
  close(): void {
    for (const e of this.recv.values()) e.sock.close();
    for (const e of this.send.values()) e.sock.close();
    this.recv.clear();
    this.send.clear();
  }
}
