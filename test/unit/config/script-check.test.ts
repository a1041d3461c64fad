// Script security: user resolution, path search, missing scripts, unsafe paths, SECURITY VIOLATION.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeHost, gd, run, st } from './global-helpers';
import { checkScript, pathPrefixes, splitCommand } from '../../../src/config/script-check';
import { validateGlobal, validateScriptSecurity } from '../../../src/config/validate-global';
import { configTestExitCode } from '../../../src/config/diagnostics';
import type { Word } from '../../../src/config/tree';

const w = (text: string): Word => ({ text, loc: { file: 't.conf', line: 30, col: 5 } });
const users = { keepalived_script: { uid: 990, gid: 990 }, root: { uid: 0, gid: 0 }, alice: { uid: 1000, gid: 1000 } };

test('splitCommand and pathPrefixes', () => {
  assert.deepEqual(splitCommand(`/bin/sh -c "echo 'a b'"  x\\ y`), ['/bin/sh', '-c', "echo 'a b'", 'x y']);
  assert.deepEqual(pathPrefixes('/usr//bin/x'), ['/', '/usr', '/usr/bin', '/usr/bin/x']);
});

test('root script on a safe path without script security: SECURITY VIOLATION once, exit 6', () => {
  const host = fakeHost({ files: { '/usr/bin/pkill': {} }, users: { root: users.root } });
  const r = run([gd(st('router_id', 'x'))], host);
  const a = checkScript(w('/usr/bin/pkill -0 haproxy'), undefined, 'vrrp_script', r.cfg, r.ctx, { name: 'chk' });
  const b = checkScript(w('/usr/bin/pkill -0 nginx'), undefined, 'notify', r.cfg, r.ctx);
  assert.equal(a.ok, true);
  assert.equal(b.ok, true);
  assert.equal(a.uid, 0);
  validateScriptSecurity(r.cfg, r.ctx);
  const sec = r.diag.list.filter((d) => d.cls === 'SECURITY_ERROR');
  assert.deepEqual(sec.map((d) => d.message), ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  assert.equal(configTestExitCode(r.diag.maxClass()), 6);
});

test('missing track script is disabled and does not count as executed', () => {
  const host = fakeHost({ files: {}, users: { keepalived_script: users.keepalived_script } });
  const r = run([], host);
  const c = checkScript(w('/usr/bin/mysqladmin ping'), undefined, 'vrrp_script', r.cfg, r.ctx, { name: 'check_mysqld' });
  assert.equal(c.ok, false);
  validateScriptSecurity(r.cfg, r.ctx);
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: Disabling track script check_mysqld since not found/accessible']);
});

test('bare command names are searched in PATH and resolved', () => {
  const host = fakeHost({ files: { '/usr/bin/killall': {} }, users: { keepalived_script: users.keepalived_script } });
  const r = run([], host);
  const c = checkScript(w('killall -0 haproxy'), undefined, 'vrrp_script', r.cfg, r.ctx);
  assert.equal(c.ok, true);
  assert.deepEqual(c.argv, ['/usr/bin/killall', '-0', 'haproxy']);
  assert.equal(c.uid, 990);
});

test('world-writable directory: insecure; disabled under enable_script_security', () => {
  const files = { '/tmp': { dir: true, mode: 0o40777 }, '/tmp/s.sh': {} };
  const open = run([gd(st('script_user', 'root'))], fakeHost({ files, users }));
  assert.equal(checkScript(w('/tmp/s.sh'), undefined, 'notify', open.cfg, open.ctx).ok, true);
  validateScriptSecurity(open.cfg, open.ctx);
  assert.ok(open.msgs.includes('SECURITY_ERROR: SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.'));

  const strict = run([gd(st('script_user', 'root'), st('enable_script_security'))], fakeHost({ files, users }));
  const c = checkScript(w('/tmp/s.sh'), undefined, 'vrrp_script', strict.cfg, strict.ctx, { name: 'chk' });
  assert.equal(c.ok, false);
  validateScriptSecurity(strict.cfg, strict.ctx);
  assert.ok(strict.msgs.includes('GENERAL_ERROR: Disabling track script chk due to insecure'));
  assert.ok(!strict.msgs.some((m) => m.startsWith('SECURITY_ERROR')));
});

test('a sticky world-writable directory is safe; a non-root owner is not', () => {
  const sticky = run([gd(st('script_user', 'root'), st('enable_script_security'))], fakeHost({ files: { '/tmp': { dir: true, mode: 0o41777 }, '/tmp/s.sh': {} }, users }));
  assert.equal(checkScript(w('/tmp/s.sh'), undefined, 'notify', sticky.cfg, sticky.ctx).ok, true);
  const owned = run([gd(st('script_user', 'root'), st('enable_script_security'))], fakeHost({ files: { '/home/alice': { dir: true, uid: 1000 }, '/home/alice/s.sh': { uid: 1000 } }, users }));
  assert.equal(checkScript(w('/home/alice/s.sh'), undefined, 'notify', owned.cfg, owned.ctx).ok, false);
  // run as a non-root user, the same script needs no protection
  const asAlice = run([gd(st('enable_script_security'))], fakeHost({ files: { '/home/alice': { dir: true, uid: 1000 }, '/home/alice/s.sh': { uid: 1000 } }, users }));
  const c = checkScript(w('/home/alice/s.sh'), [w('alice')], 'misc_check', asAlice.cfg, asAlice.ctx);
  assert.equal(c.ok, true);
  assert.equal(c.uid, 1000);
});

test('unknown script_user: error at script_user, then each vrrp script removed', () => {
  const r = run([gd(st('enable_script_security'), st('script_user', 'quentin'))], fakeHost({ files: { '/bin/ping': {} }, users }));
  const c = checkScript(w('/bin/ping -c3 10.1.3.1'), undefined, 'vrrp_script', r.cfg, r.ctx, { name: 'chk_default_gw' });
  assert.equal(c.ok, false);
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: Error setting global script uid/gid', 'GENERAL_ERROR: Unable to set default user for vrrp script chk_default_gw - removing']);
});

test('missing keepalived_script under script security: reported once', () => {
  const r = run([gd(st('enable_script_security'))], fakeHost({ files: { '/tmp/m.sh': {}, '/tmp/b.sh': {} }, users: { root: users.root } }));
  assert.equal(checkScript(w('/tmp/m.sh'), undefined, 'notify', r.cfg, r.ctx).ok, false);
  assert.equal(checkScript(w('/tmp/b.sh'), undefined, 'notify', r.cfg, r.ctx).ok, false);
  const errs = r.diag.list.filter((d) => !d.extra && !d.info).map((d) => d.message);
  assert.deepEqual(errs, ['Unable to set default user keepalived_script for script']);
});

test('without script security a missing keepalived_script means root', () => {
  const r = run([], fakeHost({ files: { '/bin/true': {} }, users: { root: users.root } }));
  const c = checkScript(w('/bin/true'), undefined, 'notify', r.cfg, r.ctx);
  assert.equal(c.ok, true);
  assert.equal(c.uid, 0);
});

test('bad per-script user', () => {
  const r = run([], fakeHost({ files: { '/bin/true': {} }, users }));
  assert.equal(checkScript(w('/bin/true'), [w('nobody_here')], 'misc_check', r.cfg, r.ctx).ok, false);
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: Failed to set uid/gid for misc checker script /bin/true - removing']);
});

test('startup scripts count for the parent and checker scripts for the checker', () => {
  const host = fakeHost({ files: { '/etc/ka/up.sh': {}, '/etc/ka/misc.sh': {} }, users: { root: users.root } });
  const r = run([gd(st('startup_script', '/etc/ka/up.sh'))], host);
  validateGlobal(r.cfg, r.ctx);
  checkScript(w('/etc/ka/misc.sh'), undefined, 'misc_check', r.cfg, r.ctx);
  validateScriptSecurity(r.cfg, r.ctx);
  assert.deepEqual(
    r.diag.list.filter((d) => d.cls === 'SECURITY_ERROR').map((d) => d.message),
    ['SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.', 'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.'],
  );
});

test('validate-global extras: smtp without recipients, non-multicast group', () => {
  const r = run([gd(st('smtp_server', '10.0.0.1'), st('vrrp_mcast_group4', '10.0.0.1'))]);
  validateGlobal(r.cfg, r.ctx);
  const extras = r.diag.list.filter((d) => d.extra).map((d) => d.message);
  assert.equal(extras.length, 2);
  assert.match(extras[0]!, /no notification_email/);
  assert.match(extras[1]!, /not a multicast address/);
  assert.equal(r.diag.maxClass(), 0);
});

test('a host without file facts (permissiveHost) keeps scripts and reports nothing', () => {
  const r = run([]);
  const c = checkScript(w('/etc/ka/x.sh arg'), undefined, 'vrrp_script', r.cfg, r.ctx, { name: 'x' });
  assert.equal(c.ok, true);
  assert.deepEqual(c.argv, ['/etc/ka/x.sh', 'arg']);
  validateScriptSecurity(r.cfg, r.ctx);
  assert.deepEqual(r.msgs, []);
});
