// global_defs keyword families: identity, email, scheduling, VRRP defaults, LVS, FIFOs, aliases, ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gd, run, st } from './global-helpers';
import { defaultGlobalDefs } from '../../../src/config/model/global';
import { globalDefsSpec, globalRootKeywords } from '../../../src/config/keywords/global';
import { registryEntries } from '../../../src/config/keywords/registry';
import { configTestExitCode } from '../../../src/config/diagnostics';

test('defaults are keepalived defaults', () => {
  const g = defaultGlobalDefs();
  assert.equal(g.vrrpMcastGroup4, '224.0.0.18');
  assert.equal(g.vrrpMcastGroup6, 'ff02::12');
  assert.equal(g.vrrpGarpMasterDelay, 5_000_000);
  assert.equal(g.vrrpGarpMasterRepeat, 5);
  assert.equal(g.vrrpGarpMasterRefreshRepeat, 1);
  assert.equal(g.smtpConnectTimeout, 30_000_000);
  assert.equal(g.jsonVersion, 1);
  assert.equal(g.stateDumpFile, '/tmp/keepalived.data');
  assert.equal(g.vrrpSched.rlimitRttime, 10_000);
  assert.equal(g.vrrpDownTimerAdverts, 3);
  assert.equal(g.startupScriptTimeout, 10);
});

test('every keyword has doc and syntax, and the table holds the documented families', () => {
  const entries = registryEntries({ name: 'root', keywords: globalRootKeywords });
  const names = new Set(entries.map((e) => e.keyword.name));
  for (const e of entries) assert.ok(e.keyword.doc.length > 0, e.keyword.name);
  assert.ok(globalDefsSpec.keywords.length >= 140, `only ${globalDefsSpec.keywords.length}`);
  for (const k of ['router_id', 'notification_email', 'smtp_server', 'script_user', 'enable_script_security', 'vrrp_rt_priority', 'lvs_sync_daemon', 'vrrp_notify_fifo_script', 'enable_dbus', 'include_check', 'net_namespace', 'instance', 'child_wait_time', 'linkbeat_use_polling', 'use_pid_dir']) {
    assert.ok(names.has(k), k);
  }
  const snmp = globalDefsSpec.keywords.find((k) => k.name === 'enable_traps');
  assert.equal(snmp?.status, 'parsed');
});

test('identity: router_id, process names, instance, root-level keywords', () => {
  const r = run([
    gd(st('router_id', 'lb1'), st('process_names'), st('vrrp_process_name', 'vr'), st('umask', 'IWGRP', '|', 'IWOTH'), st('json_version', '2')),
    st('instance', 'a'),
    st('instance', 'b'),
    st('net_namespace', 'blue'),
    st('child_wait_time', '7'),
    st('linkbeat_use_polling'),
  ]);
  assert.equal(r.cfg.global.routerId, 'lb1');
  assert.equal(r.cfg.global.processNames.vrrp, 'vr');
  assert.equal(r.cfg.global.processNames.checker, 'keepalived_ipvs');
  assert.equal(r.cfg.global.umask, 0o22);
  assert.equal(r.cfg.global.jsonVersion, 2);
  assert.equal(r.cfg.global.instanceName, 'a');
  assert.equal(r.cfg.global.usePidDir, true);
  assert.equal(r.cfg.global.netNamespace, 'blue');
  assert.equal(r.cfg.global.childWaitTime, 7);
  assert.equal(r.cfg.global.linkbeatUsePolling, true);
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: Duplicate instance definition b - ignoring']);
});

test('email: addresses, smtp server with port, timeouts, empty block warning', () => {
  const r = run([gd(st('notification_email', [st('a@x'), st('b@x')]), st('notification_email_from', 'k@x'), st('smtp_server', '10.0.0.1', '2525'), st('smtp_connect_timeout', '12'), st('smtp_alert', 'off'))]);
  assert.deepEqual(r.cfg.global.notificationEmail, ['a@x', 'b@x']);
  assert.deepEqual({ ...r.cfg.global.smtpServer, loc: undefined }, { host: '10.0.0.1', port: 2525, loc: undefined });
  assert.equal(r.cfg.global.smtpConnectTimeout, 12_000_000);
  assert.equal(r.cfg.global.smtpAlert, false);
  assert.deepEqual(r.msgs, []);
  const e = run([gd(st('notification_email', []), st('smtp_server', 'mail', 'XXX'))]);
  assert.deepEqual(e.msgs, ['WARNING: Warning - empty notification_email block', "INVALID_NUMBER: invalid number 'XXX'", 'GENERAL_ERROR: Invalid smtp server mail XXX']);
});

test('scheduling: priorities, real-time priority clamp, affinity, rlimit alias', () => {
  const r = run([gd(st('vrrp_priority', '-5'), st('checker_rt_priority', '150'), st('vrrp_cpu_affinity', '0', '2'), st('vrrp_rlimit_rtime', '5000'), st('vrrp_no_swap'), st('bfd_rt_priority', '5asdf'))]);
  const g = r.cfg.global;
  assert.equal(g.vrrpSched.priority, -5);
  assert.equal(g.checkerSched.rtPriority, 99);
  assert.deepEqual(g.vrrpSched.cpuAffinity, [0, 2]);
  assert.equal(g.vrrpSched.rlimitRttime, 5000);
  assert.equal(g.vrrpSched.noSwap, true);
  assert.deepEqual(r.msgs, [
    'GENERAL_ERROR: checker process real-time priority 150 greater than maximum 99 - setting to maximum',
    "DEPRECATED: vrrp_rlimit_rtime is deprecated - please use 'vrrp_rlimit_rttime'",
    "INVALID_NUMBER: invalid number '5asdf'",
    "GENERAL_ERROR: bfd process real-time priority '5asdf' invalid",
  ]);
  const bad = run([gd(st('vrrp_priority', '20'))]);
  assert.deepEqual(bad.msgs, ["INVALID_NUMBER: number '20' outside range [-20, 19]", 'GENERAL_ERROR: Invalid vrrp process priority specified']);
});

test('VRRP defaults: garp timers, groups, version, min_garp, strict', () => {
  const r = run([
    gd(
      st('vrrp_mcast_group4', '224.0.0.19'),
      st('vrrp_mcast_group6', 'ff02::13'),
      st('vrrp_garp_master_delay', '10'),
      st('vrrp_garp_master_repeat', '0'),
      st('vrrp_garp_interval', '0.001'),
      st('vrrp_gna_interval', '0.000001'),
      st('vrrp_version', '3'),
      st('vrrp_garp_extra_if', 'all', '100'),
      st('vrrp_strict'),
      st('dynamic_interfaces', 'allow_if_changes'),
      st('vrrp_rx_bufs_policy', 'MTU', 'ADVERT'),
    ),
  ]);
  const g = r.cfg.global;
  assert.equal(g.vrrpMcastGroup4, '224.0.0.19');
  assert.equal(g.vrrpMcastGroup6, 'ff02::13');
  assert.equal(g.vrrpGarpMasterDelay, 10_000_000);
  assert.equal(g.vrrpGarpMasterRepeat, 1);
  assert.equal(g.vrrpGarpInterval, 1000);
  assert.equal(g.vrrpGnaInterval, 1);
  assert.equal(g.vrrpVersion, 3);
  assert.deepEqual(g.vrrpGarpExtraIf, { seconds: 100, all: true });
  assert.equal(g.vrrpStrict, true);
  assert.equal(g.dynamicInterfaces, 'allow_if_changes');
  assert.deepEqual(g.vrrpRxBufsPolicy, { mtu: true, advert: true });
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: vrrp_garp_master_repeat must be greater than 0, setting to 1']);
});

test('VRRP defaults: keepalived range messages', () => {
  const r = run([gd(st('vrrp_garp_interval', '0'), st('vrrp_gna_interval', '0'), st('vrrp_garp_master_refresh', '1.0'), st('vrrp_mcast_group4', 'ff02::12'), st('vrrp_version', '4'), st('vrrp_down_timer_adverts', '101'))]);
  assert.deepEqual(r.msgs, [
    "INVALID_NUMBER: number '0' outside range [0.000001, 1]",
    "GENERAL_ERROR: vrrp_garp_interval '0' is invalid",
    "INVALID_NUMBER: number '0' outside range [0.000001, 1]",
    "GENERAL_ERROR: vrrp_gna_interval '0' is invalid",
    "INVALID_NUMBER: invalid number '1.0'",
    "GENERAL_ERROR: Invalid vrrp_garp_master_refresh '1.0' - ignoring",
    'GENERAL_ERROR: Cant parse vrrp_mcast_group4 [ff02::12]. Skipping',
    "INVALID_NUMBER: number '4' outside range [2, 3]",
    'GENERAL_ERROR: Version not valid - must be either 2 or 3',
    "INVALID_NUMBER: number '101' outside range [1, 100]",
    "GENERAL_ERROR: Invalid vrrp_down_timer_adverts '101' - ignoring",
  ]);
  assert.equal(r.cfg.global.vrrpGarpInterval, 0);
  assert.equal(r.cfg.global.vrrpVersion, 2);
});

test('startup_script_timeout range (oracle wording)', () => {
  const r = run([gd(st('startup_script_timeout', 'SECONDS'), st('shutdown_script_timeout', '20'))]);
  assert.deepEqual(r.msgs, ["INVALID_NUMBER: invalid number 'SECONDS'", "GENERAL_ERROR: startup_script_timeout 'SECONDS' must be in [1, 1000] - ignoring"]);
  assert.equal(r.cfg.global.shutdownScriptTimeout, 20);
});

test('LVS: timeouts, flush, sync daemon options and errors', () => {
  const r = run([gd(st('lvs_timeouts', 'tcp', '7200', 'udp', '60'), st('lvs_flush'), st('lvs_flush_on_stop', 'VS'), st('lvs_sync_daemon', 'eth0', 'VI_1', 'id', '5', 'maxlen', '120000', 'port', '9000'), st('lvs_sync_daemon', 'eth1', 'VI_2'))]);
  const g = r.cfg.global;
  assert.deepEqual(g.lvsTimeouts, { tcp: 7200, udp: 60 });
  assert.equal(g.lvsFlush, true);
  assert.equal(g.lvsFlushOnStop, 'vs');
  assert.equal(g.lvsSyncDaemon?.interface, 'eth0');
  assert.equal(g.lvsSyncDaemon?.vrrpInstance, 'VI_1');
  assert.equal(g.lvsSyncDaemon?.syncId, 5);
  assert.equal(g.lvsSyncDaemon?.port, 9000);
  assert.equal(g.lvsSyncDaemon?.maxLen, undefined);
  assert.deepEqual(r.msgs, ['GENERAL_ERROR: Invalid lvs_sync_daemon maxlen (120000) - ignoring', 'GENERAL_ERROR: lvs_sync_daemon has already been specified as eth0 VI_1 - ignoring']);
});

test('notify FIFOs keep the fifo and its script together in either order', () => {
  const r = run([gd(st('vrrp_notify_fifo_script', '/bin/reader'), st('vrrp_notify_fifo', '/run/f', 'nobody'), st('lvs_notify_fifo', '/run/l'), st('fifo_write_vrrp_states_on_reload'))]);
  const g = r.cfg.global;
  assert.equal(g.vrrpNotifyFifo?.name, '/run/f');
  assert.equal(g.vrrpNotifyFifo?.script, '/bin/reader');
  assert.equal(g.vrrpNotifyFifo?.user, 'nobody');
  assert.equal(g.lvsNotifyFifo?.name, '/run/l');
  assert.equal(g.fifoWriteVrrpStatesOnReload, true);
  assert.deepEqual(r.msgs, []);
});

test('deprecated aliases warn and name the current keyword', () => {
  const r = run([gd(st('lvs_flush_onstop'), st('enable_snmp_keepalived'), st('vrrp_vmac_garp_intvl', '60'), st('lvs_process_name', 'ipvs'), st('checker_rlimit_rtime', '9000'))]);
  const g = r.cfg.global;
  assert.equal(g.lvsFlushOnStop, 'on');
  assert.equal(g.enableSnmpVrrp, true);
  assert.deepEqual(g.vrrpGarpExtraIf, { seconds: 60, all: false });
  assert.equal(g.processNames.checker, 'ipvs');
  assert.equal(g.checkerSched.rlimitRttime, 9000);
  assert.deepEqual(r.msgs, [
    "DEPRECATED: lvs_flush_onstop is deprecated - please use 'lvs_flush_on_stop'",
    "DEPRECATED: enable_snmp_keepalived is deprecated - please use 'enable_snmp_vrrp'",
    "DEPRECATED: vrrp_vmac_garp_intvl is deprecated - please use 'vrrp_garp_extra_if'",
    "DEPRECATED: lvs_process_name is deprecated - please use 'checker_process_name'",
    "DEPRECATED: checker_rlimit_rtime is deprecated - please use 'checker_rlimit_rttime'",
  ]);
});

test('firewall keywords as keepalived 2.4.3 packaged reports them', () => {
  const r = run([gd(st('vrrp_iptables'), st('vrrp_ipsets', 'ka'), st('nftables', 'mytab'), st('nftables_priority', '-5'))]);
  assert.equal(r.cfg.global.nftables?.table, 'mytab');
  assert.equal(r.cfg.global.nftables?.priority, -5);
  assert.equal(r.diag.list[0]?.cls, 'WARNING');
  assert.equal(r.diag.list[1]?.cls, 'UNKNOWN_KEYWORD');
  assert.equal(configTestExitCode(r.diag.maxClass()), 5);
});

test('unknown keywords inside global_defs and missing parameters', () => {
  const r = run([gd(st('smtp_connection_timeout', '5'), st('router_id'), st('script_user'))]);
  assert.deepEqual(r.msgs, ["UNKNOWN_KEYWORD: Unknown keyword 'smtp_connection_timeout'", "MISSING_PARAMETER: 'router_id' requires a parameter", 'GENERAL_ERROR: No script username specified']);
});
