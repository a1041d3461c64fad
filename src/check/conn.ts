// Connection helpers for probes: TCP/TLS connect with bind options (fwmark/bind_if through the addon) and one deadline, bounded reads, abort on stop.
import { closeSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { type CheckerConnectOptions, type ConnectedFd, type PendingConnect, startTcpConnect } from '../sys/checker-socket';
import { type ProbeResult, type ProbeTarget, errText, fail } from './types';

/** Options of a TLS connection (SSL_GET, genhash -S). */
export interface TlsOptions {
  /** SNI server name (enable_sni / sni_name); none when undefined. */
  readonly servername?: string;
  /** PEM CA bundle: when given, the peer certificate must verify against it (SSL { ca }). */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly passphrase?: string;
}

/** A connected socket plus a deadline shared by the rest of the attempt. */
export interface Session {
  readonly socket: net.Socket;
  /** Resolves with a failure when the deadline passes or the probe is aborted. */
  readonly expired: Promise<ProbeResult>;
  /** Tears everything down (idempotent). */
  close(): void;
}

function connectOptions(t: ProbeTarget): net.TcpNetConnectOpts {
  const o: net.TcpNetConnectOpts = { host: t.host, port: t.port, family: t.family, noDelay: true };
  if (t.bindTo !== undefined) o.localAddress = t.bindTo;
  if (t.bindPort !== undefined) o.localPort = t.bindPort;
  return o;
}

/** The checker connect options of a target (for the addon's connect). */
export function nativeConnectOptions(t: ProbeTarget): CheckerConnectOptions {
  return {
    host: t.host,
    port: t.port,
    ...(t.bindTo !== undefined ? { bindTo: t.bindTo } : {}),
    ...(t.bindPort !== undefined ? { bindPort: t.bindPort } : {}),
    ...(t.bindIf !== undefined ? { bindIf: t.bindIf } : {}),
    ...(t.fwmark !== undefined ? { fwmark: t.fwmark } : {}),
  };
}

/** Whether the target needs socket options node:net cannot set before connecting (SO_MARK, SO_BINDTODEVICE). */
export function needsNativeConnect(t: ProbeTarget): boolean {
  return (t.fwmark !== undefined && t.fwmark !== 0) || (t.bindIf !== undefined && t.bindIf !== '');
}

/** Maps a connect error to a failure. */
function connectFailure(e: unknown): ProbeResult {
  const code = (e as { code?: string }).code;
  return fail(code === 'ECONNREFUSED' ? 'refused' : 'connect-error', `connect ${errText(e)}`);
}

/**
 * One TCP connect through the addon within target.timeoutMs (TCP_CHECK: nothing is sent; the caller
 * closes or detaches the connection). Resolves with a failure instead of rejecting.
 */
export function connectFd(t: ProbeTarget, signal: AbortSignal): Promise<ConnectedFd | ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let pending: PendingConnect | null = null;
    const finish = (r: ConnectedFd | ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = (): void => {
      pending?.cancel();
      finish(fail('closed', 'aborted'));
    };
    const timer = setTimeout(() => {
      pending?.cancel();
      finish(fail('timeout', 'connection timeout'));
    }, t.timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending = startTcpConnect(nativeConnectOptions(t), (err, conn) => {
      if (conn) finish(conn);
      else finish(connectFailure(err));
    });
  });
}

/** True when connectFd gave a connection rather than a failure. */
export function isConnected(x: ConnectedFd | ProbeResult): x is ConnectedFd {
  return 'detach' in x;
}

/**
 * Connects (TCP, or TLS when `tlsOpts` is given) within target.timeoutMs. With fwmark or bind_if the
 * addon makes the connection (options set before the SYN) and node:net wraps the connected fd. The returned session keeps the
 * same deadline for whatever the probe does next. Resolves with a failure result instead of rejecting.
 */
export function openSession(t: ProbeTarget, signal: AbortSignal, tlsOpts?: TlsOptions): Promise<Session | ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let expire: (r: ProbeResult) => void = () => undefined;
    const expired = new Promise<ProbeResult>((r) => (expire = r));
    let raw: net.Socket | null = null;
    let sock: net.Socket | null = null;
    let pending: PendingConnect | null = null;
    const close = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      pending?.cancel();
      sock?.destroy();
      raw?.destroy();
    };
    const finish = (r: Session | ProbeResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const onTimeout = (): void => {
      const r = fail('timeout', settled ? 'read timeout' : 'connection timeout');
      close();
      expire(r);
      finish(r);
    };
    const onAbort = (): void => {
      const r = fail('closed', 'aborted');
      close();
      expire(r);
      finish(r);
    };
    const timer = setTimeout(onTimeout, t.timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const onError = (e: unknown): void => {
      if (settled) return;
      close();
      if (tlsOpts && sock !== raw) finish(fail('tls', `TLS: ${errText(e)}`));
      else finish(connectFailure(e));
    };
    const onConnected = (r: net.Socket): void => {
      if (!tlsOpts) return finish({ socket: r, expired, close });
      const o: tls.ConnectionOptions = {
        socket: r,
        rejectUnauthorized: tlsOpts.ca !== undefined,
        // keepalived verifies the chain against SSL{ca} but not the host name
        checkServerIdentity: () => undefined,
      };
      if (tlsOpts.servername !== undefined) o.servername = tlsOpts.servername;
      if (tlsOpts.ca !== undefined) o.ca = tlsOpts.ca;
      if (tlsOpts.cert !== undefined) o.cert = tlsOpts.cert;
      if (tlsOpts.key !== undefined) o.key = tlsOpts.key;
      if (tlsOpts.passphrase !== undefined) o.passphrase = tlsOpts.passphrase;
      let s: tls.TLSSocket;
      try {
        s = tls.connect(o);
      } catch (e) {
        close();
        return finish(fail('tls', `TLS: ${errText(e)}`));
      }
      sock = s;
      s.once('error', onError);
      s.once('secureConnect', () => finish({ socket: s, expired, close }));
    };
    if (needsNativeConnect(t)) {
      pending = startTcpConnect(nativeConnectOptions(t), (err, conn) => {
        pending = null;
        if (!conn) return onError(err);
        const fd = conn.detach();
        let r: net.Socket;
        try {
          r = new net.Socket({ fd, readable: true, writable: true });
        } catch (e) {
          closeSync(fd);
          return onError(e);
        }
        r.setNoDelay(true);
        raw = sock = r;
        r.once('error', onError);
        onConnected(r);
      });
    } else {
      const r = net.connect(connectOptions(t));
      raw = sock = r;
      r.once('error', onError);
      r.once('connect', () => onConnected(r));
    }
  });
}

/** True when openSession gave a session rather than a failure. */
export function isSession(x: Session | ProbeResult): x is Session {
  return 'socket' in x;
}

/**
 * Reads from the session until `done(buffer)` returns true, the peer closes, `max` bytes are exceeded
 * (failure 'oversized') or the deadline passes. Resolves with the bytes or a failure.
 */
export function readUntil(
  s: Session,
  max: number,
  done: (buf: Buffer) => boolean,
): Promise<{ buf: Buffer; closed: boolean } | ProbeResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let len = 0;
    let over = false;
    const cleanup = (): void => {
      s.socket.off('data', onData);
      s.socket.off('end', onEnd);
      s.socket.off('close', onEnd);
      s.socket.off('error', onErr);
    };
    const onData = (d: Buffer): void => {
      if (over) return;
      chunks.push(d);
      len += d.length;
      if (len > max) {
        over = true;
        cleanup();
        resolve(fail('oversized', `reply larger than ${max} bytes`));
        return;
      }
      const buf = Buffer.concat(chunks, len);
      if (done(buf)) {
        cleanup();
        resolve({ buf, closed: false });
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ buf: Buffer.concat(chunks, len), closed: true });
    };
    const onErr = (e: unknown): void => {
      cleanup();
      resolve(fail('connect-error', `read ${errText(e)}`));
    };
    s.socket.on('data', onData);
    s.socket.once('end', onEnd);
    s.socket.once('close', onEnd);
    s.socket.once('error', onErr);
    void s.expired.then((r) => {
      cleanup();
      resolve(r);
    });
  });
}
