// One ICMP/ICMPv6 echo over an unprivileged ping socket of the addon (no raw socket, no `ping` binary): send a request, wait for its reply or the deadline.
import { parseIp } from '../net/ip';
import { META, type NativeErrnoError, type NativeSocket, errnoError, isErrnoError, native } from './native';

/** RFC 792 / RFC 4443 message types. */
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

/** keepalived's ICMP_BUFSIZE: bytes of payload after the 8-byte echo header. */
export const ECHO_PAYLOAD_BYTES = 128;

/** One echo: where to, from where, and how long to wait. */
export interface EchoOptions {
  /** Literal IPv4 or IPv6 destination. */
  readonly host: string;
  /** Local source address (bindto). */
  readonly bindTo?: string;
  /** SO_BINDTODEVICE (bind_if). */
  readonly bindIf?: string;
  /** SO_MARK (fwmark). */
  readonly fwmark?: number;
  /** Deadline for the reply, ms. */
  readonly timeoutMs: number;
}

/** The outcome of one echo. */
export type EchoResult =
  | { readonly ok: true; readonly rttMs: number }
  | { readonly ok: false; readonly reason: 'timeout' | 'error' | 'aborted'; readonly text: string; readonly error?: NativeErrnoError | Error };

let seq = 0;

/** The echo request: type, code 0, checksum and id 0 (the kernel fills both on ping sockets), sequence, payload. */
export function buildEchoRequest(family: 4 | 6, sequence: number, payloadBytes = ECHO_PAYLOAD_BYTES): Buffer {
  const b = Buffer.alloc(8 + payloadBytes);
  b[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
  b.writeUInt16BE(sequence & 0xffff, 6);
  for (let i = 0; i < payloadBytes; i++) b[8 + i] = i & 0xff;
  return b;
}

/** Opens a ping socket of the family (throws EACCES when ping_group_range excludes our groups). */
export function openPingSocket(family: 4 | 6): NativeSocket {
  const c = native.constants;
  return new native.NativeSocket(family === 4 ? c.KIND_PING4 : c.KIND_PING6, 0, 0);
}

/** Whether this process may open a ping socket of the family: null when it can, else the error (EACCES...). */
export function pingSocketError(family: 4 | 6): NativeErrnoError | null {
  try {
    openPingSocket(family).close();
    return null;
  } catch (e) {
    if (isErrnoError(e)) return e;
    throw e;
  }
}

/**
 * Sends one echo request on a fresh ping socket (as keepalived does per check) and resolves on the
 * matching reply (same sequence, from the destination), on the deadline, on an immediate send error
 * or on abort. Never rejects.
 */
export function echoOnce(o: EchoOptions, signal?: AbortSignal): Promise<EchoResult> {
  return new Promise((resolve) => {
    const dst = parseIp(o.host);
    if (!dst) return resolve({ ok: false, reason: 'error', text: `not a literal IP address: '${o.host}'` });
    const family = dst.family;
    let sock: NativeSocket | null = null;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: EchoResult): void => {
      if (sock === null) return;
      sock.close();
      sock = null;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'aborted', text: 'aborted' });
    try {
      sock = openPingSocket(family);
      const c = native.constants;
      if (o.fwmark !== undefined && o.fwmark !== 0) sock.setIntOption(c.SOL_SOCKET, c.SO_MARK, o.fwmark);
      if (o.bindIf !== undefined && o.bindIf !== '') sock.bindDevice(o.bindIf);
      if (o.bindTo !== undefined) {
        const local = parseIp(o.bindTo);
        if (!local || local.family !== family) throw new TypeError(`bindto ${o.bindTo} does not fit ${o.host}`);
        sock.bindAddress(local.bytes, 0);
      }
    } catch (e) {
      sock?.close();
      const err = e instanceof Error ? e : new Error(String(e));
      return resolve({ ok: false, reason: 'error', text: `ICMP${family === 6 ? 'v6' : ''} socket: ${err.message}`, error: err });
    }
    const s = sock;
    seq = (seq + 1) & 0xffff;
    const mySeq = seq;
    const req = buildEchoRequest(family, mySeq);
    const recv = Buffer.alloc(req.length + 64);
    const meta = Buffer.alloc(META.size);
    const replyType = family === 4 ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY;
    const alen = family === 4 ? 4 : 16;
    const t0 = performance.now();
    s.startReading(recv, meta, (status) => {
      if (status < 0) return finish({ ok: false, reason: 'error', text: `recv: ${errnoError(status, 'recvmsg').message}`, error: errnoError(status, 'recvmsg') });
      if (status < 8 || recv[0] !== replyType || recv.readUInt16BE(6) !== mySeq) return; // not ours: keep waiting
      if (meta[META.srcFamily] !== family || !meta.subarray(META.src, META.src + alen).equals(dst.bytes)) return;
      finish({ ok: true, rttMs: performance.now() - t0 });
    });
    timer = setTimeout(() => finish({ ok: false, reason: 'timeout', text: 'no echo reply' }), o.timeoutMs);
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const n = s.send(req, req.length, dst.bytes, 0, null);
    if (n < 0) {
      const e = errnoError(n, 'sendto');
      finish({ ok: false, reason: 'error', text: `send ICMP${family === 6 ? 'v6' : ''} packet failed: ${e.code}`, error: e });
    }
  });
}
