// -a's log lines: address text (inet_ntop forms) and keepalived's wording for the VRRP and checker processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressChangeLine, addressText } from '../../../src/core/address-monitor';
import type { AddrInfo } from '../../../src/vrrp/rtnl';

const a = (family: 4 | 6, bytes: number[]): AddrInfo => ({ ifindex: 2, family, prefixLen: family === 4 ? 32 : 128, scope: 0, flags: 0, address: new Uint8Array(bytes) });
const v6 = (groups: number[]): AddrInfo => a(6, groups.flatMap((g) => [g >> 8, g & 0xff]));

test('addressText: IPv4 dotted quad; IPv6 with the longest zero run compressed as inet_ntop does', () => {
  assert.equal(addressText(a(4, [198, 51, 100, 9])), '198.51.100.9');
  assert.equal(addressText(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 9])), '2001:db8::9');
  assert.equal(addressText(v6([0xfe80, 0, 0, 0, 0x74, 0x6bff, 0xfe00, 1])), 'fe80::74:6bff:fe00:1');
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0, 0, 1])), '::1');
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(addressText(v6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])), '2001:db8:0:1::1', 'the longer run wins');
  assert.equal(addressText(v6([0x2001, 0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6])), '2001:0:1:2:3:4:5:6', 'a single zero group is not compressed');
});

test('addressChangeLine: keepalived\'s VRRP and checker wording', () => {
  const x = a(4, [10, 0, 0, 1]);
  assert.equal(addressChangeLine('vrrp', true, x, 'eth0'), 'Netlink reflector reports IP 10.0.0.1 added to eth0');
  assert.equal(addressChangeLine('vrrp', false, x, 'eth0'), 'Netlink reflector reports IP 10.0.0.1 removed from eth0');
  assert.equal(addressChangeLine('check', true, x, 'eth0'), 'Netlink reflector reports IP 10.0.0.1 added');
  assert.equal(addressChangeLine('check', false, x, 'eth0'), 'Netlink reflector reports IP 10.0.0.1 removed');
});
