// Parity with keepalived on real IPVS: the same configs programmed by keepalived 2.2.7 and by our checker + driver give the same `ipvsadm -Ln` tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { nodeReader } from '../../../src/config/node-reader';
import { nodeHost } from '../../../src/config/node-host';
import { CheckEngine } from '../../../src/check/subsystem';
import { systemClock } from '../../../src/core/clock';
import { createIpvsApply, driverOptions } from '../../../src/ipvs/driver';

const inVm = process.env.TSKA_VM === '1';
const isRoot = process.getuid?.() === 0;
const kernelHasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
const hasKeepalived = spawnSync('keepalived', ['--version']).status === 0;
const skipReason = !isRoot
  ? 'needs root (network namespaces, IPVS)'
  : !inVm && !kernelHasIpvs
    ? 'needs a kernel with ip_vs: run inside the VM (scripts/vm/run.sh node --test <build>/test/vm/lb/)'
    : !hasKeepalived
      ? 'needs keepalived (the reference) on PATH'
      : undefined;
const inOwnNetns = process.env.TSKA_LB_TEST_NETNS === '1';

function ipvsadm(...args: string[]): string {
  return execFileSync('ipvsadm', args, { encoding: 'utf8' });
}

/** One view of the table: header lines dropped, destinations sorted inside each service, services sorted. */
function view(args: string[]): string[] {
  const blocks: string[][] = [];
  for (const line of ipvsadm(...args).split('\n')) {
    if (line === '' || /^(IP Virtual Server|Prot LocalAddress|  -> RemoteAddress)/.test(line)) continue;
    if (!line.startsWith(' ')) blocks.push([line.replace(/\s+/g, ' ').trim()]);
    else blocks.at(-1)?.push(line.replace(/\s+/g, ' ').trim());
  }
  return blocks.map(([h, ...d]) => [h, ...d.sort()].join('\n')).sort();
}

const VIEWS: Record<string, string[]> = {
  list: ['-Ln'],
  thresholds: ['-Ln', '--thresholds'],
  persistent: ['-Ln', '--persistent-conn'],
  tunnel: ['-Ln', '--tun-info'],
};

function snapshot(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, args] of Object.entries(VIEWS)) {
    try {
      out[name] = view(args);
    } catch {
      out[name] = ['(ipvsadm does not support this view)'];
    }
  }
  return out;
}

function serviceCount(): number {
  return view(['-Ln']).length;
}

function destCount(): number {
  return view(['-Ln']).reduce((n, b) => n + b.split('\n').length - 1, 0);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until the table has `services` services and `dests` destinations and has not changed for `quietMs`. */
async function settle(services: number, dests: number, timeoutMs: number, quietMs = 1500): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  while (Date.now() < end) {
    const cur = JSON.stringify(view(['-Ln']));
    if (cur !== last) {
      last = cur;
      since = Date.now();
    } else if (serviceCount() === services && destCount() === dests && Date.now() - since >= quietMs) {
      return true;
    }
    await sleep(250);
  }
  return false;
}

async function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(ms)]);
}

interface Case {
  readonly name: string;
  readonly conf: string;
  /** Services and destinations keepalived is expected to install. */
  readonly services: number;
  readonly dests: number;
}

const RS = (a: string, port: number, body = ''): string => `  real_server ${a} ${port} {\n    weight 1\n${body}  }\n`;

function schedulerCase(): Case {
  const scheds = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'mh', 'sed', 'nq', 'fo', 'ovf'];
  let conf = '';
  scheds.forEach((s, i) => {
    const flags = s === 'sh' ? '  sh-port\n  sh-fallback\n' : s === 'mh' ? '  mh-port\n  mh-fallback\n' : '';
    conf += `virtual_server 10.1.0.${i + 1} 80 {\n  delay_loop 30\n  lb_algo ${s}\n  lb_kind NAT\n  protocol TCP\n${flags}`;
    conf += `  real_server 10.2.${i}.1 8080 {\n    weight ${i + 1}\n  }\n  real_server 10.2.${i}.2 8080 {\n    weight 3\n  }\n}\n`;
  });
  // The MISC_CHECK servers must pass their check to stay (keepalived and ours run /bin/true).
  conf += 'virtual_server 10.1.1.1 80 {\n  delay_loop 2\n  lvs_sched wlc\n  lvs_method NAT\n  protocol TCP\n';
  conf += RS('10.2.100.1', 80, '    MISC_CHECK {\n      misc_path /bin/true\n    }\n') + RS('10.2.100.2', 80, '    MISC_CHECK {\n      misc_path /bin/true\n    }\n') + '}\n';
  return { name: 'schedulers (13) with sh/mh flags, weights, MISC_CHECK /bin/true', conf, services: scheds.length + 1, dests: 2 * scheds.length + 2 };
}

function forwardingCase(): Case {
  const conf = `
virtual_server 10.5.0.1 80 {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  real_server 10.6.0.1 80 {
    weight 2
    uthreshold 100
    lthreshold 10
  }
  real_server 10.6.0.2 80 {
    weight 0
  }
}
virtual_server 10.5.0.2 80 {
  lvs_sched wrr
  lvs_method TUN
  protocol TCP
  persistence_timeout
  real_server 10.6.1.1 80 {
    weight 1
  }
  real_server 10.6.1.2 80 {
    weight 4
    lvs_method TUN type gue port 6080 csum
  }
  real_server 10.6.1.3 80 {
    weight 5
    lvs_method TUN type gre nocsum
  }
  real_server 10.6.1.4 80 {
    weight 6
    lvs_method NAT
  }
}
virtual_server 10.5.0.3 53 {
  lvs_sched sh
  lvs_method NAT
  protocol UDP
  ops
  real_server 10.6.2.1 53 {
    weight 1
  }
}
virtual_server 10.5.0.4 3868 {
  lvs_sched rr
  lvs_method NAT
  protocol SCTP
  real_server 10.6.3.1 3868 {
    weight 1
  }
}
`;
  return { name: 'DR/TUN(ipip, gue, gre)/NAT, persistence + granularity, thresholds, weight 0, UDP ops, SCTP', conf, services: 4, dests: 8 };
}

function fwmarkV6Case(): Case {
  const conf = `
virtual_server fwmark 7 {
  lvs_sched wlc
  lvs_method DR
  persistence_timeout 120
  real_server 10.7.0.1 0 {
    weight 5
  }
}
virtual_server fwmark 8 {
  ip_family inet6
  lvs_sched rr
  lvs_method DR
  real_server 2001:db8:1::1 0 {
    weight 1
  }
}
virtual_server 2001:db8::1 80 {
  lvs_sched lc
  lvs_method NAT
  protocol TCP
  persistence_timeout 300
  persistence_granularity 64
  real_server 2001:db8:2::1 8080 {
    weight 1
  }
  real_server 2001:db8:2::2 8080 {
    weight 2
  }
}
virtual_server 10.8.0.1 5060 {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  persistence_timeout 60
  persistence_engine sip
  real_server 10.8.1.1 5060 {
    weight 1
  }
}
`;
  return { name: 'fwmark (inet, inet6), IPv6 service with granularity, SIP persistence engine', conf, services: 4, dests: 5 };
}

function twosCase(): Case {
  const conf = `
virtual_server 10.9.0.1 80 {
  lvs_sched twos
  lvs_method NAT
  protocol TCP
  real_server 10.9.1.1 80 {
    weight 1
  }
}
virtual_server 10.9.0.2 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.9.1.2 80 {
    weight 1
  }
}
`;
  return { name: 'twos (no ip_vs_twos in Debian 6.1: the kernel says ENOENT) next to a good service', conf, services: 1, dests: 1 };
}

function namespacedTests(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-lb-parity-'));
  const silent = { info: (): void => undefined, warn: (): void => undefined };
  const findings: string[] = [];

  test.before(() => {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    ipvsadm('-C');
  });
  test.after(() => {
    console.log(`\nparity findings:\n${findings.map((f) => `  - ${f}`).join('\n') || '  (none)'}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function runKeepalived(c: Case, file: string): Promise<{ snap: Record<string, string[]>; settled: boolean; log: string }> {
    const pid = path.join(dir, 'k.pid');
    const cpid = path.join(dir, 'c.pid');
    let log = '';
    const child = spawn('keepalived', ['-n', '-l', '-C', '-f', file, '-p', pid, '-c', cpid], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    const settled = await settle(c.services, c.dests, 45_000);
    const snap = snapshot();
    child.kill('SIGTERM');
    await waitExit(child, 15_000);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return { snap, settled, log };
  }

  async function runOurs(c: Case, file: string): Promise<{ snap: Record<string, string[]>; settled: boolean; errors: string[]; left: number }> {
    const r = loadConfig(file, { reader: nodeReader, configId: 'parity', env: {}, cwd: dir }, nodeHost());
    const errors: string[] = [];
    const drv = createIpvsApply({ info: () => undefined, warn: (m) => errors.push(m), error: (m) => errors.push(m) }, driverOptions(r.config));
    const engine = new CheckEngine({ clock: systemClock, logger: silent, apply: drv.apply });
    await engine.start(r.config);
    const settled = await settle(c.services, c.dests, 30_000);
    const snap = snapshot();
    await engine.stop();
    await drv.stop(true);
    return { snap, settled, errors, left: serviceCount() };
  }

  for (const c of [schedulerCase(), forwardingCase(), fwmarkV6Case(), twosCase()]) {
    test(c.name, { timeout: 180_000 }, async () => {
      const file = path.join(dir, 'keepalived.conf');
      fs.writeFileSync(file, `global_defs {\n  router_id parity\n}\n${c.conf}`);
      ipvsadm('-C');
      const k = await runKeepalived(c, file);
      assert.equal(serviceCount(), 0, 'keepalived removed its services on SIGTERM');
      const o = await runOurs(c, file);
      if (!k.settled) findings.push(`${c.name}: keepalived did not reach ${c.services} services / ${c.dests} destinations: ${JSON.stringify(k.snap['list'])}`);
      if (!o.settled) findings.push(`${c.name}: ours did not reach ${c.services} services / ${c.dests} destinations: ${JSON.stringify(o.snap['list'])}`);
      if (o.errors.length) findings.push(`${c.name}: our driver logged: ${o.errors.join(' | ')}`);
      const klog = k.log.split('\n').filter((l) => /error|unknown|invalid|fail/i.test(l));
      if (klog.length) findings.push(`${c.name}: keepalived logged: ${klog.join(' | ')}`);
      for (const v of Object.keys(VIEWS)) {
        if (JSON.stringify(k.snap[v]) !== JSON.stringify(o.snap[v])) findings.push(`${c.name}: view ${v} differs:\n    keepalived: ${JSON.stringify(k.snap[v])}\n    ours:       ${JSON.stringify(o.snap[v])}`);
      }
      console.log(`# ${c.name}\n${o.snap['list']!.join('\n')}`);
      assert.equal(o.left, 0, 'our driver removed its services on stop');
      assert.deepEqual(o.snap['list'], k.snap['list'], 'ipvsadm -Ln');
      assert.deepEqual(o.snap['thresholds'], k.snap['thresholds'], 'ipvsadm -Ln --thresholds');
      assert.deepEqual(o.snap['persistent'], k.snap['persistent'], 'ipvsadm -Ln --persistent-conn');
      assert.deepEqual(o.snap['tunnel'], k.snap['tunnel'], 'ipvsadm -Ln --tun-info');
      if (c.name.startsWith('twos')) assert.ok(o.errors.some((e) => /twos/.test(e) && /errno 2\b/.test(e)), `ENOENT logged for twos: ${o.errors.join(' | ')}`);
    });
  }

  test('foreign services survive our start, applies and stop; lvs_flush_on_stop is not used', { timeout: 60_000 }, async () => {
    ipvsadm('-C');
    ipvsadm('-A', '-t', '192.0.2.50:443', '-s', 'rr');
    ipvsadm('-a', '-t', '192.0.2.50:443', '-r', '192.0.2.51:443', '-m', '-w', '7');
    const file = path.join(dir, 'own.conf');
    fs.writeFileSync(file, 'virtual_server 10.10.0.1 80 {\n  lvs_sched rr\n  lvs_method NAT\n  protocol TCP\n  real_server 10.10.1.1 80 {\n    weight 1\n  }\n}\n');
    const o = await runOurs({ name: 'own', conf: '', services: 2, dests: 2 }, file);
    assert.ok(o.settled);
    assert.deepEqual(view(['-Ln']), ['TCP 192.0.2.50:443 rr\n-> 192.0.2.51:443 Masq 7 0 0']);
    ipvsadm('-C');
  });

  test('lvs_timeouts are set through the driver like keepalived sets them', { timeout: 120_000 }, async () => {
    ipvsadm('--set', '900', '120', '300');
    const file = path.join(dir, 'timeouts.conf');
    fs.writeFileSync(file, 'global_defs {\n  lvs_timeouts tcp 7200 udp 60\n}\nvirtual_server 10.11.0.1 80 {\n  lvs_sched rr\n  protocol TCP\n  real_server 10.11.1.1 80 {\n    weight 1\n  }\n}\n');
    const k = await runKeepalived({ name: 't', conf: '', services: 1, dests: 1 }, file);
    assert.ok(k.settled);
    const kt = ipvsadm('-Ln', '--timeout').trim();
    ipvsadm('--set', '900', '120', '300');
    await runOurs({ name: 't', conf: '', services: 1, dests: 1 }, file);
    const ot = ipvsadm('-Ln', '--timeout').trim();
    if (ot !== kt) {
      const klog = k.log.split('\n').filter((l) => /timeout|lvs/i.test(l));
      findings.push(`lvs_timeouts tcp 7200 udp 60 (kernel preset 900 120 300): keepalived left "${kt}", ours "${ot}"; keepalived said: ${klog.join(' | ') || '(nothing)'}`);
    }
    // man keepalived.conf: lvs_timeouts sets the IPVS tcp/tcpfin/udp timeouts; an absent one is left as it is.
    assert.equal(ot, 'Timeout (tcp tcpfin udp): 7200 120 60');
  });
}

// Dispatch last: the cases above must be initialised before the namespaced run builds them.
if (!inOwnNetns) {
  test('IPVS parity with keepalived 2.2.7 (in its own network namespace)', { skip: skipReason, timeout: 900_000 }, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TSKA_LB_TEST_NETNS: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('unshare', ['--net', '--', process.execPath, '--test-reporter=spec', __filename], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(r.status, 0, `the namespaced run failed (status ${r.status}, signal ${r.signal})`);
  });
} else {
  namespacedTests();
}
