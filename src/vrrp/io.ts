// VRRP sockets per interface and family: receive -> route to the instance by VRID, count what nobody claims; shared send sockets.
import { VrrpSocket, type VrrpPacket } from '../sys/vrrp-socket';
import { newDropCounters, type DropCounters, type DropReason } from './stats';

/** What an instance registers to hear its adverts. */
export interface PacketHandler {
  onPacket(p: VrrpPacket): void;
}

interface SockEntry {
  readonly sock: VrrpSocket;
  readonly family: 4 | 6;
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
  private readonly send = new Map<string, { sock: VrrpSocket; refs: number }>();
  /** Drops before any instance could see the packet. */
  readonly drops: DropCounters = newDropCounters();
  private readonly rxBuf: number;

  constructor(opts: { readonly recvBufferSize?: number } = {}) {
    this.rxBuf = opts.recvBufferSize ?? 65535;
  }

  private static key(family: 4 | 6, ifindex: number): string {
    return `${family}:${ifindex}`;
  }

  /** Counts a drop at the io level. */
  drop(reason: DropReason): void {
    this.drops[reason]++;
  }

  /**
   * Registers an instance for (family, interface, VRID); joins `group` when multicast.
   * Throws when another instance already holds the same triple.
   */
  register(family: 4 | 6, ifname: string, ifindex: number, vrid: number, h: PacketHandler, group: string | null): void {
    const k = VrrpIo.key(family, ifindex);
    let e = this.recv.get(k);
    if (!e) {
      const handlers = new Map<number, PacketHandler>();
      const sock = new VrrpSocket({
        family, device: ifname, ifindex, recvBufferSize: this.rxBuf,
        onPacket: (p) => this.route(handlers, p),
      });
      e = { sock, family, ifindex, handlers, groups: new Map(), refs: 0 };
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
  unregister(family: 4 | 6, ifindex: number, vrid: number, group: string | null): void {
    const k = VrrpIo.key(family, ifindex);
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

  /** A socket for sending out of `ifname` (bound to it, so the frame leaves there with its MAC). */
  acquireSender(family: 4 | 6, ifname: string, ifindex: number, ttl?: number): VrrpSocket {
    const k = `${family}:${ifindex}:${ttl ?? 255}`;
    let e = this.send.get(k);
    if (!e) {
      // Never read: the kernel drops what overflows its (small) queue.
      const sock = new VrrpSocket({ family, device: ifname, ifindex, ...(ttl !== undefined ? { ttl } : {}), recvBufferSize: 16 });
      e = { sock, refs: 0 };
      this.send.set(k, e);
    }
    e.refs++;
    return e.sock;
  }

  /** Gives back a sender from {@link acquireSender}. */
  releaseSender(family: 4 | 6, ifindex: number, ttl?: number): void {
    const k = `${family}:${ifindex}:${ttl ?? 255}`;
    const e = this.send.get(k);
    if (!e) return;
    if (--e.refs <= 0) {
      e.sock.close();
      this.send.delete(k);
    }
  }

  private route(handlers: Map<number, PacketHandler>, p: VrrpPacket): void {
    if (p.truncated) {
      this.drops.truncated++;
      return;
    }
    if (p.payload.length < 8) {
      this.drops['too-short']++;
      return;
    }
    const h = handlers.get(p.payload[1]!);
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
