// An in-memory IPVS behind a fake netlink transport: the real IpvsClient and NetlinkSocket talk to it, and it counts every request by command as an nlmon capture would.
import {
  decodeDaemon,
  decodeDest,
  decodeService,
  decodeTimeouts,
  encodeDestAttr,
  encodeServiceAttr,
  nestOf,
  type IpvsDaemon,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsServiceKey,
  type IpvsTimeouts,
} from '../../src/ipvs/attrs';
import { IpvsClient } from '../../src/ipvs/client';
import * as K from '../../src/ipvs/constants';
import { destKeyId, serviceKeyId } from '../../src/ipvs/reconcile';
import { GenlFamily } from '../../src/netlink/genl';
import {
  attr,
  attrMap,
  read,
  decodeGenlPayload,
  decodeMessages,
  encodeGenlPayload,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NetlinkMessage,
} from '../../src/netlink/message';
import { NetlinkSocket, type NetlinkTransport } from '../../src/netlink/socket';

/** The family id the fake kernel gives IPVS. */
export const FAKE_IPVS_FAMILY = 0x2a;

const ESRCH = 3;
const ENOENT = 2;
const EEXIST = 17;

/** One request as the fake kernel saw it. */
export interface FakeIpvsRequest {
  /** The command without its IPVS_CMD_ prefix, e.g. 'SET_DEST'. */
  readonly cmd: string;
  readonly dump: boolean;
  /** The service it names, and for NEW/SET_SERVICE its settings. */
  readonly key?: IpvsServiceKey;
  readonly service?: IpvsService;
  readonly dest?: IpvsDest;
}

interface Entry {
  service: IpvsServiceEntry;
  dests: Map<string, IpvsDestEntry>;
}

const SCHED_ATTR = attr.string(K.IPVS_SVC_ATTR_SCHED_NAME, 'x');
const DEST_SETTINGS = Buffer.concat([attr.u32(K.IPVS_DEST_ATTR_FWD_METHOD, 0), attr.u32(K.IPVS_DEST_ATTR_WEIGHT, 0)]);

function commandName(cmd: number): string {
  return (K.IPVS_CMD_NAMES[cmd] ?? `cmd${cmd}`).replace(/^IPVS_CMD_/, '');
}

/**
 * The IPVS of one network namespace as the kernel keeps it, with the kernel's answers: EEXIST for an add of what
 * exists, ESRCH when the service is missing, ENOENT when the destination is, an empty GET_DEST dump for a missing
 * service. Each message of a datagram is answered in its own datagram, in order, as the kernel does: a failure
 * always, a success only when the message asks for an ACK.
 */
export class FakeIpvsKernel {
  /** The table, by serviceKeyId. */
  readonly services = new Map<string, Entry>();
  /** Every request, in order. */
  requests: FakeIpvsRequest[] = [];
  /** Datagrams received (sendmsg calls). */
  datagrams = 0;
  /** Datagrams sent back (answers). */
  answers = 0;
  timeouts: IpvsTimeouts | null = null;
  daemons: Array<Pick<IpvsDaemon, 'state'> & Partial<IpvsDaemon>> = [];
  closed = false;
  /** Makes a request fail with the errno returned (undefined: handled normally). */
  refuse: (r: FakeIpvsRequest) => number | undefined = () => undefined;
  /** Drops the answers of requests for which this returns true (a kernel that never answers: the client times out). */
  mute: (r: FakeIpvsRequest) => boolean = () => false;
  private deliver: (d: Buffer) => void = () => undefined;

  /** Adds a service (someone else's, or left from before) with destinations on port 80, weight 1, NAT. */
  seed(key: IpvsServiceKey, dests: readonly string[] = [], scheduler = 'rr'): void {
    const m = new Map<string, IpvsDestEntry>();
    for (const a of dests) {
      const d: IpvsDestEntry = { address: a, port: 80, forward: 'nat', weight: 1, activeConns: 0, inactiveConns: 0, persistentConns: 0 };
      m.set(destKeyId(d), d);
    }
    this.services.set(serviceKeyId(key), { service: { key, scheduler, rawFlags: 2 }, dests: m });
  }

  /** Requests by command since the last reset; a dump counts as 'GET_SERVICE dump'. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.requests) {
      const k = r.dump ? `${r.cmd} dump` : r.cmd;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** Forgets the requests and datagrams seen so far. */
  reset(): void {
    this.requests = [];
    this.datagrams = 0;
    this.answers = 0;
  }

  /** The transport a NetlinkSocket sends through. */
  transport(): NetlinkTransport {
    return {
      portId: 4321,
      send: (datagram) => {
        this.datagrams++;
        const answers = decodeMessages(datagram).map((m) => this.handle(m));
        setImmediate(() => {
          for (const a of answers) {
            for (const d of a) {
              this.answers++;
              this.deliver(d);
            }
          }
        });
        return Promise.resolve();
      },
      listen: (onDatagram) => {
        this.deliver = onDatagram;
      },
      close: () => {
        this.closed = true;
      },
    };
  }

  /** A real IpvsClient talking to this kernel. */
  client(timeoutMs = 5000): IpvsClient {
    const info = { id: FAKE_IPVS_FAMILY, name: K.IPVS_GENL_NAME, version: K.IPVS_GENL_VERSION, maxAttr: 6, ops: Object.keys(K.IPVS_CMD_NAMES).map(Number) };
    return IpvsClient.fromFamily(new GenlFamily(new NetlinkSocket(this.transport(), timeoutMs), info, K.IPVS_GENL_VERSION, K.IPVS_CMD_NAMES));
  }

  /** The answer datagrams of one request message. */
  private handle(m: NetlinkMessage): Buffer[] {
    const g = decodeGenlPayload(m.payload);
    const dump = (m.flags & NLM_F_DUMP) === NLM_F_DUMP;
    const svcNest = nestOf(g.attrs, K.IPVS_CMD_ATTR_SERVICE);
    const destNest = nestOf(g.attrs, K.IPVS_CMD_ATTR_DEST);
    const full = g.cmd === K.IPVS_CMD_NEW_SERVICE || g.cmd === K.IPVS_CMD_SET_SERVICE;
    const service = svcNest && full ? decodeService(svcNest) : undefined;
    const key = service?.key ?? (svcNest ? decodeService(Buffer.concat([svcNest, SCHED_ATTR])).key : undefined);
    const destFull = g.cmd === K.IPVS_CMD_NEW_DEST || g.cmd === K.IPVS_CMD_SET_DEST;
    const dest = destNest && key ? decodeDest(destFull ? destNest : Buffer.concat([destNest, DEST_SETTINGS]), key.family) : undefined;
    const req: FakeIpvsRequest = { cmd: commandName(g.cmd), dump, ...(key ? { key } : {}), ...(service ? { service } : {}), ...(dest ? { dest } : {}) };
    this.requests.push(req);
    if (this.mute(req)) return [];
    const errno = this.refuse(req);
    if (errno !== undefined) return [this.ack(m, errno)];
    if (dump) return this.dump(m, g.cmd, key);
    const id = key ? serviceKeyId(key) : '';
    const entry = this.services.get(id);
    const did = dest ? destKeyId(dest) : '';
    switch (g.cmd) {
      case K.IPVS_CMD_NEW_SERVICE:
        if (entry) return [this.ack(m, EEXIST)];
        this.services.set(id, { service: { ...service!, rawFlags: 2 }, dests: new Map() });
        return this.ok(m);
      case K.IPVS_CMD_SET_SERVICE:
        if (!entry) return [this.ack(m, ESRCH)];
        entry.service = { ...service!, rawFlags: 2 };
        return this.ok(m);
      case K.IPVS_CMD_DEL_SERVICE:
        if (!entry) return [this.ack(m, ESRCH)];
        this.services.delete(id);
        return this.ok(m);
      case K.IPVS_CMD_GET_SERVICE:
        if (!entry) return [this.ack(m, ESRCH)];
        return [this.reply(m, K.IPVS_CMD_NEW_SERVICE, encodeServiceAttr(entry.service, true), 0), ...this.ok(m)];
      case K.IPVS_CMD_NEW_DEST:
      case K.IPVS_CMD_SET_DEST:
      case K.IPVS_CMD_DEL_DEST: {
        if (!entry) return [this.ack(m, ESRCH)];
        const have = entry.dests.has(did);
        if (g.cmd === K.IPVS_CMD_NEW_DEST && have) return [this.ack(m, EEXIST)];
        if (g.cmd !== K.IPVS_CMD_NEW_DEST && !have) return [this.ack(m, ENOENT)];
        if (g.cmd === K.IPVS_CMD_DEL_DEST) entry.dests.delete(did);
        else entry.dests.set(did, { ...dest!, activeConns: 0, inactiveConns: 0, persistentConns: 0 });
        return this.ok(m);
      }
      case K.IPVS_CMD_FLUSH:
        this.services.clear();
        return this.ok(m);
      case K.IPVS_CMD_SET_CONFIG:
        this.timeouts = decodeTimeouts(g.attrs);
        return this.ok(m);
      case K.IPVS_CMD_NEW_DAEMON: {
        const d = nestOf(g.attrs, K.IPVS_CMD_ATTR_DAEMON);
        if (d) this.daemons.push(decodeDaemon(d));
        return this.ok(m);
      }
      case K.IPVS_CMD_DEL_DAEMON: {
        const d = nestOf(g.attrs, K.IPVS_CMD_ATTR_DAEMON);
        const state = d ? decodeDaemonState(d) : undefined;
        this.daemons = this.daemons.filter((x) => x.state !== state);
        return this.ok(m);
      }
      default:
        return this.ok(m);
    }
  }

  private dump(m: NetlinkMessage, cmd: number, key: IpvsServiceKey | undefined): Buffer[] {
    const parts: Buffer[] = [];
    if (cmd === K.IPVS_CMD_GET_SERVICE) {
      for (const e of this.services.values()) parts.push(this.reply(m, K.IPVS_CMD_NEW_SERVICE, encodeServiceAttr(e.service, true), NLM_F_MULTI));
    } else if (cmd === K.IPVS_CMD_GET_DEST && key) {
      // a missing service gives an empty dump, not an error (ip_vs_genl_dump_dests)
      for (const d of this.services.get(serviceKeyId(key))?.dests.values() ?? []) parts.push(this.reply(m, K.IPVS_CMD_NEW_DEST, encodeDestAttr(d, true), NLM_F_MULTI));
    }
    const done = Buffer.alloc(4);
    parts.push(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: m.seq, pid: m.pid, payload: done }));
    return [Buffer.concat(parts)];
  }

  private reply(m: NetlinkMessage, cmd: number, nest: Buffer, flags: number): Buffer {
    return encodeMessage({ type: FAKE_IPVS_FAMILY, flags, seq: m.seq, pid: m.pid, payload: encodeGenlPayload(cmd, K.IPVS_GENL_VERSION, [nest]) });
  }

  /** Success: an ACK only when the request asked for one (NLM_F_ACK), as netlink_rcv_skb does. */
  private ok(m: NetlinkMessage): Buffer[] {
    return m.flags & NLM_F_ACK ? [this.ack(m, 0)] : [];
  }

  private ack(m: NetlinkMessage, errno: number): Buffer {
    const p = Buffer.alloc(20);
    p.writeInt32LE(-errno, 0);
    p.writeUInt32LE(16, 4);
    p.writeUInt16LE(m.type, 8);
    p.writeUInt16LE(m.flags, 10);
    p.writeUInt32LE(m.seq, 12);
    p.writeUInt32LE(m.pid, 16);
    return encodeMessage({ type: NLMSG_ERROR, flags: 0x100, seq: m.seq, pid: m.pid, payload: p });
  }
}

function decodeDaemonState(nest: Buffer): IpvsDaemon['state'] | undefined {
  const v = attrMap(nest).get(K.IPVS_DAEMON_ATTR_STATE);
  return v === undefined ? undefined : read.u32(v) & K.IP_VS_STATE_BACKUP ? 'backup' : 'master';
}
