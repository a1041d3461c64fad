// AF_PACKET socket bound to one interface: sends whole Ethernet frames (gratuitous ARP, unsolicited NA); optional receive for tests and diagnostics.
import { META, errnoError, native, type NativeSocket } from './native';

/** A received frame; `frame` and `srcMac` are views into reused buffers (copy to keep). */
export interface ReceivedFrame {
  readonly frame: Buffer;
  readonly ifindex: number;
  /** Ethertype from sockaddr_ll. */
  readonly protocol: number;
  /** sll_pkttype: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
  readonly pktType: number;
  readonly srcMac: Buffer;
}

export interface PacketSocketOptions {
  /** Ethertype to receive (e.g. native.constants.ETH_P_ARP); omitted: send only (the kernel queues nothing). */
  readonly receiveProtocol?: number;
  readonly onFrame?: (f: ReceivedFrame) => void;
  readonly onError?: (err: Error) => void;
}

/** An AF_PACKET SOCK_RAW socket bound to an interface. */
export class PacketSocket {
  readonly ifindex: number;
  private readonly sock: NativeSocket;
  private readonly recv = Buffer.alloc(65535);
  private readonly meta = Buffer.alloc(META.size);

  constructor(ifindex: number, opts: PacketSocketOptions = {}) {
    if (!Number.isInteger(ifindex) || ifindex <= 0) throw new RangeError(`invalid ifindex ${ifindex}`);
    this.ifindex = ifindex;
    this.sock = new native.NativeSocket(native.constants.KIND_PACKET, opts.receiveProtocol ?? 0, ifindex);
    const onFrame = opts.onFrame;
    if (onFrame) {
      const onError = opts.onError;
      this.sock.startReading(this.recv, this.meta, (status) => {
        if (status < 0) {
          if (onError) onError(errnoError(status, 'recvmsg'));
          return;
        }
        const m = this.meta;
        onFrame({
          frame: this.recv.subarray(0, status),
          ifindex: m.readInt32LE(META.ifindex),
          protocol: m.readUInt32LE(META.protocol),
          pktType: m[META.pktType]!,
          srcMac: m.subarray(META.src, META.src + 6),
        });
      });
    }
  }

  /**
   * Sends a complete Ethernet frame (destination MAC, source MAC, ethertype, payload) out of the
   * bound interface. Allocates nothing; throws an errno-shaped error when the kernel refuses.
   */
  send(frame: Uint8Array, length: number = frame.length): void {
    const n = this.sock.send(frame, length, null, 0, null);
    if (n < 0) throw errnoError(n, 'sendmsg');
  }

  /** The poll does not keep the process alive. */
  unref(): this {
    this.sock.unref();
    return this;
  }

  close(): void {
    this.sock.close();
  }
}
