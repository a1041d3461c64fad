// systemd's sd_notify protocol: READY=1, RELOADING=1, STOPPING=1, STATUS= sent as datagrams to $NOTIFY_SOCKET ('@' = abstract).
import type { DatagramSender } from './logger';

/** A notifier; `send` returns false when there is no $NOTIFY_SOCKET (not under systemd) or the send failed. */
export interface SdNotifier {
  readonly socket: string | undefined;
  send(state: string): boolean;
  ready(status?: string): boolean;
  reloading(): boolean;
  stopping(): boolean;
  status(text: string): boolean;
  close(): void;
}

/** The MONOTONIC_USEC= value systemd wants with RELOADING=1 (Type=notify-reload): CLOCK_MONOTONIC in µs. */
export function monotonicUsec(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}

/**
 * Builds a notifier for $NOTIFY_SOCKET. The variable is removed from the environment (as
 * sd_notify(unset_environment=1) would) so workers and scripts do not talk to systemd themselves.
 */
export function createSdNotifier(env: NodeJS.ProcessEnv, makeSender: () => DatagramSender, unsetEnv = true): SdNotifier {
  const socket = env['NOTIFY_SOCKET'] || undefined;
  if (unsetEnv) delete env['NOTIFY_SOCKET'];
  let sender: DatagramSender | null = null;
  const send = (state: string): boolean => {
    if (socket === undefined) return false;
    try {
      if (!sender) sender = makeSender();
      return sender.send(socket, Buffer.from(state)) === 'sent';
    } catch {
      return false;
    }
  };
  return {
    socket,
    send,
    ready: (status) => send(status ? `READY=1\nSTATUS=${status}` : 'READY=1'),
    reloading: () => send(`RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}`),
    stopping: () => send('STOPPING=1'),
    status: (text) => send(`STATUS=${text}`),
    close: () => sender?.close(),
  };
}
