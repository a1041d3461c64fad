// Loopback test servers for probes: HTTP(S), SMTP, DNS/UDP and UDP echo, each able to be slow, hang, half-open, answer garbage or too much.
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a server misbehaves. */
export type Misbehaviour =
  /** Answer correctly. */
  | 'ok'
  /** Answer correctly after `delayMs`. */
  | 'slow'
  /** Accept and never answer. */
  | 'hang'
  /** Send half an answer, then neither more nor close. */
  | 'half-open'
  /** Answer with bytes that are not the protocol. */
  | 'garbage'
  /** Answer with `oversizeBytes` of data. */
  | 'oversized'
  /** Close as soon as the connection is accepted. */
  | 'close';

export interface ServerOptions {
  mode?: Misbehaviour;
  delayMs?: number;
  oversizeBytes?: number;
  host?: string;
}

/** A running test server. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Connections (TCP) or datagrams (UDP) seen. */
  readonly hits: number;
  /** Requests received (raw text of each), for assertions. */
  readonly requests: string[];
  mode: Misbehaviour;
  close(): Promise<void>;
}

/** A self-signed certificate and key made at test time (openssl when installed, else null). */
export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

let cached: TestCert | null | undefined;

/** Generates (once per process) a self-signed RSA certificate for CN=localhost with openssl. Null when openssl is missing. */
export function selfSignedCert(): TestCert | null {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'tska-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore', timeout: 20_000 },
    );
    cached = { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } catch {
    cached = null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached;
}

type StreamHandler = (sock: net.Socket, srv: TestServer, data: Buffer) => void;

/** A TCP (or TLS) server that calls `answer` once per request as `mode` dictates. `firstWords` is sent on connect (SMTP banner). */
function streamServer(
  opts: ServerOptions & { tls?: TestCert; sni?: (name: string) => void },
  answer: StreamHandler,
  onConnect?: (sock: net.Socket, srv: TestServer) => void,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state = { hits: 0, requests: [] as string[], mode: opts.mode ?? 'ok' };
  const handle = (sock: net.Socket): void => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    state.hits++;
    if (state.mode === 'close') {
      sock.destroy();
      return;
    }
    if (state.mode === 'hang') return;
    onConnect?.(sock, srv);
    sock.on('data', (d: Buffer) => {
      state.requests.push(d.toString('latin1'));
      if (state.mode === 'slow') setTimeout(() => !sock.destroyed && answer(sock, srv, d), opts.delayMs ?? 500);
      else answer(sock, srv, d);
    });
  };
  const server = opts.tls
    ? tls.createServer({
        cert: opts.tls.cert,
        key: opts.tls.key,
        SNICallback: (name, cb) => {
          opts.sni?.(name);
          cb(null, tls.createSecureContext({ cert: opts.tls!.cert, key: opts.tls!.key }));
        },
      }, handle)
    : net.createServer(handle);
  server.on('tlsClientError', () => undefined);
  const host = opts.host ?? '127.0.0.1';
  const srv: TestServer = {
    host,
    port: 0,
    get hits() {
      return state.hits;
    },
    requests: state.requests,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      (srv as { port: number }).port = (server.address() as net.AddressInfo).port;
      resolve(srv);
    });
  });
}

function misbehave(sock: net.Socket, srv: TestServer, good: Buffer, opts: ServerOptions): void {
  switch (srv.mode) {
    case 'half-open':
      sock.write(good.subarray(0, Math.max(1, Math.floor(good.length / 2))));
      return;
    case 'garbage':
      sock.end(Buffer.from('\x00\x01garbage\xff\r\nnot a reply\r\n', 'latin1'));
      return;
    case 'oversized': {
      const n = opts.oversizeBytes ?? 4 << 20;
      const head = Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${n}\r\n\r\n`);
      sock.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < n && !sock.destroyed) {
          sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
        if (!sock.destroyed) sock.end();
      };
      pump();
      return;
    }
    default:
      sock.end(good);
  }
}

/** HTTP server options. */
export interface HttpServerOptions extends ServerOptions {
  status?: number;
  body?: string | Buffer;
  /** Omit Content-Length (the body ends when the connection closes). */
  noLength?: boolean;
  tls?: TestCert;
  /** Hears the SNI name a TLS client sent. */
  sni?: (name: string) => void;
}

/** A one-request-per-connection HTTP (or HTTPS) server. */
export function startHttp(o: HttpServerOptions = {}): Promise<TestServer> {
  const body = Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body ?? '<html>hello</html>\n');
  return streamServer(o, (sock, srv, data) => {
    if (!data.includes('\r\n\r\n')) return;
    const status = o.status ?? 200;
    const head = `HTTP/1.0 ${status} X\r\nContent-Type: text/html\r\n${o.noLength ? '' : `Content-Length: ${body.length}\r\n`}\r\n`;
    misbehave(sock, srv, Buffer.concat([Buffer.from(head), body]), o);
  });
}

/** A minimal SMTP responder: 220 banner, 250 to HELO, 221 to QUIT. */
export function startSmtp(o: ServerOptions & { bannerCode?: number; heloCode?: number } = {}): Promise<TestServer> {
  return streamServer(
    o,
    (sock, srv, data) => {
      const line = data.toString('latin1');
      if (/^HELO /i.test(line)) misbehave(sock, srv, Buffer.from(`${o.heloCode ?? 250} hello\r\n`), o);
      else if (/^QUIT/i.test(line)) sock.end('221 bye\r\n');
    },
    (sock, srv) => {
      const banner = Buffer.from(`220-test.example ESMTP\r\n${o.bannerCode ?? 220} ready\r\n`);
      if (srv.mode === 'garbage' || srv.mode === 'half-open' || srv.mode === 'oversized') misbehave(sock, srv, banner, o);
      else if (srv.mode === 'slow') setTimeout(() => !sock.destroyed && sock.write(banner), o.delayMs ?? 500);
      else sock.write(banner);
    },
  );
}

/** UDP server options. */
export interface UdpServerOptions extends ServerOptions {
  /** Builds the reply to a datagram (default: echo). */
  reply?: (msg: Buffer) => Buffer | null;
}

/** A UDP responder (echo by default); 'hang' never answers; 'garbage' answers junk; 'oversized' a large datagram. */
export function startUdp(o: UdpServerOptions = {}): Promise<TestServer> {
  const host = o.host ?? '127.0.0.1';
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const state = { hits: 0, requests: [] as string[], mode: o.mode ?? 'ok' };
  sock.on('message', (msg, rinfo) => {
    state.hits++;
    state.requests.push(msg.toString('hex'));
    const mode = state.mode;
    if (mode === 'hang' || mode === 'close' || mode === 'half-open') return;
    let out: Buffer | null;
    if (mode === 'garbage') out = Buffer.from('garbage!');
    else if (mode === 'oversized') out = Buffer.alloc(o.oversizeBytes ?? 8000, 0x5a);
    else out = o.reply ? o.reply(msg) : msg;
    if (!out) return;
    const send = (): void => sock.send(out!, rinfo.port, rinfo.address);
    if (mode === 'slow') setTimeout(send, o.delayMs ?? 500);
    else send();
  });
  const srv: TestServer = {
    host,
    port: 0,
    get hits() {
      return state.hits;
    },
    requests: state.requests,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    close: () => new Promise<void>((res) => sock.close(() => res())),
  };
  return new Promise((resolve) => {
    sock.bind(0, host, () => {
      (srv as { port: number }).port = sock.address().port;
      resolve(srv);
    });
  });
}

/** A DNS responder: answers every query with one A record (or `rcode`), echoing the id (or a wrong one with wrongId). */
export function startDns(o: ServerOptions & { rcode?: number; answers?: number; wrongId?: boolean } = {}): Promise<TestServer> {
  return startUdp({
    ...o,
    reply: (q) => {
      if (q.length < 12) return null;
      let i = 12;
      while (i < q.length && q[i] !== 0) i += q[i]! + 1;
      const question = q.subarray(12, i + 5);
      const hdr = Buffer.alloc(12);
      hdr.writeUInt16BE(o.wrongId ? (q.readUInt16BE(0) + 1) & 0xffff : q.readUInt16BE(0), 0);
      hdr.writeUInt16BE(0x8180 | (o.rcode ?? 0), 2);
      hdr.writeUInt16BE(1, 4);
      const n = o.answers ?? 1;
      hdr.writeUInt16BE(n, 6);
      const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
      return Buffer.concat([hdr, question, ...Array.from({ length: n }, () => rr)]);
    },
  });
}

/** A loopback port with nothing listening (TCP: connection refused; UDP: ICMP port unreachable). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
