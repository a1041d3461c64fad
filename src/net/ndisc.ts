// Unsolicited IPv6 Neighbor Advertisement (RFC 4861 §4.4, §7.2.6) as keepalived sends it for IPv6 VIPs. Pure.
import { internetChecksum, pseudoHeaderSum6 } from './checksum';

/** ICMPv6 NA message length with one target link-layer address option. */
export const NA_ICMP_LEN = 32;
/** Ethernet (14) + IPv6 (40) + NA (32). */
export const NA_FRAME_LEN = 14 + 40 + NA_ICMP_LEN;

const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
/** RFC 4861 §4.4: R=0x80, S=0x40, O=0x20 in the first flags byte. */
const NA_FLAG_OVERRIDE = 0x20;

/** ff02::1, all-nodes. */
export const ALL_NODES = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

/** Input to the NA builders. */
export interface UnsolicitedNaInit {
  /** The link-layer address advertised and the frame's source MAC (6 bytes). */
  readonly mac: Uint8Array;
  /** The target address (the VIP, 16 bytes). keepalived also uses it as the IPv6 source. */
  readonly target: Uint8Array;
  /** IPv6 source for the checksum; defaults to the target, as keepalived does (lab capture). */
  readonly src?: Uint8Array;
  /** IPv6 destination; defaults to ff02::1. */
  readonly dst?: Uint8Array;
}

/**
 * Writes the ICMPv6 part of an unsolicited NA: type 136, Override flag only (RFC 4861 §7.2.6:
 * "the Solicited flag MUST be zero"; keepalived leaves Router clear), the target, and a target
 * link-layer address option, with the checksum over the RFC 8200 pseudo-header.
 */
export function encodeUnsolicitedNa(a: UnsolicitedNaInit, out: Uint8Array = new Uint8Array(NA_ICMP_LEN), offset = 0): Uint8Array {
  if (a.mac.length !== 6) throw new RangeError('mac must be 6 bytes');
  if (a.target.length !== 16) throw new RangeError('target must be 16 bytes');
  if (out.length - offset < NA_ICMP_LEN) throw new RangeError('output buffer too small for an NA');
  const o = offset;
  out[o] = ND_NEIGHBOR_ADVERT;
  out[o + 1] = 0;
  out[o + 2] = 0;
  out[o + 3] = 0;
  out[o + 4] = NA_FLAG_OVERRIDE;
  out[o + 5] = 0;
  out[o + 6] = 0;
  out[o + 7] = 0;
  out.set(a.target, o + 8);
  out[o + 24] = ND_OPT_TARGET_LINKADDR;
  out[o + 25] = 1; // option length in units of 8 bytes
  out.set(a.mac, o + 26);
  const src = a.src ?? a.target;
  const dst = a.dst ?? ALL_NODES;
  const c = internetChecksum(out, o, o + NA_ICMP_LEN, pseudoHeaderSum6(src, dst, IPPROTO_ICMPV6, NA_ICMP_LEN));
  out[o + 2] = c >> 8;
  out[o + 3] = c & 0xff;
  return out.subarray(o, o + NA_ICMP_LEN);
}

/** The Ethernet multicast address for an IPv6 multicast destination (RFC 2464 §7): 33:33 + last 4 bytes. */
export function ipv6MulticastMac(dst: Uint8Array): Uint8Array {
  return Uint8Array.of(0x33, 0x33, dst[12]!, dst[13]!, dst[14]!, dst[15]!);
}

/**
 * Writes a whole Ethernet frame carrying the NA, for an AF_PACKET send: hop limit 255
 * (RFC 4861 §7.1.2 requires receivers to drop anything else), traffic class and flow label 0.
 */
export function encodeUnsolicitedNaFrame(a: UnsolicitedNaInit, out: Uint8Array = new Uint8Array(NA_FRAME_LEN), offset = 0): Uint8Array {
  if (out.length - offset < NA_FRAME_LEN) throw new RangeError('output buffer too small for an NA frame');
  const o = offset;
  const src = a.src ?? a.target;
  const dst = a.dst ?? ALL_NODES;
  out.set(ipv6MulticastMac(dst), o);
  out.set(a.mac, o + 6);
  out[o + 12] = 0x86;
  out[o + 13] = 0xdd;
  const ip = o + 14;
  out[ip] = 0x60;
  out[ip + 1] = 0;
  out[ip + 2] = 0;
  out[ip + 3] = 0;
  out[ip + 4] = 0;
  out[ip + 5] = NA_ICMP_LEN;
  out[ip + 6] = IPPROTO_ICMPV6;
  out[ip + 7] = 255;
  out.set(src, ip + 8);
  out.set(dst, ip + 24);
  encodeUnsolicitedNa({ ...a, src, dst }, out, ip + 40);
  return out.subarray(o, o + NA_FRAME_LEN);
}
