// Shared health-check types: what a probe is asked to do and what one attempt returns.
import type { LvsProtocol } from '../config/model/lvs';
import { formatIp } from '../net/ip';

/** Where and how a connection-oriented probe connects (checker options resolved against the real server). */
export interface ProbeTarget {
  /** connect_ip, else the real server's address (textual, for node:net). */
  readonly host: string;
  readonly family: 4 | 6;
  /** connect_port, else the real server's port. */
  readonly port: number;
  /** bindto (textual), if any. */
  readonly bindTo?: string;
  /** bind_port, if any. */
  readonly bindPort?: number;
  /** bind_if: SO_BINDTODEVICE on the checker's socket (set by the addon before connect). */
  readonly bindIf?: string;
  /** fwmark: SO_MARK on the checker's socket (set by the addon before connect; needs CAP_NET_ADMIN). */
  readonly fwmark?: number;
  /** connect_timeout in milliseconds: the whole attempt must finish within it. */
  readonly timeoutMs: number;
}

/** Why an attempt failed, as a stable code plus keepalived-like text. */
export type ProbeFailure =
  | 'timeout'
  | 'refused'
  | 'connect-error'
  | 'closed'
  | 'protocol'
  | 'status'
  | 'digest'
  | 'regex'
  | 'oversized'
  | 'tls'
  | 'exit-status'
  | 'signal'
  | 'spawn'
  | 'icmp'
  | 'mismatch'
  | 'file'
  | 'unsupported';

/** The result of one probe attempt. */
export type ProbeResult =
  | {
      readonly ok: true;
      /** MISC_CHECK misc_dynamic: the real server's new weight (exit status - 2). */
      readonly weight?: number;
      /** FILE_CHECK: the weight change this file asks for (value x weight, negated with reverse). */
      readonly weightDelta?: number;
      readonly detail?: string;
    }
  | {
      readonly ok: false;
      readonly failure: ProbeFailure;
      /** Human text, e.g. "connect ECONNREFUSED" or "HTTP status code 500". */
      readonly reason: string;
      readonly weightDelta?: number;
    };

/** One attempt of a checker; `signal` aborts it (stop/reload). Never rejects. */
export type Probe = (signal: AbortSignal) => Promise<ProbeResult>;

/** A failed result. */
export function fail(failure: ProbeFailure, reason: string): ProbeResult {
  return { ok: false, failure, reason };
}

/** A successful result. */
export function success(detail?: string): ProbeResult {
  return detail === undefined ? { ok: true } : { ok: true, detail };
}

/**
 * keepalived's lower-case protocol for service names ("[10.0.0.1]:tcp:80"). An address service
 * without `protocol` is UDP ("no protocol set - defaulting to UDP", check_parser.c).
 */
export function protoName(p: LvsProtocol | null): 'tcp' | 'udp' | 'sctp' {
  return p === 'TCP' ? 'tcp' : p === 'SCTP' ? 'sctp' : 'udp';
}

/** Text of a Node system error: its code when it has one, else its message. */
export function errText(e: unknown): string {
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    const msg = (e as { message?: unknown }).message;
    if (typeof code === 'string') return typeof msg === 'string' ? `${code} (${msg})` : code;
    if (typeof msg === 'string') return msg;
  }
  return String(e);
}

/** Text form of a (possibly deeply readonly) configured address. */
export function ipText(a: { readonly family: 4 | 6; readonly bytes: ArrayLike<number> }): string {
  return formatIp({ family: a.family, bytes: Uint8Array.from(a.bytes) });
}
