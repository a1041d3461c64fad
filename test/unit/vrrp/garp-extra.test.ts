// garp_extra_if: which interfaces get the periodic GARP/NA, as keepalived's vrrp_send_vmac_update and vrrp_complete_instance choose them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { garpExtraTargets, type GarpExtraContext } from '../../../src/vrrp/garp-extra';
import type { VirtualAddress } from '../../../src/config/model/ip';
import { parseAddressStmt } from '../../../src/config/keywords/ip-grammar';
import { context, stmt } from '../config/ip-helpers';

function vip(line: string): VirtualAddress {
  return parseAddressStmt(stmt(line), context(), { defaultInterface: 'eth0', owner: '(VI_1)' })!;
}

/** The VIP's interface as the VipSet resolves it (dev, else the instance's; with a VMAC, the VMAC). */
function ctx(over: Partial<GarpExtraContext> & { vmac?: string }): GarpExtraContext {
  const own = over.vmac ?? 'eth0';
  return {
    ownIf: own, xmitBase: false, all: false,
    ifnameOf: (v) => (v.devExplicit && v.dev !== 'eth0' ? v.dev! : own),
    isOurs: (n) => n.startsWith('vrrp.'),
    ...over,
  };
}

const pick = (vips: VirtualAddress[], c: GarpExtraContext): string[] => garpExtraTargets(vips, c).map((t) => `${t.ifname} ${t.vip.text}`);

test('garp_extra_if: without "all" only VMACs of ours other than the instance\'s own', () => {
  const vips = [vip('192.0.2.100/24'), vip('198.51.100.1/24 dev eth1'), vip('203.0.113.1/24 dev vrrp.60')];
  assert.deepEqual(pick(vips, ctx({})), ['vrrp.60 203.0.113.1/24 dev vrrp.60']);
  // Only plain extra interfaces: off without "all".
  assert.deepEqual(pick(vips.slice(0, 2), ctx({})), []);
});

test('garp_extra_if all: one message per extra interface, the first VIP on it, excluded VIPs after the others', () => {
  const vips = [
    vip('192.0.2.100/24'), vip('198.51.100.1/24 dev eth1'), vip('198.51.100.2/24 dev eth1'),
    vip('fd00:2::1/64 dev eth2'), vip('198.51.100.3/24 dev eth2'),
  ];
  assert.deepEqual(pick(vips, ctx({ all: true })), ['eth1 198.51.100.1/24 dev eth1', 'eth2 fd00:2::1/64 dev eth2']);
  // Every VIP on the instance's interface: nothing to do.
  assert.deepEqual(pick([vip('192.0.2.100/24'), vip('192.0.2.101/24 dev eth0')], ctx({ all: true })), []);
});

test('garp_extra_if with use_vmac: the instance\'s VMAC is skipped unless vmac_xmit_base, and only counts as "extra" elsewhere', () => {
  const vips = [vip('192.0.2.100/24'), vip('198.51.100.1/24 dev eth1')];
  assert.deepEqual(pick(vips, ctx({ vmac: 'vrrp.51', all: true })), ['eth1 198.51.100.1/24 dev eth1']);
  assert.deepEqual(pick(vips, ctx({ vmac: 'vrrp.51', all: true, xmitBase: true })), ['vrrp.51 192.0.2.100/24', 'eth1 198.51.100.1/24 dev eth1']);
  // vmac_xmit_base alone does not switch it on: the own VMAC is not an extra interface (keepalived use_extra_vmac).
  assert.deepEqual(pick([vip('192.0.2.100/24')], ctx({ vmac: 'vrrp.51', xmitBase: true })), []);
});
