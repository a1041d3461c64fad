// IPv4/IPv6 addresses as bytes: parse, format, prefixes. Pure (no node:net), used by config and codecs.

export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): Uint8Array | null {
  const m = V4.exec(s);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === '0') return null; // no octal-looking parts
    const v = Number(part);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 45) return null;
  const zone = s.indexOf('%');
  if (zone >= 0) return null;
  let head = s;
  let tailV4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > lastColon) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (!tailV4) return null;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl >= 0 && head.indexOf('::', dbl + 1) >= 0) return null;
  const groupsOf = (p: string): string[] => (p === '' ? [] : p.split(':'));
  let left: string[];
  let right: string[];
  if (dbl >= 0) {
    left = groupsOf(head.slice(0, dbl));
    right = groupsOf(head.slice(dbl + 2));
    if (left.length + right.length > 7) return null;
  } else {
    left = groupsOf(head);
    right = [];
    if (left.length !== 8) return null;
  }
  const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** Parses a literal IPv4 or IPv6 address (no prefix, no zone); null when it is not one. */
export function parseIp(s: string): IpAddress | null {
  const v4 = parseV4(s);
  if (v4) return { family: 4, bytes: v4 };
  if (s.includes(':')) {
    const v6 = parseV6(s);
    if (v6) return { family: 6, bytes: v6 };
  }
  return null;
}

/** Formats an address in its canonical text form (RFC 5952 for IPv6). */
export function formatIp(a: IpAddress | Uint8Array): string {
  const b = a instanceof Uint8Array ? a : a.bytes;
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: an IPv4-mapped address keeps its dotted tail.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface IpPrefix extends IpAddress {
  readonly prefixLen: number;
  /** Whether a /N was written (else prefixLen is the family's full length). */
  readonly explicitPrefix: boolean;
}

/** Parses `ADDR` or `ADDR/N`. */
export function parseIpPrefix(s: string): IpPrefix | null {
  const slash = s.indexOf('/');
  const addr = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!addr) return null;
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return { ...addr, prefixLen: max, explicitPrefix: false };
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) return null;
  const n = Number(p);
  if (n > max) return null;
  return { ...addr, prefixLen: n, explicitPrefix: true };
}

/** The address with host bits cleared. */
export function networkOf(p: { bytes: Uint8Array; prefixLen: number }): Uint8Array {
  const out = new Uint8Array(p.bytes);
  for (let bit = p.prefixLen; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}

/** Byte-wise comparison (RFC 5798 compares primary addresses as unsigned integers). */
export function compareIp(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function ipEquals(a: Uint8Array, b: Uint8Array): boolean {
  return compareIp(a, b) === 0;
}

export function isMulticast(a: IpAddress): boolean {
  return a.family === 4 ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

/** fe80::/10 */
export function isLinkLocal6(a: IpAddress): boolean {
  return a.family === 6 && a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80;
}
