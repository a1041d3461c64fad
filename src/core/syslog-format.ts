// Syslog lines as syslogd expects them on /dev/log (RFC 3164 style, as glibc's syslog(3) writes them).
import type { Facility } from '../cli/options';

/** Facility codes (sys/syslog.h). */
export const FACILITY_CODE: Readonly<Record<Facility, number>> = {
  user: 1,
  daemon: 3,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export type SyslogSeverity = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

export const SEVERITY_CODE: Readonly<Record<SyslogSeverity, number>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** pino levels to syslog severities. */
export function severityOfPinoLevel(level: number): SyslogSeverity {
  if (level >= 60) return 'crit';
  if (level >= 50) return 'err';
  if (level >= 40) return 'warning';
  if (level >= 30) return 'info';
  return 'debug';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mmm dd hh:mm:ss` in local time, day padded with a space, as syslog(3). */
export function syslogTimestamp(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** `<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE` — what glibc sends to /dev/log. */
export function formatSyslog(facility: Facility, severity: SyslogSeverity, tag: string, pid: number, message: string, now: Date): string {
  const pri = FACILITY_CODE[facility] * 8 + SEVERITY_CODE[severity];
  // Control characters would split or corrupt the line at the receiver.
  const clean = message.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
  return `<${pri}>${syslogTimestamp(now)} ${tag}[${pid}]: ${clean}`;
}
