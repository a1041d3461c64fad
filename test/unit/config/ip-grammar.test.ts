// Table-driven tests of the address, route and rule sub-grammars against keepalived's behaviour and wording.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAddressStmt, parseRouteStmt, parseRuleStmt, lookupTable, lookupScope, lookupProto, lookupDsfield, parseRealms } from '../../../src/config/keywords/ip-grammar';
import { formatIp } from '../../../src/net/ip';
import { fixturesDir } from '../../helpers/paths';
import { context, messages, stmt } from './ip-helpers';

const VI = { defaultInterface: 'eth0', owner: '(VI_1)' };
const STATIC = { defaultInterface: null, owner: 'static_ipaddress' };

test('address: full line with dev, brd +, label and scope', () => {
  const ctx = context();
  const a = parseAddressStmt(stmt('192.0.2.10/24 dev eth1 brd + label eth1:vip scope link'), ctx, VI)!;
  assert.equal(formatIp(a.address), '192.0.2.10');
  assert.equal(a.address.prefixLen, 24);
  assert.equal(a.dev, 'eth1');
  assert.equal(a.devExplicit, true);
  assert.equal(formatIp(a.broadcast!), '192.0.2.255');
  assert.equal(a.label, 'eth1:vip');
  assert.equal(a.scope, 253);
  assert.deepEqual(messages(ctx), []);
});

test('address: defaults, brd -, flags, preferred_lft, use_vmac', () => {
  const ctx = context();
  const a = parseAddressStmt(stmt('10.1.2.3/16 brd - home mngtmpaddr noprefixroute autojoin no_track use_vmac preferred_lft 30'), ctx, VI)!;
  assert.equal(a.dev, 'eth0');
  assert.equal(a.devExplicit, false);
  assert.equal(formatIp(a.broadcast!), '10.1.0.0');
  assert.deepEqual(a.flags, { home: true, noNodad: false, mngtmpaddr: true, noprefixroute: true, autojoin: true });
  assert.equal(a.noTrack, true);
  assert.equal(a.useVmac, true);
  assert.equal(a.preferredLft, 30);
  const b = parseAddressStmt(stmt('2001:db8::1 -nodad preferred_lft forever'), ctx, VI)!;
  assert.equal(b.family, 6);
  assert.equal(b.address.prefixLen, 128);
  assert.equal(b.flags.noNodad, true);
  assert.equal(b.preferredLft, 'forever');
  assert.deepEqual(messages(ctx), []);
});

test('address: peer takes the prefix; prefix with peer is reported', () => {
  const ctx = context();
  const a = parseAddressStmt(stmt('10.0.0.1 peer 10.0.0.2/30'), ctx, VI)!;
  assert.equal(formatIp(a.peer!), '10.0.0.2');
  assert.equal(a.address.prefixLen, 30);
  assert.deepEqual(messages(ctx), []);
  const ctx2 = context();
  parseAddressStmt(stmt('10.0.0.1/24 peer 10.0.0.2'), ctx2, VI);
  assert.deepEqual(messages(ctx2), ['GENERAL_ERROR: Cannot specify address prefix when specifying peer address - ignoring']);
  const ctx3 = context();
  parseAddressStmt(stmt('10.0.0.1 peer 2001:db8::2'), ctx3, VI);
  assert.deepEqual(messages(ctx3), ['GENERAL_ERROR: Peer address 2001:db8::2 does not match address family']);
});

const addressErrors: [string, string[], boolean][] = [
  ['track', ['GENERAL_ERROR: VRRP parsed invalid IP track. skipping IP...'], false],
  ['xx.xx.xx.4', ['GENERAL_ERROR: VRRP parsed invalid IP xx.xx.xx.4. skipping IP...'], false],
  ['1000::$', ['GENERAL_ERROR: VRRP parsed invalid IP 1000::$. skipping IP...'], false],
  ['10.0.0.1/125', ['GENERAL_ERROR: Invalid address prefix len 125 for address 10.0.0.1 - using 32'], true],
  ['10.0.0.1 track', ["GENERAL_ERROR: Unknown configuration entry 'track' for ip address - ignoring"], true],
  ['10.0.0.1 dev', ['GENERAL_ERROR: No dev parameter specified for 10.0.0.1'], false],
  ['10.0.0.1 dev eth9', ["GENERAL_ERROR: WARNING - interface eth9 for ip address 10.0.0.1 doesn't exist"], false],
  ['10.0.0.1 scope galaxy', ["GENERAL_ERROR: Invalid scope 'galaxy' specified for 10.0.0.1 - ignoring"], true],
  ['10.0.0.1 brd 1.2.3', ['GENERAL_ERROR: VRRP is trying to assign invalid broadcast 1.2.3. skipping VIP...'], false],
  ['2001:db8::1 brd +', ['GENERAL_ERROR: VRRP is trying to assign a broadcast brd to the IPv6 address 2001:db8::1 !!?? WTF... skipping VIP...'], false],
  ['2001:db8::1 label x:1', ['GENERAL_ERROR: Cannot specify label for IPv6 addresses (2001:db8::1) - ignoring label'], true],
  ['2001:db8::1 scope link', ['GENERAL_ERROR: Cannot specify scope for IPv6 addresses (2001:db8::1) - ignoring scope'], true],
  ['10.0.0.1/31 brd +', ['GENERAL_ERROR: Address prefix length 31 too long for broadcast'], true],
  ['10.0.0.1 dev eth0 dev eth1', ['GENERAL_ERROR: Cannot specify static ipaddress device more than once for 10.0.0.1'], false],
  ['10.0.0.1 track_group g', ["GENERAL_ERROR: Unknown configuration entry 'track_group' for ip address - ignoring", "GENERAL_ERROR: Unknown configuration entry 'g' for ip address - ignoring"], true],
];
for (const [line, want, kept] of addressErrors) {
  test(`address error: ${line}`, () => {
    const ctx = context(['eth9']);
    const a = parseAddressStmt(stmt(line), ctx, VI);
    assert.deepEqual(messages(ctx), want);
    assert.equal(a !== null, kept);
  });
}

test('address: track_group only in static blocks, and only with dev', () => {
  const ctx = context();
  const a = parseAddressStmt(stmt('10.0.0.1 dev eth1 track_group g1'), ctx, STATIC)!;
  assert.equal(a.trackGroup, 'g1');
  assert.equal(a.dev, 'eth1');
  const b = parseAddressStmt(stmt('10.0.0.2 track_group g1'), ctx, STATIC)!;
  assert.equal(b.trackGroup, null);
  assert.equal(b.dev, null);
  assert.deepEqual(messages(ctx), ['GENERAL_ERROR: Static address cannot have track_group if interface not specified']);
});

test('route: unicast with via, dev, table, metric, protocol and metrics', () => {
  const ctx = context();
  const r = parseRouteStmt(stmt('198.51.100.0/24 src 192.0.2.5 via 192.0.2.1 dev eth0 table 100 metric 10 scope link mtu lock 1400 advmss 1360 rtt 100ms rttvar 4007 initcwnd 10 features ecn tos 0x10 realms 1/2 onlink'), ctx, VI)!;
  assert.equal(r.family, 4);
  assert.equal(r.type, 'unicast');
  assert.equal(formatIp(r.dst), '198.51.100.0');
  assert.equal(r.dst.prefixLen, 24);
  assert.equal(formatIp(r.via!), '192.0.2.1');
  assert.equal(formatIp(r.prefSrc!), '192.0.2.5');
  assert.equal(r.dev, 'eth0');
  assert.equal(r.table, 100);
  assert.equal(r.metric, 10);
  assert.equal(r.scope, 253);
  assert.equal(r.protocol, 18);
  assert.equal(r.tos, 0x10);
  assert.equal(r.realms, 0x10002);
  assert.equal(r.onlink, true);
  assert.deepEqual(r.metrics, { mtu: 1400, advmss: 1360, rtt: 100, rttvar: 4007 * 4, initcwnd: 10, features: 1 });
  assert.deepEqual(r.lock, ['mtu']);
  assert.deepEqual(messages(ctx), []);
});

test('route: types, default, tables by name, IPv6 specifics', () => {
  const ctx = context();
  const b = parseRouteStmt(stmt('blackhole 203.0.113.0/24'), ctx, VI)!;
  assert.equal(b.type, 'blackhole');
  const d = parseRouteStmt(stmt('default via 10.1.4.1 no_track table local protocol bird'), ctx, VI)!;
  assert.equal(d.dst.prefixLen, 0);
  assert.equal(d.table, 255);
  assert.equal(d.protocol, 12);
  assert.equal(d.noTrack, true);
  const v6 = parseRouteStmt(stmt('inet6 default via fe80::1 dev eth0 pref high expires 60 from 2001:db8::/48'), ctx, VI)!;
  assert.equal(v6.family, 6);
  assert.equal(v6.dst.family, 6);
  assert.equal(v6.dst.bytes.length, 16);
  assert.equal(v6.pref, 1);
  assert.equal(v6.expires, 60);
  assert.equal(v6.from!.prefixLen, 48);
  const to = parseRouteStmt(stmt('to 10.9.0.0/16 dev eth0'), ctx, VI)!;
  assert.equal(formatIp(to.dst), '10.9.0.0');
  assert.deepEqual(messages(ctx), []);
});

test('route: nexthop lists and the deprecated or/gw forms', () => {
  const ctx = context();
  const r = parseRouteStmt(stmt('default nexthop via 192.0.2.1 dev eth0 weight 2 onlink nexthop via 192.0.2.2 dev eth1 weight 1 realms 3'), ctx, VI)!;
  assert.equal(r.nexthops.length, 2);
  assert.equal(formatIp(r.nexthops[0]!.gateway!), '192.0.2.1');
  assert.equal(r.nexthops[0]!.weight, 2);
  assert.equal(r.nexthops[0]!.onlink, true);
  assert.equal(r.nexthops[1]!.dev, 'eth1');
  assert.equal(r.nexthops[1]!.realms, 3);
  assert.deepEqual(messages(ctx), []);
  const ctx2 = context();
  const o = parseRouteStmt(stmt('0.0.0.0/0 gw 192.168.0.1 or 192.168.0.2 dev eth1'), ctx2, VI)!;
  assert.deepEqual(o.nexthops.map((n) => formatIp(n.gateway!)), ['192.168.0.1', '192.168.0.2']);
  assert.equal(o.via, null);
  assert.deepEqual(messages(ctx2), [
    'DEPRECATED: "gw" for routes is deprecated. Please use "via"',
    'DEPRECATED: "or" for routes is deprecated. Please use "nexthop"',
  ]);
});

test('route: encapsulation', () => {
  const ctx = context();
  const r = parseRouteStmt(stmt('10.0.0.0/8 encap mpls 100/200 via 192.0.2.1 dev eth0'), ctx, VI)!;
  assert.deepEqual(r.encap, { type: 'mpls', labels: [100, 200] });
  const n = parseRouteStmt(stmt('10.0.0.0/8 nexthop encap ip6 flags 65535 id 18446744073709551615 via 10.1.1.1 dev eth2'), ctx, VI)!;
  const e = n.nexthops[0]!.encap!;
  assert.equal(e.type, 'ip6');
  assert.ok(e.type === 'ip6' && e.id === 18446744073709551615n && e.flags === 65535);
  assert.deepEqual(messages(ctx), []);
});

const routeErrors: [string, string[]][] = [
  ['192.168.212.0/24 via 10.1.0.1 track 27', ['GENERAL_ERROR: unknown route keyword track']],
  ['restore', ['GENERAL_ERROR: unknown route keyword restore']],
  ['10.0.0.0/8 via x.x.x.x', ['GENERAL_ERROR: invalid route via address x.x.x.x']],
  ['10.0.0.0/8 via 10.1.0.1 rtt 4294967295', ['GENERAL_ERROR: Invalid rtt 4294967295 for route']],
  ['10.0.0.0/8 via 2001:db8::1', ['GENERAL_ERROR: Cannot mix IPv4 and IPv6 addresses for route']],
  ['inet6 10.0.0.0/8', ['GENERAL_ERROR: Cannot mix IPv4 and IPv6 addresses for route (10.0.0.0/8)']],
  ['10.0.0.0/8 inet6', ['GENERAL_ERROR: inet6 specified for IPv4 route']],
  ['10.0.0.0/8 table nosuch', ['GENERAL_ERROR: Routing table nosuch not found for route']],
  ['10.0.0.0/8 protocol nosuch', ['GENERAL_ERROR: Protocol nosuch not found or invalid for route']],
  ['10.0.0.0/8 scope 300', ['GENERAL_ERROR: Scope 300 not found or invalid for route']],
  ['10.0.0.0/8 metric -1', ['GENERAL_ERROR: Invalid metric -1 specified for route']],
  ['10.0.0.0/8 dev eth9', ["GENERAL_ERROR: WARNING - interface eth9 for VROUTE nexthop doesn't exist"]],
  ['10.0.0.0/8 nexthop via 10.0.0.1 dev eth9', ["GENERAL_ERROR: WARNING - interface eth9 for VROUTE nexthop doesn't exist"]],
  ['10.0.0.0/8 nexthop via 10.0.0.1 weight 0', ['GENERAL_ERROR: Invalid weight 0 specified for route']],
  ['10.0.0.0/8 nexthop via 10.0.0.1 bogus', ['GENERAL_ERROR: Route has trailing nonsense after nexthops - bogus']],
  ['10.0.0.0/8 nexthop via 2001:db8::1', ['GENERAL_ERROR: Address family mismatch for next hop']],
  ['10.0.0.0/8 pref high', ['GENERAL_ERROR: pref is only valid for IPv6']],
  ['2001:db8::/32 realms 2', ['GENERAL_ERROR: realms are only valid for IPv4']],
  ['10.0.0.0/8 from 10.1.0.0/16', ['GENERAL_ERROR: route from address only supported with IPv6 (10.1.0.0/16)']],
  ['via 10.0.0.1 dev eth0', ['GENERAL_ERROR: Route must have a destination']],
  ['10.0.0.0/8 encap foo', ['GENERAL_ERROR: Unknown encap type - foo']],
  ['10.0.0.0/8 via', ['GENERAL_ERROR: No parameter specified for route keyword via']],
];
for (const [line, want] of routeErrors) {
  test(`route error: ${line}`, () => {
    const ctx = context(['eth9']);
    assert.equal(parseRouteStmt(stmt(line), ctx, VI), null);
    assert.deepEqual(messages(ctx), want);
  });
}

test('route: tracking forces protocol keepalived; track_group needs a static block and dev', () => {
  const ctx = context();
  const r = parseRouteStmt(stmt('10.0.0.0/8 dev eth0 protocol static'), ctx, VI)!;
  assert.equal(r.protocol, 18);
  assert.deepEqual(messages(ctx), ['GENERAL_ERROR: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol']);
  const ctx2 = context();
  assert.equal(parseRouteStmt(stmt('192.168.111.0/24 via 10.1.9.1 dev eth9 track_group fred'), ctx2, STATIC)!.trackGroup, 'fred');
  assert.equal(parseRouteStmt(stmt('192.168.111.0/24 via 10.1.9.1 track_group fred'), ctx2, STATIC)!.trackGroup, null);
  assert.deepEqual(messages(ctx2), ['GENERAL_ERROR: Static route cannot have track group if no oif specified']);
  const ctx3 = context();
  assert.equal(parseRouteStmt(stmt('10.0.0.0/8 dev eth0 track_group fred'), ctx3, VI), null);
  assert.deepEqual(messages(ctx3), ['GENERAL_ERROR: unknown route keyword track_group']);
});

test('route: default6 is deprecated', () => {
  const ctx = context();
  const r = parseRouteStmt(stmt('default6 via fe80::1 dev eth0'), ctx, VI)!;
  assert.equal(r.family, 6);
  assert.deepEqual(messages(ctx), ['DEPRECATED: "default6" is deprecated - please use "inet6 default"']);
});

test('rule: selectors and actions', () => {
  const ctx = context();
  const r = parseRuleStmt(stmt('from 192.0.2.0/24 to 198.51.100.0/24 table 100 priority 100 iif eth0 oif eth1 fwmark 0x10/0xff tos 0x10 uidrange 1000-2000 ipproto tcp sport 80 dport 1000-2000 tunnel-id 7 not'), ctx, VI)!;
  assert.equal(r.family, 4);
  assert.equal(r.action, 'table');
  assert.equal(r.table, 100);
  assert.equal(r.priority, 100);
  assert.equal(r.priorityExplicit, true);
  assert.equal(formatIp(r.from!), '192.0.2.0');
  assert.equal(r.to!.prefixLen, 24);
  assert.equal(r.iif, 'eth0');
  assert.equal(r.oif, 'eth1');
  assert.equal(r.fwmark, 16);
  assert.equal(r.fwmask, 255);
  assert.equal(r.tos, 16);
  assert.deepEqual(r.uidRange, { start: 1000, end: 2000 });
  assert.equal(r.ipProto, 6);
  assert.deepEqual(r.sport, { start: 80, end: 80 });
  assert.deepEqual(r.dport, { start: 1000, end: 2000 });
  assert.equal(r.tunnelId, 7n);
  assert.equal(r.invert, true);
  assert.equal(r.protocol, 18);
  assert.deepEqual(messages(ctx), []);
  const g = parseRuleStmt(stmt('inet6 preference 10 goto 20'), ctx, VI)!;
  assert.equal(g.family, 6);
  assert.equal(g.action, 'goto');
  assert.equal(g.gotoTarget, 20);
  assert.equal(parseRuleStmt(stmt('to 10.0.0.0/8 type prohibit priority 5'), ctx, VI)!.action, 'prohibit');
  assert.equal(parseRuleStmt(stmt('from default lookup main priority 5'), ctx, VI)!.table, 254);
  assert.equal(parseRuleStmt(stmt('l3mdev priority 1000'), ctx, VI)!.l3mdev, true);
  assert.deepEqual(messages(ctx), []);
});

test('rule: default preference counts down from 16384 per family', () => {
  const ctx = context();
  assert.equal(parseRuleStmt(stmt('from 192.0.2.0/24 table 1'), ctx, VI)!.priority, 16384);
  assert.equal(parseRuleStmt(stmt('to 192.0.2.0/24 table 1'), ctx, VI)!.priority, 16383);
  assert.equal(parseRuleStmt(stmt('from 2001:db8::/32 table 1'), ctx, VI)!.priority, 16384);
  assert.deepEqual(messages(ctx), [
    'GENERAL_ERROR: Rule has no preference specified - setting to 16384. This is probably not what you want.',
    'GENERAL_ERROR: Rule has no preference specified - setting to 16383. This is probably not what you want.',
    'GENERAL_ERROR: Rule has no preference specified - setting to 16384. This is probably not what you want.',
  ]);
});

const ruleErrors: [string, string[]][] = [
  ['from 10.0.0.0/8 track 1 table 1', ['GENERAL_ERROR: Unknown rule option track']],
  ['from 10.0.0.0/8 to 2001:db8::/32 table 1', ['GENERAL_ERROR: rule specification has mixed IPv4 and IPv6']],
  ['from 10.0.0.0/8 priority 1', ['GENERAL_ERROR: No action specified for rule - ignoring']],
  ['from 10.0.0.0/8 table 0 priority 1', ['GENERAL_ERROR: Table 0 is not valid']],
  ['from 10.0.0.0/8 table 1 nop priority 1', ['GENERAL_ERROR: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule']],
  ['from 10.0.0.0/8 goto 5', ['GENERAL_ERROR: Invalid rule - goto target 5 specified without preference']],
  ['priority 9 goto 5', ['GENERAL_ERROR: Invalid rule - preference 9 >= goto target 5']],
  ['from 10.0.0.0/8 table bogus priority 1', ['GENERAL_ERROR: Routing table bogus not found for rule']],
  ['from 10.0.0.0/8 nop realms 3 priority 1', ['GENERAL_ERROR: suppressor/realm specified for non table action - skipping']],
  ['from 10.0.0.0/8 fwmark 1/2/3 table 1', ['GENERAL_ERROR: Invalid rule fwmark 1/2/3 specified']],
  ['from 10.0.0.0/8 type local priority 1', ['GENERAL_ERROR: Invalid rule action local']],
  ['iif eth3 table 1 priority 1', ["GENERAL_ERROR: WARNING - interface eth3 for rule doesn't exist"]],
  ['inet6 realms 1 table 1', ['GENERAL_ERROR: realms is only valid for IPv4']],
  ['from x.x.x.x table 1', ['GENERAL_ERROR: Invalid rule from address x.x.x.x']],
];
for (const [line, want] of ruleErrors) {
  test(`rule error: ${line}`, () => {
    const ctx = context(['eth3']);
    assert.equal(parseRuleStmt(stmt(line), ctx, VI), null);
    assert.deepEqual(messages(ctx), want);
  });
}

test('iproute2 built-in names', () => {
  assert.equal(lookupTable('main'), 254);
  assert.equal(lookupTable('4294967295'), 4294967295);
  assert.equal(lookupTable('4294967296'), null);
  assert.equal(lookupScope('host'), 254);
  assert.equal(lookupProto('keepalived'), 18);
  assert.equal(lookupDsfield('AF11'), 0x28);
  assert.equal(lookupDsfield('0x2e'), 0x2e);
  assert.equal(parseRealms('cosmos/5'), 5);
  assert.equal(parseRealms('70000'), null);
});

test('fixture lines parse without diagnostics', () => {
  const text = fs.readFileSync(path.join(fixturesDir, 'config', 'ip', 'lines.txt'), 'utf8');
  for (const [n, raw] of text.split('\n').entries()) {
    if (!raw.trim() || raw.startsWith('#')) continue;
    const [kind, ...rest] = raw.split(' ');
    const ctx = context();
    const s = stmt(rest.join(' '), n + 1);
    const v = kind === 'address' ? parseAddressStmt(s, ctx, VI) : kind === 'route' ? parseRouteStmt(s, ctx, VI) : parseRuleStmt(s, ctx, VI);
    assert.ok(v, raw);
    assert.deepEqual(messages(ctx), [], raw);
  }
});
