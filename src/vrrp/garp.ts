// Gratuitous ARP / unsolicited NA bursts for an instance's VIPs from preallocated frames (keepalived's garp_* / gna_* settings).
import { encodeGratuitousArp, GARP_FRAME_LEN } from '../net/arp';
import { encodeUnsolicitedNaFrame, NA_FRAME_LEN } from '../net/ndisc';
import { PacketSocket } from '../sys/packet-socket';

/** One announcement source: the interface to send on and the MAC to announce. */
export interface GarpTarget {
  readonly ifindex: number;
  readonly mac: Uint8Array;
  readonly family: 4 | 6;
  readonly address: Uint8Array;
}

/** Counters of what was sent. */
export interface GarpStats {
  garpSent: number;
  naSent: number;
  sendErrors: number;
}

/** Shares one AF_PACKET socket per interface between instances. */
export class PacketSocketPool {
  private readonly socks = new Map<number, { sock: PacketSocket; refs: number }>();

  acquire(ifindex: number): PacketSocket {
    let e = this.socks.get(ifindex);
    if (!e) {
      e = { sock: new PacketSocket(ifindex).unref(), refs: 0 };
      this.socks.set(ifindex, e);
    }
    e.refs++;
    return e.sock;
  }

  release(ifindex: number): void {
    const e = this.socks.get(ifindex);
    if (!e) return;
    if (--e.refs <= 0) {
      e.sock.close();
      this.socks.delete(ifindex);
    }
  }

  closeAll(): void {
    for (const e of this.socks.values()) e.sock.close();
    this.socks.clear();
  }
}

/**
 * The frames of one instance, built once when its VIPs are known; a burst sends each frame
 * `repeat` times. With a garp/gna interval, messages are spaced by it (keepalived's vrrp_garp_interval).
 */
export class GarpSender {
  private readonly frames: { sock: PacketSocket; ifindex: number; frame: Uint8Array; len: number; family: 4 | 6 }[] = [];
  private readonly pending = new Set<NodeJS.Timeout>();
  readonly stats: GarpStats = { garpSent: 0, naSent: 0, sendErrors: 0 };

  constructor(
    private readonly pool: PacketSocketPool,
    targets: readonly GarpTarget[],
    private readonly garpIntervalUs = 0,
    private readonly gnaIntervalUs = 0,
  ) {
    for (const t of targets) {
      const sock = pool.acquire(t.ifindex);
      if (t.family === 4) {
        const frame = new Uint8Array(GARP_FRAME_LEN);
        encodeGratuitousArp({ senderMac: t.mac, ip: t.address }, frame, 0);
        this.frames.push({ sock, ifindex: t.ifindex, frame, len: GARP_FRAME_LEN, family: 4 });
      } else {
        const frame = new Uint8Array(NA_FRAME_LEN);
        encodeUnsolicitedNaFrame({ mac: t.mac, target: t.address }, frame, 0);
        this.frames.push({ sock, ifindex: t.ifindex, frame, len: NA_FRAME_LEN, family: 6 });
      }
    }
  }

  /** How many addresses are announced. */
  get count(): number {
    return this.frames.length;
  }

  private sendOne(i: number): void {
    const f = this.frames[i]!;
    try {
      f.sock.send(f.frame, f.len);
      if (f.family === 4) this.stats.garpSent++;
      else this.stats.naSent++;
    } catch {
      this.stats.sendErrors++;
    }
  }

  /** Sends `repeat` rounds over all frames (at once, or spaced by the configured interval). */
  burst(repeat: number): void {
    const spaced = this.garpIntervalUs > 0 || this.gnaIntervalUs > 0;
    if (!spaced) {
      for (let r = 0; r < repeat; r++) for (let i = 0; i < this.frames.length; i++) this.sendOne(i);
      return;
    }
    let delayMs = 0;
    for (let r = 0; r < repeat; r++) {
      for (let i = 0; i < this.frames.length; i++) {
        const gap = (this.frames[i]!.family === 4 ? this.garpIntervalUs : this.gnaIntervalUs) / 1000;
        if (delayMs === 0) this.sendOne(i);
        else {
          const t = setTimeout(() => {
            this.pending.delete(t);
            this.sendOne(i);
          }, delayMs);
          this.pending.add(t);
        }
        delayMs += gap;
      }
    }
  }

  /** Cancels spaced sends still queued. */
  cancel(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  /** Cancels and gives the sockets back to the pool. */
  close(): void {
    this.cancel();
    for (const f of this.frames) this.pool.release(f.ifindex);
    this.frames.length = 0;
  }
}
