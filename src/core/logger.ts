// Logging: pino with a destination that never blocks: syslog datagrams to /dev/log, console lines (-l), a log file (-g).
import * as fs from 'node:fs';
import pino from 'pino';
import type { Facility } from '../cli/options';
import { formatSyslog, severityOfPinoLevel } from './syslog-format';

/** The datagram transport to syslog; the real one is src/sys/unix-dgram's UnixDgramSender. */
export interface DatagramSender {
  /** Non-blocking send: 'again' when the receiver is full; throws when there is no receiver. */
  send(path: string, data: Uint8Array): 'sent' | 'again';
  close(): void;
}

/** The syslog socket: /dev/log, or $TSKA_SYSLOG_PATH (tests bind their own socket there). */
export function defaultSyslogPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['TSKA_SYSLOG_PATH'] || '/dev/log';
}

export interface LogSinkOptions {
  /** syslog(3) ident: Keepalived, Keepalived_vrrp, Keepalived_healthcheckers (see paths.syslogIdent). */
  readonly ident: string;
  readonly facility: Facility;
  /** Send to syslog (false with -G). */
  readonly syslog: boolean;
  readonly syslogPath?: string;
  /** Lazily built so that processes with -G never load the addon. */
  readonly makeSender?: () => DatagramSender;
  /** -l: human-readable lines on stderr. */
  readonly console: boolean;
  /** -g: append lines to this file. */
  readonly file?: string;
  /** --flush-log-file: each line written synchronously. */
  readonly flushFile?: boolean;
  /** -D: append the structured fields to the message. */
  readonly detail?: boolean;
  /** Lines kept while syslog is full before dropping (default 1000). */
  readonly queueMax?: number;
  readonly pid?: number;
  readonly now?: () => Date;
  /** For console output (default process.stderr). */
  readonly consoleStream?: { write(s: string): unknown };
}

/** Counters for the log path. */
export interface LogStats {
  sent: number;
  queued: number;
  dropped: number;
  /** Send errors other than "full" (no syslogd listening, ...). */
  errors: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** keepalived's console/log-file time stamp: `Www Mmm dd hh:mm:ss yyyy`. */
export function consoleTimestamp(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

const STANDARD_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

/** The message text of one pino record: msg, the error's message, and with -D the other fields as key=value. */
export function messageText(msg: string, obj: Record<string, unknown> | undefined, detail: boolean): string {
  let text = msg;
  const err = obj?.['err'];
  if (err instanceof Error) text += `${text ? ': ' : ''}${err.message}`;
  else if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') text += `${text ? ': ' : ''}${(err as { message: string }).message}`;
  if (detail && obj) {
    for (const [k, v] of Object.entries(obj)) {
      if (STANDARD_KEYS.has(k) || v === undefined) continue;
      text += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    }
  }
  return text;
}

/**
 * A pino destination (with metadata, so records are not re-parsed) that fans out to syslog, console
 * and file without blocking: syslog datagrams are sent non-blocking and queued (bounded) while the
 * receiver is full; lines beyond the bound are dropped, counted, and the count is logged when it drains.
 */
export class LogSink {
  readonly [pino.symbols.needsMetadataGsym] = true;
  lastLevel = 30;
  lastMsg = '';
  lastObj: Record<string, unknown> = {};
  lastTime = '';

  readonly stats: LogStats = { sent: 0, queued: 0, dropped: 0, errors: 0 };
  private readonly queue: Buffer[] = [];
  private readonly queueMax: number;
  private sender: DatagramSender | null = null;
  private senderFailed = false;
  private retry: NodeJS.Timeout | null = null;
  private reportedDropped = 0;
  private fileStream: fs.WriteStream | null = null;
  private fileFd: number | null = null;
  private readonly syslogPath: string;
  private readonly pid: number;
  private readonly now: () => Date;
  private closed = false;

  constructor(private readonly opts: LogSinkOptions) {
    this.queueMax = opts.queueMax ?? 1000;
    this.syslogPath = opts.syslogPath ?? defaultSyslogPath();
    this.pid = opts.pid ?? process.pid;
    this.now = opts.now ?? ((): Date => new Date());
    if (opts.file !== undefined) {
      if (opts.flushFile) this.fileFd = fs.openSync(opts.file, 'a', 0o640);
      else {
        this.fileStream = fs.createWriteStream(opts.file, { flags: 'a', mode: 0o640 });
        this.fileStream.on('error', () => {
          this.stats.errors++;
          this.fileStream = null;
        });
      }
    }
  }

  /** Called by pino for each record. */
  write(_json: string): void {
    if (this.closed) return;
    const text = messageText(this.lastMsg ?? '', this.lastObj, this.opts.detail ?? false);
    this.output(this.lastLevel, text);
  }

  /** Sends one message at a pino level to every enabled output. */
  output(level: number, text: string): void {
    const d = this.now();
    if (this.opts.console || this.fileStream || this.fileFd !== null) {
      const line = `${consoleTimestamp(d)}: ${text}\n`;
      if (this.opts.console) (this.opts.consoleStream ?? process.stderr).write(line);
      if (this.fileFd !== null) fs.writeSync(this.fileFd, line);
      else if (this.fileStream) {
        // a file that cannot keep up loses lines rather than growing memory
        if (this.fileStream.writableLength > 4 * 1024 * 1024) this.stats.dropped++;
        else this.fileStream.write(line);
      }
    }
    if (this.opts.syslog) this.toSyslog(Buffer.from(formatSyslog(this.opts.facility, severityOfPinoLevel(level), this.opts.ident, this.pid, text, d)));
  }

  private toSyslog(b: Buffer): void {
    if (this.queue.length === 0 && this.trySend(b)) {
      this.maybeReportDrops();
      return;
    }
    if (this.queue.length >= this.queueMax) {
      this.stats.dropped++;
    } else {
      this.queue.push(b);
      this.stats.queued++;
    }
    this.scheduleRetry();
  }

  /** True when the datagram left (or cannot ever leave: no syslogd); false when the receiver is full. */
  private trySend(b: Buffer): boolean {
    if (this.senderFailed) return true;
    try {
      if (!this.sender) this.sender = this.opts.makeSender ? this.opts.makeSender() : defaultSender();
      if (this.sender.send(this.syslogPath, b) === 'again') return false;
      this.stats.sent++;
    } catch {
      // No syslogd (ENOENT, ECONNREFUSED): keepalived loses these lines too; count them.
      this.stats.errors++;
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.drain();
    }, 5);
    this.retry.unref();
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      if (!this.trySend(b)) {
        this.scheduleRetry();
        return;
      }
      this.queue.shift();
    }
    this.maybeReportDrops();
  }

  private maybeReportDrops(): void {
    if (this.stats.dropped > this.reportedDropped && this.queue.length === 0) {
      const n = this.stats.dropped - this.reportedDropped;
      this.reportedDropped = this.stats.dropped;
      this.output(40, `${n} log messages dropped (log output could not keep up; ${this.stats.dropped} in total)`);
    }
  }

  /** Lines waiting for syslog. */
  pending(): number {
    return this.queue.length;
  }

  /** Tries to send what is queued, synchronously and without blocking (for exit paths). */
  flush(): void {
    this.drain();
    if (this.fileFd !== null) fs.fsyncSync(this.fileFd);
  }

  close(): void {
    this.flush();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.sender?.close();
    this.fileStream?.end();
    if (this.fileFd !== null) fs.closeSync(this.fileFd);
  }
}

function defaultSender(): DatagramSender {
  // Loaded lazily: the addon is only needed when syslog is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UnixDgramSender } = require('../sys/unix-dgram') as typeof import('../sys/unix-dgram');
  const s = new UnixDgramSender();
  return { send: (p, d) => s.send(p, d), close: () => s.close() };
}

/** A logger and its sink (keep the sink to flush, close and read drop counts). */
export interface Logging {
  readonly logger: pino.Logger;
  readonly sink: LogSink;
}

/** Builds the process logger: level debug with -D or --debug, else info. */
export function createLogging(opts: LogSinkOptions & { readonly debug?: boolean }): Logging {
  const sink = new LogSink(opts);
  const logger = pino({ level: opts.detail || opts.debug ? 'debug' : 'info', base: undefined, timestamp: false }, sink);
  return { logger, sink };
}
