// keepalived 2.4.3 parity of -t on whole configurations: how the parser reads blocks of unknown
// keywords, where it aborts (exit 2), and when its SECURITY VIOLATION is (not) reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type LoadResult } from '../../../src/config/load';
import { memoryReader } from '../../../src/config/parse';
import { fakeHost } from './global-helpers';

const users = { root: { uid: 0, gid: 0 } };

/** Loads `text` as /mem/keepalived.conf on a host with /usr/bin/true and interfaces eth0 and lo only. */
function load(text: string): LoadResult {
  const base = fakeHost({ files: { '/usr/bin/true': {} }, users });
  const host = { ...base, interfaceExists: (n: string) => n === 'eth0' || n === 'lo' };
  return loadConfig('/mem/keepalived.conf', { reader: memoryReader({ '/mem/keepalived.conf': text }), configId: 'vm', env: {}, cwd: '/mem' }, host);
}

function msgs(r: LoadResult): string[] {
  return r.diagnostics.list.filter((d) => !d.info).map((d) => `${d.loc ? `${d.loc.line}: ` : ''}${d.message}`);
}

test("an unknown keyword's '}' ends the enclosing block: what follows is read one level up", () => {
  const r = load('global_defs {\n  foo {\n    bar\n  }\n  router_id x\n}\n');
  assert.deepEqual(msgs(r), [
    "2: Unknown keyword 'foo'",
    "2: Unexpected '{' - ignoring",
    "3: Unknown keyword 'bar'",
    "5: Unknown keyword 'router_id'",
    "6: Extra '}' found",
    "6: Unknown keyword '}'",
  ]);
  assert.equal(r.config.global.routerId, undefined);
  assert.equal(r.exitCode, 5);
});

test("a nested block that ends early hands the rest of its statements and its '}' to the level above", () => {
  const r = load(
    [
      'virtual_server 10.0.0.1 80 {',
      '  real_server 10.0.0.2 80 {',
      '    weight 2',
      '    junk {',
      '    }',
      '    uthreshold 3',
      '  }',
      '  protocol TCP',
      '}',
    ].join('\n'),
  );
  const m = msgs(r);
  // `uthreshold` is read in virtual_server (unknown there), the real_server's '}' ends the
  // virtual_server, and `protocol` and the last '}' are read at the root (as keepalived -t says).
  assert.ok(m.includes("6: Unknown keyword 'uthreshold'"), m.join('\n'));
  assert.ok(m.includes("8: Unknown keyword 'protocol'"), m.join('\n'));
  assert.ok(m.includes("9: Unknown keyword '}'"), m.join('\n'));
  assert.equal(r.config.lvs.virtualServers[0]?.realServers[0]?.weight, 2);
});

test("a stray '{' is ignored and its '}' ends the block being read", () => {
  const r = load('global_defs {\n  {\n  router_id a\n  }\n  router_id b\n}\n');
  const m = msgs(r);
  assert.equal(r.config.global.routerId, 'a');
  assert.ok(m.includes("5: Unknown keyword 'router_id'"), m.join('\n'));
  assert.ok(m.includes("6: Unknown keyword '}'"), m.join('\n'));
});

for (const [what, text, line, kw] of [
  ['url path', 'virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path\n   }\n  }\n }\n}\n', 5, 'path'],
  ['url digest', 'virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    digest\n   }\n  }\n }\n}\n', 5, 'digest'],
  ['virtual_server', 'virtual_server {\n}\n', 1, 'virtual_server'],
  ['real_server', 'virtual_server 10.0.0.1 80 {\n real_server {\n }\n}\n', 2, 'real_server'],
  ['virtual_server_group', 'virtual_server_group {\n}\n', 1, 'virtual_server_group'],
  ['vrrp_script', 'vrrp_script {\n}\n', 1, 'vrrp_script'],
  ['root track_file', 'track_file {\n file /tmp/x\n}\n', 1, 'track_file'],
] as const) {
  test(`${what} without its parameter: keepalived's parser exits 2 there`, () => {
    const r = load(`${text}vrrp_instance VI {\n  nonsense\n}\n`);
    assert.equal(r.exitCode, 2);
    const last = r.diagnostics.list[r.diagnostics.list.length - 1]!;
    assert.equal(last.message, `*** Configuration line starting \`${kw}\` is missing a parameter after keyword \`${kw}\` at word position 2`);
    assert.equal(last.loc?.line, line);
    // Nothing after the abort is read, and nothing of later passes (VRRP) is reported.
    assert.ok(!msgs(r).some((m) => m.includes('nonsense')));
  });
}

test('a VRRP pass that met a missing interface reports no VRRP SECURITY VIOLATION; the checker still does', () => {
  const vrrp = 'vrrp_script chk {\n  script /usr/bin/true\n}\nvrrp_instance VI {\n  interface eth9\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9\n  }\n  track_script {\n    chk\n  }\n}\n';
  const r = load(vrrp);
  assert.ok(msgs(r).includes('Non-existent interface specified in configuration'));
  assert.ok(!msgs(r).some((m) => m.startsWith('SECURITY VIOLATION')));
  assert.equal(r.exitCode, 5);

  const withChecker = load(
    `${vrrp}virtual_server 10.0.0.1 80 {\n  quorum_up /usr/bin/true\n  real_server 10.0.0.2 80 {\n  }\n}\n`,
  );
  assert.deepEqual(
    msgs(withChecker).filter((m) => m.startsWith('SECURITY')),
    ['SECURITY VIOLATION - check scripts are being executed but script_security not enabled.'],
  );
  assert.equal(withChecker.exitCode, 6);

  const ok = load(vrrp.replace('eth9', 'eth0'));
  assert.ok(msgs(ok).includes('SECURITY VIOLATION - scripts are being executed but script_security not enabled.'));
  assert.equal(ok.exitCode, 6);
});

test('an address on a missing interface is a missing interface for the VRRP pass', () => {
  const r = load('vrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.9 dev eth7\n  }\n}\n');
  assert.ok(msgs(r).includes('5: WARNING - interface eth7 for ip address 10.0.0.9 doesn\'t exist'));
  assert.ok(msgs(r).includes('Non-existent interface specified in configuration'));
});

test('the scripts of a virtual server keepalived drops (no real servers) do not count', () => {
  const r = load('virtual_server 10.0.0.1 80 {\n  quorum_up /usr/bin/true\n}\n');
  assert.ok(msgs(r).includes('Virtual server [10.0.0.1]:tcp:80 has no real servers - ignoring') || msgs(r).some((m) => m.includes('has no real servers')));
  assert.ok(!msgs(r).some((m) => m.startsWith('SECURITY VIOLATION')));
  assert.equal(r.exitCode, 5);
});

test('a multi-line parameter that is a generator, after text that comments the line out, is not expanded', () => {
  const text = [
    '$OFF=${_HASH}',
    '$RS= \\',
    'real_server 10.0.0.${N} 80 { \\',
    '}',
    '',
    '$GEN= \\',
    '  ~SEQ(N,1,3) $RS',
    '',
    'virtual_server 10.0.0.1 80 {',
    '  protocol TCP',
    '  lvs_sched rr',
    '  lvs_method NAT',
    '  ~SEQ(N,1,2) $RS',
    '$OFF $GEN',
    '  quorum 1',
    '}',
  ].join('\n');
  const r = load(text);
  assert.deepEqual(msgs(r), []);
  assert.deepEqual(r.config.lvs.virtualServers[0]?.realServers.map((rs) => rs.loc.line), [13, 13]);
  assert.equal(r.exitCode, 0);
});

test('a real server that is also the sorry server passes its inhibit_on_failure on, as keepalived says', () => {
  const r = load(
    'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lvs_sched rr\n  lvs_method NAT\n  sorry_server 10.0.0.2 80\n  real_server 10.0.0.2 80 {\n    inhibit_on_failure\n  }\n}\n',
  );
  assert.deepEqual(msgs(r), ['Virtual server [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 matches sorry server, but inhibit setting differs, setting on sorry server']);
  assert.equal(r.config.lvs.virtualServers[0]?.sorryServer?.inhibit, true);
  assert.equal(r.exitCode, 5);
});

test('`default6` and a non-solid IPv4 persistence mask are accepted silently by keepalived: our notes do not count', () => {
  const r = load(
    'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lvs_sched rr\n  lvs_method NAT\n  persistence_granularity 1.2.3.4\n  real_server 10.0.0.2 80 {\n  }\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    fe80::1\n  }\n  virtual_routes {\n    default6 via fe80::2 dev eth0\n  }\n}\n',
  );
  assert.ok(r.diagnostics.list.some((d) => d.extra && d.message.includes('not solid')));
  assert.ok(r.diagnostics.list.some((d) => d.extra && d.message.includes('default6')));
  assert.equal(r.exitCode, 0, msgs(r).join('\n'));
});

/** Like {@link load}, with a host on which no named network namespace exists. */
function loadNoNetns(text: string): LoadResult {
  const base = fakeHost({ files: { '/usr/bin/true': {} }, users });
  const host = { ...base, interfaceExists: (n: string) => n === 'eth0' || n === 'lo', netNamespaceExists: () => false };
  return loadConfig('/mem/keepalived.conf', { reader: memoryReader({ '/mem/keepalived.conf': text }), configId: 'vm', env: {}, cwd: '/mem' }, host);
}

test('a net_namespace that cannot be entered: exit 0, nothing after the first global_defs is read', () => {
  const r = loadNoNetns('net_namespace blue\nglobal_defs {\n  router_id r1\n}\nbogus_keyword\nvrrp_instance VI {\n  nonsense\n}\n');
  assert.equal(r.exitCode, 0);
  assert.equal(r.config.global.routerId, 'r1');
  assert.deepEqual(msgs(r), []);
  assert.ok(r.diagnostics.list.some((d) => d.info && d.message.includes('net_namespace blue cannot be entered')));
  // After the first global_defs the parent has stopped reading: a later net_namespace is not its
  // business, and the configuration is checked as usual.
  const late = loadNoNetns('global_defs {\n  router_id r1\n}\nnet_namespace blue\nbogus_keyword\n');
  assert.equal(late.exitCode, 5);
  assert.ok(msgs(late).includes("5: Unknown keyword 'bogus_keyword'"));
});

test('a line that substitution turns into a ${_HASH} comment is silent', () => {
  const r = load('$OFF=${_HASH}\nglobal_defs {\n$OFF  no_such_keyword 1\n  router_id r2\n}\n');
  assert.deepEqual(msgs(r), []);
  assert.equal(r.config.global.routerId, 'r2');
  assert.equal(r.exitCode, 0);
});

test('dynamic_interfaces: a missing interface is no problem once it has been read', () => {
  const vi = 'vrrp_instance VI {\n  interface eth9\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.9\n  }\n}\n';
  assert.ok(msgs(load(vi)).includes('Non-existent interface specified in configuration'));
  const r = load(`global_defs {\n  dynamic_interfaces\n}\n${vi}`);
  assert.ok(!msgs(r).some((m) => m.includes('eth9') || m.includes('Non-existent')), msgs(r).join('\n'));
  assert.equal(r.exitCode, 0);
});

test('parameters in ~SEQ numbers are substituted', () => {
  const r = load(
    '$FIRST=2\n$LAST=4\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    ~SEQ(N, $FIRST, $LAST) 10.0.0.${N}\n  }\n}\n',
  );
  assert.deepEqual(msgs(r), []);
  assert.deepEqual(r.config.vrrp.instances[0]?.vips.map((v) => v.loc.line), [7, 7, 7]);
  assert.equal(r.config.vrrp.instances[0]?.vips.length, 3);
});

test('notify scripts are split as keepalived splits them: quotes group words, the rest are arguments', () => {
  const r = load(
    'vrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.9\n  }\n  notify_master "/usr/bin/true a \'b c\'"\n}\n',
  );
  const n = r.config.vrrp.instances[0]?.notify;
  assert.ok(n, 'notify parsed');
  assert.deepEqual(JSON.stringify(n).includes('"b c"'), true, JSON.stringify(n));
});

test('child_wait_time is a root keyword (keepalived -t: unknown inside global_defs)', () => {
  const root = load('child_wait_time 3\n');
  assert.deepEqual(msgs(root), []);
  assert.equal(root.config.global.childWaitTime, 3);
  assert.deepEqual(msgs(load('global_defs {\n  child_wait_time 3\n}\n')), ["2: Unknown keyword 'child_wait_time'"]);
});
