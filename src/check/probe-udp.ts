// UDP_CHECK: send the payload on a connected UDP socket; ICMP errors surface as socket errors (failure); optional reply match.
import type { MaskedBytes } from '../config/model/lvs';
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

/**
 * One UDP_CHECK attempt. Without require_reply, silence until the timeout is success (keepalived relies
 * on an ICMP port unreachable to fail); with it, a reply must arrive and match.
 */
export function probeUdp(t: ProbeTarget, o: UdpProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  return udpExchange(t, signal, {
    request: () => (o.payload && o.payload.length > 0 ? Buffer.from(o.payload) : Buffer.alloc(0)),
    requestError: (e) => fail('protocol', errText(e)),
    reply: (msg) => {
      if (o.minReplyLength > 0 && msg.length < o.minReplyLength) return fail('mismatch', `reply of ${msg.length} bytes shorter than ${o.minReplyLength}`);
      if (o.maxReplyLength > 0 && msg.length > o.maxReplyLength) return fail('oversized', `reply of ${msg.length} bytes longer than ${o.maxReplyLength}`);
      if (o.replyMatch && !matchesMasked(msg, o.replyMatch)) return fail('mismatch', 'reply does not match require_reply');
      return { ok: true, detail: `reply of ${msg.length} bytes` };
    },
    error: (e) => fail('icmp', `UDP ${errText(e)}`),
    timeout: () => (o.requireReply ? fail('timeout', 'no UDP reply') : { ok: true, detail: 'no ICMP error' }),
  });
}
