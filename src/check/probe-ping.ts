// PING_CHECK: one ICMP echo over the addon's unprivileged ping socket; ping_group_range widened only when the socket is refused (restored at stop).
import { type EchoOptions, echoOnce, pingSocketError } from '../sys/icmp-echo';
import { PingGroupRange } from '../sys/ping-group-range';
import { type ProbeResult, type ProbeTarget, fail } from './types';

/** One ICMP echo request/reply exchange (injected in tests). */
export interface IcmpEcho {
  echo(t: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
}

/** The real transport: a ping socket per attempt (SOCK_DGRAM IPPROTO_ICMP / IPPROTO_ICMPV6), like keepalived. */
export function nativeIcmpEcho(echo: typeof echoOnce = echoOnce): IcmpEcho {
  return {
    async echo(t, signal) {
      const o: EchoOptions = {
        host: t.host,
        timeoutMs: t.timeoutMs,
        ...(t.bindTo !== undefined ? { bindTo: t.bindTo } : {}),
        ...(t.bindIf !== undefined ? { bindIf: t.bindIf } : {}),
        ...(t.fwmark !== undefined ? { fwmark: t.fwmark } : {}),
      };
      const r = await echo(o, signal);
      if (r.ok) return { ok: true, detail: `echo reply in ${r.rttMs.toFixed(1)} ms` };
      switch (r.reason) {
        case 'timeout':
          return fail('timeout', `ICMP connection to address ${t.host} timeout`);
        case 'aborted':
          return fail('closed', 'aborted');
        case 'error':
          return fail('icmp', r.text);
      }
    },
  };
}

/** What {@link preparePingSockets} did, for the log. */
export interface PingPrepareOutcome {
  readonly widened: boolean;
  readonly messages: readonly string[];
}

/**
 * Makes ping sockets usable before the first PING_CHECK. keepalived always lowers the minimum of
 * net.ipv4.ping_group_range to 0 when a PING_CHECK is configured; here that happens only when opening a
 * ping socket fails with EACCES, and {@link PingGroupRange.restore} puts it back at stop, as keepalived
 * does at exit.
 */
export function preparePingSockets(range: PingGroupRange, families: ReadonlySet<4 | 6>, probe: (f: 4 | 6) => { code: string } | null = pingSocketError): PingPrepareOutcome {
  const messages: string[] = [];
  const refused = [...families].filter((f) => probe(f)?.code === 'EACCES');
  if (refused.length === 0) return { widened: false, messages };
  const w = range.widen();
  if (w.warning) messages.push(w.warning);
  if (w.error) messages.push(w.error);
  for (const f of refused) {
    const e = probe(f);
    if (e) messages.push(`ICMP${f === 6 ? 'v6' : ''} ping sockets unavailable (${e.code}): PING_CHECKs will fail`);
  }
  return { widened: w.changed, messages };
}

/** One PING_CHECK attempt over the given transport. */
export function probePing(t: ProbeTarget, transport: IcmpEcho, signal: AbortSignal): Promise<ProbeResult> {
  return transport.echo(t, signal);
}
