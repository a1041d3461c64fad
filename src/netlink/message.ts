// Netlink wire format (pure): nlmsghdr, nlattr TLVs with NLA_F_NESTED, NLMSG_ERROR/NLMSG_DONE payloads.

/** Netlink message types from linux/netlink.h. */
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;

/** nlmsghdr flags from linux/netlink.h. */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** ACK flags: the error message carries only the request header / has extended-ACK TLVs. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** nlattr type flags from linux/netlink.h. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Extended ACK attributes (enum nlmsgerr_attrs). */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

/** sizeof(struct nlmsghdr). */
export const NLMSG_HDRLEN = 16;
/** sizeof(struct nlattr). */
export const NLA_HDRLEN = 4;

/** Rounds up to the 4-byte alignment netlink uses for messages and attributes (NLMSG_ALIGN/NLA_ALIGN). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Thrown when bytes do not form valid netlink; `reason` says which check failed. */
export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';
  /** Stable code for the failure class. */
  readonly code = 'TSKA_ERR_NETLINK_DECODE';
  constructor(
    /** Which check failed, e.g. 'short-header', 'bad-length'. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A netlink message: header fields and the payload after the 16-byte header. */
export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Buffer;
}

/** Encodes one message; nlmsg_len covers header + payload, the result is padded to 4 bytes. */
export function encodeMessage(msg: NetlinkMessage): Buffer {
  const len = NLMSG_HDRLEN + msg.payload.length;
  const buf = Buffer.alloc(align4(len));
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(msg.type, 4);
  buf.writeUInt16LE(msg.flags, 6);
  buf.writeUInt32LE(msg.seq >>> 0, 8);
  buf.writeUInt32LE(msg.pid >>> 0, 12);
  msg.payload.copy(buf, NLMSG_HDRLEN);
  return buf;
}

/** Splits a datagram into its messages (a datagram may hold several, e.g. parts of a dump). */
export function decodeMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLMSG_HDRLEN) {
      throw new NetlinkDecodeError('short-header', `netlink: ${buf.length - off} bytes left, a header needs ${NLMSG_HDRLEN}`);
    }
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError('bad-length', `netlink: nlmsg_len ${len} at offset ${off} does not fit ${buf.length} bytes`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** One attribute: `type` without the NESTED/NET_BYTEORDER bits, which are reported separately. */
export interface Attr {
  readonly type: number;
  readonly nested: boolean;
  readonly value: Buffer;
}

/** Encodes one attribute (header + value + padding). */
export function encodeAttr(type: number, value: Buffer, nested = false): Buffer {
  const len = NLA_HDRLEN + value.length;
  const buf = Buffer.alloc(align4(len));
  buf.writeUInt16LE(len, 0);
  buf.writeUInt16LE((type & NLA_TYPE_MASK) | (nested ? NLA_F_NESTED : 0), 2);
  value.copy(buf, NLA_HDRLEN);
  return buf;
}

/** Encodes a nested attribute (NLA_F_NESTED set) around already-encoded attributes. */
export function encodeNested(type: number, children: readonly Buffer[]): Buffer {
  return encodeAttr(type, Buffer.concat(children), true);
}

/** Attribute value helpers, little-endian host order unless named `Be`. */
export const attr = {
  u8: (type: number, v: number): Buffer => encodeAttr(type, Buffer.from([v & 0xff])),
  u16: (type: number, v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v, 0);
    return encodeAttr(type, b);
  },
  be16: (type: number, v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v, 0);
    return encodeAttr(type, b);
  },
  u32: (type: number, v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0, 0);
    return encodeAttr(type, b);
  },
  be32: (type: number, v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0, 0);
    return encodeAttr(type, b);
  },
  u64: (type: number, v: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v, 0);
    return encodeAttr(type, b);
  },
  /** A NUL-terminated string (NLA_NUL_STRING / NLA_STRING as the kernel's users send it). */
  string: (type: number, v: string): Buffer => encodeAttr(type, Buffer.concat([Buffer.from(v, 'utf8'), Buffer.from([0])])),
  bytes: (type: number, v: Buffer): Buffer => encodeAttr(type, v),
};

/** Decodes a run of attributes. Trailing bytes shorter than a header are an error. */
export function decodeAttrs(buf: Buffer): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLA_HDRLEN) {
      throw new NetlinkDecodeError('short-attr', `nlattr: ${buf.length - off} trailing bytes`);
    }
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError('bad-attr-length', `nlattr: nla_len ${len} at offset ${off} does not fit ${buf.length} bytes`);
    }
    out.push({ type: rawType & NLA_TYPE_MASK, nested: (rawType & NLA_F_NESTED) !== 0, value: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Attributes indexed by type (last one wins, as in the kernel's nla_parse). */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const a of decodeAttrs(buf)) m.set(a.type, a.value);
  return m;
}

function need(v: Buffer, n: number, what: string): Buffer {
  if (v.length < n) throw new NetlinkDecodeError('short-value', `${what}: ${v.length} bytes, needs ${n}`);
  return v;
}

/** Value readers that check the length first. */
export const read = {
  u8: (v: Buffer): number => need(v, 1, 'u8').readUInt8(0),
  u16: (v: Buffer): number => need(v, 2, 'u16').readUInt16LE(0),
  be16: (v: Buffer): number => need(v, 2, 'be16').readUInt16BE(0),
  u32: (v: Buffer): number => need(v, 4, 'u32').readUInt32LE(0),
  s32: (v: Buffer): number => need(v, 4, 's32').readInt32LE(0),
  be32: (v: Buffer): number => need(v, 4, 'be32').readUInt32BE(0),
  u64: (v: Buffer): bigint => need(v, 8, 'u64').readBigUInt64LE(0),
  /** A string up to the first NUL (or the whole value). */
  string: (v: Buffer): string => {
    const nul = v.indexOf(0);
    return v.subarray(0, nul < 0 ? v.length : nul).toString('utf8');
  },
};

/** The decoded payload of an NLMSG_ERROR message (an ACK when `error` is 0). */
export interface ErrorPayload {
  /** The negated errno the kernel returned (0 = ACK). */
  readonly error: number;
  /** The header of the request this answers. */
  readonly request: { readonly type: number; readonly flags: number; readonly seq: number; readonly pid: number };
  /** NLMSGERR_ATTR_MSG, when the kernel sent an extended ACK message. */
  readonly extAckMessage?: string;
}

/** Decodes struct nlmsgerr (+ extended ACK TLVs when NLM_F_ACK_TLVS is set). */
export function decodeErrorPayload(msg: NetlinkMessage): ErrorPayload {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkDecodeError('short-error', `NLMSG_ERROR: ${p.length} bytes, needs ${4 + NLMSG_HDRLEN}`);
  }
  const error = p.readInt32LE(0);
  const request = { type: p.readUInt16LE(8), flags: p.readUInt16LE(10), seq: p.readUInt32LE(12), pid: p.readUInt32LE(16) };
  if ((msg.flags & NLM_F_ACK_TLVS) === 0) return { error, request };
  // With NLM_F_CAPPED only the request's header is echoed, else the whole request.
  const echoed = (msg.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(p.readUInt32LE(4));
  const tlvStart = 4 + echoed;
  if (tlvStart >= p.length) return { error, request };
  const m = attrMap(p.subarray(tlvStart));
  const text = m.get(NLMSGERR_ATTR_MSG);
  return text === undefined ? { error, request } : { error, request, extAckMessage: read.string(text) };
}

/** The error code an NLMSG_DONE may carry (negated errno; 0 when absent). */
export function decodeDoneError(msg: NetlinkMessage): number {
  return msg.payload.length >= 4 ? msg.payload.readInt32LE(0) : 0;
}

/** sizeof(struct genlmsghdr): cmd u8, version u8, reserved u16. */
export const GENL_HDRLEN = 4;

/** A generic netlink payload: the genlmsghdr fields and the attributes after it. */
export interface GenlPayload {
  readonly cmd: number;
  readonly version: number;
  readonly attrs: Buffer;
}

/** Encodes genlmsghdr + already-encoded attributes (the payload of a message to a genl family). */
export function encodeGenlPayload(cmd: number, version: number, attrs: readonly Buffer[]): Buffer {
  const hdr = Buffer.alloc(GENL_HDRLEN);
  hdr.writeUInt8(cmd, 0);
  hdr.writeUInt8(version, 1);
  return Buffer.concat([hdr, ...attrs]);
}

/** Splits a genl payload into header fields and the attribute bytes. */
export function decodeGenlPayload(payload: Buffer): GenlPayload {
  if (payload.length < GENL_HDRLEN) throw new NetlinkDecodeError('short-genl', `genlmsghdr: ${payload.length} bytes`);
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attrs: payload.subarray(GENL_HDRLEN) };
}
