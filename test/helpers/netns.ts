// Network-namespace test bed: namespaces, veth pairs, a bridge in its own namespace, commands and functions run inside; skips with a reason when not root.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { withNetns } from '../../src/sys/netns';

export { withNetns };

let cachedSkip: string | undefined | null = null;

function which(cmd: string): boolean {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    try {
      fs.accessSync(`${dir}/${cmd}`, fs.constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/**
 * Why namespace tests cannot run here (not root, no `ip`, namespaces refused), or undefined when
 * they can. Use as `test('...', { skip: netnsSkipReason() }, ...)`.
 */
export function netnsSkipReason(): string | undefined {
  if (cachedSkip !== null) return cachedSkip;
  cachedSkip = probe();
  return cachedSkip;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespace tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)';
  if (!which('ip')) return "network namespace tests need iproute2's `ip`";
  const name = uniqueNsName('probe');
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${(r.stderr || r.error?.message || '').trim()}`;
  spawnSync('ip', ['netns', 'del', name]);
  return undefined;
}

let counter = 0;
/** A namespace name unique to this process: tska-t-<pid>-<n>[-tag]. */
export function uniqueNsName(tag?: string): string {
  counter += 1;
  return `tska-t-${process.pid}-${counter}${tag ? `-${tag}` : ''}`;
}

/** Runs `ip [-n ns] args...`; throws with ip's stderr on failure; returns stdout. */
export function ip(args: readonly string[], ns?: string): string {
  const full = ns ? ['-n', ns, ...args] : [...args];
  const r = spawnSync('ip', full, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${full.join(' ')} failed: ${(r.stderr || r.error?.message || `status ${r.status}`).trim()}`);
  return r.stdout;
}

/** `ip -j ...` parsed. */
export function ipJson<T>(args: readonly string[], ns?: string): T {
  return JSON.parse(ip(['-j', ...args], ns) || '[]') as T;
}

/** Sets a sysctl (dotted or slashed key) inside a namespace (via setns on this thread; no child process). */
export function sysctlIn(ns: string, key: string, value: string | number): void {
  const file = `/proc/sys/${key.replace(/\./g, '/')}`;
  withNetns(ns, () => fs.writeFileSync(file, String(value)));
}

/** Reads a sysctl inside a namespace. */
export function readSysctlIn(ns: string, key: string): string {
  return withNetns(ns, () => fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim());
}

const created = new Set<string>();
const children = new Map<string, Set<ChildProcess>>();

/**
 * Creates a namespace with lo up and IPv6 DAD off for interfaces created in it later
 * (accept_dad=0), so link-local addresses are usable at once. Deleted at exit if still there.
 */
export function createNetns(name: string, opts: { ipv6?: boolean } = {}): string {
  ip(['netns', 'add', name]);
  created.add(name);
  try {
    ip(['link', 'set', 'lo', 'up'], name);
    if (opts.ipv6 === false) {
      sysctlIn(name, 'net.ipv6.conf.all.disable_ipv6', 1);
      sysctlIn(name, 'net.ipv6.conf.default.disable_ipv6', 1);
    } else {
      sysctlIn(name, 'net.ipv6.conf.all.accept_dad', 0);
      sysctlIn(name, 'net.ipv6.conf.default.accept_dad', 0);
    }
  } catch (e) {
    deleteNetns(name);
    throw e;
  }
  return name;
}

/** Kills (by PID) the processes this helper started in the namespace, then deletes it. Never throws. */
export function deleteNetns(name: string): void {
  for (const c of children.get(name) ?? []) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.delete(name);
  spawnSync('ip', ['netns', 'del', name]);
  created.delete(name);
}

process.on('exit', () => {
  for (const name of [...created]) deleteNetns(name);
});

/** Runs a command inside a namespace (`ip netns exec`) and waits for it. */
export function execIn(ns: string, cmd: string, args: readonly string[] = [], opts: { input?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 30_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

/** Starts a command inside a namespace; the process is killed by PID when the namespace is deleted. */
export function spawnIn(ns: string, cmd: string, args: readonly string[] = [], opts: SpawnOptions = {}): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...opts });
  let set = children.get(ns);
  if (!set) children.set(ns, (set = new Set()));
  set.add(c);
  return c;
}

/** Starts `node -e script` inside a namespace (same Node binary), tracked like {@link spawnIn}. */
export function spawnNodeIn(ns: string, script: string, args: readonly string[] = [], opts: SpawnOptions = {}): ChildProcess {
  return spawnIn(ns, process.execPath, ['-e', script, ...args], opts);
}

/** Interface index of `ifname` inside a namespace. */
export function ifindexIn(ns: string, ifname: string): number {
  const links = ipJson<Array<{ ifindex: number }>>(['link', 'show', 'dev', ifname], ns);
  const l = links[0];
  if (!l) throw new Error(`no interface ${ifname} in ${ns}`);
  return l.ifindex;
}

/** One node of a {@link Lan}. */
export interface LanNode {
  readonly ns: string;
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** The interface's fe80:: address (usable at once: DAD is off). */
  readonly linkLocal: string;
}

/** A LAN: a bridge `br0` in namespace `sw`, and nodes whose `eth0` is a veth peer of `sw:p<i>`. */
export interface Lan {
  readonly sw: string;
  readonly nodes: readonly LanNode[];
  /** Deletes every namespace of the LAN (and so its veth pairs). Never throws. */
  destroy(): void;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the lab's topology (see /work/shared/lab README §1) with private names:
 * node i gets 192.0.2.(10+i)/24, fd00:db8::(10+i)/64 and MAC 02:74:6b:00:00:<i>. Nothing is
 * created in the root namespace. IPv6 is off in `sw`; the bridge has STP and multicast snooping off.
 */
export function createLan(opts: { nodes?: number } = {}): Lan {
  const n = opts.nodes ?? 2;
  if (n < 1 || n > 200) throw new RangeError('nodes must be 1..200');
  const base = uniqueNsName('lan');
  const sw = `${base}-sw`;
  const names: string[] = [];
  const destroy = (): void => {
    for (const ns of names) deleteNetns(ns);
    deleteNetns(sw);
  };
  try {
    createNetns(sw, { ipv6: false });
    ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0'], sw);
    ip(['link', 'set', 'br0', 'up'], sw);
    const nodes: LanNode[] = [];
    for (let i = 1; i <= n; i++) {
      const ns = `${base}-n${i}`;
      createNetns(ns);
      names.push(ns);
      const mac = `02:74:6b:00:00:${i.toString(16).padStart(2, '0')}`;
      ip(['link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns], sw);
      ip(['link', 'set', `p${i}`, 'master', 'br0', 'up'], sw);
      ip(['link', 'set', 'eth0', 'address', mac, 'up'], ns);
      ip(['addr', 'add', `192.0.2.${10 + i}/24`, 'dev', 'eth0'], ns);
      ip(['addr', 'add', `fd00:db8::${(10 + i).toString(16)}/64`, 'dev', 'eth0', 'nodad'], ns);
      nodes.push({ ns, ifname: 'eth0', ifindex: ifindexIn(ns, 'eth0'), mac, ipv4: `192.0.2.${10 + i}`, ipv6: `fd00:db8::${(10 + i).toString(16)}`, linkLocal: '' });
    }
    // Wait (bounded) for each link-local address to exist and be usable.
    const done = nodes.map((node) => {
      for (let tries = 0; tries < 200; tries++) {
        const addrs = ipJson<Array<{ addr_info?: Array<{ family: string; local: string; scope: string; tentative?: boolean }> }>>(['addr', 'show', 'dev', 'eth0'], node.ns);
        const ll = addrs[0]?.addr_info?.find((a) => a.family === 'inet6' && a.scope === 'link' && a.tentative !== true);
        if (ll) return { ...node, linkLocal: ll.local };
        sleepMs(10);
      }
      throw new Error(`no link-local address on ${node.ns}:eth0`);
    });
    return { sw, nodes: done, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

/** Resolves when `pred` returns true, polling every `everyMs`, or rejects after `timeoutMs`. */
export async function waitFor(pred: () => boolean, timeoutMs = 3000, everyMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
