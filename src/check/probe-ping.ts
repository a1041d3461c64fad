// PING_CHECK: one ICMP echo. Node has no ICMP sockets: the transport is an interface (native addon when it exports one; `ping` as a fallback).
import { spawn } from 'node:child_process';
import { type ProbeResult, type ProbeTarget, fail } from './types';

/**
 * One ICMP echo request/reply exchange. The native addon should provide this as an unprivileged ping
 * socket (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) / (AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), allowed
 * when the caller's gid is within net.ipv4.ping_group_range), exported as
 * `NativeSocket` kind `KIND_PING4`/`KIND_PING6` with the existing send()/startReading() surface;
 * the kernel then fills the echo id and checksum and delivers only our replies.
 */
export interface IcmpEcho {
  echo(t: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
}

/** Fallback transport: iputils `ping -c 1` (needs the binary; run without a shell). */
export function pingCommandEcho(binary = 'ping'): IcmpEcho {
  return {
    echo(t, signal) {
      return new Promise((resolve) => {
        const secs = Math.max(1, Math.ceil(t.timeoutMs / 1000));
        const args = ['-n', '-q', '-c', '1', '-W', String(secs), ...(t.family === 6 ? ['-6'] : ['-4'])];
        if (t.bindTo !== undefined) args.push('-I', t.bindTo);
        else if (t.bindIf !== undefined) args.push('-I', t.bindIf);
        if (t.fwmark !== undefined) args.push('-m', String(t.fwmark));
        args.push(t.host);
        const child = spawn(binary, args, { stdio: 'ignore', detached: true });
        const kill = (): void => {
          if (child.pid !== undefined) {
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        };
        const timer = setTimeout(kill, t.timeoutMs + 1000);
        signal.addEventListener('abort', kill, { once: true });
        child.once('error', (e) => {
          clearTimeout(timer);
          resolve(fail('unsupported', `ping unavailable: ${e.message}`));
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', kill);
          resolve(code === 0 ? { ok: true } : fail(code === 1 ? 'timeout' : 'icmp', code === 1 ? 'no echo reply' : `ping exited ${code ?? 'on a signal'}`));
        });
      });
    },
  };
}

/** One PING_CHECK attempt over the given transport. */
export function probePing(t: ProbeTarget, transport: IcmpEcho, signal: AbortSignal): Promise<ProbeResult> {
  return transport.echo(t, signal);
}
