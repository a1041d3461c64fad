// Helpers for the VRRP namespace tests and the demo: configs, daemon nodes, VIP checks, an observer that timestamps adverts and ARP frames.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLan, ipJson, spawnIn, withNetns, type Lan, type LanNode } from '../../helpers/netns';
import { PacketSocket } from '../../../src/sys/packet-socket';
import { VrrpSocket } from '../../../src/sys/vrrp-socket';
import { native } from '../../../src/sys/native';

/** Compiled entry points (this file lives in <out>/test/integration/vrrp). */
export const MAIN_JS = path.resolve(__dirname, '../../../src/cli/main.js');
export const STANDALONE_JS = path.resolve(__dirname, '../../../src/vrrp/standalone.js');

/** Options of one generated vrrp_instance. */
export interface InstanceOpts {
  readonly name?: string;
  readonly vrid?: number;
  readonly priority: number;
  readonly advert?: string;
  readonly version?: 2 | 3;
  readonly vips?: readonly string[];
  readonly auth?: string;
  readonly nopreempt?: boolean;
  readonly extra?: readonly string[];
  readonly unicastSrc?: string;
  readonly unicastPeers?: readonly string[];
}

/** keepalived.conf text for one instance. */
export function configText(o: InstanceOpts): string {
  const lines = [
    'global_defs {', '  router_id tska_test', '}',
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    `  state ${o.nopreempt ? 'BACKUP' : 'MASTER'}`,
    '  interface eth0',
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advert ?? '1'}`,
    `  version ${o.version ?? 2}`,
  ];
  if (o.nopreempt) lines.push('  nopreempt');
  if (o.auth) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${o.auth}`, '  }');
  if (o.unicastSrc) lines.push(`  unicast_src_ip ${o.unicastSrc}`);
  if (o.unicastPeers) lines.push('  unicast_peer {', ...o.unicastPeers.map((p) => `    ${p}`), '  }');
  for (const e of o.extra ?? []) lines.push(`  ${e}`);
  lines.push('  virtual_ipaddress {', ...(o.vips ?? ['192.0.2.100/24 dev eth0']).map((v) => `    ${v}`), '  }', '}');
  return `${lines.join('\n')}\n`;
}

/** A private temp directory for configs and pidfiles. */
export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tska-vrrp-${tag}-`));
}

/**
 * A LAN of `size` namespaces for one test, and a temp dir: every node the test pushes to `nodes` is
 * terminated and the LAN destroyed afterwards, whatever happens.
 */
export async function withNodes(tag: string, size: number, fn: (lan: Lan, dir: string, nodes: Node[]) => Promise<void>): Promise<void> {
  const lan = createLan({ nodes: size });
  const nodes: Node[] = [];
  try {
    await fn(lan, tempDir(tag), nodes);
  } finally {
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    lan.destroy();
  }
}

/** A running node: its process, its collected log lines. */
export class Node {
  readonly lines: string[] = [];
  private waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  exited: Promise<number | null>;

  constructor(readonly ns: string, readonly proc: ChildProcess, readonly dir: string, readonly name: string) {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (process.env['TSKA_TEST_VERBOSE']) process.stderr.write(`[${name}] ${line}\n`);
        this.waiters = this.waiters.filter((w) => {
          if (w.re.test(line)) {
            w.resolve(line);
            return false;
          }
          return true;
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  }

  /** Resolves with the first line (from now on, or from `fromIndex`) matching `re`. */
  waitLine(re: RegExp, timeoutMs = 15000, fromIndex = this.lines.length): Promise<string> {
    const seen = this.lines.slice(fromIndex).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms; log:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ re, from: fromIndex, resolve: (l) => { clearTimeout(t); resolve(l); } });
    });
  }

  /** PIDs of the daemon's VRRP child (from the -r pidfile) and of the parent. */
  pids(): number[] {
    const out: number[] = [];
    const vp = path.join(this.dir, `${this.name}.vrrp.pid`);
    if (fs.existsSync(vp)) out.push(Number(fs.readFileSync(vp, 'utf8').trim()));
    if (this.proc.pid !== undefined) out.push(this.proc.pid);
    return out;
  }

  /** Like the lab's sigkill: SIGSTOP every process, then SIGKILL them (no priority 0 can escape). */
  hardKill(): void {
    const pids = this.pids().filter((p) => p > 0);
    for (const p of pids) try { process.kill(p, 'SIGSTOP'); } catch { /* gone */ }
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }

  /** SIGTERM to the main process and wait for it to exit. */
  async terminate(timeoutMs = 10000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.pid !== undefined) process.kill(this.proc.pid, 'SIGTERM');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
  }
}

/**
 * Starts a node: the full daemon (`main.js -n -P -l -G -f conf -p/-r/-c`) or the standalone
 * runner. `ip netns exec` execs node, so the child's PID is the daemon's.
 */
export function startNode(node: LanNode, name: string, conf: string, dir: string, kind: 'daemon' | 'standalone' = 'daemon'): Node {
  const cf = path.join(dir, `${name}.conf`);
  fs.writeFileSync(cf, conf);
  const args = kind === 'daemon'
    ? [MAIN_JS, '-n', '-P', '-l', '-G', '-f', cf, '-p', path.join(dir, `${name}.pid`), '-r', path.join(dir, `${name}.vrrp.pid`), '-c', path.join(dir, `${name}.check.pid`)]
    : [STANDALONE_JS, '-f', cf];
  return new Node(node.ns, spawnIn(node.ns, process.execPath, args), dir, name);
}

/** Whether `addr` is on any interface of the namespace. */
export function hasAddress(ns: string, addr: string): boolean {
  const links = ipJson<Array<{ ifname: string; addr_info?: Array<{ local: string }> }>>(['addr', 'show'], ns);
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === addr));
}

/** One advert as the observer saw it. */
export interface SeenAdvert {
  readonly t: number;
  readonly src: string;
  readonly priority: number;
  readonly vrid: number;
}

/** One ARP frame seen by the observer. */
export interface SeenArp {
  readonly t: number;
  readonly srcMac: string;
  readonly op: number;
  readonly senderIp: string;
  readonly targetIp: string;
}

function macText(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Listens in the observer namespace for VRRP adverts (v4 and v6) and ARP frames, timestamped on arrival. */
export class Observer {
  readonly adverts: SeenAdvert[] = [];
  readonly arps: SeenArp[] = [];
  private readonly socks: { close(): void }[] = [];

  constructor(node: LanNode) {
    withNetns(node.ns, () => {
      const v4 = new VrrpSocket({
        family: 4, device: node.ifname, ifindex: node.ifindex,
        onPacket: (p) => this.adverts.push({ t: performance.now(), src: p.src, priority: p.payload[2] ?? -1, vrid: p.payload[1] ?? -1 }),
      });
      v4.join(undefined, node.ifindex);
      const v6 = new VrrpSocket({
        family: 6, device: node.ifname, ifindex: node.ifindex,
        onPacket: (p) => this.adverts.push({ t: performance.now(), src: p.src, priority: p.payload[2] ?? -1, vrid: p.payload[1] ?? -1 }),
      });
      v6.join(undefined, node.ifindex);
      const arp = new PacketSocket(node.ifindex, {
        receiveProtocol: native.constants.ETH_P_ARP,
        onFrame: (f) => {
          const b = f.frame;
          if (b.length < 42) return;
          this.arps.push({
            t: performance.now(), srcMac: macText(b.subarray(6, 12)), op: b.readUInt16BE(20),
            senderIp: Array.from(b.subarray(28, 32)).join('.'), targetIp: Array.from(b.subarray(38, 42)).join('.'),
          });
        },
      });
      this.socks.push(v4, v6, arp);
    });
  }

  /** Adverts from `src`. */
  from(src: string): SeenAdvert[] {
    return this.adverts.filter((a) => a.src === src);
  }

  close(): void {
    for (const s of this.socks) s.close();
  }
}

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
