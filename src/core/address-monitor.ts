// -a / --address-monitoring: logs every address added or removed as rtnetlink reports it, in keepalived's words.
import * as fs from 'node:fs';
// The raw socket only: the package's index also loads nl80211 and WireGuard tables we never use.
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { decodeMessages } from '../netlink/message';
import { NETLINK_ROUTE, RTM_DELADDR, RTM_NEWADDR, parseAddr, type AddrInfo } from '../vrrp/rtnl';
import type { WorkerRole } from './ipc';

/** rtnetlink multicast groups of address changes (linux/rtnetlink.h RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR). */
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;

/** Text of an address (IPv6 in the compressed form inet_ntop gives). */
export function addressText(a: AddrInfo): string {
  const b = a.address;
  if (a.family === 4) return Array.from(b.subarray(0, 4)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // the longest run (>= 2) of zero groups becomes '::'
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/**
 * keepalived's line for one change: the VRRP process says "Netlink reflector reports IP A added to
 * IF" / "removed from IF"; the checker process "Netlink reflector reports IP A added" / "removed".
 */
export function addressChangeLine(role: WorkerRole, added: boolean, a: AddrInfo, ifname: string): string {
  const addr = addressText(a);
  if (role === 'vrrp') return `Netlink reflector reports IP ${addr} ${added ? 'added to' : 'removed from'} ${ifname}`;
  return `Netlink reflector reports IP ${addr} ${added ? 'added' : 'removed'}`;
}

function ifName(ifindex: number): string {
  try {
    for (const name of fs.readdirSync('/sys/class/net')) {
      try {
        if (Number(fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')) === ifindex) return name;
      } catch {
        // vanished
      }
    }
  } catch {
    // no sysfs
  }
  return `if${ifindex}`;
}

/** A running monitor; close() stops it. */
export interface AddressMonitor {
  close(): void;
}

/** Subscribes to address changes on a socket of its own and calls `log` with keepalived's line for each. */
export function startAddressMonitor(role: WorkerRole, log: (line: string) => void, onError: (e: Error) => void): AddressMonitor {
  const sock = new RawNetlinkSocket(NETLINK_ROUTE, { recvBufferSize: 1 << 20, sendBufferSize: 1 << 16 });
  sock.addMembership(RTNLGRP_IPV4_IFADDR);
  sock.addMembership(RTNLGRP_IPV6_IFADDR);
  sock.on('message', (d: Buffer) => {
    try {
      for (const m of decodeMessages(d)) {
        if (m.type !== RTM_NEWADDR && m.type !== RTM_DELADDR) continue;
        const a = parseAddr(m.payload);
        log(addressChangeLine(role, m.type === RTM_NEWADDR, a, ifName(a.ifindex)));
      }
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  });
  sock.on('error', (e: Error) => onError(e));
  return { close: () => sock.close() };
}
