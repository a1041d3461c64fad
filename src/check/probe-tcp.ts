// TCP_CHECK: one connect within connect_timeout, made by the addon (fwmark, bind_if, bindto set before the SYN); success when the handshake completes.
import { connectFd, isConnected } from './conn';
import type { ProbeResult, ProbeTarget } from './types';

/** One TCP_CHECK attempt: connect, then close at once (keepalived's tcp_check does no I/O either). */
export async function probeTcp(t: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const c = await connectFd(t, signal);
  if (!isConnected(c)) return c;
  c.close();
  return { ok: true };
}
