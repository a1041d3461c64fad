// One UDP exchange for a probe: an addon socket (fwmark, bind_if, bindto/bind_port set before connect), one datagram
// out, replies and socket errors judged by the caller, settled once by a result, the timeout or an abort; the fd is always closed.
import { type CheckerUdpError, type CheckerUdpSocket, openCheckerUdp } from '../sys/checker-udp';
import { nativeConnectOptions } from './conn';
import { type ProbeResult, type ProbeTarget, fail } from './types';

export interface UdpExchange {
  /** IP_RECVERR: every ICMP error about the datagram reaches error() with its type and code (UDP_CHECK). */
  readonly recvErr?: boolean;
  /**
   * Whether bind_if applies (SO_BINDTODEVICE). keepalived 2.4.3 applies it to DNS_CHECK (socket_bind_connect)
   * but not to UDP_CHECK (udp_bind_connect sets SO_MARK and binds the address, never the device): we follow
   * its code, though the man page lists bind_if among every checker's connection options.
   */
  readonly bindIf?: boolean;
  /** The datagram to send; a thrown error settles the attempt (requestError) before any socket is opened. */
  request(): Buffer;
  /** Judges a reply: a result settles the attempt, null waits for another datagram. */
  reply(msg: Buffer): ProbeResult | null;
  /**
   * Judges a socket error (socket set-up, send, or an ICMP error on the connected socket): a result
   * settles the attempt, null waits on (an ICMP error the checker ignores).
   */
  error(e: CheckerUdpError): ProbeResult | null;
  /** The result when nothing settled the attempt within the target's timeout. */
  timeout(): ProbeResult;
  /** Turns a request() exception into a result. */
  requestError(e: unknown): ProbeResult;
}

/**
 * Runs one exchange; never rejects, always closes the socket. The socket is always the addon's, not
 * node:dgram's: one path with or without fwmark/bind_if, so UDP_CHECK judges ICMP errors the same way
 * (IP_RECVERR) whatever the options; created synchronously (in the caller's network namespace). It
 * costs about 12 us more CPU per exchange than dgram (libuv's poll set-up), measured on loopback.
 */
export function udpExchange(t: ProbeTarget, signal: AbortSignal, x: UdpExchange): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let sock: CheckerUdpSocket | null = null;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock?.close();
      sock = null;
      resolve(r);
    };
    const onAbort = (): void => finish(fail('closed', 'aborted'));
    if (signal.aborted) return onAbort();
    let out: Buffer;
    try {
      out = x.request();
    } catch (e) {
      return finish(x.requestError(e));
    }
    const onError = (e: CheckerUdpError): void => {
      const r = x.error(e);
      if (r) finish(r);
    };
    timer = setTimeout(() => finish(x.timeout()), t.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      sock = openCheckerUdp(
        { ...nativeConnectOptions(x.bindIf === false ? { ...t, bindIf: undefined } : t), recvErr: x.recvErr === true },
        {
          message: (msg) => {
            if (done) return;
            const r = x.reply(msg);
            if (r) finish(r);
          },
          error: (e) => {
            if (!done) onError(e);
          },
        },
      );
      sock.send(out);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      // A set-up or send error always settles the attempt, even one error() would wait on.
      finish(x.error(err) ?? fail('connect-error', err.message));
    }
  });
}
