// Keys for indexing addresses in large configurations (duplicate checks in O(1) instead of scans).

/**
 * A key equal for equal (family, address bytes, port) triples: a number for IPv4 (cheap to make and
 * to look up), a string otherwise.
 */
export function addressKey(family: number, bytes: Uint8Array, port: number): string | number {
  if (family === 4 && bytes.length === 4) return port * 0x1_0000_0000 + (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
  let k = `${family}|${port}|${bytes.length}`;
  for (let i = 0; i < bytes.length; i++) k += `.${bytes[i]!}`;
  return k;
}
