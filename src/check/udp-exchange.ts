// One UDP exchange for a probe: a connected socket (bound when bindto/bind_port ask), one datagram
// out, replies judged by the caller, settled once by a reply, a socket error, the timeout or an abort.
import * as dgram from 'node:dgram';
import { type ProbeResult, type ProbeTarget, fail } from './types';

export interface UdpExchange {
  /** The datagram to send once connected; a thrown error settles the attempt as a protocol failure. */
  request(): Buffer;
  /** Judges a reply: a result settles the attempt, null waits for another datagram. */
  reply(msg: Buffer): ProbeResult | null;
  /** The result of a socket error (ICMP errors arrive this way on a connected socket). */
  error(e: Error): ProbeResult;
  /** The result when nothing settled the attempt within the target's timeout. */
  timeout(): ProbeResult;
  /** Turns a request() exception into a result. */
  requestError(e: unknown): ProbeResult;
}

/** Runs one exchange; never rejects, always closes the socket. */
export function udpExchange(t: ProbeTarget, signal: AbortSignal, x: UdpExchange): Promise<ProbeResult> {
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
        /* already closed */
      }
      resolve(r);
    };
    const onAbort = (): void => finish(fail('closed', 'aborted'));
    const timer = setTimeout(() => finish(x.timeout()), t.timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => finish(x.error(e)));
    sock.on('message', (msg) => {
      const r = x.reply(msg);
      if (r) finish(r);
    });
    const start = (): void =>
      sock.connect(t.port, t.host, () => {
        let out: Buffer;
        try {
          out = x.request();
        } catch (e) {
          return finish(x.requestError(e));
        }
        sock.send(out);
      });
    if (t.bindTo !== undefined || t.bindPort !== undefined) sock.bind({ address: t.bindTo, port: t.bindPort ?? 0 }, start);
    else start();
  });
}
