// Netlink request/response over a datagram transport: seq-keyed requests, ACKs, multipart dumps, errno errors.
// The raw socket only: the package's index also loads nl80211 and WireGuard tables we never use.
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { NetlinkError, NetlinkTransportError, type NetlinkRequestInfo } from './errors';
import {
  align4,
  decodeDoneError,
  decodeErrorPayload,
  decodeMessages,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
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

/** One request of {@link NetlinkSocket.requestMany} (never a dump). */
export interface BatchRequest {
  readonly type: number;
  /** The payload, or its parts in order (written straight into the datagram). */
  readonly payload: Buffer | readonly Buffer[];
  /** Describes the request in errors. */
  readonly info?: Omit<NetlinkRequestInfo, 'type'>;
}

/** The answer to one request of a batch: its replies, or why it failed (a {@link NetlinkError} when the kernel refused it). */
export type BatchAnswer = { readonly ok: true; readonly replies: NetlinkMessage[] } | { readonly ok: false; readonly error: Error };

interface Pending {
  readonly dump: boolean;
  readonly info: NetlinkRequestInfo;
  readonly replies: NetlinkMessage[];
  readonly resolve: (m: NetlinkMessage[]) => void;
  readonly reject: (e: Error) => void;
  /** The request's own timer (requests of a batch share the batch's). */
  readonly timer?: NodeJS.Timeout;
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

  /**
   * Sends several requests in one datagram and resolves, once each has its answer, with one answer per request,
   * in order. The kernel handles the messages of a datagram one after the other within the send, so a refused
   * request does not stop the ones after it, and this never rejects: a refusal is that request's answer, and a
   * transport failure or the timeout (one for the whole batch) answers every request still waiting.
   *
   * With `ackLast` (for requests whose success has no reply data, e.g. NEW/SET/DEL commands), only the last
   * message asks for an ACK: the kernel answers a failure whatever the flags, in order, so when the last answer
   * arrives every request before it that got no error succeeded. One datagram comes back instead of one per
   * request. If the receive buffer overflows, the kernel drops that answer and every later one until we read, the
   * last one included: the batch then fails (socket error or timeout), never a failure taken for a success.
   * The caller keeps batches small enough for the socket buffers.
   */
  requestMany(items: readonly BatchRequest[], opts: { readonly timeoutMs?: number; readonly ackLast?: boolean } = {}): Promise<BatchAnswer[]> {
    if (items.length === 0) return Promise.resolve([]); // an empty datagram is refused (ENODATA)
    if (this.closed) {
      const error = new NetlinkTransportError('TSKA_ERR_NETLINK_CLOSED', 'netlink socket is closed');
      return Promise.resolve(items.map(() => ({ ok: false as const, error })));
    }
    const ms = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<BatchAnswer[]>((resolve) => {
      const batch = new Batch(items.length, this.pending, opts.ackLast === true, resolve);
      // One datagram, each message written in place: header, then the payload's parts.
      let size = 0;
      for (const it of items) size += align4(NLMSG_HDRLEN + partsLength(it.payload));
      const datagram = Buffer.alloc(size);
      let off = 0;
      for (let i = 0; i < items.length; i++) {
        const it = items[i]!;
        this.seq = (this.seq + 1) >>> 0 || 1;
        batch.seqs[i] = this.seq;
        this.pending.set(this.seq, new BatchEntry(batch, i, it));
        const len = NLMSG_HDRLEN + partsLength(it.payload);
        const flags = NLM_F_REQUEST | (i === items.length - 1 || !opts.ackLast ? NLM_F_ACK : 0);
        datagram.writeUInt32LE(len, off);
        datagram.writeUInt16LE(it.type, off + 4);
        datagram.writeUInt16LE(flags, off + 6);
        datagram.writeUInt32LE(this.seq, off + 8);
        datagram.writeUInt32LE(this.transport.portId >>> 0, off + 12);
        let p = off + NLMSG_HDRLEN;
        if (Buffer.isBuffer(it.payload)) it.payload.copy(datagram, p);
        else for (const part of it.payload) p += part.copy(datagram, p);
        off += align4(len);
      }
      batch.timer = setTimeout(() => {
        const label = items[0]?.info?.label ?? `type ${items[0]?.type}`;
        batch.failRest(new NetlinkTransportError('TSKA_ERR_NETLINK_TIMEOUT', `netlink batch of ${items.length} (${label}...): no answer in ${ms} ms`));
      }, ms);
      this.transport.send(datagram).catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        batch.failRest(new NetlinkTransportError('TSKA_ERR_NETLINK_SOCKET', `netlink send: ${err.message}`, { cause: err }));
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
    if (p.timer) clearTimeout(p.timer);
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

function partsLength(payload: Buffer | readonly Buffer[]): number {
  if (Buffer.isBuffer(payload)) return payload.length;
  let n = 0;
  for (const part of payload) n += part.length;
  return n;
}

/** The answers of one requestMany call (one object per batch, no closure per request). */
class Batch {
  readonly answers: Array<BatchAnswer | undefined>;
  readonly seqs: number[];
  timer: NodeJS.Timeout | undefined;
  private left: number;
  constructor(
    n: number,
    private readonly pending: Map<number, Pending>,
    private readonly ackLast: boolean,
    private readonly done: (answers: BatchAnswer[]) => void,
  ) {
    this.answers = new Array<BatchAnswer | undefined>(n);
    this.seqs = new Array<number>(n);
    this.left = n;
  }

  answer(i: number, a: BatchAnswer): void {
    if (this.answers[i]) return;
    this.answers[i] = a;
    if (--this.left > 0) return;
    clearTimeout(this.timer);
    this.done(this.answers as BatchAnswer[]);
  }

  /** The kernel answered request i (not a transport failure): with ackLast, the last one's answer ends the batch. */
  answered(i: number): void {
    if (!this.ackLast || i !== this.seqs.length - 1) return;
    for (let j = 0; j < this.seqs.length; j++) {
      if (this.answers[j]) continue;
      this.pending.delete(this.seqs[j]!);
      this.answer(j, { ok: true, replies: [] }); // no error came before the last answer: done
    }
  }

  failRest(error: Error): void {
    for (let j = 0; j < this.seqs.length; j++) {
      if (this.answers[j]) continue;
      this.pending.delete(this.seqs[j]!);
      this.answer(j, { ok: false, error });
    }
  }
}

/** One request of a batch, as the socket's pending table holds it. */
class BatchEntry implements Pending {
  readonly dump = false;
  readonly replies: NetlinkMessage[] = [];
  constructor(
    private readonly batch: Batch,
    private readonly index: number,
    private readonly req: BatchRequest,
  ) {}

  get info(): NetlinkRequestInfo {
    return { type: this.req.type, ...this.req.info };
  }

  resolve(replies: NetlinkMessage[]): void {
    this.batch.answer(this.index, { ok: true, replies });
    this.batch.answered(this.index);
  }

  reject(error: Error): void {
    this.batch.answer(this.index, { ok: false, error });
    if (!(error instanceof NetlinkTransportError)) this.batch.answered(this.index);
  }
}
