// Checker TCP connects done by the addon, so SO_MARK (fwmark) and SO_BINDTODEVICE (bind_if) are set before connect, as keepalived's socket_bind_connect() does.
import { parseIp } from '../net/ip';
import { type NativeErrnoError, type NativeSocket, errnoError, native } from './native';

/** Where and how to connect: keepalived's conn_opts (connect_ip/port, bindto, bind_port, bind_if, fwmark). */
export interface CheckerConnectOptions {
  /** Destination address, literal IPv4 or IPv6. */
  readonly host: string;
  readonly port: number;
  /** bindto: local address (same family as host). */
  readonly bindTo?: string;
  /** bind_port: local port. */
  readonly bindPort?: number;
  /** bind_if: SO_BINDTODEVICE (also gives IPv6 link-local destinations their scope). */
  readonly bindIf?: string;
  /** fwmark: SO_MARK on every packet of the connection. */
  readonly fwmark?: number;
}

/** An established connection whose fd is still owned by the addon. */
export interface ConnectedFd {
  /** Hands the fd over (to `new net.Socket({ fd })`); the caller must close it. */
  detach(): number;
  /** Closes the connection. */
  close(): void;
}

/** A connect under way. */
export interface PendingConnect {
  /** Abandons the connect and closes the socket (idempotent; `done` is not called afterwards). */
  cancel(): void;
}

function addrBytes(text: string, what: string): { family: 4 | 6; bytes: Uint8Array } {
  const a = parseIp(text);
  if (!a) throw Object.assign(new TypeError(`${what} is not a literal IP address: '${text}'`), { code: 'ERR_INVALID_IP_ADDRESS' });
  return a;
}

/**
 * Opens a non-blocking TCP socket, sets SO_MARK and SO_BINDTODEVICE, binds (bindto/bind_port) and
 * connects, all before the SYN leaves. `done` is called once, asynchronously, with the connection or an
 * errno-shaped error (ECONNREFUSED, EHOSTUNREACH, EPERM for SO_MARK without CAP_NET_ADMIN, ENODEV for an
 * unknown bind_if, ...). Deadlines are the caller's: call cancel() when it passes.
 *
 * Why the addon and not a Node socket: node:net creates the fd inside connect() (libuv opens the socket
 * lazily in uv_tcp_connect, or in bind() immediately followed by connect()), so there is no moment to
 * call setsockopt on `socket._handle.fd` before the SYN; wrapping an unconnected fd and calling
 * socket.connect() makes Node poll an unconnected socket (an immediate EOF). A connected fd handed to
 * `new net.Socket({ fd })` is a documented, supported use.
 */
export function startTcpConnect(o: CheckerConnectOptions, done: (err: NativeErrnoError | Error | null, conn: ConnectedFd | null) => void): PendingConnect {
  const c = native.constants;
  let sock: NativeSocket | null = null;
  let finished = false;
  const finish = (err: NativeErrnoError | Error | null): void => {
    if (finished) return;
    finished = true;
    const s = sock;
    if (err || !s) {
      s?.close();
      sock = null;
      done(err ?? new Error('socket closed'), null);
      return;
    }
    done(null, {
      detach: () => {
        sock = null;
        return s.detach();
      },
      close: () => {
        sock = null;
        s.close();
      },
    });
  };
  try {
    const dst = addrBytes(o.host, 'connect address');
    sock = new native.NativeSocket(dst.family === 4 ? c.KIND_TCP4 : c.KIND_TCP6, 0, 0);
    if (o.fwmark !== undefined && o.fwmark !== 0) sock.setIntOption(c.SOL_SOCKET, c.SO_MARK, o.fwmark);
    if (o.bindIf !== undefined && o.bindIf !== '') sock.bindDevice(o.bindIf);
    if (o.bindTo !== undefined || o.bindPort !== undefined) {
      const local = o.bindTo !== undefined ? addrBytes(o.bindTo, 'bindto') : { family: dst.family, bytes: new Uint8Array(dst.family === 4 ? 4 : 16) };
      if (local.family !== dst.family) throw Object.assign(new TypeError(`bindto ${o.bindTo ?? ''} is not of the family of ${o.host}`), { code: 'ERR_INVALID_IP_ADDRESS' });
      sock.bindAddress(local.bytes, 0, o.bindPort ?? 0);
    }
    sock.setIntOption(c.IPPROTO_TCP, c.TCP_NODELAY, 1);
    const rc = sock.connect(dst.bytes, o.port, 0);
    if (rc === 0) {
      // Loopback can connect at once; report it asynchronously all the same.
      queueMicrotask(() => finish(null));
    } else if (-rc === c.EINPROGRESS) {
      sock.watchConnect((status) => finish(status === 0 ? null : errnoError(status, 'connect')));
    } else {
      const e = errnoError(rc, 'connect');
      queueMicrotask(() => finish(e));
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    queueMicrotask(() => finish(err));
  }
  return {
    cancel: () => {
      finished = true;
      sock?.close();
      sock = null;
    },
  };
}
