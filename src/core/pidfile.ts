// Pidfiles that also act as the single-instance lock: a pidfile naming a live process of ours means "already running".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileSafely } from './safe-file';

/** Parses a pidfile's text ("PID\n"); undefined when it is not a positive integer. */
export function parsePidfile(text: string): number | undefined {
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return pid > 0 && Number.isSafeInteger(pid) ? pid : undefined;
}

/**
 * Whether a /proc/PID/cmdline (NUL-separated) belongs to a tskeepalived process: our process titles
 * (tskeepalived, tskeepalived_vrrp, tskeepalived_ipvs or configured names) or node running our CLI.
 */
export function isOurCmdline(cmdline: string, titles: readonly string[]): boolean {
  const argv = cmdline.split('\0').filter((a) => a !== '');
  const first = (argv[0] ?? '').trim();
  const firstWord = first.split(/\s+/)[0] ?? '';
  if (titles.includes(first) || titles.includes(firstWord) || /^tskeepalived(_|$)/.test(firstWord)) return true;
  return argv.some((a) => /(^|\/)(tskeepalived|cli\/main\.js)$/.test(a));
}

/** Reads the pid a pidfile names, or undefined when missing or unreadable. */
export function readPidfile(file: string): number | undefined {
  try {
    return parsePidfile(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pid holding the lock of `file` (a live process of ours other than us), or undefined. */
export function pidfileHolder(file: string, titles: readonly string[], self: number = process.pid): number | undefined {
  const pid = readPidfile(file);
  if (pid === undefined || pid === self) return undefined;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return undefined; // not running (or not visible): a stale pidfile
  }
  return isOurCmdline(cmdline, titles) ? pid : undefined;
}

/** Writes "PID\n" with mode 0644 as keepalived does (never through a symlink); creates the directory. */
export function writePidfile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSafely(file, `${pid}\n`, 0o644);
}

/** Removes a pidfile only if it still names `pid` (a successor's file is left alone). */
export function removePidfile(file: string, pid: number): void {
  if (readPidfile(file) !== pid) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}
