// Syslog through a real rsyslogd (own config, own socket, private mount namespace): facility, severities, keepalived's tags, a 10,000-line burst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPid, tryKill, waitFor } from '../../helpers/proc';

const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const FAKE = path.join(__dirname, '..', '..', 'fixtures', 'daemon', 'fake-subsystem.js');
const BURST = 10_000;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (unshare -m, mount tmpfs)';
  if (spawnSync('rsyslogd', ['-v']).error) return 'rsyslogd is not installed (apt-get install rsyslog)';
  if (spawnSync('unshare', ['--version']).error) return 'unshare (util-linux) is missing';
  const r = spawnSync('unshare', ['-m', 'true']);
  if (r.status !== 0) return `unshare -m refused: ${r.stderr?.toString().trim()}`;
  return undefined;
}
const skip = skipReason();

function rsyslogConf(dir: string): string {
  return [
    `global(workDirectory="${dir}/work")`,
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${dir}/sock/log.sock" CreatePath="on" RateLimit.Interval="0")`,
    'template(name="fs" type="string" string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n")',
    `local0.* action(type="omfile" file="${dir}/out/local0.log" template="fs")`,
    `*.*;local0.none action(type="omfile" file="${dir}/out/other.log" template="fs")`,
    '',
  ].join('\n');
}




test('syslog through rsyslogd: -S 0 gives local0 with the right severities and keepalived\'s tags; a 10,000-line burst neither blocks nor crashes', { skip, timeout: 90_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-rsyslog-'));
  for (const d of ['sock', 'out', 'work']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, 'rs.conf'), rsyslogConf(dir));
  const conf = path.join(dir, 'keepalived.conf');
  const good = `global_defs {\n  router_id rs\n  state_dump_file ${dir}/keepalived.data\n}\n`;
  fs.writeFileSync(conf, good);
  const fakeLog = path.join(dir, 'fake.log');
  const pids = { parent: path.join(dir, 'p.pid'), vrrp: path.join(dir, 'v.pid'), check: path.join(dir, 'c.pid'), rsyslog: path.join(dir, 'rsyslogd.pid') };
  // In a private mount namespace: a tmpfs over <dir>/sock (where rsyslogd's socket lives), rsyslogd in the
  // background, then the daemon exec'd in its place (so the spawned pid is the daemon's parent).
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs "$1/sock"',
    'rsyslogd -n -f "$1/rs.conf" -i "$1/rsyslogd.pid" &',
    'i=0; while [ ! -S "$1/sock/log.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
    '[ -S "$1/sock/log.sock" ] || { echo "rsyslogd did not create its socket" >&2; exit 9; }',
    'shift',
    'exec "$@"',
  ].join('\n');
  const args = ['-n', '-S', '0', '-D', '-x', '--all', '-f', conf, '-p', pids.parent, '-r', pids.vrrp, '-c', pids.check];
  let out = '';
  const p: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, MAIN, ...args], {
    env: { ...process.env, TSKA_SYSLOG_PATH: path.join(dir, 'sock', 'log.sock'), TSKA_SUBSYSTEM_MODULES: FAKE, TSKA_FAKE_LOG: fakeLog, TSKA_FAKE_BURST: String(BURST) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  t.after(async () => {
    tryKill(readPid(pids.vrrp), 'SIGKILL');
    tryKill(readPid(pids.check), 'SIGKILL');
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    tryKill(readPid(pids.rsyslog), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    tryKill(readPid(pids.rsyslog), 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const logFile = path.join(dir, 'out', 'local0.log');
  const lines = (): string[] => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '') : []);
  await waitFor(() => lines().some((l) => /^local0\.info Keepalived_vrrp\[\d+\]: \(VI_FAKE\) Entering BACKUP STATE/.test(l)), 20_000, `the VRRP state line in rsyslog's file (daemon output: ${out})`);
  const parent = readPid(pids.parent)!;
  const vrrp = readPid(pids.vrrp)!;
  const check = readPid(pids.check)!;
  assert.equal(parent, p.pid, 'the daemon replaced the shell');
  const all = (): string[] => lines();
  // Lines from three processes reach rsyslogd in no fixed order: wait for each.
  await waitFor(() => all().some((l) => l === `local0.info Keepalived[${parent}]: Starting Keepalived v2.4.3 (tskeepalived 0.1.0, Node.js ${process.version})`), 10_000, 'parent tag Keepalived[PID], info');
  await waitFor(() => all().some((l) => l.startsWith(`local0.warning Keepalived[${parent}]: SNMP is not supported`)), 10_000, 'a warning');
  await waitFor(() => all().some((l) => l.startsWith(`local0.debug Keepalived[${parent}]: vrrp: VI_FAKE is BACKUP`)), 10_000, 'a debug line (-D)');
  await waitFor(() => all().some((l) => l.startsWith(`local0.info Keepalived_healthcheckers[${check}]: `)), 10_000, 'checker tag Keepalived_healthcheckers[PID]');
  await waitFor(() => all().some((l) => l.startsWith(`local0.info Keepalived_vrrp[${vrrp}]: `)), 10_000, 'VRRP tag Keepalived_vrrp[PID]');
  // the burst: every line delivered or counted as dropped (and reported)
  await waitFor(() => fs.existsSync(fakeLog) && / vrrp burst /.test(fs.readFileSync(fakeLog, 'utf8')), 20_000, 'the burst to be logged');
  const burstMs = Number(/vrrp burst \d+ in (\d+) ms/.exec(fs.readFileSync(fakeLog, 'utf8'))![1]);
  const dropRe = /^local0\.warning Keepalived_vrrp\[\d+\]: (\d+) log messages dropped \(log output could not keep up; (\d+) in total\)/;
  const settled = (): boolean => {
    const l = lines();
    const delivered = l.filter((x) => / burst line \d+$/.test(x)).length;
    const dropped = l.map((x) => dropRe.exec(x)).filter((m) => m !== null).reduce((n, m) => n + Number(m![1]), 0);
    return delivered + dropped >= BURST;
  };
  await waitFor(settled, 30_000, 'every burst line delivered or reported dropped');
  const l = lines();
  const delivered = l.filter((x) => / burst line \d+$/.test(x)).length;
  const dropped = l.map((x) => dropRe.exec(x)).filter((m) => m !== null).reduce((n, m) => n + Number(m![1]), 0);
  console.log(`rsyslogd burst of ${BURST} lines from the VRRP worker: logged in ${burstMs} ms (the worker's event loop), delivered ${delivered}, dropped ${dropped} (reported at warning)`);
  assert.equal(delivered + dropped, BURST);
  assert.ok(l.filter((x) => / burst line \d+$/.test(x)).every((x) => x.startsWith(`local0.info Keepalived_vrrp[${vrrp}]: burst line `)));
  // the worker survived and answers
  process.kill(parent, 'SIGUSR1');
  await waitFor(() => fs.existsSync(path.join(dir, 'keepalived.data')), 10_000, 'a dump after the burst');
  assert.equal(readPid(pids.vrrp), vrrp, 'the VRRP worker was not replaced');
  // err: a broken config on SIGHUP
  fs.writeFileSync(conf, `${good}vrrp_instance VI_1 {\n  bogus_keyword\n`);
  process.kill(parent, 'SIGHUP');
  await waitFor(() => lines().some((x) => x.startsWith(`local0.err Keepalived[${parent}]: New config failed validation`)), 10_000, 'an err line');
  assert.ok(!fs.existsSync(path.join(dir, 'out', 'other.log')) || !/Keepalived/.test(fs.readFileSync(path.join(dir, 'out', 'other.log'), 'utf8')), 'nothing logged under another facility');
  process.kill(parent, 'SIGTERM');
  assert.equal(await exited, 0);
  await waitFor(() => lines().some((x) => x.startsWith(`local0.info Keepalived[${parent}]: Stopped Keepalived`)), 5000, 'the stop line');
});
