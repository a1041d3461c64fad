// Checker UDP exchanges done by the addon: SO_MARK (fwmark) and SO_BINDTODEVICE (bind_if) set before bind and connect, as keepalived's udp_bind_connect(); ICMP errors reported with their type.
import { formatIp, parseIp } from '../net/ip';
import type { CheckerConnectOptions } from './checker-socket';
import { META, type NativeErrnoError, type NativeSocket, errnoError, native } from './native';

/** Where and how to exchange: keepalived's conn_opts, plus whether the socket asks for every ICMP error. */
export interface CheckerUdpOptions extends CheckerConnectOptions {
  /**
   * IP_RECVERR / IPV6_RECVERR, as keepalived's UDP_CHECK sets: every ICMP error about our datagram
   * (soft ones too, e.g. host unreachable after a failed ARP) is reported with its type and code.
   * Without it (DNS_CHECK) only the kernel's hard errors arrive (port/protocol unreachable, filtered).
   */
  readonly recvErr?: boolean;
}

/** linux/errqueue.h SO_EE_ORIGIN_* (ABI values; the addon's constants are checked against them). */
export const EE_ORIGIN_LOCAL = 1;
export const EE_ORIGIN_ICMP = 2;
export const EE_ORIGIN_ICMP6 = 3;
/** ICMP destination unreachable (RFC 792 type 3) and ICMPv6 destination unreachable (RFC 4443 type 1). */
export const ICMP_DEST_UNREACH = 3;
export const ICMP6_DEST_UNREACH = 1;

/** What the socket's error queue said about one error. */
export interface SocketErrorDetail {
  /** SO_EE_ORIGIN_*: 1 local, 2 ICMP, 3 ICMPv6. */
  readonly origin: number;
  /** ICMP type and code (0 for local errors). */
  readonly type: number;
  readonly code: number;
  /** The address that reported it (the ICMP sender), when known. */
  readonly from: string | null;
}

/** A socket error; `detail` is set when it came from the error queue (recvErr). */
export type CheckerUdpError = (NativeErrnoError | Error) & { readonly detail?: SocketErrorDetail };

/** True for an ICMP or ICMPv6 "destination unreachable" (any code): the errors keepalived's UDP_CHECK fails on. */
export function isDestinationUnreachable(d: SocketErrorDetail): boolean {
  return (d.origin === EE_ORIGIN_ICMP && d.type === ICMP_DEST_UNREACH) || (d.origin === EE_ORIGIN_ICMP6 && d.type === ICMP6_DEST_UNREACH);
}

/** Short text of an error detail: "ICMP type 3 code 3 from 10.0.0.2". */
export function detailText(d: SocketErrorDetail): string {
  const what = d.origin === EE_ORIGIN_ICMP ? 'ICMP' : d.origin === EE_ORIGIN_ICMP6 ? 'ICMPv6' : d.origin === EE_ORIGIN_LOCAL ? 'local error' : `origin ${d.origin}`;
  return `${what} type ${d.type} code ${d.code}${d.from !== null ? ` from ${d.from}` : ''}`;
}

/** Reads an error-queue entry out of a meta buffer filled by the addon (flags bit 1); null otherwise. */
export function readErrorDetail(meta: Uint8Array): SocketErrorDetail | null {
  if ((meta[META.flags]! & 2) === 0) return null;
  const fam = meta[META.srcFamily];
  const from = fam === 4 ? formatIp(meta.slice(META.src, META.src + 4)) : fam === 6 ? formatIp(meta.slice(META.src, META.src + 16)) : null;
  return { origin: meta[META.errOrigin]!, type: meta[META.errType]!, code: meta[META.errCode]!, from };
}

/** What the socket delivers: each datagram from the peer (a copy), each socket error. */
export interface CheckerUdpEvents {
  message(data: Buffer): void;
  error(e: CheckerUdpError): void;
}

/** A connected checker UDP socket. */
export interface CheckerUdpSocket {
  /** Sends one datagram to the connected peer; throws an errno-shaped error (ECONNREFUSED, ENETUNREACH...). */
  send(data: Uint8Array): void;
  /** Stops reading and closes the fd (idempotent; no event afterwards). */
  close(): void;
}

// One receive and one meta buffer for every checker UDP socket: the addon fills them and calls back
// synchronously, and the callback copies the datagram out before returning, so sharing is safe.
const RECV_BYTES = 65536;
let shared: { recv: Buffer; meta: Buffer } | null = null;
function buffers(): { recv: Buffer; meta: Buffer } {
  shared ??= { recv: Buffer.alloc(RECV_BYTES), meta: Buffer.alloc(META.size) };
  return shared;
}

function addrBytes(text: string, what: string): { family: 4 | 6; bytes: Uint8Array } {
  const a = parseIp(text);
  if (!a) throw Object.assign(new TypeError(`${what} is not a literal IP address: '${text}'`), { code: 'ERR_INVALID_IP_ADDRESS' });
  return a;
}

/**
 * Opens a non-blocking UDP socket, sets IP_RECVERR (recvErr), SO_MARK (fwmark != 0) and
 * SO_BINDTODEVICE (bind_if), binds (bindto/bind_port), connects and starts reading, all
 * synchronously: the route (and so the mark's policy routing and the source address) is chosen at
 * connect. Throws an errno-shaped error (EPERM for SO_MARK without CAP_NET_ADMIN, ENODEV for an
 * unknown bind_if, EADDRINUSE, ENETUNREACH...) after closing the socket. Events come asynchronously.
 *
 * Why the addon and not node:dgram: dgram creates the fd inside bind()/connect() (after an address
 * lookup, on a later tick), so there is no moment to set SO_MARK or SO_BINDTODEVICE before the
 * route is chosen, and it cannot read the error queue.
 */
export function openCheckerUdp(o: CheckerUdpOptions, ev: CheckerUdpEvents): CheckerUdpSocket {
  const c = native.constants;
  const dst = addrBytes(o.host, 'connect address');
  let sock: NativeSocket | null = new native.NativeSocket(dst.family === 4 ? c.KIND_UDP4 : c.KIND_UDP6, 0, 0);
  const close = (): void => {
    sock?.close();
    sock = null;
  };
  try {
    const s = sock;
    if (o.recvErr) {
      if (dst.family === 4) s.setIntOption(c.IPPROTO_IP, c.IP_RECVERR, 1);
      else s.setIntOption(c.IPPROTO_IPV6, c.IPV6_RECVERR, 1);
    }
    if (o.fwmark !== undefined && o.fwmark !== 0) s.setIntOption(c.SOL_SOCKET, c.SO_MARK, o.fwmark);
    if (o.bindIf !== undefined && o.bindIf !== '') s.bindDevice(o.bindIf);
    if (o.bindTo !== undefined || o.bindPort !== undefined) {
      const local = o.bindTo !== undefined ? addrBytes(o.bindTo, 'bindto') : { family: dst.family, bytes: new Uint8Array(dst.family === 4 ? 4 : 16) };
      if (local.family !== dst.family) throw Object.assign(new TypeError(`bindto ${o.bindTo ?? ''} is not of the family of ${o.host}`), { code: 'ERR_INVALID_IP_ADDRESS' });
      s.bindAddress(local.bytes, 0, o.bindPort ?? 0);
    }
    const rc = s.connect(dst.bytes, o.port, 0);
    if (rc !== 0) throw errnoError(rc, 'connect');
    const { recv, meta } = buffers();
    s.startReading(recv, meta, (status) => {
      if (sock === null) return;
      if (status >= 0) return ev.message(Buffer.from(recv.subarray(0, status)));
      const err = errnoError(status, 'recvmsg');
      const detail = readErrorDetail(meta);
      ev.error(detail ? Object.assign(err, { detail }) : err);
    });
  } catch (e) {
    close();
    throw e;
  }
  return {
    send: (data) => {
      if (sock === null) throw new Error('send: socket closed');
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const n = sock.send(buf, buf.length, null, 0, null);
      if (n < 0) throw errnoError(n, 'send');
      if (n !== data.length) throw new Error(`send: ${n} of ${data.length} bytes sent`);
    },
    close,
  };
}
