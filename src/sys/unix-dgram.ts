// Unix datagram sockets: non-blocking send to a path (/dev/log, $NOTIFY_SOCKET, '@abstract'), and a receiver for tests.
import { META, errnoError, native, type NativeSocket } from './native';

/** Result of a send: delivered, or dropped because the receiver's queue is full (EAGAIN/ENOBUFS). */
export type UnixSendResult = 'sent' | 'again';

/** Encodes a socket path as sockaddr_un bytes; a leading '@' names the abstract namespace (as sd_notify does). */
export function encodeUnixPath(path: string): Buffer {
  const b = path.startsWith('@') ? Buffer.concat([Buffer.of(0), Buffer.from(path.slice(1), 'utf8')]) : Buffer.from(path, 'utf8');
  if (b.length === 0 || b.length > 107) throw new RangeError(`unix socket path must be 1..107 bytes: '${path}'`);
  return b;
}

/** An unbound, non-blocking unix datagram socket that sends to paths. */
export class UnixDgramSender {
  private readonly sock: NativeSocket = new native.NativeSocket(native.constants.KIND_UNIX, 0, 0);
  private lastPath = '';
  private lastEncoded: Buffer | null = null;

  /**
   * Sends one datagram. Returns 'again' when the receiver is full (EAGAIN, ENOBUFS), so callers can
   * count drops; throws an errno-shaped error otherwise (ENOENT, ECONNREFUSED, EMSGSIZE...).
   */
  send(path: string | Buffer, data: Uint8Array, length: number = data.length): UnixSendResult {
    let dst: Buffer;
    if (typeof path === 'string') {
      if (path !== this.lastPath || this.lastEncoded === null) {
        this.lastEncoded = encodeUnixPath(path);
        this.lastPath = path;
      }
      dst = this.lastEncoded;
    } else {
      dst = path;
    }
    const n = this.sock.send(data, length, dst, 0, null);
    if (n >= 0) return 'sent';
    const c = native.constants;
    if (-n === c.EAGAIN || -n === c.ENOBUFS) return 'again';
    throw errnoError(n, 'sendmsg');
  }

  close(): void {
    this.sock.close();
  }
}

/** A bound unix datagram socket delivering each datagram (event-driven); `data` is a reused view. */
export class UnixDgramReceiver {
  private readonly sock: NativeSocket = new native.NativeSocket(native.constants.KIND_UNIX, 0, 0);
  private readonly recv: Buffer;
  private readonly meta = Buffer.alloc(META.size);
  private readonly deliver: (status: number) => void;

  constructor(path: string, onMessage: (data: Buffer) => void, opts: { bufferSize?: number; receiveBufferBytes?: number } = {}) {
    this.recv = Buffer.alloc(opts.bufferSize ?? 65536);
    this.deliver = (status) => {
      if (status >= 0) onMessage(this.recv.subarray(0, status));
    };
    try {
      const c = native.constants;
      if (opts.receiveBufferBytes !== undefined) this.sock.setIntOption(c.SOL_SOCKET, c.SO_RCVBUF, opts.receiveBufferBytes);
      this.sock.bindUnix(encodeUnixPath(path));
      this.resume();
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  /** Stops delivering (datagrams queue in the kernel until the socket buffer is full). */
  pause(): void {
    this.sock.stopReading();
  }

  /** Delivers again after {@link pause}. */
  resume(): void {
    this.sock.startReading(this.recv, this.meta, this.deliver);
  }

  unref(): this {
    this.sock.unref();
    return this;
  }

  close(): void {
    this.sock.close();
  }
}
