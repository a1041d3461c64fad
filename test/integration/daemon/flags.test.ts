// The effect of each command-line flag, through the compiled binary (fake subsystem unless a namespace is needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnixDgramReceiver } from '../../../src/sys/unix-dgram';
import { childArgv } from '../../../src/cli/daemon';
import { createNetns, deleteNetns, ip, netnsSkipReason, spawnIn, uniqueNsName } from '../../helpers/netns';
import { readPid, alive, tryKill, waitFor } from '../../helpers/proc';

const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const FAKE = path.join(__dirname, '..', '..', 'fixtures', 'daemon', 'fake-subsystem.js');
const CORE_PATTERN = '/proc/sys/kernel/core_pattern';
const nsSkip = netnsSkipReason();

type T = { after(fn: () => void): void };

interface Bed {
  dir: string;
  conf: string;
  pid: string;
  vrrpPid: string;
  checkPid: string;
  fakeLog: string;
  /** -n, -f, -p, -r, -c and `extra`. */
  args(extra?: readonly string[]): string[];
}

const GLOBAL = (dir: string, extra = ''): string => `global_defs {\n  router_id flags_a\n  state_dump_file ${dir}/keepalived.data\n${extra}}\n`;

function bed(t: T, body?: string): Bed {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-flags-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const b: Bed = {
    dir,
    conf: path.join(dir, 'keepalived.conf'),
    pid: path.join(dir, 'p.pid'),
    vrrpPid: path.join(dir, 'v.pid'),
    checkPid: path.join(dir, 'c.pid'),
    fakeLog: path.join(dir, 'fake.log'),
    args: (extra = []) => ['-n', '-f', b.conf, '-p', b.pid, '-r', b.vrrpPid, '-c', b.checkPid, ...extra],
  };
  fs.writeFileSync(b.conf, body ?? GLOBAL(dir));
  return b;
}

type Proc = ChildProcess & { out: () => string };

function start(t: T, b: Bed, extra: readonly string[], env: NodeJS.ProcessEnv = {}, argv?: readonly string[]): Proc {
  let out = '';
  const p = spawn(process.execPath, [MAIN, ...(argv ?? b.args(extra))], {
    env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE, TSKA_FAKE_LOG: b.fakeLog, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.after(() => {
    for (const f of [b.vrrpPid, b.checkPid]) {
      const w = readPid(f);
      if (w && w !== process.pid) tryKill(w, 'SIGKILL');
    }
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
  return Object.assign(p, { out: () => out });
}





const fake = (b: Bed): string[] => (fs.existsSync(b.fakeLog) ? fs.readFileSync(b.fakeLog, 'utf8').trim().split('\n').filter((l) => l !== '') : []);
const started = (b: Bed, role: 'vrrp' | 'check'): boolean => fake(b).some((l) => l.includes(` ${role} start`));
const exited = (p: ChildProcess): Promise<number | null> => (p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (c) => r(c))));
const ppidOf = (pid: number): number => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

async function stop(p: Proc): Promise<number | null> {
  p.kill('SIGTERM');
  const code = await exited(p);
  if (code !== 0) console.log(`# exit ${code} signal ${p.signalCode}; output:\n${p.out()}`);
  return code;
}

test('-l: log lines on the console; without -l the daemon prints nothing', async (t) => {
  const b = bed(t);
  const quiet = start(t, b, ['-G', '--all']);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  assert.equal(await stop(quiet), 0);
  assert.equal(quiet.out(), '', 'nothing on stdout/stderr without -l');
  fs.rmSync(b.fakeLog);
  const loud = start(t, b, ['-G', '-l', '--all']);
  await waitFor(() => /Starting Keepalived v2\.4\.3/.test(loud.out()) && /VI_FAKE\) Entering BACKUP STATE/.test(loud.out()), 8000, 'console lines');
  assert.match(loud.out(), /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Starting Keepalived/m, 'keepalived console timestamp');
  assert.equal(await stop(loud), 0);
});

test('-G: nothing reaches syslog; without -G every process logs there', async (t) => {
  const b = bed(t);
  const sock = path.join(b.dir, 'log.sock');
  const got: string[] = [];
  const rx = new UnixDgramReceiver(sock, (d) => got.push(d.toString()), { receiveBufferBytes: 1 << 20 });
  t.after(() => rx.close());
  const env = { TSKA_SYSLOG_PATH: sock };
  const withG = start(t, b, ['-G', '--all'], env);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await stop(withG), 0);
  assert.equal(got.length, 0, `-G: ${got.length} datagrams arrived`);
  const without = start(t, b, ['--all'], env);
  await waitFor(() => got.some((l) => /Keepalived_vrrp\[\d+\]/.test(l)) && got.some((l) => /Keepalived_healthcheckers\[\d+\]/.test(l)) && got.some((l) => /Keepalived\[\d+\]/.test(l)), 8000, 'syslog lines from the three processes');
  assert.ok(got.every((l) => /^<3\d>/.test(l)), 'facility daemon (3) by default');
  assert.equal(await stop(without), 0);
});

test('-g FILE: the parent logs to FILE, the workers to FILE with _vrrp/_healthcheckers before the extension; --flush-log-file; -u sets its mode', async (t) => {
  const b = bed(t);
  const log = path.join(b.dir, 'ka.log');
  const p = start(t, b, ['-G', '--all', `-g${log}`, '--flush-log-file', '-u', '0177']);
  const vlog = path.join(b.dir, 'ka_vrrp.log');
  const clog = path.join(b.dir, 'ka_healthcheckers.log');
  await waitFor(() => [log, vlog, clog].every((f) => fs.existsSync(f) && fs.statSync(f).size > 0), 8000, 'three log files');
  await waitFor(() => /VI_FAKE\) Entering BACKUP STATE/.test(fs.readFileSync(vlog, 'utf8')), 5000, 'the VRRP worker line in its file');
  assert.match(fs.readFileSync(log, 'utf8'), /Starting Keepalived v2\.4\.3/);
  assert.doesNotMatch(fs.readFileSync(log, 'utf8'), /VI_FAKE/, 'worker lines are not in the parent file');
  for (const f of [log, vlog, clog]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, `${f}: 0640 & ~0177`);
  // --flush-log-file: each line is written before the call returns, so a SIGKILL loses nothing already logged
  const pid = p.pid!;
  p.kill('SIGUSR1');
  await waitFor(() => /Printing parent data/.test(fs.readFileSync(log, 'utf8')), 5000, 'the SIGUSR1 line, written synchronously');
  process.kill(pid, 'SIGKILL');
  await exited(p);
  // default umask (global_defs umask 022): 0640
  const b2 = bed(t);
  const log2 = path.join(b2.dir, 'kb.log');
  const p2 = start(t, b2, ['-G', '--all', `--log-file=${log2}`]);
  await waitFor(() => fs.existsSync(path.join(b2.dir, 'kb_vrrp.log')), 8000, 'log file with --log-file=');
  assert.equal(fs.statSync(log2).mode & 0o777, 0o640);
  assert.equal(await stop(p2), 0);
});

test('-D: debug-level lines (worker state changes reported to the parent) appear; without -D they do not', async (t) => {
  const b = bed(t);
  const plain = start(t, b, ['-G', '-l', '--all']);
  await waitFor(() => /VI_FAKE\) Entering BACKUP STATE/.test(plain.out()), 8000, 'state line');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await stop(plain), 0);
  assert.doesNotMatch(plain.out(), /vrrp: VI_FAKE is BACKUP/);
  const detail = start(t, b, ['-G', '-l', '--all', '-D']);
  await waitFor(() => /vrrp: VI_FAKE is BACKUP/.test(detail.out()), 8000, 'the parent\'s debug line');
  assert.equal(await stop(detail), 0);
});

test('-p/-r/-c: the pidfiles name the parent (the -n process itself) and its two workers; all removed at stop', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-G', '--all']);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  assert.equal(readPid(b.pid), p.pid, '-n: no fork, the pidfile names the process started');
  const v = readPid(b.vrrpPid)!;
  const c = readPid(b.checkPid)!;
  assert.equal(ppidOf(v), p.pid);
  assert.equal(ppidOf(c), p.pid);
  assert.ok(fake(b).some((l) => l.startsWith(`${v} vrrp start`)) && fake(b).some((l) => l.startsWith(`${c} check start`)), 'the pids are the workers that run each subsystem');
  assert.equal(fs.statSync(b.pid).mode & 0o777, 0o644);
  assert.equal(await stop(p), 0);
  for (const f of [b.pid, b.vrrpPid, b.checkPid]) assert.ok(!fs.existsSync(f), `${f} removed`);
});

test('-R: when a worker dies the parent does not respawn it and exits, stopping the other worker', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-G', '-l', '--all', '-R']);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  const c = readPid(b.checkPid)!;
  process.kill(readPid(b.vrrpPid)!, 'SIGKILL');
  assert.equal(await exited(p), 0);
  assert.match(p.out(), /VRRP child process\(\d+\) died \(signal SIGKILL\): Exiting/);
  await waitFor(() => !alive(c), 3000, 'the checker to stop');
  assert.equal(fake(b).filter((l) => / vrrp start/.test(l)).length, 1, 'not respawned');
  assert.ok(!fs.existsSync(b.pid));
});

test('-P / -C / --all: which workers run', async (t) => {
  const cases: Array<{ args: string[]; body: 'none' | 'vrrp'; want: Array<'vrrp' | 'check'> }> = [
    { args: [], body: 'none', want: [] },
    { args: ['--all'], body: 'none', want: ['vrrp', 'check'] },
    { args: ['-P', '--all'], body: 'none', want: ['vrrp'] },
    { args: ['-C', '--all'], body: 'none', want: ['check'] },
    { args: [], body: 'vrrp', want: ['vrrp'] },
    { args: ['-C'], body: 'vrrp', want: [] },
  ];
  for (const c of cases) {
    const b0 = bed(t);
    const body = c.body === 'vrrp' ? `${GLOBAL(b0.dir)}vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 7\n  priority 100\n  virtual_ipaddress {\n    192.0.2.7/32\n  }\n}\n` : GLOBAL(b0.dir);
    fs.writeFileSync(b0.conf, body);
    const p = start(t, b0, ['-G', '-l', ...c.args]);
    if (c.want.length === 0) await waitFor(() => /no configuration to run/.test(p.out()), 8000, 'the "nothing to run" warning');
    else await waitFor(() => c.want.every((r) => started(b0, r)), 8000, `${c.want.join('+')} to start`);
    await new Promise((r) => setTimeout(r, 400));
    const ran = (['vrrp', 'check'] as const).filter((r) => started(b0, r));
    assert.deepEqual(ran, c.want, `${c.args.join(' ') || '(none)'} with ${c.body} config`);
    assert.equal(fs.existsSync(b0.vrrpPid), c.want.includes('vrrp'));
    assert.equal(fs.existsSync(b0.checkPid), c.want.includes('check'));
    assert.equal(await stop(p), 0);
  }
});

test('-d dumps the configuration to the log at startup; -i selects the @id lines', async (t) => {
  const b = bed(t);
  fs.writeFileSync(b.conf, `global_defs {\n  @tska_a router_id ROUTER_A\n  @tska_b router_id ROUTER_B\n  @^tska_b vrrp_garp_master_delay 7\n}\n`);
  const none = start(t, b, ['-G', '-l', '--all']);
  await waitFor(() => started(b, 'vrrp'), 8000, 'start');
  assert.equal(await stop(none), 0);
  assert.doesNotMatch(none.out(), /ROUTER_/, 'no dump without -d');
  fs.rmSync(b.fakeLog);
  const a = start(t, b, ['-G', '-l', '--all', '-d', '-i', 'tska_a']);
  await waitFor(() => /ROUTER_A/.test(a.out()) && started(b, 'vrrp'), 8000, 'the dump with router id A');
  assert.equal(await stop(a), 0);
  assert.doesNotMatch(a.out(), /ROUTER_B/);
  fs.rmSync(b.fakeLog);
  const bb = start(t, b, ['-G', '-l', '--all', '-d', '--config-id=tska_b']);
  await waitFor(() => /ROUTER_B/.test(bb.out()) && started(b, 'vrrp'), 8000, 'the dump with router id B');
  assert.equal(await stop(bb), 0);
  assert.doesNotMatch(bb.out(), /ROUTER_A/);
});

test('-e: a missing included file is fatal (exit 3); without -e the daemon runs', async (t) => {
  const b = bed(t);
  fs.writeFileSync(b.conf, `include ${b.dir}/not-there.conf\n${GLOBAL(b.dir)}`);
  const r = spawnSync(process.execPath, [MAIN, ...b.args(['-G', '-l', '--all', '-e'])], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /Config files missing/);
  assert.match(r.stderr, /missing and -e \(--all-config\) given - exiting/);
  assert.ok(!fs.existsSync(b.pid));
  const p = start(t, b, ['-G', '-l', '--all']);
  await waitFor(() => started(b, 'vrrp'), 8000, 'start without -e');
  assert.equal(await stop(p), 0);
});

test('-x/-A/-B/-b/-X/-I: accepted, each reported once by the parent; the flags reach the workers', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-G', '-l', '--all', '-x', '-A', '/tmp/agentx', '-B', '-b', path.join(b.dir, 'bfd.pid'), '-X', '-I']);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  await new Promise((r) => setTimeout(r, 300));
  const out = p.out();
  const count = (re: RegExp): number => out.split('\n').filter((l) => re.test(l)).length;
  assert.equal(count(/SNMP is not supported by tskeepalived: -x\/-A accepted/), 1);
  assert.equal(count(/BFD is not supported by tskeepalived: -B\/-b accepted/), 1);
  assert.equal(count(/-X accepted/), 1);
  assert.ok(!fs.existsSync(path.join(b.dir, 'bfd.pid')), 'no BFD process, no BFD pidfile');
  // the workers rename themselves (argv is overwritten), so the flags they got are checked on the argv the parent builds
  const wargv = childArgv(b.args(['-I']), b.conf, ['--role', 'check']);
  assert.ok(wargv.includes('-I') && wargv.at(-1) === 'check', 'the checker worker is started with -I (--dont-release-ipvs), which its engine reads at stop');
  assert.equal(await stop(p), 0);
});

test('-m raises RLIMIT_CORE in every process; -M sets core_pattern and restores it at exit', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-G', '-l', '--all', '-m']);
  await waitFor(() => started(b, 'vrrp'), 8000, 'workers');
  for (const pid of [p.pid!, readPid(b.vrrpPid)!]) assert.match(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max core file size\s+unlimited\s+unlimited/m, `pid ${pid}`);
  assert.equal(await stop(p), 0);
  let writable = false;
  let orig = '';
  try {
    orig = fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, '');
    fs.writeFileSync(CORE_PATTERN, orig);
    writable = true;
  } catch {
    // read-only /proc/sys (container)
  }
  if (!writable) {
    t.after(() => undefined);
    console.log(`# -M part skipped: ${CORE_PATTERN} is not writable here`);
    return;
  }
  t.after(() => fs.writeFileSync(CORE_PATTERN, orig));
  const b2 = bed(t);
  const want = `${b2.dir}/core.%p`;
  const p2 = start(t, b2, ['-G', '-l', '--all', `-M${want}`]);
  await waitFor(() => started(b2, 'vrrp'), 8000, 'workers');
  assert.equal(fs.readFileSync(CORE_PATTERN, 'utf8').trim(), want);
  assert.equal(await stop(p2), 0);
  assert.equal(fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, ''), orig, 'restored at exit');
});

test('-s NAME: the parent and its workers run in the named network namespace', { skip: nsSkip }, async (t) => {
  const ns = createNetns(uniqueNsName('s'));
  t.after(() => deleteNetns(ns));
  const b = bed(t);
  const p = start(t, b, ['-G', '-l', '--all', '-s', ns]);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  const want = fs.statSync(`/run/netns/${ns}`).ino;
  for (const pid of [p.pid!, readPid(b.vrrpPid)!, readPid(b.checkPid)!]) assert.equal(fs.statSync(`/proc/${pid}/ns/net`).ino, want, `pid ${pid} in ${ns}`);
  assert.notEqual(fs.statSync('/proc/self/ns/net').ino, want);
  assert.equal(await stop(p), 0);
  const bad = spawnSync(process.execPath, [MAIN, ...b.args(['-G', '--all', '-s', `${ns}-none`])], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unable to set network namespace/);
});

test('-a: address additions and removals are logged as keepalived\'s netlink reflector lines', { skip: nsSkip }, async (t) => {
  const ns = createNetns(uniqueNsName('a'));
  t.after(() => deleteNetns(ns));
  // no dummy module on every kernel: a veth pair inside the namespace
  ip(['link', 'add', 'dummy0', 'type', 'veth', 'peer', 'name', 'dummy1'], ns);
  ip(['link', 'set', 'dummy0', 'up'], ns);
  const b = bed(t);
  let out = '';
  const p = spawnIn(ns, process.execPath, [MAIN, ...b.args(['-G', '-l', '--all', '-a'])], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE, TSKA_FAKE_LOG: b.fakeLog } });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  await new Promise((r) => setTimeout(r, 300));
  ip(['addr', 'add', '198.51.100.9/32', 'dev', 'dummy0'], ns);
  ip(['addr', 'add', '2001:db8::9/128', 'dev', 'dummy0', 'nodad'], ns);
  ip(['addr', 'del', '198.51.100.9/32', 'dev', 'dummy0'], ns);
  await waitFor(() => /Netlink reflector reports IP 198\.51\.100\.9 removed from dummy0/.test(out), 5000, 'the removal line');
  assert.match(out, /Netlink reflector reports IP 198\.51\.100\.9 added to dummy0/);
  assert.match(out, /Netlink reflector reports IP 2001:db8::9 added to dummy0/);
  assert.match(out, /Netlink reflector reports IP 198\.51\.100\.9 added$/m, 'the checker process\'s form');
  p.kill('SIGTERM');
  await exited(p);
  // without -a: no such lines
  const q = spawnIn(ns, process.execPath, [MAIN, ...b.args(['-G', '-l', '--all'])], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE } });
  let out2 = '';
  q.stderr!.on('data', (d: Buffer) => (out2 += d.toString()));
  await waitFor(() => /VI_FAKE/.test(out2), 8000, 'start without -a');
  ip(['addr', 'add', '198.51.100.10/32', 'dev', 'dummy0'], ns);
  await new Promise((r) => setTimeout(r, 400));
  q.kill('SIGTERM');
  await exited(q);
  assert.doesNotMatch(out2, /Netlink reflector/);
});

test('--ignore-sigint: SIGINT is logged and ignored; without it SIGINT stops the daemon (exit 0)', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-G', '-l', '--all', '--ignore-sigint']);
  await waitFor(() => started(b, 'vrrp') && started(b, 'check'), 8000, 'workers');
  p.kill('SIGINT');
  await waitFor(() => /SIGINT ignored \(--ignore-sigint\)/.test(p.out()), 3000, 'the ignore line');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(p.exitCode, null, 'still running');
  assert.ok(alive(readPid(b.vrrpPid)!) && alive(readPid(b.checkPid)!), 'workers untouched');
  assert.equal(await stop(p), 0);
  const q = start(t, b, ['-G', '-l', '--all']);
  await waitFor(() => fake(b).filter((l) => / vrrp start/.test(l)).length >= 2, 8000, 'workers again');
  q.kill('SIGINT');
  assert.equal(await exited(q), 0);
  assert.match(q.out(), /Stopping \(SIGINT\)/);
});

test('--signum, -v, -h through the binary', () => {
  const run = (...a: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [MAIN, ...a], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const want: Record<string, string> = { STOP: '15', RELOAD: '1', DATA: '10', STATS: '12', STATS_CLEAR: '63', JSON: '36', TDUMP: '64' };
  for (const [name, n] of Object.entries(want)) {
    const r = run('--signum', name);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${n}\n`, name);
  }
  assert.equal(run('--signum=NOPE').status, 1);
  const v = run('-v');
  assert.equal(v.status, 0);
  assert.match(v.stdout, /keepalived 2\.4\.3 compatible/);
  const h = run('-h');
  assert.equal(h.status, 0);
  for (const f of ['--use-file', '--vrrp', '--check', '--log-console', '--log-detail', '--log-facility', '--log-file', '--flush-log-file', '--no-syslog', '--umask', '--release-vips', '--dont-release-vrrp', '--dont-release-ipvs', '--dont-respawn', '--dont-fork', '--dump-conf', '--pid', '--vrrp_pid', '--checkers_pid', '--address-monitoring', '--namespace', '--all-config', '--config-id', '--signum', '--config-test', '--ignore-sigint']) assert.ok(h.stdout.includes(f), `-h lists ${f}`);
  assert.ok(!h.stdout.includes('--role'), 'the internal --role is hidden');
});
