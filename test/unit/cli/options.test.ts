// keepalived's command line: every flag, short and long, with keepalived's meaning.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildProgram, helpText, normaliseArgv, parseArgs, UsageError, DEFAULT_CONFIG } from '../../../src/cli/options';
import { signum } from '../../../src/cli/main';

test('defaults are keepalived\'s', () => {
  const o = parseArgs([]);
  assert.equal(o.useFile, DEFAULT_CONFIG);
  assert.equal(o.logFacility, 'daemon');
  assert.equal(o.configTest, undefined);
  assert.equal(o.dontFork, false);
});

test('KEEPALIVED_OPTIONS="-D -S 0" means detailed logs to local0', () => {
  const o = parseArgs(['-D', '-S', '0']);
  assert.equal(o.logDetail, true);
  assert.equal(o.logFacility, 'local0');
  assert.equal(parseArgs(['--log-facility=local7']).logFacility, 'local7');
  assert.equal(parseArgs(['-S', 'user']).logFacility, 'user');
  assert.throws(() => parseArgs(['-S', '8']), UsageError);
});

test('short and long forms agree for every flag with a value', () => {
  const pairs: [string[], string[], keyof ReturnType<typeof parseArgs>, unknown][] = [
    [['-f', 'a.conf'], ['--use-file=a.conf'], 'useFile', 'a.conf'],
    [['-p', '/x.pid'], ['--pid', '/x.pid'], 'pid', '/x.pid'],
    [['-r', '/v.pid'], ['--vrrp_pid=/v.pid'], 'vrrpPid', '/v.pid'],
    [['-c', '/c.pid'], ['--checkers_pid=/c.pid'], 'checkersPid', '/c.pid'],
    [['-b', '/b.pid'], ['--bfd_pid=/b.pid'], 'bfdPid', '/b.pid'],
    [['-s', 'ns1'], ['--namespace=ns1'], 'namespace', 'ns1'],
    [['-i', 'lb1'], ['--config-id', 'lb1'], 'configId', 'lb1'],
    [['-A', '/s'], ['--snmp-agent-socket=/s'], 'snmpAgentSocket', '/s'],
    [['-u', '022'], ['--umask=022'], 'umask', 0o22],
  ];
  for (const [short, long, key, value] of pairs) {
    assert.deepEqual(parseArgs(short)[key], value, short.join(' '));
    assert.deepEqual(parseArgs(long)[key], value, long.join(' '));
  }
});

test('boolean flags, short and long', () => {
  const flags: [string, string, keyof ReturnType<typeof parseArgs>][] = [
    ['-P', '--vrrp', 'vrrp'], ['-C', '--check', 'check'], ['-B', '--no_bfd', 'noBfd'], ['-l', '--log-console', 'logConsole'],
    ['-D', '--log-detail', 'logDetail'], ['-G', '--no-syslog', 'noSyslog'], ['-X', '--release-vips', 'releaseVips'],
    ['-V', '--dont-release-vrrp', 'dontReleaseVrrp'], ['-I', '--dont-release-ipvs', 'dontReleaseIpvs'],
    ['-R', '--dont-respawn', 'dontRespawn'], ['-n', '--dont-fork', 'dontFork'], ['-d', '--dump-conf', 'dumpConf'],
    ['-a', '--address-monitoring', 'addressMonitoring'], ['-e', '--all-config', 'allConfig'], ['-x', '--snmp', 'snmp'],
    ['-m', '--core-dump', 'coreDump'], ['-v', '--version', 'version'], ['-h', '--help', 'help'],
  ];
  for (const [s, l, k] of flags) {
    assert.equal(parseArgs([s])[k], true, s);
    assert.equal(parseArgs([l])[k], true, l);
    assert.equal(parseArgs([])[k], false, `${k} default`);
  }
  assert.equal(parseArgs(['--all']).all, true);
  assert.equal(parseArgs(['--ignore-sigint']).ignoreSigint, true);
  assert.equal(parseArgs(['--flush-log-file']).flushLogFile, true);
  assert.equal(parseArgs(['--no-mem-check']).noMemCheck, true);
});

test('optional arguments are taken only when attached, as getopt does', () => {
  assert.equal(parseArgs(['-t']).configTest, '');
  assert.equal(parseArgs(['-t/tmp/out']).configTest, '/tmp/out');
  assert.equal(parseArgs(['--config-test=/tmp/out']).configTest, '/tmp/out');
  const o = parseArgs(['-t', '-f', 'k.conf']);
  assert.equal(o.configTest, '');
  assert.equal(o.useFile, 'k.conf');
  assert.equal(parseArgs(['-g']).logFile, '');
  assert.equal(parseArgs(['-g/var/log/k.log']).logFile, '/var/log/k.log');
  assert.equal(parseArgs(['-M']).coreDumpPattern, '');
  assert.deepEqual(normaliseArgv(['-t', 'x']), ['--config-test=', 'x']);
  // a separate word after -t is not its argument, and there are no positional arguments
  assert.throws(() => parseArgs(['-t', 'x']), UsageError);
});

test('a bad option is a usage error (keepalived exits 1)', () => {
  assert.throws(() => parseArgs(['--bogus']), UsageError);
  assert.throws(() => parseArgs(['-f']), UsageError);
  assert.throws(() => parseArgs(['-u', 'abc']), UsageError);
});

test('--signum names keepalived\'s signal functions', () => {
  assert.equal(signum('RELOAD'), 1);
  assert.equal(signum('STOP'), 15);
  assert.equal(signum('DATA'), 10);
  assert.equal(signum('STATS'), 12);
  assert.equal(signum('JSON'), 36);
  assert.equal(signum('STATS_CLEAR'), 63);
  assert.equal(signum('TDUMP'), 64);
  assert.equal(signum('NOPE'), undefined);
});

test('--help lists every visible flag', () => {
  const help = helpText();
  for (const o of buildProgram().options) {
    if (o.hidden) continue;
    if (o.short) assert.ok(help.includes(o.short), `${o.short} missing from --help`);
    assert.ok(help.includes(o.long!), `${o.long} missing from --help`);
  }
});
