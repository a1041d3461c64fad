// Unit tests for keepalived's file naming: pidfiles, dump files, log files, syslog idents, process titles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpFiles, insertBeforeExtension, logFileFor, pidfilePaths, processTitle, syslogIdent } from '../../../src/core/paths';

test('pidfiles: keepalived defaults, use_pid_dir, instance, command line', () => {
  assert.deepEqual(pidfilePaths({ usePidDir: false }), { parent: '/run/keepalived.pid', vrrp: '/run/keepalived_vrrp.pid', check: '/run/keepalived_checkers.pid', inPidDir: false });
  assert.equal(pidfilePaths({ usePidDir: true }).vrrp, '/run/keepalived/keepalived_vrrp.pid');
  const inst = pidfilePaths({ usePidDir: false, instanceName: 'blue' });
  assert.equal(inst.parent, '/run/keepalived/keepalived_blue.pid');
  assert.equal(inst.check, '/run/keepalived/keepalived_checkers_blue.pid');
  assert.equal(pidfilePaths({ usePidDir: false, netNamespace: 'ns1' }).parent, '/run/keepalived/keepalived.pid');
  assert.equal(pidfilePaths({ usePidDir: true, pid: '/tmp/p.pid' }).parent, '/tmp/p.pid');
});

test('log files: _vrrp and _healthcheckers before the last dot', () => {
  assert.equal(logFileFor('/var/log/ka.log', 'parent'), '/var/log/ka.log');
  assert.equal(logFileFor('/var/log/ka.log', 'vrrp'), '/var/log/ka_vrrp.log');
  assert.equal(logFileFor('/var/log/ka.x.log', 'check'), '/var/log/ka.x_healthcheckers.log');
  assert.equal(logFileFor('/var/log.d/ka', 'vrrp'), '/var/log.d/ka_vrrp');
  assert.equal(logFileFor('', 'parent'), '/tmp/keepalived.log');
  assert.equal(insertBeforeExtension('a.b', '_x'), 'a_x.b');
});

test('dump files: defaults and data_use_instance', () => {
  const base = { stateDumpFile: '/tmp/keepalived.data', statsDumpFile: '/tmp/keepalived.stats', jsonDumpFile: '/tmp/keepalived.json', dataUseInstance: false };
  assert.deepEqual(dumpFiles(base), {
    vrrpData: '/tmp/keepalived.data',
    parentData: '/tmp/keepalived_parent.data',
    checkData: '/tmp/keepalived_check.data',
    stats: '/tmp/keepalived.stats',
    json: '/tmp/keepalived.json',
  });
  const d = dumpFiles({ ...base, dataUseInstance: true, instanceName: 'i1', netNamespace: 'n1' });
  assert.equal(d.vrrpData, '/tmp/keepalived_n1_i1.data');
  assert.equal(d.parentData, '/tmp/keepalived_parent_n1_i1.data');
  assert.equal(dumpFiles({ ...base, instanceName: 'i1' }).json, '/tmp/keepalived.json');
});

test('syslog idents are keepalived\'s, process titles ours unless configured', () => {
  assert.equal(syslogIdent('parent'), 'Keepalived');
  assert.equal(syslogIdent('vrrp'), 'Keepalived_vrrp');
  assert.equal(syslogIdent('check'), 'Keepalived_healthcheckers');
  assert.equal(syslogIdent('vrrp', 'ns', 'inst'), 'Keepalived_vrrp_ns_inst');
  assert.equal(processTitle('check', {}), 'tskeepalived_ipvs');
  assert.equal(processTitle('vrrp', { vrrp: 'my_vrrp' }), 'my_vrrp');
  assert.equal(processTitle('parent', {}), 'tskeepalived');
});
