// vrrp_instance keywords: parsing into the model, resolved defaults, deprecated aliases and parse-time messages.
import { rootSpec } from '../../../src/config/keywords';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatIp } from '../../../src/net/ip';
import { registryEntries } from '../../../src/config/keywords/registry';
import { hostWith, inst, load, vrrpRoot } from './vrrp-helpers';

const BASIC = `
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 2
  virtual_ipaddress {
    192.0.2.1/24 dev eth0
    192.0.2.2
  }
`;

test('a basic instance is parsed and its defaults resolved', () => {
  const { cfg, msgs } = load(inst('VI_1', BASIC));
  assert.deepEqual(msgs, []);
  const i = cfg.vrrp.instances[0]!;
  assert.equal(i.name, 'VI_1');
  assert.equal(i.state, 'MASTER');
  assert.equal(i.interface, 'eth0');
  assert.equal(i.vrid, 51);
  assert.equal(i.priority, 150);
  assert.equal(i.advertIntUs, 2_000_000);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.vips.length, 2);
  assert.equal(formatIp(i.mcastDstIp), '224.0.0.18');
  assert.equal(i.accept, true);
  assert.equal(i.garp.masterDelayUs, 5_000_000);
  assert.equal(i.garp.masterRepeat, 5);
  assert.equal(i.garp.lowerPrioRepeat, 5);
  assert.equal(i.unicastTtl, 255);
  assert.equal(i.loc.line, 1);
});

test('priority defaults to 100, or 255 with state MASTER; state follows priority 255', () => {
  const a = load(inst('A', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}')).cfg.vrrp.instances[0]!;
  assert.equal(a.priority, 100);
  assert.equal(a.state, 'BACKUP');
  const b = load(inst('B', 'state MASTER\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}')).cfg.vrrp.instances[0]!;
  assert.equal(b.priority, 255);
  const c = load(inst('C', 'priority 255\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}')).cfg.vrrp.instances[0]!;
  assert.equal(c.state, 'MASTER');
});

test('version comes from the instance, global vrrp_version, or IPv6 VIPs', () => {
  const body = 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}';
  assert.equal(load(inst('A', body)).cfg.vrrp.instances[0]!.version, 2);
  assert.equal(load(inst('A', body), { global: { vrrpVersion: 3 } }).cfg.vrrp.instances[0]!.version, 3);
  assert.equal(load(inst('A', 'version 3\n' + body)).cfg.vrrp.instances[0]!.version, 3);
  const v6 = load(inst('A', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\nfe80::1\n2001:db8::1\n}')).cfg.vrrp.instances[0]!;
  assert.equal(v6.version, 3);
  assert.equal(v6.family, 6);
  assert.equal(formatIp(v6.mcastDstIp), 'ff02::12');
});

test('global vrrp defaults are inherited (garp, mcast group, strict)', () => {
  const body = 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}\ngarp_master_repeat 3';
  const globals = 'global_defs {\nvrrp_garp_master_delay 2\nvrrp_garp_master_refresh 60\nvrrp_mcast_group4 224.0.0.19\n}\n';
  const { cfg } = load(globals + inst('A', body), { root: rootSpec });
  const i = cfg.vrrp.instances[0]!;
  assert.equal(i.garp.masterDelayUs, 2_000_000);
  assert.equal(i.garp.masterRefreshUs, 60_000_000);
  assert.equal(i.garp.masterRepeat, 3);
  assert.equal(formatIp(i.mcastDstIp), '224.0.0.19');
});

test('owner_ignore_adverts: instance flag, global vrrp_owner_ignore_adverts default, explicit false wins', () => {
  const body = 'interface eth0\nvirtual_router_id 1\npriority 255\nvirtual_ipaddress {\n10.0.0.1\n}';
  assert.equal(load(inst('A', body)).cfg.vrrp.instances[0]!.ownerIgnoreAdverts, false);
  assert.equal(load(inst('A', `${body}\nowner_ignore_adverts`)).cfg.vrrp.instances[0]!.ownerIgnoreAdverts, true);
  const globals = 'global_defs {\nvrrp_owner_ignore_adverts\n}\n';
  const g = load(globals + inst('A', body) + inst('B', `${body.replace('router_id 1', 'router_id 2')}\nowner_ignore_adverts false`), { root: rootSpec });
  assert.deepEqual(g.cfg.vrrp.instances.map((i) => [i.name, i.ownerIgnoreAdverts, i.configured.ownerIgnoreAdverts]), [['A', true, null], ['B', false, false]]);
});

test('garp_extra_if: an instance without it takes global vrrp_garp_extra_if; its own (even 0) wins', () => {
  const body = 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}';
  const globals = 'global_defs {\nvrrp_garp_extra_if all 120\n}\n';
  const g = load(globals + inst('A', body) + inst('B', `${body.replace('router_id 1', 'router_id 2')}\ngarp_extra_if 0`), { root: rootSpec });
  assert.deepEqual(g.cfg.vrrp.instances.map((i) => i.garpExtraIf), [{ intervalUs: 120_000_000, all: true }, { intervalUs: 0, all: false }]);
  assert.equal(load(inst('A', body)).cfg.vrrp.instances[0]!.garpExtraIf, null);
});

test('unknown state defaults to BACKUP; BACKUP after MASTER is ignored', () => {
  const { cfg, msgs } = load(inst('VI_1', 'state EQUAL\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}'));
  assert.ok(msgs.includes("(VI_1) unknown state 'EQUAL', defaulting to BACKUP"));
  assert.equal(cfg.vrrp.instances[0]!.state, 'BACKUP');
  const b = load(inst('VI_1', 'state MASTER\nstate BACKUP\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}'));
  assert.ok(b.msgs.includes('(VI_1) state previously set as MASTER - ignoring BACKUP'));
  assert.equal(b.cfg.vrrp.instances[0]!.state, 'MASTER');
});

test('bad priority and VRID use keepalived wording', () => {
  const { cfg, diag, msgs } = load(inst('VI_1', 'priority $PRI\ninterface eth0\nvirtual_router_id 300\nvirtual_ipaddress {\n10.0.0.1\n}'));
  assert.ok(msgs.includes("invalid number '$PRI'"));
  assert.ok(msgs.includes('(VI_1) Priority not valid! must be between 1 & 255. Using default 100'));
  assert.ok(msgs.includes("(VI_1): VRID '300' not valid - must be between 1 & 255"));
  assert.ok(msgs.includes('(VI_1) the virtual router id must be set'));
  assert.equal(cfg.vrrp.instances[0]!.priority, 100);
  assert.equal(diag.list.find((d) => d.message.startsWith('invalid number'))!.cls, 'INVALID_NUMBER');
});

test('advert_int must be positive; preempt_delay 0-1000', () => {
  const { msgs, cfg } = load(inst('X', 'advert_int 0\npreempt_delay 2000\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}'));
  assert.ok(msgs.includes('(X) Advert interval (0) not valid! Must be > 0 - ignoring'));
  assert.ok(msgs.includes('(X) Preempt_delay not valid! must be between 0-1000'));
  assert.equal(cfg.vrrp.instances[0]!.advertIntUs, 1_000_000);
  const ok = load(inst('X', 'preempt_delay 30\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}'));
  assert.equal(ok.cfg.vrrp.instances[0]!.preemptDelayUs, 30_000_000);
});

test('a duplicate instance name is reported and its block skipped', () => {
  const body = 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}';
  const { cfg, msgs } = load(inst('A', body) + inst('A', 'priority 7\n' + body));
  assert.equal(cfg.vrrp.instances.length, 1);
  assert.ok(msgs.includes('vrrp instance A already defined'));
  assert.ok(load('vrrp_instance {\n}\n').msgs.includes('vrrp_instance must have a name - skipping'));
});

test('a missing interface is reported when the host knows, not otherwise', () => {
  const text = inst('VI_1', 'interface eth10\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}');
  const { msgs, diag } = load(text, { host: hostWith(['eth0']) });
  assert.ok(msgs.includes("WARNING - interface eth10 for vrrp_instance VI_1 doesn't exist"));
  assert.ok(msgs.includes('Non-existent interface specified in configuration'));
  assert.equal(diag.list.find((d) => d.message.startsWith('Non-existent'))!.cls, 'BAD_IF');
  assert.deepEqual(load(text).msgs, []);
  assert.deepEqual(load(text, { host: hostWith(['eth10']) }).msgs, []);
});

test('authentication: type, password truncated to 8 characters, unknown type', () => {
  const { cfg, msgs } = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}\nauthentication {\nauth_type PASS\nauth_pass 0123456789\n}'));
  assert.ok(msgs.includes('Truncating auth_pass to 8 characters'));
  assert.deepEqual({ t: cfg.vrrp.instances[0]!.auth!.type, p: cfg.vrrp.instances[0]!.auth!.password }, { t: 'PASS', p: '01234567' });
  const bad = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}\nauthentication {\nauth_type XXXXX\n}'));
  assert.ok(bad.msgs.includes("(VI_1) unknown authentication type 'XXXXX'"));
});

test('auth_hmac block is parsed', () => {
  const { cfg, msgs } = load(inst('H', 'interface eth0\nvirtual_router_id 1\nversion 3\nvirtual_ipaddress {\n10.0.0.1\n}\nauth_hmac {\nkey 1 hex:00ff\nkey 2 secret\nactive_key 1\nanti_replay monotonic\nmode permissive\n}'));
  assert.deepEqual(msgs, []);
  const h = cfg.vrrp.instances[0]!.authHmac!;
  assert.deepEqual(h.keys.map((k) => [k.id, k.source, k.value]), [[1, 'hex', '00ff'], [2, 'ascii', 'secret']]);
  assert.equal(h.activeKey, 1);
  assert.equal(h.antiReplay, 'monotonic');
  assert.equal(h.mode, 'permissive');
});

test('unicast peers, source address, ttl; malformed addresses and duplicates', () => {
  const { cfg, msgs } = load(
    inst('vips', 'interface eth0\nvirtual_router_id 1\nunicast_src_ip 10.0.0.2\nunicast_ttl 10\nunicast_peer {\n10.0.0.3 min_ttl 2\n10.0.0.3\n10.1.2.$THEM\n}\nvirtual_ipaddress {\n10.0.0.1\n}'),
  );
  const i = cfg.vrrp.instances[0]!;
  assert.equal(formatIp(i.srcIp!), '10.0.0.2');
  assert.equal(i.unicastPeers.length, 1);
  assert.equal(i.unicastPeers[0]!.minTtl, 2);
  assert.equal(i.unicastTtl, 10);
  assert.ok(msgs.includes('(vips) 10.0.0.3 - duplicate unicast_peer'));
  assert.ok(msgs.includes('Configuration error: VRRP instance[vips] malformed unicast peer address[10.1.2.$THEM]. Skipping...'));
  const src = load(inst('V', 'unicast_src_ip 10.0.0.$US'), { validate: false });
  assert.ok(src.msgs.includes('Configuration error: VRRP instance[V] malformed src address[10.0.0.$US]. Skipping...'));
});

test('VIP duplicates within an instance are ignored; mixed families rejected', () => {
  const { cfg, msgs } = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n10.0.0.1/24\n2001:db8::1\n}\nvirtual_ipaddress_excluded {\n10.0.0.9\n2001:db8::9\n}'));
  assert.ok(msgs.includes('(VI_1): VIP duplicates a VIP 10.0.0.1 - ignoring'));
  assert.ok(msgs.some((m) => m.startsWith('(VI_1): address family must match VRRP instance')));
  assert.equal(cfg.vrrp.instances[0]!.vips.length, 1);
  assert.equal(cfg.vrrp.instances[0]!.excludedVips.length, 2);
});

test('tracking: interfaces with weight/reverse, scripts resolved against definitions so far', () => {
  const text =
    'vrrp_script chk {\nscript /bin/true\nweight -20\n}\n' +
    inst('VI_1', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}\ntrack_interface {\neth1 weight 10 reverse\neth2\neth9\n}\ntrack_script {\nchk weight 5\nmissing\n}') +
    'vrrp_script late {\nscript /bin/true\n}\n';
  const { cfg, msgs } = load(text, { host: hostWith(['eth0', 'eth1', 'eth2']) });
  const i = cfg.vrrp.instances[0]!;
  assert.deepEqual(i.trackInterfaces.map((t) => [t.name, t.weight, t.reverse]), [['eth1', 10, true], ['eth2', 0, false]]);
  assert.ok(msgs.includes("(VI_1) tracked interface eth9 doesn't exist"));
  assert.deepEqual(i.trackScripts.map((t) => [t.name, t.weight]), [['chk', 5]]);
  assert.ok(msgs.includes('(VI_1) track script missing not found, ignoring...'));
  assert.equal(cfg.vrrp.scripts.length, 2);
});

test('track weights out of range are ignored', () => {
  const { cfg, msgs } = load('vrrp_script chk {\nscript x\n}\n' + inst('A', 'track_script {\nchk weight 300\n}\ntrack_interface {\neth1 weight -255\n}'), { validate: false });
  assert.ok(msgs.includes('(A) weight for chk must be between [-253..253] inclusive. Ignoring...'));
  assert.ok(msgs.includes('(A) weight for eth1 must be between [-254..254] inclusive. Ignoring...'));
  assert.equal(cfg.vrrp.instances[0]!.trackScripts[0]!.weight, null);
});

test('notify scripts keep the first and go through checkScript', () => {
  const { cfg, msgs } = load(inst('A', 'notify_master "/bin/m arg"\nnotify_master /bin/other\nnotify /bin/n\nnotify_backup /bin/b root\nnotify_fault /bin/f\nnotify_stop /bin/s\nnotify_deleted /bin/d\nnotify_master_rx_lower_pri /bin/l'), { validate: false });
  const n = cfg.vrrp.instances[0]!.notify;
  assert.equal(n.master!.command, '/bin/m arg');
  assert.deepEqual(n.master!.check.argv, ['/bin/m', 'arg']);
  assert.ok(msgs.includes('(A) notify_master script already specified - ignoring /bin/other'));
  for (const k of ['generic', 'backup', 'fault', 'stop', 'deleted', 'masterRxLowerPri'] as const) assert.ok(n[k], k);
});

test('VMAC, ipvlan, flags and booleans', () => {
  const { cfg } = load(
    inst('A', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n10.0.0.1\n}\nuse_vmac vrrp.51 netlink_notify_msg\nvmac_xmit_base\nnopreempt\ndont_track_primary\nstrict_mode off\nskip_check_adv_addr\nlower_prio_no_advert false\nno_accept\ndebug 2\nsmtp_alert\ndown_timer_adverts 5\ntimer_expired_backup 100\ngarp_extra_if all 30'),
  );
  const i = cfg.vrrp.instances[0]!;
  assert.equal(i.vmac!.ifname, 'vrrp.51');
  assert.equal(i.vmac!.netlinkNotifyMsg, true);
  assert.equal(i.vmacXmitBase, true);
  assert.equal(i.nopreempt, true);
  assert.equal(i.dontTrackPrimary, true);
  assert.equal(i.strict, false);
  assert.equal(i.skipCheckAdvAddr, true);
  assert.equal(i.lowerPrioNoAdvert, false);
  assert.equal(i.accept, false);
  assert.equal(i.debug, 2);
  assert.equal(i.smtpAlert, true);
  assert.equal(i.downTimerAdverts, 5);
  assert.deepEqual(i.timerExpiredBackup, { priority: 100 });
  assert.deepEqual(i.garpExtraIf, { intervalUs: 30_000_000, all: true });
  const ipv = load(inst('B', 'use_ipvlan ipv1 10.0.0.5/24 private'), { validate: false }).cfg.vrrp.instances[0]!.ipvlan!;
  assert.deepEqual([ipv.ifname, ipv.address, ipv.mode], ['ipv1', '10.0.0.5/24', 'private']);
});

test('deprecated aliases warn and behave like their replacement', () => {
  const { cfg, diag } = load(inst('A', 'vmac_garp_intvl 10\nthread_timer_expired\nlinkbeat_use_polling\nnative_ipv6'), { validate: false });
  const dep = diag.list.filter((d) => d.cls === 'DEPRECATED').map((d) => d.message);
  assert.ok(dep.includes("vmac_garp_intvl is deprecated - please use 'garp_extra_if'"));
  assert.ok(dep.includes("linkbeat_use_polling is deprecated - please use 'linkbeat_interfaces'"));
  assert.ok(!dep.some((m) => m.includes('thread_timer_expired')));
  const i = cfg.vrrp.instances[0]!;
  assert.deepEqual(i.garpExtraIf, { intervalUs: 10_000_000, all: false });
  assert.deepEqual(i.timerExpiredBackup, { priority: null });
  assert.equal(i.family, 6);
});

test('garp settings: repeat must be at least 1', () => {
  const { cfg, msgs } = load(inst('VI_1', 'garp_master_repeat 0\ngarp_master_refresh_repeat 0\ngarp_master_delay 3\ngarp_master_refresh 30\ngarp_lower_prio_delay 2\ngarp_lower_prio_repeat 4'), { validate: false });
  assert.ok(msgs.includes('(VI_1): garp_master_repeat must be greater than 0, setting to 1'));
  assert.ok(msgs.includes('(VI_1): garp_master_refresh_repeat must be greater than 0, setting to 1'));
  assert.deepEqual(cfg.vrrp.instances[0]!.configured.garp, { masterRepeat: 1, masterRefreshRepeat: 1, masterDelayUs: 3e6, masterRefreshUs: 30e6, lowerPrioDelayUs: 2e6, lowerPrioRepeat: 4 });
});

test('every keyword has doc, syntax field and a status; the instance table is large', () => {
  const rows = registryEntries(vrrpRoot);
  const inInstance = rows.filter((r) => r.block === 'vrrp_instance').length;
  assert.ok(inInstance >= 65, `vrrp_instance has ${inInstance} keywords`);
  for (const r of rows) {
    assert.ok(r.keyword.doc.length > 5, `${r.block}.${r.keyword.name} doc`);
    assert.equal(typeof r.keyword.syntax, 'string');
  }
  const status = (b: string, k: string): string | undefined => rows.find((r) => r.block === b && r.keyword.name === k)?.keyword.status ?? 'supported';
  assert.equal(status('vrrp_instance', 'track_bfd'), 'parsed');
  assert.equal(status('vrrp_instance', 'auth_hmac'), 'parsed');
  assert.equal(status('vrrp_instance', 'virtual_ipaddress'), 'supported');
  assert.ok(rows.some((r) => r.block === 'authentication' && r.keyword.name === 'auth_pass'));
});
