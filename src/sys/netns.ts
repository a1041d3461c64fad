// Network namespaces for the main thread: enter one by name (keepalived -s / net_namespace) or run a function inside one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from './native';

/** Where `ip netns` keeps named namespaces. */
export const NETNS_RUN_DIR = '/run/netns';

/** The bind-mount path of a named namespace, or the path itself when it contains a '/'. */
export function netnsPath(nameOrPath: string): string {
  if (nameOrPath.includes('/')) return nameOrPath;
  if (nameOrPath === '' || nameOrPath === '.' || nameOrPath === '..') throw new RangeError(`invalid namespace name '${nameOrPath}'`);
  return path.join(NETNS_RUN_DIR, nameOrPath);
}

// libuv opens every file with O_CLOEXEC.
function setnsByPath(p: string): void {
  const fd = fs.openSync(p, fs.constants.O_RDONLY);
  try {
    native.setns(fd, native.constants.CLONE_NEWNET);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves the main thread into a network namespace for good. Sockets created afterwards, and
 * children spawned afterwards, live there; libuv's thread pool stays where it was (it does no
 * network I/O of ours).
 */
export function enterNetns(nameOrPath: string): void {
  setnsByPath(netnsPath(nameOrPath));
}

/**
 * Runs `fn` synchronously with the main thread inside a network namespace, then returns to the
 * original one (even when fn throws). Sockets keep the namespace they were created in, so this
 * is how a test opens sockets in several namespaces from one process. fn must not await.
 */
export function withNetns<T>(nameOrPath: string, fn: () => T): T {
  const orig = fs.openSync('/proc/thread-self/ns/net', fs.constants.O_RDONLY);
  try {
    setnsByPath(netnsPath(nameOrPath));
    try {
      return fn();
    } finally {
      native.setns(orig, native.constants.CLONE_NEWNET);
    }
  } finally {
    fs.closeSync(orig);
  }
}

/** Inode identity of the main thread's current network namespace (to compare with another's). */
export function currentNetnsId(): string {
  return fs.readlinkSync('/proc/thread-self/ns/net');
}
