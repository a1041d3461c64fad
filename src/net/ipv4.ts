// IPv4 header (RFC 791) encode/decode for raw sends with IP_HDRINCL and for AH authentication. Pure.
import { internetChecksum } from './checksum';

/** IP protocol numbers used here. */
export const IPPROTO_AH = 51;
export const IPPROTO_VRRP = 112;

/** Minimum IPv4 header length (IHL 5, no options). */
export const IPV4_HEADER_LEN = 20;

/** The fields of an IPv4 header that VRRP cares about. */
export interface Ipv4Header {
  /** Type of service byte (keepalived sends 0xc0, internetwork control). */
  readonly tos: number;
  /** Total length of the datagram, header included. */
  readonly totalLength: number;
  readonly id: number;
  /** Flags (3 bits) and fragment offset (13 bits), as on the wire. */
  readonly fragOff: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Header length in bytes (IHL × 4). */
  readonly headerLength: number;
}

/** Why an IPv4 header was refused. */
export type Ipv4ErrorReason = 'ipv4-too-short' | 'ipv4-bad-version' | 'ipv4-bad-ihl' | 'ipv4-bad-total-length';

/** A malformed IPv4 header. */
export class Ipv4Error extends Error {
  constructor(readonly reason: Ipv4ErrorReason, message: string) {
    super(message);
    this.name = 'Ipv4Error';
  }
}

/** Input to {@link encodeIpv4Header}. */
export interface Ipv4HeaderInit {
  readonly tos?: number;
  readonly payloadLength: number;
  readonly id: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Leave the checksum zero (the kernel fills it in for IP_HDRINCL sockets). Default false. */
  readonly zeroChecksum?: boolean;
}

/**
 * Writes a 20-byte IPv4 header (no options, DF clear) at `out[offset..]` and returns the
 * number of bytes written. Allocates nothing.
 */
export function encodeIpv4Header(h: Ipv4HeaderInit, out: Uint8Array, offset = 0): number {
  const o = offset;
  const total = IPV4_HEADER_LEN + h.payloadLength;
  out[o] = 0x45;
  out[o + 1] = (h.tos ?? 0xc0) & 0xff;
  out[o + 2] = (total >> 8) & 0xff;
  out[o + 3] = total & 0xff;
  out[o + 4] = (h.id >> 8) & 0xff;
  out[o + 5] = h.id & 0xff;
  out[o + 6] = 0;
  out[o + 7] = 0;
  out[o + 8] = h.ttl & 0xff;
  out[o + 9] = h.protocol & 0xff;
  out[o + 10] = 0;
  out[o + 11] = 0;
  for (let i = 0; i < 4; i++) {
    out[o + 12 + i] = h.src[i]!;
    out[o + 16 + i] = h.dst[i]!;
  }
  if (!h.zeroChecksum) {
    const c = internetChecksum(out, o, o + IPV4_HEADER_LEN);
    out[o + 10] = c >> 8;
    out[o + 11] = c & 0xff;
  }
  return IPV4_HEADER_LEN;
}

/** Parses an IPv4 header at the start of `buf` (the checksum is reported, not verified). */
export function decodeIpv4Header(buf: Uint8Array): Ipv4Header {
  if (buf.length < IPV4_HEADER_LEN) throw new Ipv4Error('ipv4-too-short', `IPv4 header needs 20 bytes, got ${buf.length}`);
  if (buf[0]! >> 4 !== 4) throw new Ipv4Error('ipv4-bad-version', `IP version ${buf[0]! >> 4}, expected 4`);
  const headerLength = (buf[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LEN || headerLength > buf.length) {
    throw new Ipv4Error('ipv4-bad-ihl', `IHL gives ${headerLength} bytes, have ${buf.length}`);
  }
  const totalLength = (buf[2]! << 8) | buf[3]!;
  if (totalLength < headerLength) throw new Ipv4Error('ipv4-bad-total-length', `total length ${totalLength} < header ${headerLength}`);
  return {
    tos: buf[1]!,
    totalLength,
    id: (buf[4]! << 8) | buf[5]!,
    fragOff: (buf[6]! << 8) | buf[7]!,
    ttl: buf[8]!,
    protocol: buf[9]!,
    checksum: (buf[10]! << 8) | buf[11]!,
    src: buf.subarray(12, 16),
    dst: buf.subarray(16, 20),
    headerLength,
  };
}
