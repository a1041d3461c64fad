// The compiled daemon end to end with a fake subsystem: respawn, hang detection, parent death, reload, pidfile lock, -t, dumps, syslog, daemonising.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnixDgramReceiver } from '../../../src/sys/unix-dgram';
import { readPid, alive, tryKill, waitFor } from '../../helpers/proc';

const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const FAKE = path.join(__dirname, '..', '..', 'fixtures', 'daemon', 'fake-subsystem.js');

interface Bed {
  dir: string;
  conf: string;
  pid: string;
  vrrpPid: string;
  checkPid: string;
  fakeLog: string;
  args(extra?: string[]): string[];
}

function bed(t: { after(fn: () => void): void }, confBody = ''): Bed {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-d-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const b: Bed = {
    dir,
    conf: path.join(dir, 'keepalived.conf'),
    pid: path.join(dir, 'keepalived.pid'),
    vrrpPid: path.join(dir, 'keepalived_vrrp.pid'),
    checkPid: path.join(dir, 'keepalived_checkers.pid'),
    fakeLog: path.join(dir, 'fake.log'),
    args: (extra = []) => ['-n', '-f', b.conf, '-p', b.pid, '-r', b.vrrpPid, '-c', b.checkPid, '--all', ...extra],
  };
  fs.writeFileSync(b.conf, goodConf(dir) + confBody);
  return b;
}

function goodConf(dir: string): string {
  return `global_defs {\n  router_id test\n  state_dump_file ${dir}/keepalived.data\n  stats_dump_file ${dir}/keepalived.stats\n  json_dump_file ${dir}/keepalived.json\n}\n`;
}

function start(t: { after(fn: () => void): void }, b: Bed, extraArgs: string[] = ['-G'], env: NodeJS.ProcessEnv = {}): ChildProcess & { out: () => string } {
  let out = '';
  const p = spawn(process.execPath, [MAIN, ...b.args(extraArgs)], {
    env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE, TSKA_FAKE_LOG: b.fakeLog, TSKA_WATCHDOG_PING_MS: '100', TSKA_WATCHDOG_TIMEOUT_MS: '600', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.after(() => {
    // kill what we started, by pid: the parent and, if still alive, its workers
    for (const f of [b.vrrpPid, b.checkPid]) {
      const pid = readPid(f);
      if (pid) tryKill(pid, 'SIGKILL');
    }
    if (p.exitCode === null) p.kill('SIGKILL');
  });
  return Object.assign(p, { out: () => out });
}





const fakeLines = (b: Bed): string[] => (fs.existsSync(b.fakeLog) ? fs.readFileSync(b.fakeLog, 'utf8').trim().split('\n') : []);
const exited = (p: ChildProcess): Promise<number | null> => (p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (c) => r(c))));

async function running(t: { after(fn: () => void): void }, b: Bed, args?: string[], env?: NodeJS.ProcessEnv): Promise<ChildProcess & { out: () => string }> {
  const p = start(t, b, args, env);
  await waitFor(() => fakeLines(b).filter((l) => / (vrrp|check) start/.test(l)).length >= 2, 8000, 'both workers started');
  return p;
}

test('kill -9 of a worker: respawned; the other worker is untouched', async (t) => {
  const b = bed(t);
  const p = await running(t, b, ['-l', '-G']);
  const v1 = readPid(b.vrrpPid)!;
  const c1 = readPid(b.checkPid)!;
  assert.ok(readPid(b.pid) === p.pid);
  process.kill(v1, 'SIGKILL');
  await waitFor(() => (readPid(b.vrrpPid) ?? v1) !== v1 && alive(readPid(b.vrrpPid)!), 5000, 'a new VRRP worker');
  assert.equal(readPid(b.checkPid), c1);
  assert.ok(alive(c1));
  assert.match(p.out(), /VRRP child process\(\d+\) died \(signal SIGKILL\): Respawning( in \d+ s)?$/m);
  p.kill('SIGTERM');
  assert.equal(await exited(p), 0);
  assert.ok(!fs.existsSync(b.pid), 'parent pidfile removed');
  assert.ok(!alive(c1));
});

test('a hung worker (blocked event loop) is found and replaced within the deadline', async (t) => {
  const b = bed(t);
  const hang = path.join(b.dir, 'hang-once');
  fs.writeFileSync(hang, '');
  const p = await running(t, b, ['-l', '-G'], { TSKA_FAKE_HANG_FILE: hang });
  const v1 = readPid(b.vrrpPid)!;
  await waitFor(() => fakeLines(b).some((l) => l.endsWith('vrrp hanging')), 3000, 'hang');
  const t0 = Date.now();
  // deadline 600 ms + ping 100 ms, then the respawn (at once the first time)
  await waitFor(() => (readPid(b.vrrpPid) ?? v1) !== v1, 4000, 'replacement');
  const took = Date.now() - t0;
  assert.ok(took < 2500, `replaced after ${took} ms`);
  assert.ok(!alive(v1), 'the hung worker was killed');
  assert.match(p.out(), /not responding for \d+ ms: killing it/);
  p.kill('SIGTERM');
  await exited(p);
});

test('SIGKILL of the parent ends both workers', async (t) => {
  const b = bed(t);
  const p = await running(t, b);
  const v = readPid(b.vrrpPid)!;
  const c = readPid(b.checkPid)!;
  p.kill('SIGKILL');
  await waitFor(() => !alive(v) && !alive(c), 3000, 'workers to die with the parent');
});

test('SIGHUP with a broken config keeps the running one; a fixed config then reloads', async (t) => {
  const b = bed(t);
  const p = await running(t, b, ['-l', '-G']);
  fs.writeFileSync(b.conf, goodConf(b.dir) + 'vrrp_instance VI_1 {\n  state MASTER\n  no_such_keyword 1\n');
  p.kill('SIGHUP');
  await waitFor(() => /New config failed validation - keeping the running configuration/.test(p.out()), 5000, 'rejection');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!fakeLines(b).some((l) => / reload /.test(l)), 'workers were not asked to reload');
  assert.equal(p.exitCode, null, 'still running');
  fs.writeFileSync(b.conf, goodConf(b.dir));
  p.kill('SIGHUP');
  await waitFor(() => fakeLines(b).filter((l) => / reload /.test(l)).length === 2, 5000, 'both workers reloaded');
  assert.match(p.out(), /Reload finished/);
  p.kill('SIGTERM');
  assert.equal(await exited(p), 0);
});

test('a second instance with the same pidfiles refuses to start', async (t) => {
  const b = bed(t);
  const p = await running(t, b);
  const r = spawnSync(process.execPath, [MAIN, ...b.args(['-G'])], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE }, encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0, 'keepalived exits 0 when already running');
  assert.match(r.stderr, /daemon is already running \(pid \d+ holds .*keepalived\.pid\)/);
  assert.equal(readPid(b.pid), p.pid, 'the first instance keeps its pidfile');
  p.kill('SIGTERM');
  await exited(p);
});

test('-t exit codes through the real binary', (t) => {
  const b = bed(t);
  const ok = spawnSync(process.execPath, [MAIN, '-t', '-f', b.conf], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  fs.writeFileSync(b.conf, 'global_defs {\n  no_such_keyword\n}\n');
  const bad = spawnSync(process.execPath, [MAIN, '-t', '-f', b.conf], { encoding: 'utf8' });
  assert.equal(bad.status, 5, bad.stderr);
  const daemonMissing = spawnSync(process.execPath, [MAIN, '-n', '-G', '-f', path.join(b.dir, 'none.conf'), '-p', b.pid], { encoding: 'utf8' });
  assert.equal(daemonMissing.status, 3);
});

test('SIGUSR1 writes 0600 dumps and replaces a planted symlink instead of following it', async (t) => {
  const b = bed(t);
  const p = await running(t, b);
  const victim = path.join(b.dir, 'victim');
  fs.writeFileSync(victim, 'precious\n');
  const data = path.join(b.dir, 'keepalived.data');
  fs.symlinkSync(victim, data);
  p.kill('SIGUSR1');
  const parentData = path.join(b.dir, 'keepalived_parent.data');
  const checkData = path.join(b.dir, 'keepalived_check.data');
  await waitFor(() => fs.existsSync(parentData) && fs.existsSync(checkData) && !fs.lstatSync(data).isSymbolicLink(), 5000, 'dump files');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n');
  for (const f of [data, parentData, checkData]) {
    const st = fs.lstatSync(f);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, 0o600, f);
  }
  assert.match(fs.readFileSync(data, 'utf8'), /"fake": true/);
  // SIGJSON (36) covers both workers
  process.kill(p.pid!, 36);
  const json = path.join(b.dir, 'keepalived.json');
  await waitFor(() => fs.existsSync(json), 5000, 'json dump');
  const j = JSON.parse(fs.readFileSync(json, 'utf8')) as { vrrp: { role: string }; check: { role: string } };
  assert.equal(j.vrrp.role, 'vrrp');
  assert.equal(j.check.role, 'check');
  process.kill(p.pid!, 'SIGUSR2');
  await waitFor(() => fs.existsSync(path.join(b.dir, 'keepalived.stats')), 5000, 'stats dump');
  assert.equal(p.exitCode, null);
  p.kill('SIGTERM');
  assert.equal(await exited(p), 0);
});

test('syslog: -S 0 lines arrive as local0 with keepalived idents; a 10,000-line burst neither blocks nor crashes', async (t) => {
  const b = bed(t);
  const sock = path.join(b.dir, 'log.sock');
  const got: string[] = [];
  const rx = new UnixDgramReceiver(sock, (d) => got.push(d.toString()), { receiveBufferBytes: 65536 });
  t.after(() => rx.close());
  const p = await running(t, b, ['-S', '0'], { TSKA_SYSLOG_PATH: sock, TSKA_FAKE_BURST: '10000', TSKA_FAKE_CHECK_FAILS: '' });
  await waitFor(() => got.some((l) => /Keepalived_vrrp\[\d+\]: \(VI_FAKE\) Entering BACKUP STATE/.test(l)), 5000, 'state line');
  assert.ok(got.some((l) => /^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d Keepalived\[\d+\]: Starting Keepalived v2\.4\.3/.test(l)), 'parent ident, local0.info');
  await waitFor(() => fakeLines(b).some((l) => / vrrp burst /.test(l)), 10000, 'burst done');
  const burst = fakeLines(b).find((l) => / vrrp burst /.test(l))!;
  const ms = Number(/in (\d+) ms/.exec(burst)![1]);
  assert.ok(ms < 3000, `burst took ${ms} ms`);
  // the worker is alive and answering after the burst
  p.kill('SIGUSR1');
  await waitFor(() => fs.existsSync(path.join(b.dir, 'keepalived.data')), 5000, 'dump after burst');
  await waitFor(() => got.some((l) => /log messages dropped/.test(l)) || got.filter((l) => / burst line /.test(l)).length === 10000, 10000, 'all lines or a drop report');
  const lines = got.filter((l) => / burst line /.test(l)).length;
  const dropped = got.find((l) => /log messages dropped/.test(l));
  assert.ok(lines + (dropped ? 1 : 0) > 0);
  if (lines < 10000) assert.ok(dropped, `only ${lines} burst lines arrived and no drop report`);
  if (dropped) assert.match(dropped, /^<132>/, 'drop report at warning');
  // an error severity: SIGHUP with a broken config logs err (<131>)
  fs.writeFileSync(b.conf, goodConf(b.dir) + 'vrrp_instance VI_1 {\n  bogus_kw\n');
  p.kill('SIGHUP');
  await waitFor(() => got.some((l) => /^<131>.*Keepalived\[\d+\]: New config failed validation/.test(l)), 5000, 'err line');
  p.kill('SIGTERM');
  await exited(p);
});

test('a checker that cannot start (no IPVS) is logged and retried with backoff while VRRP keeps running', async (t) => {
  const b = bed(t);
  const p = start(t, b, ['-l', '-G'], { TSKA_FAKE_CHECK_FAILS: '1' });
  await waitFor(() => fakeLines(b).filter((l) => / check start-failed/.test(l)).length >= 2, 8000, 'two checker attempts');
  assert.match(p.out(), /Healthcheck subsystem failed to start: IPVS is not available/);
  assert.match(p.out(), /Healthcheck child process\(\d+\) died \(status 2\): Respawning( in \d+ s)?$/m);
  const v = readPid(b.vrrpPid)!;
  assert.ok(alive(v));
  assert.equal(fakeLines(b).filter((l) => / vrrp start/.test(l)).length, 1, 'VRRP started once and kept running');
  p.kill('SIGTERM');
  assert.equal(await exited(p), 0);
});

test('without -n: daemonises; the launcher exits 0 once the pidfile is written', async (t) => {
  const b = bed(t);
  const args = b.args(['-G']).filter((a) => a !== '-n');
  const r = spawnSync(process.execPath, [MAIN, ...args], { env: { ...process.env, TSKA_SUBSYSTEM_MODULES: FAKE, TSKA_FAKE_LOG: b.fakeLog }, encoding: 'utf8', timeout: 15000 });
  assert.equal(r.status, 0, r.stderr);
  const pid = readPid(b.pid);
  assert.ok(pid && alive(pid), 'daemon running');
  t.after(() => {
    for (const f of [b.vrrpPid, b.checkPid]) {
      const w = readPid(f);
      if (w) tryKill(w, 'SIGKILL');
    }
    tryKill(pid!, 'SIGKILL');
  });
  assert.notEqual(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[5], String(process.pid), 'its own session');
  assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), '/');
  await waitFor(() => fakeLines(b).length >= 2, 8000, 'workers');
  process.kill(pid!, 'SIGTERM');
  await waitFor(() => !alive(pid!), 6000, 'daemon stop');
  assert.ok(!fs.existsSync(b.pid));
});

test('--watch-config: editing an included file reloads through the same validate-then-apply path; a broken edit is rejected', async (t) => {
  const b = bed(t);
  const inc = path.join(b.dir, 'extra.conf');
  fs.writeFileSync(inc, '! nothing yet\n');
  fs.appendFileSync(b.conf, `include ${inc}\n`);
  const p = await running(t, b, ['-l', '-G', '--watch-config']);
  const reloads = (): number => fakeLines(b).filter((l) => / reload /.test(l)).length;
  assert.equal(reloads(), 0);
  await waitFor(() => /Watching \d+ configuration file/.test(p.out()), 10_000, 'the watcher ready');
  // a valid change to the included file: one debounced reload of both workers
  fs.writeFileSync(inc, 'vrrp_script chk {\n  script "/bin/true"\n}\n');
  await waitFor(() => reloads() === 2, 10_000, `both workers reloaded after the include changed; daemon said:\n${p.out()}\nfake: ${fakeLines(b).join(" | ")}`);
  assert.match(p.out(), /configuration file changed/);
  // a broken change: rejected, the workers are not asked to reload
  fs.writeFileSync(inc, 'vrrp_instance VI_1 {\n  bogus_keyword\n');
  await waitFor(() => /New config failed validation - keeping the running configuration/.test(p.out()), 10_000, 'rejection');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(reloads(), 2, 'no reload after a broken edit');
  p.kill('SIGTERM');
  await exited(p);
});
