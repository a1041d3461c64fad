// validateVrrp: keepalived's completion checks (strict mode, unicast, VIPs, advert interval, preemption, sync
// groups, tracking) and our extra cross-instance checks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hostWith, inst, load } from './vrrp-helpers';

const VIP = 'virtual_ipaddress {\n10.0.0.1\n}';
const base = (extra: string, name = 'VI_1'): string => inst(name, `interface eth0\nvirtual_router_id 1\n${VIP}\n${extra}`);

test('a clean instance reports nothing', () => {
  assert.deepEqual(load(base('')).msgs, []);
});

test('No VIP: sensible in v2, required in v3 or strict; no_virtual_ipaddress silences', () => {
  assert.ok(load(inst('VI_1', 'interface eth0\nvirtual_router_id 1')).msgs.includes('(VI_1) No VIP specified; at least one is sensible'));
  assert.ok(load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nversion 3')).msgs.includes('(VI_1) No VIP specified; at least one is required'));
  assert.ok(load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nstrict_mode')).msgs.includes('(VI_1) No VIP specified; at least one is required'));
  assert.deepEqual(load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nno_virtual_ipaddress')).msgs, []);
});

test('missing VRID and interface', () => {
  const { msgs } = load(inst('VI_1', VIP));
  assert.ok(msgs.includes('(VI_1) the virtual router id must be set'));
  assert.ok(msgs.includes('(VI_1) Unknown interface!'));
  const u = load(inst('VI_1', `virtual_router_id 1\n${VIP}\nunicast_peer {\n10.0.0.2\n}`));
  assert.ok(u.msgs.includes('(VI_1): Unicast instances must have unicast_src_ip or interface'));
  assert.ok(!u.msgs.includes('(VI_1) Unknown interface!'));
  assert.deepEqual(load(inst('VI_1', `virtual_router_id 1\n${VIP}\nunicast_src_ip 10.0.0.3\nunicast_peer {\n10.0.0.2\n}`)).msgs, []);
});

test('own interface in track_interface is dropped', () => {
  const { cfg, msgs } = load(base('track_interface {\neth0\neth1\n}'));
  assert.ok(msgs.includes('(VI_1) Ignoring track_interface eth0 since own interface'));
  assert.deepEqual(cfg.vrrp.instances[0]!.trackInterfaces.map((t) => t.name), ['eth1']);
});

test('advert interval rounding and range, v2 and v3', () => {
  const v2 = load(base('advert_int 0.4'));
  assert.ok(v2.msgs.includes('(VI_1) VRRPv2 advertisement interval 0.400000s must be an integer. rounding'));
  assert.equal(v2.cfg.vrrp.instances[0]!.advertIntUs, 1_000_000);
  const v2big = load(base('advert_int 300'));
  assert.ok(v2big.msgs.includes('(VI_1) VRRPv2 advertisement interval 300.00s is out of range. Must be less than 256s. Setting to 255s'));
  const v3 = load(base('version 3\nadvert_int 0.333'));
  assert.ok(v3.msgs.includes('(VI_1) VRRPv3 advertisement interval 0.333000s must be in units of 10ms - rounding'));
  assert.equal(v3.cfg.vrrp.instances[0]!.advertIntUs, 330_000);
  const v3big = load(base('version 3\nadvert_int 50'));
  assert.ok(v3big.msgs.includes('(VI_1) VRRPv3 advertisement interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s'));
  assert.equal(v3big.cfg.vrrp.instances[0]!.advertIntUs, 40_950_000);
  assert.equal(load(base('version 3\nadvert_int 0.25')).cfg.vrrp.instances[0]!.advertIntUs, 250_000);
});

test('strict mode rules', () => {
  const { cfg, msgs } = load(
    base('strict_mode\nstate MASTER\npriority 100\nauthentication {\nauth_type PASS\nauth_pass x\n}\npreempt_delay 10\ngarp_lower_prio_repeat 2\ngarp_lower_prio_delay 1\nlower_prio_no_advert false\nhigher_prio_send_advert\naccept'),
  );
  for (const m of [
    '(VI_1) State MASTER must match being address owner',
    '(VI_1) Strict mode does not support authentication. Ignoring.',
    '(VI_1) preempt_delay is incompatible with strict mode - resetting',
    '(VI_1) Strict mode requires no repeat garps. resetting',
    '(VI_1) Strict mode requires no repeat garp delay. resetting',
    '(VI_1) Strict mode requires no lower priority advert. resetting',
    '(VI_1) strict mode requires higher_prio_send_advert to be clear. resetting',
    '(VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
  ])
    assert.ok(msgs.includes(m), m);
  const i = cfg.vrrp.instances[0]!;
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.auth, null);
  assert.equal(i.accept, false);
  assert.equal(i.garp.lowerPrioRepeat, 0);
  assert.equal(i.lowerPrioNoAdvert, true);
  // strict from global vrrp_strict; defaults under strict
  const g = load(base(''), { global: { vrrpStrict: true } }).cfg.vrrp.instances[0]!;
  assert.equal(g.strict, true);
  assert.equal(g.accept, false);
  assert.equal(g.garp.lowerPrioRepeat, 0);
  assert.equal(g.lowerPrioNoAdvert, true);
});

test('strict: IPv6 with v2, first IPv6 VIP link local, unicast peers', () => {
  const a = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nstrict_mode\nvirtual_ipaddress {\n2001:db8::1\n}\nversion 2'));
  assert.ok(a.msgs.includes('(VI_1) the first IPv6 VIP address must be link local'));
  const b = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nversion 2\nstrict_mode\nvirtual_ipaddress {\nfe80::1\n}'));
  assert.ok(b.msgs.includes('(VI_1) cannot use IPv6 with VRRP version 2; setting version 3'));
  assert.equal(b.cfg.vrrp.instances[0]!.version, 3);
  const nonStrict = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n2001:db8::1\n}'));
  assert.ok(nonStrict.diag.list.some((d) => d.info && d.message === '(VI_1) the first IPv6 VIP address should be link local'));
  const u = load(base('strict_mode\nunicast_peer {\n10.0.0.2\n}'), { host: hostWith(['eth0']) });
  assert.ok(u.msgs.includes('(VI_1) Unicast peers are not supported in strict mode'));
});

test('v2 with IPv6 VIPs (not strict) becomes v3 with our warning', () => {
  const { cfg, diag } = load(inst('VI_1', 'interface eth0\nvirtual_router_id 1\nversion 2\nvirtual_ipaddress {\nfe80::1\n}'));
  assert.equal(cfg.vrrp.instances[0]!.version, 3);
  assert.ok(diag.list.some((d) => d.extra && d.message === '(VI_1) IPv6 needs VRRP version 3; setting version 3'));
});

test('authentication checks outside strict mode', () => {
  assert.ok(load(base('version 3\nauthentication {\nauth_type PASS\nauth_pass x\n}')).msgs.includes('(VI_1) VRRP version 3 does not support authentication. Ignoring.'));
  assert.ok(load(base('authentication {\nauth_type PASS\n}')).msgs.includes('(VI_1) Authentication specified but no password given. Ignoring'));
  assert.ok(load(base('state MASTER\npriority 100\nauthentication {\nauth_type AH\nauth_pass x\n}')).msgs.includes('(VI_1) Initial state master is incompatible with AH authentication - clearing'));
  const ok = load(base('authentication {\nauth_type PASS\nauth_pass secret\n}'));
  assert.deepEqual(ok.msgs, []);
  assert.equal(ok.cfg.vrrp.instances[0]!.auth!.password, 'secret');
});

test('unicast keyword without peers, unicast_ttl without peers, VMAC with unicast', () => {
  const a = load(base('unicast_src_ip 10.0.0.5\nunicast_ttl 5'));
  assert.ok(a.msgs.includes('(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.'));
  assert.ok(a.msgs.includes('(VI_1): Cannot use unicast_ttl without unicast peers - resetting'));
  const b = load(base('use_vmac\nunicast_peer {\n10.0.0.2\n}'));
  assert.ok(b.msgs.includes('(VI_1) unicast with use_vmac requires vmac_xmit_base - setting'));
  assert.equal(b.cfg.vrrp.instances[0]!.vmacXmitBase, true);
  const c = load(inst('VI_1', `virtual_router_id 1\n${VIP}\nuse_vmac\nunicast_src_ip 10.0.0.3\nunicast_peer {\n10.0.0.2\n}`));
  assert.ok(c.msgs.includes('(VI_1): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac'));
  assert.equal(c.cfg.vrrp.instances[0]!.vmac, null);
});

test('VMAC: promote_secondaries ignored, xmit_base reset in strict mode', () => {
  const { msgs } = load(base('use_vmac\npromote_secondaries\nvmac_xmit_base\nstrict_mode'));
  assert.ok(msgs.includes('(VI_1) promote_secondaries is automatically set for vmacs - ignoring'));
  assert.ok(msgs.includes('(VI_1) xmit_base is incompatible with strict mode - resetting'));
});

test('preemption conflicts', () => {
  assert.ok(load(base('priority 255\nnopreempt')).msgs.includes('(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt'));
  const m = load(base('state MASTER\npriority 200\nnopreempt\npreempt_delay 5'));
  assert.ok(m.msgs.includes('(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing'));
  assert.ok(m.msgs.includes('(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing'));
  assert.ok(load(base('nopreempt\npreempt_delay 5')).msgs.includes('(VI_1) preempt_delay is incompatible with nopreempt mode - resetting'));
  assert.deepEqual(load(base('nopreempt')).msgs, []);
});

test('too many VIPs move to the excluded list', () => {
  const lines = Array.from({ length: 300 }, (_, k) => `10.1.${k >> 8}.${k & 255}`).join('\n');
  const { cfg, msgs } = load(inst('VI_1', `interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n${lines}\n}`));
  assert.ok(msgs.includes('(VI_1) Number of VIPs (300) exceeds maximum/space available in packet (max 255 addresses) - excess moved to eVIPs'));
  assert.equal(cfg.vrrp.instances[0]!.vips.length, 255);
  assert.equal(cfg.vrrp.instances[0]!.excludedVips.length, 45);
});

test('sync groups: unknown members, one member, member of two groups, tracking weights', () => {
  const text =
    base('track_interface {\neth1 weight 10\n}', 'VI_1') +
    inst('VI_2', `interface eth0\nvirtual_router_id 2\nvirtual_ipaddress {\n10.0.0.2\n}`) +
    'vrrp_sync_group G1 {\n group {\n VI_1\n VI_X\n }\n}\nvrrp_sync_group G2 {\n group {\n VI_1\n VI_2\n }\n}\n';
  const { cfg, diag, msgs } = load(text);
  assert.ok(msgs.includes("Virtual router VI_X specified in sync group G1 doesn't exist - ignoring"));
  assert.ok(msgs.includes("Sync group G1 has only 1 virtual router(s) - this probably isn't what you want"));
  const two = diag.list.find((d) => d.message.startsWith('Virtual router VI_1 cannot exist in more than one sync group'));
  assert.ok(two?.extra);
  assert.ok(msgs.includes('Sync group G2 has no virtual router(s) - removing') === false);
  assert.deepEqual(cfg.vrrp.syncGroups.find((g) => g.name === 'G2')!.members.map((m) => m.name), ['VI_2']);
  assert.ok(msgs.includes('(VI_1) ignoring eth1 tracked interface weight due to SYNC group'));
  assert.equal(cfg.vrrp.instances[0]!.trackInterfaces[0]!.weight, 0);
  assert.equal(cfg.vrrp.instances[0]!.syncGroup, 'G1');
  const weighted = load(base('track_interface {\neth1 weight 10\n}') + 'vrrp_sync_group G {\n group {\n VI_1\n }\n sync_group_tracking_weight\n}');
  assert.equal(weighted.cfg.vrrp.instances[0]!.trackInterfaces[0]!.weight, 10);
});

test('address owner ignores weighted tracking', () => {
  const { cfg, msgs } = load('vrrp_script chk_haproxy {\n script /bin/true\n weight 2\n}\n' + base('priority 255\ntrack_script {\nchk_haproxy\n}'));
  assert.ok(msgs.includes('(VI_1) ignoring tracked script chk_haproxy with weights due to address_owner'));
  assert.equal(cfg.vrrp.instances[0]!.trackScripts[0]!.weight, 0);
});

test('VRID clash on one interface and family (keepalived) and one VIP in two instances (ours)', () => {
  const text = base('', 'VI_1') + inst('VI_2', `interface eth0\nvirtual_router_id 1\n${VIP}`) + inst('VI_3', `interface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\nfe80::1\n}`);
  const { diag, msgs } = load(text);
  assert.ok(msgs.includes('VI_1 and VI_2 both use VRID 1 with IPv4 on interface eth0'));
  assert.ok(!msgs.some((m) => m.includes('VI_3 both use')));
  assert.ok(diag.list.some((d) => d.extra && d.message === '(VI_2) VIP 10.0.0.1 is also configured on vrrp_instance VI_1'));
});

test('track_group members must be instances (ours)', () => {
  const { cfg, diag } = load(base('') + 'track_group TG {\n group {\n VI_1 nope\n }\n}');
  assert.deepEqual(cfg.vrrp.trackGroups[0]!.members.map((m) => m.name), ['VI_1']);
  assert.ok(diag.list.some((d) => d.extra && d.message === "track_group TG: vrrp_instance nope doesn't exist - ignoring"));
});

test('defaults resolution: notify_priority_changes from the sync group, smtp_alert from globals', () => {
  const { cfg } = load(base('', 'VI_1') + inst('VI_2', 'interface eth0\nvirtual_router_id 2\nvirtual_ipaddress {\n10.0.0.2\n}') + 'vrrp_sync_group G {\n group {\n VI_1 VI_2\n }\n notify_priority_changes\n}', { global: { smtpAlert: true } });
  assert.equal(cfg.vrrp.instances[0]!.notifyPriorityChanges, true);
  assert.equal(cfg.vrrp.instances[0]!.smtpAlert, true);
});
