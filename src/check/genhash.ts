// genhash (keepalived -T / --genhash): GET a page and print the MD5 digest HTTP_GET/SSL_GET's `digest` expects.
import { isIP } from 'node:net';
import type { HttpProtocol } from '../config/model/lvs';
import { httpGet, md5Hex } from './probe-http';

/** Parsed genhash options. */
export interface GenhashOptions {
  ssl: boolean;
  sni: boolean;
  server: string;
  port: number;
  url: string;
  virtualhost: string | null;
  verbose: boolean;
  fwmark: number | null;
  protocol: HttpProtocol;
  /** Milliseconds; keepalived's default is effectively unbounded. */
  timeoutMs: number;
}

/** Where genhash writes (tests capture it). */
export interface GenhashIo {
  out(s: string): void;
  err(s: string): void;
}

const USAGE = (prog: string): string =>
  `Usage: ${prog} --genhash COMMAND [OPTIONS]\n` +
  'Commands:\n' +
  '   -s server-address -p port -u url\n' +
  '   -S -s server-address -p port -u url\n' +
  '   -h\n\n' +
  'Options:\n' +
  'Either long or short options are allowed.\n' +
  '   --use-ssl         -S       Use SSL connection to remote server.\n' +
  '   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n' +
  '   --server          -s       Use the specified remote server address.\n' +
  '   --port            -p       Use the specified remote server port.\n' +
  '   --url             -u       Use the specified remote server url.\n' +
  '   --use-virtualhost -V       Use the specified virtualhost in GET query.\n' +
  '   --verbose         -v       Use verbose mode output.\n' +
  '   --help            -h       Display this short inlined help screen.\n' +
  '   --fwmark          -m       Use the specified FW mark.\n' +
  "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n" +
  "                                1.0c means 1.0 with 'Connection: close'\n" +
  '   --timeout         -t       Timeout in seconds\n';

const LONG: Record<string, string> = {
  help: 'h', genhash: 'T', verbose: 'v', 'use-ssl': 'S', 'use-sni': 'I', server: 's', hash: 'H',
  'use-virtualhost': 'V', port: 'p', url: 'u', fwmark: 'm', protocol: 'P', timeout: 't',
};
const WITH_ARG = new Set(['s', 'H', 'V', 'p', 'u', 'm', 'P', 't']);

/** Parses genhash's argv (without the program name) as getopt_long would; an error string on failure, 'help' for -h. */
export function parseGenhashArgs(argv: readonly string[]): GenhashOptions | { error: string } | 'help' {
  const o: GenhashOptions = { ssl: false, sni: false, server: '', port: 0, url: '', virtualhost: null, verbose: false, fwmark: null, protocol: '1.0', timeoutMs: 0x7fffffff };
  const seen = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let opts: [string, string | undefined][] = [];
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const matches = Object.keys(LONG).filter((k) => k.startsWith(name));
      const exact = LONG[name] !== undefined ? name : matches.length === 1 ? matches[0] : undefined;
      if (!exact) return { error: `unrecognized option '${a}'` };
      const c = LONG[exact]!;
      opts.push([c, eq >= 0 ? a.slice(eq + 1) : undefined]);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (WITH_ARG.has(c)) {
          opts.push([c, j + 1 < a.length ? a.slice(j + 1) : undefined]);
          break;
        }
        opts.push([c, undefined]);
      }
    } else {
      rest.push(a);
      continue;
    }
    for (const [c, inline] of opts) {
      let val = inline;
      if (WITH_ARG.has(c) && val === undefined) {
        val = argv[++i];
        if (val === undefined) return { error: `option requires an argument -- '${c}'` };
      }
      switch (c) {
        case 'h':
          return 'help';
        case 'T':
          break;
        case 'v':
          o.verbose = true;
          break;
        case 'S':
          o.ssl = true;
          break;
        case 'I':
          o.sni = true;
          break;
        case 's':
          if (!isIP(val!)) return { error: `server should be an IP, not ${val}` };
          o.server = val!;
          break;
        case 'H':
          if (val!.toLowerCase() !== 'md5') return { error: `unknown hash algorithm ${val}` };
          break;
        case 'V':
          o.virtualhost = val!;
          break;
        case 'p': {
          const n = /^\d+$/.test(val!) ? Number(val) : NaN;
          if (!(n > 0 && n <= 65535)) return { error: `invalid port number '${val}'` };
          o.port = n;
          break;
        }
        case 'u':
          o.url = val!;
          break;
        case 'm': {
          const s = val!.replace(/^[ \t]+/, '');
          if (!/^\d+$/.test(s)) return { error: `invalid fwmark '${val}'` };
          o.fwmark = Number(s);
          break;
        }
        case 'P':
          if (val === '1.0') o.protocol = '1.0';
          else if (val === '1.0c' || val === '1.0C') o.protocol = '1.0C';
          else if (val === '1.1') o.protocol = '1.1';
          else return { error: `invalid HTTP protocol version '${val}'` };
          break;
        case 't': {
          const s = val!.replace(/^[ \t]+/, '');
          if (!/^\d+$/.test(s)) return { error: `invalid timeout '${val}'` };
          o.timeoutMs = Number(s) * 1000;
          break;
        }
        default:
          return { error: `invalid option -- '${c}'` };
      }
      seen.add(c);
    }
  }
  if (rest.length > 0) return { error: `Unexpected argument(s): ${rest.join(' ')} ` };
  if (!seen.has('s') || !seen.has('p') || !seen.has('u')) return { error: '' };
  return o;
}

function hexDump(b: Buffer): string {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    const asc = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.padEnd(48)} ${asc}`);
  }
  return lines.join('\n') + '\n';
}

const DELIM = (s: string): string => `-----------------------[${s}]-----------------------\n`;

/**
 * keepalived's genhash: `runGenhash(['-s', '10.0.0.2', '-p', '80', '-u', '/'])` prints "MD5SUM = <hex>"
 * and resolves to the exit status (0 ok, 1 usage or fetch error).
 */
export async function runGenhash(argv: string[], io: GenhashIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, prog = 'genhash'): Promise<number> {
  const args = argv[0] === '-T' || argv[0] === '--genhash' ? argv.slice(1) : argv;
  const parsed = parseGenhashArgs(args);
  if (parsed === 'help' || 'error' in parsed) {
    if (parsed !== 'help' && parsed.error) io.err(`${parsed.error}\n`);
    io.err(USAGE(prog));
    return 1;
  }
  const o = parsed;
  const family = isIP(o.server) === 6 ? 6 : 4;
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const reply = await httpGet(
      // -m: SO_MARK set before the SYN (the addon's connect, as keepalived's genhash); 0 sets no mark.
      { host: o.server, family, port: o.port, timeoutMs: o.timeoutMs, ...(o.fwmark !== null && o.fwmark !== 0 ? { fwmark: o.fwmark } : {}) },
      {
        path: o.url,
        protocol: o.protocol,
        host: o.virtualhost ?? o.server,
        ...(o.ssl ? { tls: o.sni && o.virtualhost ? { servername: o.virtualhost } : {} } : {}),
        maxBytes: 64 << 20,
      },
      ac.signal,
    );
    if ('ok' in reply) {
      io.err(`${o.ssl ? 'SSL' : 'HTTP'} request to [${o.server}]:${o.port}${o.url} failed: ${reply.ok ? '' : reply.reason}\n`);
      return 1;
    }
    const digest = md5Hex(reply.body);
    if (o.verbose) {
      io.out(DELIM('    HTTP Header Buffer    ') + hexDump(reply.header));
      io.out(DELIM(' HTTP Header Ascii Buffer ') + reply.header.toString('latin1') + '\n');
      io.out(DELIM('        HTML Buffer        ') + hexDump(reply.body));
      io.out('\n' + DELIM('    HTML hash resulting    ') + hexDump(Buffer.from(digest, 'hex')) + DELIM(' HTML hash final resulting '));
    }
    io.out(`MD5SUM = ${digest}\n\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
