// RFC 1071 Internet checksum and the IPv4/IPv6 pseudo-header sums used by VRRPv3 and ICMPv6. Pure.

/**
 * Adds the bytes `buf[start..end)` as big-endian 16-bit words to a 32-bit running sum
 * (an odd trailing byte is padded with zero, RFC 1071 §4.1). The sum is folded, so it can
 * be fed back in as `initial` any number of times without overflow.
 */
export function sumWords(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  let sum = initial;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return foldSum(sum);
}

/** Folds carries into the low 16 bits (result still a partial sum, not complemented). */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The one's complement of a folded sum: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** RFC 1071 checksum of `buf[start..end)` plus an optional partial sum (e.g. a pseudo-header). */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  return finishChecksum(sumWords(buf, start, end, initial));
}

/** Adds a 16-bit value to a partial sum. */
export function sumAdd16(sum: number, v: number): number {
  return foldSum(sum + (v & 0xffff));
}

/**
 * Partial sum of the IPv4 pseudo-header (RFC 768 / RFC 793 layout: source, destination,
 * zero, protocol, 16-bit upper-layer length), as RFC 5798 §5.2.8 uses for VRRPv3 over IPv4.
 */
export function pseudoHeaderSum4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let s = sumWords(src, 0, 4);
  s = sumWords(dst, 0, 4, s);
  s = sumAdd16(s, protocol & 0xff);
  return sumAdd16(s, length);
}

/**
 * Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1: source, destination, 32-bit
 * upper-layer length, three zero bytes, next header).
 */
export function pseudoHeaderSum6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let s = sumWords(src, 0, 16);
  s = sumWords(dst, 0, 16, s);
  s = sumAdd16(s, Math.floor(length / 0x10000));
  s = sumAdd16(s, length & 0xffff);
  return sumAdd16(s, nextHeader & 0xff);
}
