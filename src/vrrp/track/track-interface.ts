// track_interface: link up/down per interface name from rtnetlink RTM_NEWLINK/RTM_DELLINK (IFF_UP and IFF_RUNNING), after an initial dump.
import { createRtNetlink, type RtNetlinkSocket } from 'netlink/dist/rt/rt';
import type { NetlinkMessage } from 'netlink/dist/structs';

/** RTM_NEWLINK / RTM_DELLINK (linux/rtnetlink.h). */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
/** IFF_UP / IFF_RUNNING (linux/if.h). */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
/** IFLA_IFNAME (linux/if_link.h). */
export const IFLA_IFNAME = 3;
/** sizeof(struct ifinfomsg). */
const IFINFOMSG_LEN = 16;

/** The state of one link as a message tells it. */
export interface LinkEvent {
  readonly ifindex: number;
  readonly ifname: string | null;
  /** false for RTM_DELLINK. */
  readonly exists: boolean;
  readonly flags: number;
  /** keepalived's IF_ISUP: administratively up and running (carrier). */
  readonly up: boolean;
}

/** keepalived's IF_FLAGS_UP: IFF_UP and IFF_RUNNING both set. */
export function linkIsUp(flags: number): boolean {
  return (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
}

/**
 * Decodes the payload of an RTM_NEWLINK/RTM_DELLINK message (struct ifinfomsg + attributes):
 * index, flags and IFLA_IFNAME. Pure; returns null when it is too short.
 */
export function decodeLinkMessage(type: number, payload: Buffer): LinkEvent | null {
  if (type !== RTM_NEWLINK && type !== RTM_DELLINK) return null;
  if (payload.length < IFINFOMSG_LEN) return null;
  const ifindex = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  let ifname: string | null = null;
  let off = IFINFOMSG_LEN;
  while (off + 4 <= payload.length) {
    const len = payload.readUInt16LE(off);
    const atype = payload.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4 || off + len > payload.length) break;
    if (atype === IFLA_IFNAME) {
      const raw = payload.subarray(off + 4, off + len);
      const nul = raw.indexOf(0);
      ifname = raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
    }
    off += (len + 3) & ~3;
  }
  const exists = type === RTM_NEWLINK;
  return { ifindex, ifname, exists, flags, up: exists && linkIsUp(flags) };
}

/** The part of the netlink socket the watcher uses (a fake in unit tests). */
export interface LinkSource {
  /** Subscribes to RTNLGRP_LINK and delivers every raw message. */
  subscribe(onMessage: (type: number, payload: Buffer) => void): void;
  /** Dumps all links (RTM_GETLINK with NLM_F_DUMP), as events. */
  dump(): Promise<LinkEvent[]>;
  close(): void;
}

/** A LinkSource on the `netlink` package; create it inside the namespace to watch (see withNetns). */
export function createNetlinkLinkSource(): LinkSource {
  const sock: RtNetlinkSocket = createRtNetlink();
  sock.socket.unref();
  return {
    subscribe(onMessage) {
      sock.addMembership('LINK');
      // The package's own 'message' event drops the message type (add and delete look alike).
      sock.socket.on('message', (msgs: NetlinkMessage[]) => {
        for (const m of msgs) onMessage(m.type, m.data);
      });
    },
    async dump() {
      const links = await sock.getLinks();
      return links.map((l) => {
        const f = l.data.flags ?? {};
        const flags = (f.up ? IFF_UP : 0) | (f.running ? IFF_RUNNING : 0);
        return { ifindex: l.data.index ?? 0, ifname: l.attrs.ifname ?? null, exists: true, flags, up: linkIsUp(flags) };
      });
    },
    close() {
      sock.socket.close();
    },
  };
}

/**
 * Up/down state of the interfaces named in the configuration. An interface that does not exist
 * is down. Reports a name only when its up/down state changes (and once for each after the dump).
 */
export class LinkWatcher {
  private readonly byName = new Map<string, boolean>();
  private readonly nameOf = new Map<number, string>();
  private readonly seenEvent = new Set<string>();
  private src: LinkSource | null = null;

  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly onChange: (ifname: string, up: boolean) => void,
    private readonly makeSource: () => LinkSource = createNetlinkLinkSource,
  ) {}

  /** Up (true) or down (false); unknown names are down. */
  isUp(ifname: string): boolean {
    return this.byName.get(ifname) ?? false;
  }

  /** Subscribes, then dumps; events that arrive during the dump win over it. */
  async start(): Promise<void> {
    const src = this.makeSource();
    this.src = src;
    src.subscribe((type, payload) => {
      const ev = decodeLinkMessage(type, payload);
      if (ev) this.apply(ev, true);
    });
    const links = await src.dump();
    for (const ev of links) if (!this.seenEvent.has(ev.ifname ?? '')) this.apply(ev, false);
    for (const n of this.names) if (!this.byName.has(n)) this.set(n, false);
  }

  stop(): void {
    this.src?.close();
    this.src = null;
  }

  private apply(ev: LinkEvent, fromEvent: boolean): void {
    // A rename shows as a new name on the same index: the old name is gone.
    const old = this.nameOf.get(ev.ifindex);
    const name = ev.ifname ?? old;
    if (name === undefined) return;
    if (old !== undefined && old !== name) {
      this.nameOf.delete(ev.ifindex);
      if (this.names.has(old)) this.set(old, false);
    }
    if (ev.exists) this.nameOf.set(ev.ifindex, name);
    else this.nameOf.delete(ev.ifindex);
    if (fromEvent) this.seenEvent.add(name);
    if (this.names.has(name)) this.set(name, ev.up);
  }

  private set(name: string, up: boolean): void {
    const before = this.byName.get(name);
    this.byName.set(name, up);
    if (before !== up) this.onChange(name, up);
  }
}
