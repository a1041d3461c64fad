// use_vmac set-up without a kernel: the link-local an IPv6 VMAC gets, the order and content of its netlink requests and sysctls (recorded by a fake), and the addr_gen_mode request compared with iproute2's.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import pino from 'pino';
import { formatIp, parseIp } from '../../../src/net/ip';
import type { NetlinkSocket } from '../../../src/netlink/socket';
import { NetlinkError } from '../../../src/netlink/errors';
import { IFA_F_NODAD, IN6_ADDR_GEN_MODE_NONE, Rtnl, RTM_NEWLINK, type AddrInfo, type AddressSpec, type LinkInfo } from '../../../src/vrrp/rtnl';
import { ensureVmac, eui64LinkLocal, vmacLinkLocal, virtualMac, type VmacRtnl } from '../../../src/vrrp/vmac';

const log = pino({ level: 'silent' });
const b = (s: string): Uint8Array => parseIp(s)!.bytes;
const BASE: LinkInfo = { ifindex: 2, name: 'eth0', flags: 0x41, mac: Uint8Array.of(0x02, 0x74, 0x6b, 0, 0, 1), parent: 0, kind: null };
const addr6 = (ifindex: number, text: string, scope = 253): AddrInfo => ({ ifindex, family: 6, prefixLen: 64, scope, flags: 0, address: b(text) });

test('eui64LinkLocal: modified EUI-64 (U/L bit flipped, ff:fe inserted), as the kernel builds eth0\'s', () => {
  assert.equal(formatIp(eui64LinkLocal(BASE.mac)), 'fe80::74:6bff:fe00:1');
  assert.equal(formatIp(eui64LinkLocal(virtualMac(6, 52))), 'fe80::200:5eff:fe00:234');
  assert.throws(() => eui64LinkLocal(Uint8Array.of(1, 2, 3)), RangeError);
});

test('vmacLinkLocal: a link-local source wins, else the base interface\'s first link-local, else one from its MAC', () => {
  const addrs = [addr6(2, 'fd00:db8::11', 0), addr6(3, 'fe80::99'), addr6(2, 'fe80::1:2'), addr6(2, 'fe80::3:4')];
  assert.equal(formatIp(vmacLinkLocal(b('fe80::abcd'), BASE, addrs)), 'fe80::abcd');
  assert.equal(formatIp(vmacLinkLocal(b('fd00:db8::11'), BASE, addrs)), 'fe80::1:2', 'a global source does not go on the VMAC');
  assert.equal(formatIp(vmacLinkLocal(null, BASE, addrs)), 'fe80::1:2');
  assert.equal(formatIp(vmacLinkLocal(null, BASE, [addr6(2, 'fd00:db8::11', 0)])), 'fe80::74:6bff:fe00:1');
  assert.throws(() => vmacLinkLocal(null, { ...BASE, mac: new Uint8Array(0) }, []), /neither an IPv6 link-local address nor a MAC/);
});

/** Records every request; links and addresses as a kernel would report them. */
class FakeRtnl implements VmacRtnl {
  readonly calls: string[] = [];
  readonly added: AddressSpec[] = [];
  links = new Map<string, LinkInfo>();
  addrs: AddrInfo[] = [];
  private next = 10;

  async link(name: string): Promise<LinkInfo | null> {
    return this.links.get(name) ?? null;
  }
  async addMacvlan(name: string, parent: number, mac: Uint8Array, mode?: number): Promise<void> {
    this.calls.push(`addMacvlan ${name} parent=${parent} mode=${mode}`);
    this.links.set(name, { ifindex: this.next++, name, flags: 0, mac, parent, kind: 'macvlan' });
  }
  async deleteLink(ifindex: number): Promise<void> {
    this.calls.push(`deleteLink ${ifindex}`);
    for (const [n, l] of this.links) if (l.ifindex === ifindex) this.links.delete(n);
  }
  async setAddrGenMode(ifindex: number, mode: number): Promise<void> {
    this.calls.push(`setAddrGenMode ${ifindex} ${mode}`);
  }
  async setLinkUp(ifindex: number, up: boolean): Promise<void> {
    this.calls.push(`setLinkUp ${ifindex} ${up}`);
  }
  async addresses(): Promise<AddrInfo[]> {
    return this.addrs;
  }
  async addAddress(s: AddressSpec): Promise<void> {
    this.calls.push(`addAddress ${formatIp(s.address)}`);
    this.added.push(s);
  }
  async deleteAddress(s: AddressSpec): Promise<void> {
    this.calls.push(`deleteAddress ${formatIp(s.address)}`);
  }
}

function recorder(): { writes: string[]; write: (p: string, v: string) => boolean } {
  const writes: string[] = [];
  return { writes, write: (p, v) => (writes.push(`${p.replace('/proc/sys/net/', '')}=${v}`), true) };
}

test('ensureVmac IPv6: private macvlan, sysctls and addr_gen_mode none before the link comes up, then the link-local NODAD and deprecated', async () => {
  const rt = new FakeRtnl();
  const sc = recorder();
  const mac = virtualMac(6, 52);
  const r = await ensureVmac(rt, log, { name: 'vrrp.52', parent: BASE, mac, ipv6: true, linkLocal: b('fe80::74:6bff:fe00:1') }, sc.write);
  assert.equal(r.created, true);
  assert.equal(r.link.ifindex, 10);
  assert.deepEqual(rt.calls, ['addMacvlan vrrp.52 parent=2 mode=1', `setAddrGenMode 10 ${IN6_ADDR_GEN_MODE_NONE}`, 'setLinkUp 10 true', 'addAddress fe80::74:6bff:fe00:1']);
  assert.deepEqual(sc.writes, [
    'ipv4/conf/vrrp.52/arp_ignore=1', 'ipv4/conf/vrrp.52/arp_filter=1',
    'ipv6/conf/vrrp.52/disable_ipv6=0', 'ipv6/conf/vrrp.52/accept_dad=0', 'ipv6/conf/vrrp.52/accept_ra=0',
  ]);
  const ll = rt.added[0]!;
  assert.deepEqual([ll.ifindex, ll.family, ll.prefixLen, ll.scope, ll.flags, ll.preferredLft], [10, 6, 64, 253, IFA_F_NODAD, 0]);
});

test('ensureVmac IPv6 adopting a VMAC: other link-locals removed (an EUI-64 one from the virtual MAC, a stale one), ours kept, not re-added', async () => {
  const rt = new FakeRtnl();
  const mac = virtualMac(6, 52);
  rt.links.set('vrrp.52', { ifindex: 7, name: 'vrrp.52', flags: 1, mac, parent: 2, kind: 'macvlan' });
  rt.addrs = [addr6(7, 'fe80::200:5eff:fe00:234'), addr6(7, 'fe80::74:6bff:fe00:1'), addr6(7, 'fd00:db8::100', 0), addr6(2, 'fe80::5')];
  const r = await ensureVmac(rt, log, { name: 'vrrp.52', parent: BASE, mac, ipv6: true, linkLocal: b('fe80::74:6bff:fe00:1') }, recorder().write);
  assert.equal(r.created, false);
  assert.deepEqual(rt.calls, ['setAddrGenMode 7 1', 'setLinkUp 7 true', 'deleteAddress fe80::200:5eff:fe00:234']);
});

test('ensureVmac: vmac_xmit_base over IPv6 leaves no link-local on the VMAC', async () => {
  const rt = new FakeRtnl();
  const mac = virtualMac(6, 52);
  rt.links.set('vrrp.52', { ifindex: 7, name: 'vrrp.52', flags: 1, mac, parent: 2, kind: 'macvlan' });
  rt.addrs = [addr6(7, 'fe80::200:5eff:fe00:234')];
  await ensureVmac(rt, log, { name: 'vrrp.52', parent: BASE, mac, ipv6: true, linkLocal: null }, recorder().write);
  assert.deepEqual(rt.calls, ['setAddrGenMode 7 1', 'setLinkUp 7 true', 'deleteAddress fe80::200:5eff:fe00:234']);
});

test('ensureVmac IPv4: IPv6 disabled on the VMAC, no addr_gen_mode, no link-local', async () => {
  const rt = new FakeRtnl();
  const sc = recorder();
  await ensureVmac(rt, log, { name: 'vrrp.51', parent: BASE, mac: virtualMac(4, 51), ipv6: false, linkLocal: null }, sc.write);
  assert.deepEqual(rt.calls, ['addMacvlan vrrp.51 parent=2 mode=1', 'setLinkUp 10 true']);
  assert.deepEqual(sc.writes, ['ipv4/conf/vrrp.51/arp_ignore=1', 'ipv4/conf/vrrp.51/arp_filter=1', 'ipv6/conf/vrrp.51/disable_ipv6=1']);
});

test('ensureVmac: a macvlan with another MAC or base is replaced; an interface that is not a macvlan is refused', async () => {
  const rt = new FakeRtnl();
  rt.links.set('vrrp.52', { ifindex: 7, name: 'vrrp.52', flags: 1, mac: virtualMac(4, 52), parent: 2, kind: 'macvlan' });
  const r = await ensureVmac(rt, log, { name: 'vrrp.52', parent: BASE, mac: virtualMac(6, 52), ipv6: true, linkLocal: null }, recorder().write);
  assert.equal(r.created, true);
  assert.deepEqual(rt.calls.slice(0, 2), ['deleteLink 7', 'addMacvlan vrrp.52 parent=2 mode=1']);
  const rt2 = new FakeRtnl();
  rt2.links.set('vrrp.52', { ifindex: 7, name: 'vrrp.52', flags: 1, mac: virtualMac(6, 52), parent: 2, kind: 'veth' });
  await assert.rejects(ensureVmac(rt2, log, { name: 'vrrp.52', parent: BASE, mac: virtualMac(6, 52), ipv6: true, linkLocal: null }), /exists and is not a macvlan/);
  assert.deepEqual(rt2.calls, []);
});

test('ensureVmac: a refused link-local is an error naming the address and the VMAC', async () => {
  const rt = new FakeRtnl();
  rt.addAddress = async () => {
    throw new NetlinkError(1, { type: 20, label: 'RTM_NEWADDR' });
  };
  await assert.rejects(
    ensureVmac(rt, log, { name: 'vrrp.52', parent: BASE, mac: virtualMac(6, 52), ipv6: true, linkLocal: b('fe80::1') }, recorder().write),
    /adding link-local fe80::1 to vrrp\.52 failed/,
  );
});

test('Rtnl.setAddrGenMode: the request iproute2 sends for `ip link set dev d0 addrgenmode none` (strace, ifindex 3)', async () => {
  const sent: { type: number; payload: Buffer }[] = [];
  const sock = { request: async (type: number, payload: Buffer) => (sent.push({ type, payload }), []), close: () => undefined };
  await new Rtnl(sock as unknown as NetlinkSocket).setAddrGenMode(3, IN6_ADDR_GEN_MODE_NONE);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.type, RTM_NEWLINK);
  // After the nlmsghdr: ifinfomsg (AF_UNSPEC, ifindex 3), IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE u8 1 } }.
  const golden = Buffer.from('00000000 03000000 00000000 00000000 10001a00 0c000a00 05000800 01000000'.replace(/\s+/g, ''), 'hex');
  const ours = Buffer.from(sent[0]!.payload);
  // We mark nested attributes NLA_F_NESTED (0x8000), as addMacvlan does; iproute2 does not. Otherwise byte for byte.
  for (const off of [18, 22]) ours.writeUInt16LE(ours.readUInt16LE(off) & 0x7fff, off);
  assert.deepEqual(ours.toString('hex'), golden.toString('hex'));
});
