// UDP_CHECK: send the payload on a connected UDP socket; ICMP errors surface as socket errors (failure); optional reply match.
import * as dgram from 'node:dgram';
import type { MaskedBytes } from '../config/model/lvs';
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
  return new Promise((resolve) => {
    const sock = dgram.createSocket(t.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      try {
        sock.close();
      } catch {
        /* closed */
      }
      resolve(r);
    };
    const onAbort = (): void => finish(fail('closed', 'aborted'));
    const timer = setTimeout(
      () => finish(o.requireReply ? fail('timeout', 'no UDP reply') : { ok: true, detail: 'no ICMP error' }),
      t.timeoutMs,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => finish(fail('icmp', `UDP ${errText(e)}`)));
    sock.on('message', (msg) => {
      if (o.minReplyLength > 0 && msg.length < o.minReplyLength) return finish(fail('mismatch', `reply of ${msg.length} bytes shorter than ${o.minReplyLength}`));
      if (o.maxReplyLength > 0 && msg.length > o.maxReplyLength) return finish(fail('oversized', `reply of ${msg.length} bytes longer than ${o.maxReplyLength}`));
      if (o.replyMatch && !matchesMasked(msg, o.replyMatch)) return finish(fail('mismatch', 'reply does not match require_reply'));
      finish({ ok: true, detail: `reply of ${msg.length} bytes` });
    });
    const start = (): void =>
      sock.connect(t.port, t.host, () => {
        sock.send(o.payload && o.payload.length > 0 ? Buffer.from(o.payload) : Buffer.alloc(0));
      });
    if (t.bindTo !== undefined || t.bindPort !== undefined) sock.bind({ address: t.bindTo, port: t.bindPort ?? 0 }, start);
    else start();
  });
}
