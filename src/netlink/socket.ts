// Netlink request/response over a datagram transport: seq-keyed requests, ACKs, multipart dumps, errno errors.
// The raw socket only: the package's index also loads nl80211 and WireGuard tables we never use.
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { NetlinkError, NetlinkTransportError, type NetlinkRequestInfo } from './errors';
import {
  decodeDoneError,
  decodeErrorPayload,
  decodeMessages,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  type NetlinkMessage,
} from './message';

/** NETLINK_GENERIC from linux/netlink.h. */
export const NETLINK_GENERIC = 16;

/** Where datagrams go and come from: the kernel through a real socket, or a fake in tests. */
export interface NetlinkTransport {
  /** Our netlink port id (nlmsg_pid of our requests). */
  readonly portId: number;
  send(datagram: Buffer): Promise<void>;
  /** Registers the one receiver of incoming datagrams and of asynchronous socket errors. */
  listen(onDatagram: (datagram: Buffer) => void, onError: (err: Error) => void): void;
  close(): void;
}

/** Opens a real netlink socket of `protocol` through the `netlink` package's native binding. */
export function openRawTransport(protocol: number): NetlinkTransport {
  const sock = new RawNetlinkSocket(protocol, { recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  return {
    portId: sock.address().port,
    send: (datagram) =>
      new Promise<void>((resolve, reject) => {
        sock.send(datagram, {}, (err) => (err ? reject(err) : resolve()));
      }),
    listen: (onDatagram, onError) => {
      sock.on('message', (msg) => onDatagram(msg));
      sock.on('truncatedMessage', () => onError(new Error('netlink: truncated datagram')));
      sock.on('error', (err) => onError(err));
    },
    close: () => sock.close(),
  };
}

/** Options of one request. */
export interface RequestOptions {
  /** Extra nlmsg flags (NLM_F_REQUEST and NLM_F_ACK are always set). NLM_F_DUMP makes it a dump. */
  readonly flags?: number;
  /** Milliseconds before the request fails with TSKA_ERR_NETLINK_TIMEOUT (default: the socket's). */
  readonly timeoutMs?: number;
  /** Describes the request in errors. */
  readonly info?: Omit<NetlinkRequestInfo, 'type'>;
}

interface Pending {
  readonly dump: boolean;
  readonly info: NetlinkRequestInfo;
  readonly replies: NetlinkMessage[];
  readonly resolve: (m: NetlinkMessage[]) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A netlink socket that matches answers to requests by sequence number. A plain request resolves with its
 * replies when the kernel's ACK arrives; a dump resolves at NLMSG_DONE with every part. NLMSG_ERROR with a
 * negative code rejects with a {@link NetlinkError} carrying errno and its name.
 */
export class NetlinkSocket {
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly transport: NetlinkTransport,
    private readonly defaultTimeoutMs = 5000,
  ) {
    this.seq = (Date.now() & 0x3fffffff) >>> 0;
    transport.listen(
      (d) => this.onDatagram(d),
      (e) => this.failAll(new NetlinkTransportError('TSKA_ERR_NETLINK_SOCKET', `netlink socket: ${e.message}`, { cause: e })),
    );
  }

  /** Opens a real socket of `protocol`. */
  static open(protocol: number, defaultTimeoutMs?: number): NetlinkSocket {
    return new NetlinkSocket(openRawTransport(protocol), defaultTimeoutMs);
  }

  /** Our port id. */
  get portId(): number {
    return this.transport.portId;
  }

  /** Sends one message of `type` with `payload` and waits for its answer (see the class comment). */
  request(type: number, payload: Buffer, opts: RequestOptions = {}): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new NetlinkTransportError('TSKA_ERR_NETLINK_CLOSED', 'netlink socket is closed'));
    const flags = NLM_F_REQUEST | NLM_F_ACK | (opts.flags ?? 0);
    this.seq = (this.seq + 1) >>> 0 || 1;
    const seq = this.seq;
    const info: NetlinkRequestInfo = { type, ...opts.info };
    const datagram = encodeMessage({ type, flags, seq, pid: this.transport.portId, payload });
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const ms = opts.timeoutMs ?? this.defaultTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new NetlinkTransportError('TSKA_ERR_NETLINK_TIMEOUT', `netlink ${info.label ?? `type ${type}`}: no answer in ${ms} ms`));
      }, ms);
      this.pending.set(seq, { dump: (flags & NLM_F_DUMP) === NLM_F_DUMP, info, replies: [], resolve, reject, timer });
      this.transport.send(datagram).catch((e: unknown) => {
        const p = this.pending.get(seq);
        if (!p) return;
        this.settle(seq, p);
        const err = e instanceof Error ? e : new Error(String(e));
        p.reject(new NetlinkTransportError('TSKA_ERR_NETLINK_SOCKET', `netlink send: ${err.message}`, { cause: err }));
      });
    });
  }

  /** Closes the socket; requests still waiting fail with TSKA_ERR_NETLINK_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new NetlinkTransportError('TSKA_ERR_NETLINK_CLOSED', 'netlink socket closed'));
    this.transport.close();
  }

  private settle(seq: number, p: Pending): void {
    clearTimeout(p.timer);
    this.pending.delete(seq);
  }

  private failAll(err: Error): void {
    for (const [seq, p] of [...this.pending]) {
      this.settle(seq, p);
      p.reject(err);
    }
  }

  private onDatagram(datagram: Buffer): void {
    let messages: NetlinkMessage[];
    try {
      messages = decodeMessages(datagram);
    } catch (e) {
      this.failAll(new NetlinkTransportError('TSKA_ERR_NETLINK_SOCKET', `netlink: undecodable datagram: ${(e as Error).message}`, { cause: e }));
      return;
    }
    for (const m of messages) this.onMessage(m);
  }

  private onMessage(m: NetlinkMessage): void {
    if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) return;
    const p = this.pending.get(m.seq);
    if (!p) return; // late answer to a request that timed out, or a notification
    if (m.type === NLMSG_ERROR) {
      const e = decodeErrorPayload(m);
      this.settle(m.seq, p);
      if (e.error === 0) p.resolve(p.replies);
      else p.reject(new NetlinkError(-e.error, p.info, e.extAckMessage));
      return;
    }
    if (m.type === NLMSG_DONE) {
      const err = decodeDoneError(m);
      this.settle(m.seq, p);
      if (err < 0) p.reject(new NetlinkError(-err, p.info));
      else p.resolve(p.replies);
      return;
    }
    p.replies.push(m);
  }
}
