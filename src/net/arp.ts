// Gratuitous ARP frame builder (RFC 826 layout, RFC 5227 §3 announcement semantics) as keepalived sends it. Pure.

/** Length of the Ethernet + ARP frame produced by {@link encodeGratuitousArp}. */
export const GARP_FRAME_LEN = 42;

const ETH_P_ARP = 0x0806;
const ETH_P_IP = 0x0800;
const ARPHRD_ETHER = 1;
const ARPOP_REQUEST = 1;

/** Input to {@link encodeGratuitousArp}. */
export interface GratuitousArpInit {
  /** Source MAC of the frame and the ARP sender hardware address (6 bytes). */
  readonly senderMac: Uint8Array;
  /** The virtual IPv4 address announced (4 bytes): both sender and target protocol address. */
  readonly ip: Uint8Array;
}

/**
 * Writes a gratuitous ARP as keepalived sends it (lab README §3): an Ethernet broadcast
 * carrying an ARP *request* (op 1) with sender = target = the VIP and target hardware
 * address ff:ff:ff:ff:ff:ff. Returns the bytes written (42). Allocates only when `out` is omitted.
 */
export function encodeGratuitousArp(a: GratuitousArpInit, out: Uint8Array = new Uint8Array(GARP_FRAME_LEN), offset = 0): Uint8Array {
  if (a.senderMac.length !== 6) throw new RangeError('senderMac must be 6 bytes');
  if (a.ip.length !== 4) throw new RangeError('ip must be 4 bytes');
  if (out.length - offset < GARP_FRAME_LEN) throw new RangeError('output buffer too small for a GARP frame');
  const o = offset;
  out.fill(0xff, o, o + 6); // Ethernet destination: broadcast
  out.set(a.senderMac, o + 6);
  out[o + 12] = ETH_P_ARP >> 8;
  out[o + 13] = ETH_P_ARP & 0xff;
  out[o + 14] = 0;
  out[o + 15] = ARPHRD_ETHER;
  out[o + 16] = ETH_P_IP >> 8;
  out[o + 17] = ETH_P_IP & 0xff;
  out[o + 18] = 6; // hardware address length
  out[o + 19] = 4; // protocol address length
  out[o + 20] = 0;
  out[o + 21] = ARPOP_REQUEST;
  out.set(a.senderMac, o + 22);
  out.set(a.ip, o + 28);
  out.fill(0xff, o + 32, o + 38); // target hardware address: keepalived uses broadcast
  out.set(a.ip, o + 38);
  return out.subarray(o, o + GARP_FRAME_LEN);
}
