// Tests of validateLvs: keepalived's post-parse defaults, resets and removals, and our extra checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './lvs-helpers';
import { definedNames } from '../../../src/config/validate-lvs';

test('defaults applied with keepalived wording: protocol, zero port, scheduler, forwarding', () => {
  const r = run('virtual_server 10.0.0.1 {\nreal_server 10.0.0.2 80 {\n}\n}');
  assert.deepEqual(r.messages, [
    'Virtual server [10.0.0.1]:none:0: no protocol set - defaulting to UDP',
    'Virtual server [10.0.0.1]:udp:0: zero port only valid for persistent services - setting',
    "Virtual server [10.0.0.1]:udp:0: no scheduler set, setting default 'wlc'",
    'Virtual server [10.0.0.1]:udp:0: no forwarding method set, setting default NAT',
  ]);
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.deepEqual([v.protocol, v.persistenceTimeout, v.scheduler, v.lvsMethod, v.name], ['UDP', 360, 'wlc', { method: 'NAT' }, '[10.0.0.1]:udp:0']);
  assert.ok(r.diag.list.every((d) => d.loc === null && !d.extra));
});

test('a complete service gives no diagnostics; real server port defaults to the service port', () => {
  const r = run('virtual_server 10.0.0.1 80 {\nprotocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 {\n}\n}');
  assert.deepEqual(r.messages, []);
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers[0]!.port, 80);
});

test('virtual server without real servers is dropped', () => {
  const r = run('virtual_server 10.0.0.2 80 {\nprotocol TCP\n}');
  assert.deepEqual(r.messages, ['Virtual server [10.0.0.2]:tcp:80 has no real servers - ignoring']);
  assert.equal(r.cfg.lvs.virtualServers.length, 0);
});

test('duplicate real servers removed; quorum reduced to the total weight', () => {
  const r = run('virtual_server 10.0.0.3 80 {\nprotocol TCP\nlvs_sched sh\nlvs_method NAT\nquorum 10\nreal_server 10.0.0.5 80 {\nweight 2\n}\nreal_server 10.0.0.5 80 {\n}\nreal_server 10.0.0.6 {\n}\n}');
  assert.deepEqual(r.messages, [
    'VS [10.0.0.3]:tcp:80: real server [10.0.0.5]:tcp:80 is duplicated - removing second rs',
    'Warning - quorum 10 for [10.0.0.3]:tcp:80 exceeds total weight of real servers 3, reducing quorum to 3',
  ]);
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.equal(v.realServers.length, 2);
  assert.equal(v.quorum, 3);
});

test('DR real server and sorry server ports reset; NAT may translate ports', () => {
  const r = run('virtual_server 10.0.0.1 80 {\nprotocol TCP\nlvs_sched rr\nlvs_method DR\nsorry_server 10.0.0.9 81\nreal_server 10.0.0.2 81 {\n}\nreal_server 10.0.0.3 8080 {\nlvs_method NAT\n}\n}');
  assert.deepEqual(r.messages, [
    "WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.0.2]:tcp:81 ports don't match - resetting",
    "WARNING - virtual server [10.0.0.1]:tcp:80 and sorry server ports don't match - resetting",
  ]);
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.deepEqual(v.realServers.map((x) => x.port), [80, 8080]);
  assert.equal(v.sorryServer!.port, 80);
});

test('fwmark service: protocol ignored, DR real server port cleared', () => {
  const r = run('virtual_server fwmark 3 {\nprotocol TCP\nlvs_sched rr\nlvs_method DR\nsorry_server 10.0.0.9 80\nreal_server 10.0.0.5 80 {\n}\n}');
  assert.deepEqual(r.messages, [
    'Warning: Virtual server FWM 3: protocol specified for fwmark - protocol will be ignored',
    'WARNING - fwmark virtual server FWM 3, real server [10.0.0.5]:none:80 has port specified - clearing',
    'WARNING - virtual server FWM 3, sorry server has port specified - clearing',
  ]);
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.deepEqual([v.protocol, v.realServers[0]!.port, v.sorryServer!.port], [null, 0, 0]);
});

test('address family mismatch skips a non-tunnelled real server; a tunnelled one may differ', () => {
  const r = run('virtual_server 10.0.0.1 80 {\nprotocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 2001:db8::2 80 {\n}\nreal_server 2001:db8::3 80 {\nlvs_method TUN\n}\n}');
  assert.deepEqual(r.messages, ["Address family of virtual server and real server 2001:db8::2 don't match - skipping real server."]);
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers.length, 1);
});

test('extra: unknown group and duplicate virtual servers are marked extra', () => {
  const body = '{\nprotocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n}\n}';
  const r = run(`virtual_server group NOPE ${body}\nvirtual_server 10.0.0.1 80 ${body}\nvirtual_server 10.0.0.1 80 ${body}\nvirtual_server_group G {\n10.0.0.7 80\n}\nvirtual_server group G ${body}`);
  const unknown = r.find('Virtual server group NOPE specified but not configured');
  assert.ok(unknown?.extra);
  const dup = r.find('Duplicate virtual server [10.0.0.1]:tcp:80');
  assert.ok(dup?.extra);
  assert.equal(r.diag.maxClass(), 0, 'extras do not change keepalived exit class');
  assert.deepEqual(r.cfg.lvs.virtualServers.map((v) => v.name), ['[10.0.0.1]:tcp:80', '[10.0.0.1]:tcp:80', '[G]:0']);
});

test('FILE_CHECK naming an unknown track_file is removed (keepalived wording)', () => {
  const text = 'virtual_server 10.0.0.1 80 {\nprotocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\nFILE_CHECK {\ntrack_file nope\n}\nFILE_CHECK {\ntrack_file TF1\n}\n}\n}';
  const r = run(text, { prepare: (cfg) => Object.assign(cfg.vrrp, { trackFiles: [{ name: 'TF1' }] }) });
  assert.deepEqual(r.messages, ['track_file nope not found']);
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers.length, 1);
  // With no track_file blocks at all, both are unknown.
  assert.deepEqual(run(text).messages, ['track_file nope not found', 'track_file TF1 not found']);
});

test('definedNames reads arrays, maps and records, and says when it cannot', () => {
  assert.deepEqual([...definedNames({ a: [{ name: 'x' }, { other: 1 }] }, ['a'])!], ['x']);
  assert.deepEqual([...definedNames({ a: new Map([['m', 1]]) }, ['a'])!], ['m']);
  assert.deepEqual([...definedNames({ b: { r: 1 } }, ['a', 'b'])!], ['r']);
  assert.equal(definedNames({ instances: [] }, ['trackFiles']), undefined);
  assert.equal(definedNames(null, ['a']), undefined);
});
