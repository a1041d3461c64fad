// VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798 / RFC 9568) advertisement codec: the VRRP message only, one ordered validation pass. Pure.
//
//  VRRPv3 (RFC 5798 §5.1)                         VRRPv2 (RFC 3768 §5.1)
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  v3: |(rsvd) |     Max Adver Int     |          Checksum         |
//  v2: |   Auth Type   |   Adver Int   |          Checksum         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |            IPvX Address(es): Count × 4 or 16 bytes            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  v2 only: |        Authentication Data (8 bytes)                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Sizes: header 8; v2 adds 8 bytes of auth data; IPv4 addresses 4, IPv6 16; at most 255 addresses.
import { internetChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords, finishChecksum } from '../net/checksum';
import { IPPROTO_AH, IPPROTO_VRRP, IPV4_HEADER_LEN, decodeIpv4Header, encodeIpv4Header, Ipv4Error } from '../net/ipv4';
import {
  AH_HEADER_LEN, AH_ICV_LEN, AUTH_AH, AUTH_NONE, AUTH_PASS, VRRP_AUTH_LEN, AuthConfig,
  authTypeNumber, computeAhIcv, constantTimeEqual, encodeAhHeader,
} from './auth';

/** VRRP protocol version. */
export type VrrpVersion = 2 | 3;
/** Address family of the advert (v2 is IPv4 only). */
export type VrrpFamily = 4 | 6;

/** The only packet type (RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERT = 1;
/** RFC 5798 §5.1.1.3 / §7.1: TTL / hop limit of every multicast advert. */
export const VRRP_TTL = 255;
/** Fixed header length. */
export const VRRP_HEADER_LEN = 8;
/** 224.0.0.18 (RFC 5798 §5.1.1.2). */
export const VRRP_MCAST_GROUP4 = Uint8Array.of(224, 0, 0, 18);
/** ff02::12 (RFC 5798 §5.1.2.2). */
export const VRRP_MCAST_GROUP6 = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12);

/** The fields of an advertisement, as on the wire. */
export interface AdvertFields {
  readonly version: VrrpVersion;
  /** Virtual Router ID (the codec does not judge it). */
  readonly vrid: number;
  /** 0 = the master is stopping, 255 = address owner. */
  readonly priority: number;
  /** v3: Max Adver Int in centiseconds (12 bits); v2: Adver Int in seconds (8 bits). */
  readonly maxAdverInt: number;
  /** 4-byte (IPv4) or 16-byte (IPv6) addresses. */
  readonly addresses: readonly Uint8Array[];
}

/** Which checksum rule a received advert matched. */
export type ChecksumForm =
  /** v2, or v3 with `v3_checksum_as_v2`: the VRRP message alone. */
  | 'message-only'
  /** v3 with the pseudo-header built from the packet's real source and destination. */
  | 'pseudo-header'
  /** v3 unicast whose pseudo-header used the multicast group as destination (keepalived's old unicast checksum). */
  | 'pseudo-header-mcast-dst';

/** A decoded advertisement. */
export interface Advert extends AdvertFields {
  /** The checksum as received. */
  readonly checksum: number;
  readonly checksumForm: ChecksumForm;
  /** v2 Auth Type (0 for v3, which has none). */
  readonly authType: number;
  /** AH sequence number (v2 with AH only): the caller runs the anti-replay check. */
  readonly ahSequence?: number;
}

/** The reasons an advert is refused, in the order they are checked. Fixed: drivers count per reason. */
export const DECODE_REASONS = [
  'bad-ip-header',
  'too-short',
  'bad-version',
  'bad-type',
  'bad-length',
  'bad-ttl',
  'bad-checksum',
  'bad-auth-type',
  'auth-type-mismatch',
  'auth-failure',
  'bad-ah-header',
] as const;
/** One of {@link DECODE_REASONS}. */
export type DecodeReason = (typeof DECODE_REASONS)[number];

/** A refused advert. `message` is for humans and never contains a secret. */
export class VrrpDecodeError extends Error {
  constructor(readonly reason: DecodeReason, message: string) {
    super(message);
    this.name = 'VrrpDecodeError';
  }
}

/** What the socket knows about a received VRRP message. */
export interface DecodeContext {
  readonly family: VrrpFamily;
  /** Source and destination addresses of the IP packet (4 or 16 bytes). */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Received TTL / hop limit; undefined when the socket could not tell (keepalived then skips the check). */
  readonly ttl?: number;
  /** Unicast peers configured: keepalived does not require TTL 255 then. */
  readonly unicast?: boolean;
  /** The instance's version: anything else is refused as bad-version. */
  readonly version?: VrrpVersion;
  /** v2 authentication expected (default none). Ignored for v3. */
  readonly auth?: AuthConfig;
  /** keepalived `v3_checksum_as_v2`: v3 over IPv4 summed without the pseudo-header, on send and receive. */
  readonly v3ChecksumAsV2?: boolean;
  /** Accept keepalived's old unicast v3 checksum (pseudo-header destination = the multicast group). */
  readonly unicastChecksumCompat?: boolean;
  /** IPv4 multicast group for the compat checksum (default 224.0.0.18, keepalived `vrrp_mcast_group4`). */
  readonly mcastGroup4?: Uint8Array;
  /** v2 AH: the raw IPv4 header and the 24-byte AH header that preceded the message. */
  readonly ah?: { readonly ipHeader: Uint8Array; readonly ahHeader: Uint8Array };
}

/** How to encode. */
export interface EncodeOptions {
  readonly family: VrrpFamily;
  /** Source and destination of the IP packet, for the v3 pseudo-header. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** v2 authentication: PASS writes the key into the auth data; AH leaves it zero (use {@link encodeIpv4Advert}). */
  readonly auth?: AuthConfig;
  /** keepalived `v3_checksum_as_v2`. */
  readonly v3ChecksumAsV2?: boolean;
  /** Destination used in the pseudo-header instead of `dst` (keepalived's old unicast checksum: the group). */
  readonly checksumDst?: Uint8Array;
}

function addrLen(family: VrrpFamily): 4 | 16 {
  return family === 4 ? 4 : 16;
}

/** Length of the VRRP message for these fields. */
export function advertLength(version: VrrpVersion, family: VrrpFamily, count: number): number {
  return VRRP_HEADER_LEN + count * addrLen(family) + (version === 2 ? VRRP_AUTH_LEN : 0);
}

function usesPseudoHeader(version: VrrpVersion, family: VrrpFamily, v3ChecksumAsV2: boolean | undefined): boolean {
  // RFC 3768 §5.3.7: v2 sums "the entire VRRP message" only.
  // RFC 5798 §5.2.8: v3 includes a pseudo-header. RFC 9568 §5.2.8 drops it for IPv4, but
  // keepalived 2.4.3 keeps it unless `v3_checksum_as_v2` (lab README §6: 0xd3c1 on the wire).
  // The same rule decides what is accepted: keepalived's receive check computes the one form
  // the instance sends, never both. man keepalived.conf: "Keepalived by default uses a
  // pseudo-header for VRRPv3 IPv4 as well. Setting this option turns off including the
  // pseudo-header in the checksum calculation for VRRPv3 IPv4" (Release 2.2.8: it "causes those
  // vrrp_instances to exclude the pseudo-header from the checksum"). So with the option a
  // pseudo-header sum is refused, without it a message-only sum is refused (acassen/keepalived
  // #2324 asks to change the default; 2.4.3 has not). IPv6 is not affected (the kernel checks it,
  // IPV6_CHECKSUM), nor is v2. The only fallback is keepalived's old unicast form, see
  // DecodeContext.unicastChecksumCompat.
  if (version === 2) return false;
  if (family === 6) return true;
  return !v3ChecksumAsV2;
}

function pseudoSum(family: VrrpFamily, src: Uint8Array, dst: Uint8Array, len: number): number {
  return family === 4 ? pseudoHeaderSum4(src, dst, IPPROTO_VRRP, len) : pseudoHeaderSum6(src, dst, IPPROTO_VRRP, len);
}

/**
 * Encodes an advertisement into `out[offset..]` and returns its length. Allocates nothing:
 * this is the advert path. Throws RangeError for fields that cannot be encoded.
 */
export function encodeAdvertInto(f: AdvertFields, opts: EncodeOptions, out: Uint8Array, offset = 0): number {
  const fam = opts.family;
  const alen = addrLen(fam);
  const n = f.addresses.length;
  if (f.version !== 2 && f.version !== 3) throw new RangeError(`bad VRRP version ${String(f.version)}`);
  if (f.version === 2 && fam !== 4) throw new RangeError('VRRPv2 is IPv4 only (RFC 3768)');
  if (!(f.vrid >= 0 && f.vrid <= 255) || !Number.isInteger(f.vrid)) throw new RangeError(`bad VRID ${f.vrid}`);
  if (!(f.priority >= 0 && f.priority <= 255) || !Number.isInteger(f.priority)) throw new RangeError(`bad priority ${f.priority}`);
  const maxInt = f.version === 3 ? 0x0fff : 0xff;
  if (!(f.maxAdverInt >= 0 && f.maxAdverInt <= maxInt) || !Number.isInteger(f.maxAdverInt)) {
    throw new RangeError(`bad advert interval ${f.maxAdverInt}`);
  }
  if (n > 255) throw new RangeError('at most 255 addresses');
  const len = advertLength(f.version, fam, n);
  if (out.length - offset < len) throw new RangeError('output buffer too small');
  const o = offset;
  out[o] = (f.version << 4) | VRRP_TYPE_ADVERT;
  out[o + 1] = f.vrid;
  out[o + 2] = f.priority;
  out[o + 3] = n;
  if (f.version === 3) {
    // RFC 5798 §5.2.6: the 4 reserved bits "MUST be set to zero on transmission".
    out[o + 4] = (f.maxAdverInt >> 8) & 0x0f;
    out[o + 5] = f.maxAdverInt & 0xff;
  } else {
    out[o + 4] = authTypeNumber(opts.auth);
    out[o + 5] = f.maxAdverInt;
  }
  out[o + 6] = 0;
  out[o + 7] = 0;
  let p = o + VRRP_HEADER_LEN;
  for (let i = 0; i < n; i++) {
    const a = f.addresses[i]!;
    if (a.length !== alen) throw new RangeError(`address ${i} has ${a.length} bytes, expected ${alen}`);
    out.set(a, p);
    p += alen;
  }
  if (f.version === 2) {
    out.fill(0, p, p + VRRP_AUTH_LEN);
    // RFC 2338 §5.3.10: with simple text password, the 8 bytes carry the password.
    if (opts.auth?.type === 'pass') out.set(opts.auth.key.subarray(0, VRRP_AUTH_LEN), p);
    p += VRRP_AUTH_LEN;
  }
  const initial = usesPseudoHeader(f.version, fam, opts.v3ChecksumAsV2) ? pseudoSum(fam, opts.src, opts.checksumDst ?? opts.dst, len) : 0;
  const c = internetChecksum(out, o, o + len, initial);
  out[o + 6] = c >> 8;
  out[o + 7] = c & 0xff;
  return len;
}

/** Encodes an advertisement into a new Buffer (convenience; the advert path uses {@link encodeAdvertInto}). */
export function encodeAdvert(f: AdvertFields, opts: EncodeOptions): Buffer {
  const out = Buffer.alloc(advertLength(f.version, opts.family, f.addresses.length));
  encodeAdvertInto(f, opts, out, 0);
  return out;
}

function fail(reason: DecodeReason, message: string): never {
  throw new VrrpDecodeError(reason, message);
}

function sumIsValid(buf: Uint8Array, initial: number): boolean {
  return finishChecksum(sumWords(buf, 0, buf.length, initial)) === 0;
}

function eqBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decodes and validates one VRRP message in a single ordered pass: size, version, type,
 * length against the address count, TTL/hop limit, checksum, then (v2) auth type and
 * authentication. Throws {@link VrrpDecodeError} with a `reason` from {@link DECODE_REASONS};
 * never anything else for any input bytes. VRID, priority and interval are left to the state machine.
 */
export function decodeAdvert(buf: Uint8Array, ctx: DecodeContext): Advert {
  return advertOf(decodeAdvertView(buf, ctx, newAdvertView()));
}

/**
 * A decoded advertisement whose addresses stay in the message: what the receive path fills for
 * every packet, so that it allocates nothing. Valid only while `buf` is (the socket reuses it).
 */
export interface AdvertView {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  maxAdverInt: number;
  checksum: number;
  checksumForm: ChecksumForm;
  authType: number;
  /** AH sequence number (v2 with AH only), else -1. */
  ahSequence: number;
  /** The VRRP message; address i is `addrLen` bytes at VRRP_HEADER_LEN + i * addrLen. */
  buf: Uint8Array;
  addrCount: number;
  addrLen: 4 | 16;
}

/** An empty view to decode into (one per receiver, reused). */
export function newAdvertView(): AdvertView {
  return { version: 3, vrid: 0, priority: 0, maxAdverInt: 0, checksum: 0, checksumForm: 'message-only', authType: 0, ahSequence: -1, buf: EMPTY, addrCount: 0, addrLen: 4 };
}
const EMPTY = new Uint8Array(0);

/** Whether the advert lists `addr` (compared in place, nothing allocated). */
export function advertHasAddress(v: AdvertView, addr: Uint8Array): boolean {
  const n = v.addrLen;
  if (addr.length !== n) return false;
  const b = v.buf;
  next: for (let i = 0, o = VRRP_HEADER_LEN; i < v.addrCount; i++, o += n) {
    for (let k = 0; k < n; k++) if (b[o + k] !== addr[k]) continue next;
    return true;
  }
  return false;
}

/** A copy of the view as a standalone {@link Advert}. */
export function advertOf(v: AdvertView): Advert {
  const addresses: Uint8Array[] = new Array<Uint8Array>(v.addrCount);
  for (let i = 0; i < v.addrCount; i++) addresses[i] = Uint8Array.prototype.slice.call(v.buf, VRRP_HEADER_LEN + i * v.addrLen, VRRP_HEADER_LEN + (i + 1) * v.addrLen);
  return {
    version: v.version,
    vrid: v.vrid,
    priority: v.priority,
    maxAdverInt: v.maxAdverInt,
    addresses,
    checksum: v.checksum,
    checksumForm: v.checksumForm,
    authType: v.authType,
    ...(v.ahSequence >= 0 ? { ahSequence: v.ahSequence } : {}),
  };
}

/** {@link decodeAdvert} into a reused view: the same checks in the same order, nothing allocated on success. */
export function decodeAdvertView(buf: Uint8Array, ctx: DecodeContext, out: AdvertView): AdvertView {
  const fam = ctx.family;
  if (buf.length < VRRP_HEADER_LEN) fail('too-short', `VRRP message of ${buf.length} bytes, need at least ${VRRP_HEADER_LEN}`);
  const version = buf[0]! >> 4;
  // RFC 5798 §7.1: "MUST verify that the VRRP version is 3" (RFC 3768: 2); keepalived checks the instance's version.
  if (version !== 2 && version !== 3) fail('bad-version', `VRRP version ${version}`);
  if (ctx.version !== undefined && version !== ctx.version) fail('bad-version', `VRRP version ${version}, instance runs ${ctx.version}`);
  if (version === 2 && fam === 6) fail('bad-version', 'VRRPv2 over IPv6');
  const type = buf[0]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERT) fail('bad-type', `packet type ${type}, expected ${VRRP_TYPE_ADVERT}`);
  const n = buf[3]!;
  const expected = advertLength(version, fam, n);
  // RFC 5798 §7.1: "MUST verify that the received packet contains the complete VRRP packet
  // (including fixed fields, and IPvX address(es))"; keepalived refuses too long as well.
  if (buf.length !== expected) {
    fail('bad-length', `VRRP message too ${buf.length > expected ? 'long' : 'short'}: ${buf.length} bytes, ${n} addresses need ${expected}`);
  }
  // RFC 5798 §7.1: "MUST verify that the IPv4 TTL or IPv6 Hop Limit is 255" (keepalived: not for unicast).
  if (!ctx.unicast && ctx.ttl !== undefined && ctx.ttl !== VRRP_TTL) fail('bad-ttl', `TTL/hop limit ${ctx.ttl}, expected ${VRRP_TTL}`);

  let form: ChecksumForm = 'message-only';
  if (usesPseudoHeader(version, fam, ctx.v3ChecksumAsV2)) {
    form = 'pseudo-header';
    if (!sumIsValid(buf, pseudoSum(fam, ctx.src, ctx.dst, buf.length))) {
      const group = ctx.mcastGroup4 ?? VRRP_MCAST_GROUP4;
      if (fam === 4 && ctx.unicastChecksumCompat && !eqBytes(ctx.dst, group) && sumIsValid(buf, pseudoSum(4, ctx.src, group, buf.length))) {
        form = 'pseudo-header-mcast-dst';
      } else {
        fail('bad-checksum', `invalid VRRPv${version} checksum`);
      }
    }
  } else if (!sumIsValid(buf, 0)) {
    fail('bad-checksum', `invalid VRRPv${version} checksum`);
  }

  let authType = 0;
  let ahSequence = -1;
  if (version === 2) {
    authType = buf[4]!;
    if (authType !== AUTH_NONE && authType !== AUTH_PASS && authType !== AUTH_AH) fail('bad-auth-type', `invalid auth type ${authType}`);
    const want = authTypeNumber(ctx.auth);
    if (authType !== want) fail('auth-type-mismatch', `received auth type ${authType}, expecting ${want}`);
    if ((ctx.ah !== undefined) !== (want === AUTH_AH)) fail('auth-type-mismatch', ctx.ah ? 'AH header but auth type is not AH' : 'no AH header but auth type is AH');
    const auth = ctx.auth;
    if (auth?.type === 'pass') {
      // keepalived compares the 8 bytes in constant time; the secret is never put in a message.
      if (!constantTimeEqual(buf.subarray(buf.length - VRRP_AUTH_LEN), auth.key)) fail('auth-failure', 'invalid password');
    } else if (auth?.type === 'ah' && ctx.ah) {
      ahSequence = verifyAh(auth.key, ctx.ah.ipHeader, ctx.ah.ahHeader, buf, ctx.src, !!ctx.unicast);
    }
  }

  out.version = version as VrrpVersion;
  out.vrid = buf[1]!;
  out.priority = buf[2]!;
  out.maxAdverInt = version === 3 ? ((buf[4]! & 0x0f) << 8) | buf[5]! : buf[5]!; // RFC 5798 §5.2.6: reserved bits ignored
  out.checksum = (buf[6]! << 8) | buf[7]!;
  out.checksumForm = form;
  out.authType = authType;
  out.ahSequence = ahSequence;
  out.buf = buf;
  out.addrCount = n;
  out.addrLen = addrLen(fam);
  return out;
}

function verifyAh(key: Uint8Array, ipHeader: Uint8Array, ah: Uint8Array, vrrp: Uint8Array, src: Uint8Array, unicast: boolean): number {
  if (ah.length < AH_HEADER_LEN) fail('bad-ah-header', `AH header of ${ah.length} bytes`);
  if (ipHeader.length < IPV4_HEADER_LEN) fail('bad-ah-header', 'IPv4 header missing for AH');
  // keepalived drops AH for another protocol before checking anything else.
  if (ah[0] !== IPPROTO_VRRP) fail('bad-ah-header', `AH next header ${ah[0]}, expected ${IPPROTO_VRRP}`);
  const icv = computeAhIcv(key, ipHeader, ah, vrrp, unicast);
  if (!constantTimeEqual(ah.subarray(12, 12 + AH_ICV_LEN), icv)) fail('auth-failure', 'invalid IPSEC HMAC-MD5 value');
  // keepalived: the SPI is the sender's IPv4 address.
  if (!eqBytes(ah.subarray(4, 8), src.subarray(0, 4))) fail('bad-ah-header', 'AH SPI is not the source address');
  return ((ah[8]! << 24) >>> 0) + (ah[9]! << 16) + (ah[10]! << 8) + ah[11]!;
}

/** What the IPv4 layer adds for {@link encodeIpv4Advert}. */
export interface Ipv4AdvertOptions extends EncodeOptions {
  /** IP identification (keepalived counts from 1 per instance). */
  readonly ipId: number;
  /** TTL (255 unless `unicast_ttl`). */
  readonly ttl?: number;
  /** AH sequence number (required when auth is AH). */
  readonly ahSequence?: number;
  readonly unicast?: boolean;
}

/**
 * Builds a whole IPv4 packet (header, AH when configured, VRRP message) for an IP_HDRINCL
 * socket, with keepalived's header fields (TOS 0xc0, DF clear, IHL 5).
 */
export function encodeIpv4Advert(f: AdvertFields, opts: Ipv4AdvertOptions): Buffer {
  const ah = opts.auth?.type === 'ah';
  const vlen = advertLength(f.version, 4, f.addresses.length);
  const hlen = IPV4_HEADER_LEN + (ah ? AH_HEADER_LEN : 0);
  const out = Buffer.alloc(hlen + vlen);
  encodeIpv4Header({
    tos: 0xc0, payloadLength: hlen - IPV4_HEADER_LEN + vlen, id: opts.ipId, ttl: opts.ttl ?? VRRP_TTL,
    protocol: ah ? IPPROTO_AH : IPPROTO_VRRP, src: opts.src, dst: opts.dst,
  }, out, 0);
  encodeAdvertInto(f, opts, out, hlen);
  if (ah && opts.auth?.type === 'ah') {
    if (opts.ahSequence === undefined) throw new RangeError('AH needs a sequence number');
    encodeAhHeader(opts.src, opts.ahSequence, out, IPV4_HEADER_LEN);
    const icv = computeAhIcv(opts.auth.key, out.subarray(0, IPV4_HEADER_LEN), out.subarray(IPV4_HEADER_LEN, hlen), out.subarray(hlen), !!opts.unicast);
    out.set(icv, IPV4_HEADER_LEN + 12);
  }
  return out;
}

/** The socket-level facts for {@link decodeIpv4Advert}; addresses and TTL come from the IPv4 header. */
export type Ipv4DecodeContext = Omit<DecodeContext, 'family' | 'src' | 'dst' | 'ttl' | 'ah'>;

/**
 * Decodes a whole IPv4 packet as an IPv4 raw socket returns it: checks the header, the total
 * length, the protocol (VRRP, or AH carrying VRRP), then runs {@link decodeAdvert}.
 */
export function decodeIpv4Advert(packet: Uint8Array, ctx: Ipv4DecodeContext): Advert & { readonly src: Uint8Array; readonly dst: Uint8Array } {
  const v = newAdvertView();
  const { src, dst } = decodeIpv4AdvertView(packet, ctx, v);
  return { ...advertOf(v), src, dst };
}

/** {@link decodeIpv4Advert} into a reused view (the view's `buf` is the VRRP message inside `packet`); returns the header's addresses. */
export function decodeIpv4AdvertView(packet: Uint8Array, ctx: Ipv4DecodeContext, out: AdvertView): { readonly src: Uint8Array; readonly dst: Uint8Array } {
  let ip;
  try {
    ip = decodeIpv4Header(packet);
  } catch (e) {
    if (e instanceof Ipv4Error) fail('bad-ip-header', e.message);
    throw e;
  }
  if (ip.totalLength !== packet.length) fail('bad-length', `IP total length ${ip.totalLength}, received ${packet.length}`);
  const wantAh = ctx.auth?.type === 'ah';
  if (ip.protocol !== IPPROTO_VRRP && ip.protocol !== IPPROTO_AH) fail('bad-ip-header', `IP protocol ${ip.protocol}`);
  const isAh = ip.protocol === IPPROTO_AH;
  if (isAh !== wantAh) fail('auth-type-mismatch', isAh ? 'received AH header but auth type not AH' : 'no AH header but auth type is AH');
  const vstart = ip.headerLength + (isAh ? AH_HEADER_LEN : 0);
  if (packet.length < vstart) fail('too-short', 'packet shorter than its AH header');
  const src = Uint8Array.prototype.slice.call(ip.src) as Uint8Array;
  const dst = Uint8Array.prototype.slice.call(ip.dst) as Uint8Array;
  decodeAdvertView(packet.subarray(vstart), {
    ...ctx, family: 4, src, dst, ttl: ip.ttl,
    ...(isAh ? { ah: { ipHeader: packet.subarray(0, ip.headerLength), ahHeader: packet.subarray(ip.headerLength, vstart) } } : {}),
  }, out);
  return { src, dst };
}
