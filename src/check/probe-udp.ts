// UDP_CHECK: send the payload on a connected UDP socket with IP_RECVERR; ICMP destination unreachable fails; optional reply match.
import type { MaskedBytes } from '../config/model/lvs';
import { type CheckerUdpError, detailText, isDestinationUnreachable } from '../sys/checker-udp';
import { udpExchange } from './udp-exchange';
import { type ProbeResult, type ProbeTarget, errText, fail } from './types';

/** UDP_CHECK options. */
export interface UdpProbeOptions {
  readonly payload: Uint8Array | null;
  readonly requireReply: boolean;
  readonly replyMatch: { readonly data: ArrayLike<number>; readonly mask: ArrayLike<number> } | null;
  readonly minReplyLength: number;
  readonly maxReplyLength: number;
}

/** Does a reply match the wanted bytes under the mask (X nibbles are 0 in the mask)? */
export function matchesMasked(reply: Uint8Array, want: Pick<MaskedBytes, 'data' | 'mask'> | { data: ArrayLike<number>; mask: ArrayLike<number> }): boolean {
  if (reply.length < want.data.length) return false;
  for (let i = 0; i < want.data.length; i++) if (((reply[i]! ^ want.data[i]!) & want.mask[i]!) !== 0) return false;
  return true;
}

/** keepalived's datagram when no payload is configured: 32 bytes of "keepalived check - " repeated (layer4.c set_buf). */
export const DEFAULT_UDP_PAYLOAD: Buffer = Buffer.from('keepalived check - '.repeat(2).slice(0, 32), 'latin1');

/**
 * The verdict on a UDP_CHECK socket error, as keepalived's udp_socket_error(): an ICMP/ICMPv6
 * destination unreachable (any code) fails; any other entry of the error queue (time exceeded,
 * parameter problem, a local error) does not (null: keep waiting; keepalived settles the attempt as a
 * success there, which with require_reply would pass without a reply). An error without details
 * (set-up, send, or recv's pending error) fails, as keepalived's connect or recv failure does.
 */
export function udpErrorVerdict(e: CheckerUdpError): ProbeResult | null {
  const code = (e as { code?: unknown }).code;
  if (e.detail) return isDestinationUnreachable(e.detail) ? fail('icmp', `UDP ${errText(e)}: ${detailText(e.detail)}`) : null;
  return fail(code === 'ECONNREFUSED' ? 'icmp' : 'connect-error', `UDP ${errText(e)}`);
}

/**
 * One UDP_CHECK attempt. Without require_reply, silence until the timeout is success (keepalived relies
 * on an ICMP port unreachable to fail); with it, a reply must arrive and match.
 */
export function probeUdp(t: ProbeTarget, o: UdpProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  return udpExchange(t, signal, {
    recvErr: true,
    bindIf: false, // as keepalived's udp_bind_connect (see UdpExchange.bindIf)
    request: () => (o.payload && o.payload.length > 0 ? Buffer.from(o.payload) : DEFAULT_UDP_PAYLOAD),
    requestError: (e) => fail('protocol', errText(e)),
    reply: (msg) => {
      if (o.minReplyLength > 0 && msg.length < o.minReplyLength) return fail('mismatch', `reply of ${msg.length} bytes shorter than ${o.minReplyLength}`);
      if (o.maxReplyLength > 0 && msg.length > o.maxReplyLength) return fail('oversized', `reply of ${msg.length} bytes longer than ${o.maxReplyLength}`);
      if (o.replyMatch && !matchesMasked(msg, o.replyMatch)) return fail('mismatch', 'reply does not match require_reply');
      return { ok: true, detail: `reply of ${msg.length} bytes` };
    },
    error: udpErrorVerdict,
    timeout: () => (o.requireReply ? fail('timeout', 'no UDP reply') : { ok: true, detail: 'no ICMP error' }),
  });
}
