// The other VRRP root blocks: vrrp_script, track_file (+ deprecated vrrp_track_file), vrrp_track_process,
// vrrp_sync_group, garp_group, track_group, linkbeat_interfaces, interface_up_down_delays, static_*.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hostWith, load } from './vrrp-helpers';

test('vrrp_script: fields, defaults, timeout defaults to interval', () => {
  const { cfg, msgs } = load('vrrp_script chk {\n script "/usr/bin/check arg"\n interval 2\n weight -30 reverse\n rise 3\n fall 0\n user nobody nogroup\n init_fail\n}\nvrrp_script t {\n script /bin/true\n timeout 5\n}', { validate: false });
  assert.deepEqual(msgs, []);
  const s = cfg.vrrp.scripts[0]!;
  assert.equal(s.script!.command, '/usr/bin/check arg');
  assert.equal(s.intervalUs, 2_000_000);
  assert.equal(s.timeoutUs, 2_000_000);
  assert.equal(s.weight, -30);
  assert.equal(s.weightReverse, true);
  assert.equal(s.rise, 3);
  assert.equal(s.fall, 1);
  assert.deepEqual(s.user, ['nobody', 'nogroup']);
  assert.equal(s.initFail, true);
  const t = cfg.vrrp.scripts[1]!;
  assert.equal(t.intervalUs, 1_000_000);
  assert.equal(t.timeoutUs, 5_000_000);
});

test('vrrp_script without script is removed; references then not found', () => {
  const { cfg, msgs } = load('vrrp_script offset {\n interval 1\n}\nvrrp_instance A {\n track_script {\n offset\n }\n}', { validate: false });
  assert.ok(msgs.includes('No script set for vrrp_script offset - removing'));
  assert.ok(msgs.includes('(A) track script offset not found, ignoring...'));
  assert.equal(cfg.vrrp.scripts[0]!.enabled, false);
});

test('vrrp_script weight out of range', () => {
  const { cfg, msgs } = load('vrrp_script c {\n script x\n weight 254\n}', { validate: false });
  assert.ok(msgs.includes('vrrp_script c weight must be between [-253..253] inclusive. Ignoring...'));
  assert.equal(cfg.vrrp.scripts[0]!.weight, 0);
});

test('track_file and its deprecated alias vrrp_track_file', () => {
  const { cfg, diag, msgs } = load('track_file TF_1 {\n file /run/tf1\n weight -2 reverse\n init_file 5 overwrite\n}\nvrrp_track_file TF_2 {\n file /run/tf2\n}\ntrack_file TF_3 {\n weight 1\n}', { validate: false });
  assert.equal(cfg.vrrp.trackFiles.length, 3);
  const f = cfg.vrrp.trackFiles[0]!;
  assert.deepEqual([f.file, f.weight, f.weightReverse, f.init], ['/run/tf1', -2, true, { value: 5, overwrite: true }]);
  assert.equal(cfg.vrrp.trackFiles[1]!.weight, 1);
  assert.ok(diag.list.some((d) => d.cls === 'DEPRECATED' && d.message.includes("'track_file'")));
  assert.ok(msgs.includes('No file set for track_file TF_3 - ignoring'));
  assert.equal(cfg.vrrp.trackFiles[2]!.enabled, false);
  const w = load('track_file T {\n file /x\n weight 300\n file /y\n}', { validate: false });
  assert.ok(w.msgs.includes('Weight for T must be between [-254..254] inclusive. Ignoring...'));
  assert.ok(w.msgs.includes('File already set for track file T - ignoring /y'));
});

test('track_file references from instances', () => {
  const { cfg, msgs } = load('track_file TF_1 {\n file /x\n}\nvrrp_instance VI_0 {\n track_file {\n TF_1 weight 3\n TF_0\n }\n}', { validate: false });
  assert.deepEqual(cfg.vrrp.instances[0]!.trackFiles.map((t) => [t.name, t.weight]), [['TF_1', 3]]);
  assert.ok(msgs.includes('(VI_0) track file TF_0 not found, ignoring...'));
});

test('vrrp_track_process', () => {
  const { cfg, msgs } = load('vrrp_track_process nginx {\n process nginx -g daemon\n param_match initial\n weight 10 reverse\n quorum 2\n quorum_max 1\n delay 1.5\n full_command\n}\nvrrp_track_process empty {\n quorum 1\n}\nvrrp_instance A {\n track_process {\n nginx\n empty\n }\n}', { validate: false });
  const p = cfg.vrrp.trackProcesses[0]!;
  assert.deepEqual([p.process, p.params, p.paramMatch, p.weight, p.weightReverse, p.quorum, p.delayUs, p.fullCommand], ['nginx', ['-g', 'daemon'], 'initial', 10, true, 2, 1_500_000, true]);
  assert.equal(p.quorumMax, 2);
  assert.ok(msgs.includes('(nginx): quorum_max 1 < quorum 2 - setting quorum_max to quorum'));
  assert.ok(msgs.includes('No process specified for track process empty - removing'));
  assert.ok(msgs.includes('(A) track process empty not found, ignoring...'));
  assert.deepEqual(cfg.vrrp.instances[0]!.trackProcesses.map((t) => t.name), ['nginx']);
});

test('vrrp_sync_group: members, tracking, notify, deprecated global_tracking', () => {
  const { cfg, diag } = load('vrrp_sync_group G {\n group {\n VI_1\n VI_2 VI_3\n }\n notify_master /bin/m\n notify /bin/n\n smtp_alert\n global_tracking\n notify_priority_changes\n track_interface {\n eth1 weight 5\n }\n}', { validate: false });
  const g = cfg.vrrp.syncGroups[0]!;
  assert.deepEqual(g.members.map((m) => m.name), ['VI_1', 'VI_2', 'VI_3']);
  assert.ok(g.notify.master && g.notify.generic);
  assert.equal(g.smtpAlert, true);
  assert.equal(g.trackingWeight, true);
  assert.equal(g.notifyPriorityChanges, true);
  assert.equal(g.trackInterfaces[0]!.weight, 5);
  assert.ok(diag.list.some((d) => d.cls === 'DEPRECATED' && d.message === "global_tracking is deprecated - please use 'sync_group_tracking_weight'"));
});

test('garp_group: intervals, interfaces, one group per interface, no delay removes', () => {
  const { cfg, msgs } = load('garp_group {\n garp_interval 0.01\n gna_interval 0.02\n interface eth0\n}\ngarp_group {\n garp_interval 0.5\n interfaces {\n eth0\n eth1\n eth9\n }\n}\ngarp_group {\n interface eth2\n}', { host: hostWith(['eth0', 'eth1', 'eth2']), validate: false });
  assert.equal(cfg.vrrp.garpGroups.length, 2);
  assert.equal(cfg.vrrp.garpGroups[0]!.garpIntervalUs, 10_000);
  assert.equal(cfg.vrrp.garpGroups[0]!.gnaIntervalUs, 20_000);
  assert.deepEqual(cfg.vrrp.garpGroups[1]!.interfaces.map((i) => i.name), ['eth1']);
  assert.ok(msgs.includes('garp_group already specified for eth0 - ignoring'));
  assert.ok(msgs.includes("WARNING - interface eth9 specified for garp_group doesn't exist"));
  assert.ok(msgs.includes('garp group 3 does not have any delay set - removing'));
});

test('track_group, linkbeat_interfaces, interface_up_down_delays', () => {
  const { cfg, diag, msgs } = load('track_group TG {\n group {\n VI_1 VI_2\n }\n}\nlinkbeat_interfaces {\n eth0 MII\n eth1\n eth9\n}\ninterface_up_down_delays {\n eth0 2 1.5\n eth1 300\n eth9 1\n}', { host: hostWith(['eth0', 'eth1']), validate: false });
  assert.deepEqual(cfg.vrrp.trackGroups[0]!.members.map((m) => m.name), ['VI_1', 'VI_2']);
  assert.deepEqual(cfg.vrrp.linkbeatInterfaces.map((l) => [l.name, l.mode]), [['eth0', 'MII'], ['eth1', null]]);
  assert.ok(msgs.includes('unknown interface eth9 specified for linkbeat interface'));
  assert.deepEqual(cfg.vrrp.upDownDelays.map((u) => [u.interface, u.downUs, u.upUs]), [['eth0', 2_000_000, 1_500_000]]);
  assert.ok(msgs.includes('Invalid down delay 300 for eth1'));
  assert.equal(diag.list.find((d) => d.message === 'unknown interface eth9 specified for up/down delay')!.cls, 'FATAL');
});

test('static_ipaddress / static_routes / static_rules go through the ip grammar', () => {
  const { cfg, msgs } = load('static_ipaddress {\n 192.0.2.1/24 dev eth0\n}\nstatic_routes track1 {\n 10.0.0.0/8 via 192.0.2.254\n}\nstatic_rules {\n from 10.0.0.1 table 100\n}', { validate: false });
  assert.equal(cfg.vrrp.staticAddresses.length, 1);
  assert.equal(cfg.vrrp.staticRoutes.length, 1);
  assert.equal(cfg.vrrp.staticRules.length, 1);
  assert.ok(msgs.includes('Block static_routes has extra parameters track1 ...'));
});

test('unknown keywords inside VRRP blocks are reported', () => {
  const { diag } = load('vrrp_instance A {\n bogus 1\n}\nvrrp_script s {\n script x\n nope\n}', { validate: false });
  assert.deepEqual(diag.list.filter((d) => d.cls === 'UNKNOWN_KEYWORD').map((d) => d.message), ["Unknown keyword 'bogus'", "Unknown keyword 'nope'"]);
});
