// Packet capture for the namespace lab: tcpdump -w in an observer namespace with kernel timestamps, and a classic-pcap reader that extracts VRRP adverts, ARP frames and IPv6 neighbour adverts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** Why tcpdump-based tests cannot run (tcpdump missing), or undefined. */
export function tcpdumpSkipReason(): string | undefined {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'tcpdump is not installed (apt-get install tcpdump)';
  return undefined;
}

/** A VRRP advertisement seen on the wire (IPv4 or IPv6). */
export interface WireAdvert {
  /** Capture time in ms (kernel timestamp, epoch based, sub-µs precision kept as fraction). */
  readonly t: number;
  readonly family: 4 | 6;
  readonly srcMac: string;
  readonly src: string;
  readonly dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  readonly version: number;
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  readonly count: number;
  /** v2: auth type; v3: undefined. */
  readonly authType?: number;
  /** v2: advert interval in s; v3: max advert interval in centiseconds. */
  readonly interval: number;
  readonly addresses: readonly string[];
  readonly checksum: number;
}

/** An ARP frame seen on the wire. */
export interface WireArp {
  readonly t: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetIp: string;
}

/** An ICMPv6 neighbour advertisement seen on the wire. */
export interface WireNa {
  readonly t: number;
  readonly srcMac: string;
  readonly src: string;
  readonly dst: string;
  readonly hopLimit: number;
  readonly target: string;
  /** R/S/O bits as in the header's top byte (0x20 = Override only). */
  readonly flags: number;
}

/** Everything of interest in one capture, in capture order. */
export interface CaptureContents {
  readonly adverts: WireAdvert[];
  readonly arps: WireArp[];
  readonly nas: WireNa[];
  frames: number;
}

function mac(b: Buffer, off: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push((b[off + i] ?? 0).toString(16).padStart(2, '0'));
  return out.join(':');
}

function ipv4(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text of a 16-byte IPv6 address. */
export function ipv6Text(b: Buffer, off: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(b.readUInt16BE(off + 2 * i));
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

function parseVrrp(p: Buffer, off: number, end: number, family: 4 | 6): Omit<WireAdvert, 't' | 'family' | 'srcMac' | 'src' | 'dst' | 'ttl'> | undefined {
  if (end - off < 8) return undefined;
  const vt = p[off]!;
  const version = vt >> 4;
  const count = p[off + 3]!;
  const alen = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < count && off + 8 + (i + 1) * alen <= end; i++) {
    const a = off + 8 + i * alen;
    addresses.push(family === 4 ? ipv4(p, a) : ipv6Text(p, a));
  }
  const common = { version, type: vt & 0x0f, vrid: p[off + 1]!, priority: p[off + 2]!, count, addresses, checksum: p.readUInt16BE(off + 6) };
  if (version === 2) return { ...common, authType: p[off + 4]!, interval: p[off + 5]! };
  return { ...common, interval: p.readUInt16BE(off + 4) & 0x0fff };
}

/**
 * Reads a classic pcap file (either byte order, µs or ns timestamps, Ethernet link type) and
 * returns its VRRP adverts, ARP frames and neighbour adverts. 802.1Q tags are skipped.
 */
export function readPcap(file: string): CaptureContents {
  const b = fs.readFileSync(file);
  const out: CaptureContents = { adverts: [], arps: [], nas: [], frames: 0 };
  if (b.length < 24) return out;
  const magicLE = b.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = b.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`${file}: not a classic pcap file (magic 0x${magicLE.toString(16)})`);
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linktype = u32(20);
  if (linktype !== 1) throw new Error(`${file}: link type ${linktype} is not Ethernet`);
  let o = 24;
  while (o + 16 <= b.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const start = o + 16;
    o = start + incl;
    if (o > b.length) break;
    out.frames++;
    const t = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    const f = b.subarray(start, start + incl);
    if (f.length < 14) continue;
    let et = f.readUInt16BE(12);
    let l3 = 14;
    while ((et === 0x8100 || et === 0x88a8) && f.length >= l3 + 4) {
      et = f.readUInt16BE(l3 + 2);
      l3 += 4;
    }
    const srcMac = mac(f, 6);
    if (et === 0x0806 && f.length >= l3 + 28) {
      out.arps.push({
        t, srcMac, dstMac: mac(f, 0), op: f.readUInt16BE(l3 + 6),
        senderMac: mac(f, l3 + 8), senderIp: ipv4(f, l3 + 14), targetIp: ipv4(f, l3 + 24),
      });
    } else if (et === 0x0800 && f.length >= l3 + 20) {
      const ihl = (f[l3]! & 0x0f) * 4;
      const proto = f[l3 + 9]!;
      const totLen = f.readUInt16BE(l3 + 2);
      const end = Math.min(f.length, l3 + totLen);
      if (proto !== 112) continue;
      const v = parseVrrp(f, l3 + ihl, end, 4);
      if (v) out.adverts.push({ t, family: 4, srcMac, src: ipv4(f, l3 + 12), dst: ipv4(f, l3 + 16), ttl: f[l3 + 8]!, ...v });
    } else if (et === 0x86dd && f.length >= l3 + 40) {
      const next = f[l3 + 6]!;
      const hop = f[l3 + 7]!;
      const end = Math.min(f.length, l3 + 40 + f.readUInt16BE(l3 + 4));
      const src = ipv6Text(f, l3 + 8);
      const dst = ipv6Text(f, l3 + 24);
      const l4 = l3 + 40;
      if (next === 112) {
        const v = parseVrrp(f, l4, end, 6);
        if (v) out.adverts.push({ t, family: 6, srcMac, src, dst, ttl: hop, ...v });
      } else if (next === 58 && end - l4 >= 24 && f[l4] === 136) {
        out.nas.push({ t, srcMac, src, dst, hopLimit: hop, target: ipv6Text(f, l4 + 8), flags: f[l4 + 4]! });
      }
    }
  }
  return out;
}

let tsTypeCache: string | null = null;

/**
 * The timestamp type to ask tcpdump for: adapter_unsynced when the device offers it, else
 * host (the kernel's timestamp taken when the frame is handed to the packet socket). veth
 * offers only host.
 */
function timestampType(ns: string, ifname: string): string {
  if (tsTypeCache !== null) return tsTypeCache;
  const r = spawnSync('ip', ['netns', 'exec', ns, 'tcpdump', '-J', '-i', ifname], { encoding: 'utf8' });
  tsTypeCache = /adapter_unsynced/.test(r.stdout ?? '') ? 'adapter_unsynced' : 'host';
  return tsTypeCache;
}

const captures = new Set<Capture>();

/** A running tcpdump writing a pcap file; {@link stop} ends it by PID and returns the decoded contents. */
export class Capture {
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(readonly file: string, readonly proc: ChildProcess, readonly tsType: string) {
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    captures.add(this);
    this.exited = new Promise((r) => proc.on('exit', () => {
      captures.delete(this);
      r();
    }));
  }

  /** Kills (by PID) every tcpdump this process started that still runs; for interrupt handlers. */
  static killAll(): void {
    for (const c of captures) c.kill('SIGKILL');
  }

  /**
   * Starts `tcpdump -w file` on `ifname` in namespace `ns` (ns timestamps; immediate mode and
   * -U, so each packet is in the file as soon as it is captured) and resolves once tcpdump is listening.
   */
  static async start(ns: string, ifname: string, file: string, filter = 'arp or ip proto 112 or ip6 proto 112 or icmp6'): Promise<Capture> {
    const ts = timestampType(ns, ifname);
    const args = ['netns', 'exec', ns, 'tcpdump', '-i', ifname, '-n', '-U', '--immediate-mode', '-s', '256', '-j', ts, '--time-stamp-precision=nano', '-w', file, filter];
    const proc = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const c = new Capture(file, proc, ts);
    const end = Date.now() + 5000;
    while (!/listening on/.test(c.stderr)) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`tcpdump exited: ${c.stderr.trim()}`);
      if (Date.now() > end) {
        c.kill();
        throw new Error(`tcpdump did not start listening within 5 s: ${c.stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return c;
  }

  /** Decodes what has been written so far (tcpdump -U flushes each packet). */
  read(): CaptureContents {
    return readPcap(this.file);
  }

  private kill(sig: NodeJS.Signals = 'SIGINT'): void {
    if (this.proc.pid !== undefined && this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(this.proc.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** Stops tcpdump (SIGINT, then SIGKILL after 2 s) and returns the decoded capture. */
  async stop(): Promise<CaptureContents> {
    this.kill('SIGINT');
    const t = setTimeout(() => this.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
    return fs.existsSync(this.file) ? readPcap(this.file) : { adverts: [], arps: [], nas: [], frames: 0 };
  }
}
