// use_vmac: a macvlan (default name vrrp.<vrid>, MAC 00:00:5e:00:01:<vrid> / 00:00:5e:00:02:<vrid>) created on the instance's interface.
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { isNetlinkErrno, MACVLAN_MODE_PRIVATE, type LinkInfo, type Rtnl } from './rtnl';

/** RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4) and 00-00-5E-00-02-{VRID} (IPv6). */
export function virtualMac(family: 4 | 6, vrid: number): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff);
}

/** Parses "aa:bb:cc:dd:ee:ff". */
export function parseMac(s: string): Uint8Array | null {
  const parts = s.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** keepalived's default VMAC name. */
export function vmacName(vrid: number): string {
  return `vrrp.${vrid}`;
}

function sysctl(path: string, value: string): void {
  try {
    fs.writeFileSync(path, value);
  } catch {
    // not fatal: the VMAC still works, ARP replies may come from both interfaces
  }
}

/**
 * Creates (or adopts) the macvlan and sets it up; sets arp_ignore/arp_filter on it as keepalived
 * does so only the VMAC answers ARP for the VIPs. Returns the link (with its ifindex) or throws.
 */
export async function ensureVmac(rtnl: Rtnl, log: Logger, name: string, parent: LinkInfo, mac: Uint8Array): Promise<LinkInfo> {
  let link = await rtnl.link(name);
  if (link && link.kind !== 'macvlan') throw new Error(`use_vmac: interface ${name} exists and is not a macvlan`);
  if (!link) {
    try {
      await rtnl.addMacvlan(name, parent.ifindex, mac, MACVLAN_MODE_PRIVATE);
    } catch (e) {
      if (!isNetlinkErrno(e, 'EEXIST')) throw e;
    }
    link = await rtnl.link(name);
    if (!link) throw new Error(`use_vmac: ${name} not found after creation`);
    log.info(`(${name}) vmac interface created on ${parent.name}`);
  }
  sysctl(`/proc/sys/net/ipv4/conf/${name}/arp_ignore`, '1');
  sysctl(`/proc/sys/net/ipv4/conf/${name}/arp_filter`, '1');
  sysctl(`/proc/sys/net/ipv6/conf/${name}/accept_dad`, '0');
  await rtnl.setLinkUp(link.ifindex, true);
  return (await rtnl.link(name)) ?? link;
}

/** Deletes a VMAC we created (ENODEV is fine). */
export async function removeVmac(rtnl: Rtnl, ifindex: number): Promise<void> {
  try {
    await rtnl.deleteLink(ifindex);
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  }
}
