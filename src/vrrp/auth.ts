// VRRPv2 authentication (RFC 2338 §5.3.6 / §10): simple password (PASS) and IPsec AH with HMAC-MD5-96 as keepalived builds it. Pure.
/**
 * node:crypto, loaded at the first PASS or AH check: an instance without authentication never needs
 * OpenSSL, and loading it costs the VRRP process about 2 MB resident.
 */
function crypto(): typeof import('node:crypto') {
  return require('node:crypto') as typeof import('node:crypto');
}

/** Auth Type field values (RFC 2338 §5.3.6). */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
/** The 8 bytes of Authentication Data after the addresses in every VRRPv2 message. */
export const VRRP_AUTH_LEN = 8;
/** keepalived's ipsec_ah_t: next header, payload len, reserved(2), SPI(4), sequence(4), ICV(12). */
export const AH_HEADER_LEN = 24;
/** RFC 2402 §2.2: payload length in 32-bit words minus 2: (24 / 4) - 2. */
export const AH_PAYLOAD_LEN = 4;
/** HMAC-MD5-96 (RFC 2403): the ICV is the first 12 bytes of the HMAC. */
export const AH_ICV_LEN = 12;

/** What an instance expects (and sends) for VRRPv2 authentication. The key is never logged. */
export type AuthConfig =
  | { readonly type: 'none' }
  | { readonly type: 'pass'; readonly key: Uint8Array }
  | { readonly type: 'ah'; readonly key: Uint8Array };

/** The wire value of an auth config's type. */
export function authTypeNumber(a: AuthConfig | undefined): number {
  if (!a) return AUTH_NONE;
  switch (a.type) {
    case 'none': return AUTH_NONE;
    case 'pass': return AUTH_PASS;
    case 'ah': return AUTH_AH;
  }
}

/**
 * The 8-byte key keepalived uses for both PASS and AH: the first 8 bytes of `auth_pass`,
 * zero-padded (man keepalived.conf: "only the first eight (8) characters are used").
 */
export function authKey(secret: string | Uint8Array): Uint8Array {
  const src = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const out = new Uint8Array(VRRP_AUTH_LEN);
  out.set(src.subarray(0, VRRP_AUTH_LEN));
  return out;
}

/** Constant-time comparison of two byte strings of the same length (false when lengths differ). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return crypto().timingSafeEqual(a, b);
}

/** A config value for logs and dumps: never the secret itself. */
export function describeAuth(a: AuthConfig | undefined): string {
  return a ? (a.type === 'none' ? 'none' : `${a.type.toUpperCase()} (key hidden)`) : 'none';
}

/**
 * Computes keepalived's AH ICV: HMAC-MD5 keyed with the 8-byte auth key over the IPv4 header
 * with its mutable fields zeroed (TOS, flags/fragment offset, header checksum; and TTL when
 * unicast), then the AH header with a zero ICV, then the VRRP message; truncated to 96 bits
 * (RFC 2402 §3.3.3, RFC 2403). `ipHeader`, `ah` and `vrrp` are read, never modified.
 */
export function computeAhIcv(key: Uint8Array, ipHeader: Uint8Array, ah: Uint8Array, vrrp: Uint8Array, unicast: boolean): Buffer {
  const ip = Buffer.from(ipHeader);
  ip[1] = 0; // TOS
  ip[6] = 0; // flags + fragment offset
  ip[7] = 0;
  ip[10] = 0; // header checksum
  ip[11] = 0;
  if (unicast) ip[8] = 0; // TTL: keepalived zeroes it only for unicast peers
  const ahz = Buffer.from(ah.subarray(0, AH_HEADER_LEN));
  ahz.fill(0, 12, 24);
  return crypto().createHmac('md5', key).update(ip).update(ahz).update(vrrp).digest().subarray(0, AH_ICV_LEN);
}

/**
 * Writes keepalived's AH header at `out[offset..offset+24)`: next header 112, payload length 4,
 * SPI = the IPv4 source address (keepalived's multicast SA rule), the sequence number, and a
 * zero ICV (fill it with {@link computeAhIcv} once the IP header and VRRP message are final).
 */
export function encodeAhHeader(src: Uint8Array, seq: number, out: Uint8Array, offset = 0): void {
  const o = offset;
  out[o] = 112;
  out[o + 1] = AH_PAYLOAD_LEN;
  out[o + 2] = 0;
  out[o + 3] = 0;
  out.set(src.subarray(0, 4), o + 4);
  out[o + 8] = (seq >>> 24) & 0xff;
  out[o + 9] = (seq >>> 16) & 0xff;
  out[o + 10] = (seq >>> 8) & 0xff;
  out[o + 11] = seq & 0xff;
  out.fill(0, o + 12, o + 24);
}

/** The next sequence number to send; null once keepalived would consider the counter cycled (> 0xFFFFFFFD). */
export function nextAhSequence(seq: number): number | null {
  return seq > 0xfffffffd ? null : seq + 1;
}

/**
 * Anti-replay (keepalived `vrrp_in_chk_ipsecah`): a received sequence number is accepted only
 * when it is strictly greater than the last one accepted from the master.
 */
export function acceptAhSequence(lastAccepted: number, received: number): boolean {
  return received > lastAccepted;
}
