// HTTP_GET / SSL_GET: keepalived's GET request, status code ranges, MD5 digest and regex of the body, bounded reply size.
import { createHash } from 'node:crypto';
import type { DeepReadonly } from '../config/model';
import type { HttpChecker, HttpProtocol, HttpUrl, StatusRange } from '../config/model/lvs';
import { isSession, openSession, readUntil, type TlsOptions } from './conn';
import { type ProbeResult, type ProbeTarget, fail } from './types';

/** Largest reply (headers + body) a probe accepts by default; larger replies fail as 'oversized'. */
export const DEFAULT_MAX_REPLY = 1 << 20;

/** One GET. */
export interface HttpGetSpec {
  readonly path: string;
  readonly protocol: HttpProtocol;
  /** The Host header's host part (virtualhost, else the address). */
  readonly host: string;
  readonly tls?: TlsOptions;
  readonly maxBytes?: number;
  /** Sent as User-Agent (genhash uses its own). */
  readonly userAgent?: string;
}

/** A parsed reply. */
export interface HttpReply {
  readonly status: number;
  readonly header: Buffer;
  readonly body: Buffer;
}

/** keepalived's request: "GET path HTTP/1.x", User-Agent, Connection: close for 1.0C and 1.1, Host with :port unless default. */
export function buildRequest(spec: HttpGetSpec, port: number): string {
  const minor = spec.protocol === '1.1' ? 1 : 0;
  const conn = spec.protocol === '1.0' ? '' : 'Connection: close\r\n';
  const dflt = spec.tls ? 443 : 80;
  const host = spec.host.includes(':') && !spec.host.startsWith('[') ? `[${spec.host}]` : spec.host;
  const portPart = port === dflt ? '' : `:${port}`;
  return `GET ${spec.path} HTTP/1.${minor}\r\nUser-Agent: ${spec.userAgent ?? 'KeepAliveClient'}\r\n${conn}Host: ${host}${portPart}\r\n\r\n`;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function contentLength(header: string): number | null {
  const m = /\r\ncontent-length:\s*(\d+)\s*\r\n/i.exec(header + '\r\n');
  return m ? Number(m[1]) : null;
}

/** One GET with the whole attempt bounded by t.timeoutMs; never rejects. */
export async function httpGet(t: ProbeTarget, spec: HttpGetSpec, signal: AbortSignal): Promise<HttpReply | ProbeResult> {
  const s = await openSession(t, signal, spec.tls);
  if (!isSession(s)) return s;
  try {
    s.socket.write(buildRequest(spec, t.port));
    let headerEnd = -1;
    let want: number | null = null;
    const r = await readUntil(s, spec.maxBytes ?? DEFAULT_MAX_REPLY, (buf) => {
      if (headerEnd < 0) {
        headerEnd = buf.indexOf(HEADER_END);
        if (headerEnd >= 0) want = contentLength(buf.subarray(0, headerEnd).toString('latin1'));
      }
      return headerEnd >= 0 && want !== null && buf.length >= headerEnd + 4 + want;
    });
    if ('ok' in r) return r;
    const buf = r.buf;
    const he = buf.indexOf(HEADER_END);
    if (he < 0) return fail('protocol', buf.length === 0 ? 'connection closed before any reply' : 'reply without a complete HTTP header');
    const header = buf.subarray(0, he);
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(header.toString('latin1'));
    if (!m) return fail('protocol', 'reply is not HTTP');
    let body = buf.subarray(he + 4);
    const cl = contentLength(header.toString('latin1'));
    if (cl !== null) {
      if (body.length < cl) return fail('protocol', `body truncated (${body.length} of ${cl} bytes)`);
      body = body.subarray(0, cl);
    }
    return { status: Number(m[1]), header, body };
  } finally {
    s.close();
  }
}

/** Is a status code within the configured ranges (default 200-299)? */
export function statusOk(code: number, ranges: readonly StatusRange[]): boolean {
  if (ranges.length === 0) return code >= 200 && code <= 299;
  return ranges.some((r) => code >= r.min && code <= r.max);
}

/** MD5 of a body as 32 lower-case hex digits. */
export function md5Hex(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

const REGEX_FLAGS: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', utf8: 'u' };

/** Compiles a url's regex with keepalived's regex_options mapped onto JavaScript flags. */
export function compileRegex(u: DeepReadonly<HttpUrl>): RegExp | null {
  if (u.regex === null) return null;
  let flags = 'g';
  for (const o of u.regexOptions) {
    const f = REGEX_FLAGS[o.toLowerCase()];
    if (f && !flags.includes(f)) flags += f;
  }
  return new RegExp(u.regex, flags);
}

/** Checks a reply against one url block. */
export function judgeReply(u: DeepReadonly<HttpUrl>, reply: HttpReply, re: RegExp | null): ProbeResult {
  if (!statusOk(reply.status, u.statusCodes)) return fail('status', `HTTP status code error to ${u.path ?? '/'}: ${reply.status}`);
  if (u.digest !== null) {
    const got = md5Hex(reply.body);
    if (got !== u.digest.toLowerCase()) return fail('digest', `MD5 digest error to ${u.path ?? '/'}: got ${got}, expected ${u.digest}`);
  }
  if (re) {
    const text = reply.body.toString('latin1');
    re.lastIndex = u.regexMinOffset ?? 0;
    const m = re.exec(text);
    const hit = m !== null && (u.regexMaxOffset === null || m.index <= u.regexMaxOffset);
    if (hit === u.regexNoMatch) return fail('regex', `regex ${u.regexNoMatch ? 'matched' : 'did not match'} on ${u.path ?? '/'}`);
  }
  return { ok: true, detail: `status ${reply.status}` };
}

/** Inputs of an HTTP_GET/SSL_GET probe beyond the connection target. */
export interface HttpProbeOptions {
  /** The real server's virtualhost (checker's, else real server's, else virtual server's). */
  readonly virtualhost: string | null;
  readonly tls?: TlsOptions;
  readonly maxBytes?: number;
}

/** One HTTP_GET/SSL_GET attempt: every url in turn, each on its own connection; the first failure fails the attempt. */
export async function probeHttp(c: DeepReadonly<HttpChecker>, t: ProbeTarget, o: HttpProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  const urls = c.urls.length > 0 ? c.urls : [null];
  let last: ProbeResult = { ok: true };
  for (const u of urls) {
    const host = u?.virtualhost ?? c.virtualhost ?? o.virtualhost ?? t.host;
    const spec: HttpGetSpec = {
      path: u?.path ?? '/',
      protocol: c.httpProtocol,
      host,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}),
    };
    const reply = await httpGet(t, spec, signal);
    if ('ok' in reply) return reply;
    if (!u) {
      if (!statusOk(reply.status, [])) return fail('status', `HTTP status code error: ${reply.status}`);
      continue;
    }
    last = judgeReply(u, reply, compileRegex(u));
    if (!last.ok) return last;
  }
  return last;
}
