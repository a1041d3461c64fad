// TCP_CHECK: one connect within connect_timeout; success when the three-way handshake completes.
import { isSession, openSession } from './conn';
import type { ProbeResult, ProbeTarget } from './types';

/** One TCP_CHECK attempt. */
export async function probeTcp(t: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const s = await openSession(t, signal);
  if (!isSession(s)) return s;
  s.close();
  return { ok: true };
}
