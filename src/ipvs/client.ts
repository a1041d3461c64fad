// The IPVS client: sends services/destinations/daemon/config commands over generic netlink and reads state back.
import { GenlFamily } from '../netlink/genl';
import { NetlinkError, NetlinkTransportError } from '../netlink/errors';
import { NLM_F_DUMP } from '../netlink/message';
import {
  decodeDaemon,
  decodeDest,
  decodeInfo,
  decodeService,
  decodeTimeouts,
  encodeDaemonAttr,
  encodeDestAttr,
  encodeServiceAttr,
  encodeTimeouts,
  nestOf,
  type IpvsDaemon,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsInfo,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsServiceKey,
  type IpvsTimeouts,
} from './attrs';
import * as K from './constants';
import { serviceKeyId, type IpvsOp } from './reconcile';

/** A service and its destinations as read from the kernel. */
export interface IpvsServiceState {
  readonly service: IpvsServiceEntry;
  readonly dests: readonly IpvsDestEntry[];
}

/** What {@link IpvsClient.apply} did with one operation. */
export interface AppliedOp {
  readonly op: IpvsOp;
  /** 'done', or how a race was absorbed: add->EEXIST became an edit, edit->ESRCH/ENOENT an add, del->ESRCH/ENOENT nothing. */
  readonly outcome: 'done' | 'existed-edited' | 'missing-added' | 'already-gone';
}

/** What {@link IpvsClient.applyMany} did with one operation. */
export type OpResult =
  | AppliedOp
  | { readonly op: IpvsOp; readonly error: Error }
  /** Not applied: the add or edit of its service was refused earlier in the same call (as keepalived, its destinations are not tried). */
  | { readonly op: IpvsOp; readonly skipped: true };

/**
 * Operations {@link IpvsClient.applyMany} sends per datagram. Only the last asks for an ACK, so what comes back at
 * once is that ACK and the refusals (about 1 KB of receive buffer each, the request echoed): 256 of them stay
 * inside the default buffer (rmem_max, 208 KB, doubled by the kernel). Were it to overflow, the batch fails as a
 * whole (see NetlinkSocket.requestMany) and the driver reads those services again.
 */
export const APPLY_BATCH = 256;

const ESRCH = 3;
const ENOENT = 2;
const EEXIST = 17;

function isErrno(e: unknown, ...errnos: number[]): boolean {
  return e instanceof NetlinkError && errnos.includes(e.errno);
}

/** IPVS over generic netlink on one socket. Errors are {@link NetlinkError}s with errno (ESRCH, EEXIST, ...). */
export class IpvsClient {
  private constructor(private readonly genl: GenlFamily) {}

  /** Resolves the IPVS family (rejects with NetlinkError ENOENT when the kernel has no ip_vs). */
  static async open(timeoutMs?: number): Promise<IpvsClient> {
    return new IpvsClient(await GenlFamily.open(K.IPVS_GENL_NAME, K.IPVS_GENL_VERSION, K.IPVS_CMD_NAMES, timeoutMs));
  }

  /** A client on an already resolved family (tests: a fake kernel behind the socket's transport). */
  static fromFamily(genl: GenlFamily): IpvsClient {
    return new IpvsClient(genl);
  }

  /** The generic netlink family id the kernel gave IPVS. */
  get familyId(): number {
    return this.genl.info.id;
  }

  close(): void {
    this.genl.close();
  }

  /** IPVS_CMD_GET_INFO. */
  async info(): Promise<IpvsInfo> {
    const [r] = await this.genl.request(K.IPVS_CMD_GET_INFO, []);
    if (!r) throw new Error('IPVS_CMD_GET_INFO: no reply');
    return decodeInfo(r.attrs);
  }

  /** IPVS_CMD_NEW_SERVICE. */
  async addService(s: IpvsService): Promise<void> {
    await this.genl.request(K.IPVS_CMD_NEW_SERVICE, [encodeServiceAttr(s, true)]);
  }

  /** IPVS_CMD_SET_SERVICE. */
  async editService(s: IpvsService): Promise<void> {
    await this.genl.request(K.IPVS_CMD_SET_SERVICE, [encodeServiceAttr(s, true)]);
  }

  /** IPVS_CMD_DEL_SERVICE. */
  async deleteService(key: IpvsServiceKey): Promise<void> {
    await this.genl.request(K.IPVS_CMD_DEL_SERVICE, [encodeServiceAttr(key, false)]);
  }

  /** IPVS_CMD_GET_SERVICE for one service (rejects with ESRCH when absent). */
  async getService(key: IpvsServiceKey): Promise<IpvsServiceEntry> {
    const [r] = await this.genl.request(K.IPVS_CMD_GET_SERVICE, [encodeServiceAttr(key, false)]);
    const nest = r && nestOf(r.attrs, K.IPVS_CMD_ATTR_SERVICE);
    if (!nest) throw new Error('IPVS_CMD_GET_SERVICE: reply without a service');
    return decodeService(nest);
  }

  /** IPVS_CMD_GET_SERVICE for one service, without a dump: the service, or null when the kernel has none with that key (ESRCH). */
  async findService(key: IpvsServiceKey): Promise<IpvsServiceEntry | null> {
    try {
      return await this.getService(key);
    } catch (e) {
      if (isErrno(e, ESRCH)) return null;
      throw e;
    }
  }

  /** IPVS_CMD_GET_SERVICE dump: every service in this network namespace. */
  async listServices(): Promise<IpvsServiceEntry[]> {
    const replies = await this.genl.request(K.IPVS_CMD_GET_SERVICE, [], { flags: NLM_F_DUMP });
    const out: IpvsServiceEntry[] = [];
    for (const r of replies) {
      const nest = nestOf(r.attrs, K.IPVS_CMD_ATTR_SERVICE);
      if (nest) out.push(decodeService(nest));
    }
    return out;
  }

  /** IPVS_CMD_NEW_DEST. */
  async addDest(key: IpvsServiceKey, d: IpvsDest): Promise<void> {
    await this.genl.request(K.IPVS_CMD_NEW_DEST, [encodeServiceAttr(key, false), encodeDestAttr(d, true)]);
  }

  /** IPVS_CMD_SET_DEST. */
  async editDest(key: IpvsServiceKey, d: IpvsDest): Promise<void> {
    await this.genl.request(K.IPVS_CMD_SET_DEST, [encodeServiceAttr(key, false), encodeDestAttr(d, true)]);
  }

  /** IPVS_CMD_DEL_DEST. */
  async deleteDest(key: IpvsServiceKey, d: Pick<IpvsDest, 'address' | 'port' | 'family'>): Promise<void> {
    await this.genl.request(K.IPVS_CMD_DEL_DEST, [encodeServiceAttr(key, false), encodeDestAttr({ ...d, forward: 'nat', weight: 0 }, false)]);
  }

  /** IPVS_CMD_GET_DEST dump of one service. */
  async listDests(key: IpvsServiceKey): Promise<IpvsDestEntry[]> {
    const replies = await this.genl.request(K.IPVS_CMD_GET_DEST, [encodeServiceAttr(key, false)], { flags: NLM_F_DUMP });
    const out: IpvsDestEntry[] = [];
    for (const r of replies) {
      const nest = nestOf(r.attrs, K.IPVS_CMD_ATTR_DEST);
      if (nest) out.push(decodeDest(nest, key.family));
    }
    return out;
  }

  /** Every service with its destinations (the `actual` side of reconcile). */
  async dump(): Promise<IpvsServiceState[]> {
    const services = await this.listServices();
    const out: IpvsServiceState[] = [];
    for (const service of services) out.push({ service, dests: await this.listDests(service.key) });
    return out;
  }

  /** IPVS_CMD_FLUSH: removes every service in this namespace (not only ours). */
  async flush(): Promise<void> {
    await this.genl.request(K.IPVS_CMD_FLUSH, []);
  }

  /** IPVS_CMD_ZERO: zeroes all counters. */
  async zero(): Promise<void> {
    await this.genl.request(K.IPVS_CMD_ZERO, []);
  }

  /** IPVS_CMD_SET_CONFIG: connection timeouts (0 leaves one unchanged). */
  async setTimeouts(t: IpvsTimeouts): Promise<void> {
    await this.genl.request(K.IPVS_CMD_SET_CONFIG, encodeTimeouts(t));
  }

  /** IPVS_CMD_GET_CONFIG. */
  async getTimeouts(): Promise<IpvsTimeouts> {
    const [r] = await this.genl.request(K.IPVS_CMD_GET_CONFIG, []);
    if (!r) throw new Error('IPVS_CMD_GET_CONFIG: no reply');
    return decodeTimeouts(r.attrs);
  }

  /** IPVS_CMD_NEW_DAEMON: starts a sync daemon. */
  async startDaemon(d: IpvsDaemon): Promise<void> {
    await this.genl.request(K.IPVS_CMD_NEW_DAEMON, [encodeDaemonAttr(d, true)]);
  }

  /** IPVS_CMD_DEL_DAEMON: stops the master or backup sync daemon. */
  async stopDaemon(state: IpvsDaemon['state']): Promise<void> {
    await this.genl.request(K.IPVS_CMD_DEL_DAEMON, [encodeDaemonAttr({ state }, false)]);
  }

  /** IPVS_CMD_GET_DAEMON dump: the running sync daemons. */
  async listDaemons(): Promise<IpvsDaemon[]> {
    const replies = await this.genl.request(K.IPVS_CMD_GET_DAEMON, [], { flags: NLM_F_DUMP });
    const out: IpvsDaemon[] = [];
    for (const r of replies) {
      const nest = nestOf(r.attrs, K.IPVS_CMD_ATTR_DAEMON);
      if (nest) out.push(decodeDaemon(nest));
    }
    return out;
  }

  /**
   * Applies reconcile's operations in order. Races with another writer are absorbed: an add that finds the
   * object (EEXIST) becomes an edit, an edit that misses it (ESRCH/ENOENT) becomes an add, a delete that misses
   * it is done. Any other error stops and rejects, with the operations done so far in `error.applied`.
   */
  async apply(ops: readonly IpvsOp[]): Promise<AppliedOp[]> {
    const done: AppliedOp[] = [];
    for (const op of ops) {
      try {
        done.push({ op, outcome: await this.applyOne(op) });
      } catch (e) {
        if (e instanceof Error) Object.assign(e, { applied: done, failedOp: op });
        throw e;
      }
    }
    return done;
  }

  /**
   * Applies reconcile's operations like {@link apply}, {@link APPLY_BATCH} per datagram (one sendmsg, and one ACK
   * back, for many operations instead of one each), and answers every operation instead of stopping at the first
   * error. The kernel handles a datagram's messages in order. A refused operation is retried alone after its
   * datagram, in order, the way {@link apply} does it (add->EEXIST an edit, edit->ESRCH/ENOENT an add; a delete of
   * what is gone is done at once): so a destination refused because its service was missing is added once the
   * service's own retry added it. Once the add or edit of a service is refused for good, that service's later
   * operations are skipped (not sent). A transport failure (timeout, closed socket) answers the operations not yet
   * answered with it and sends nothing more. Never rejects.
   */
  async applyMany(ops: readonly IpvsOp[]): Promise<OpResult[]> {
    const out = new Array<OpResult>(ops.length);
    /** Services whose add or edit was refused for good. */
    const refused = new Set<string>();
    let broken: Error | null = null;
    const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
    for (let start = 0; start < ops.length; start += APPLY_BATCH) {
      const idx: number[] = [];
      const cmds: Array<{ cmd: number; attrs: Buffer[] }> = [];
      for (let i = start; i < Math.min(ops.length, start + APPLY_BATCH); i++) {
        const op = ops[i]!;
        if (broken) out[i] = { op, error: broken };
        else if (refused.size > 0 && op.op !== 'del-service' && refused.has(serviceKeyId(keyOfOp(op)))) out[i] = { op, skipped: true };
        else {
          try {
            cmds.push(commandOf(op));
            idx.push(i);
          } catch (e) {
            out[i] = { op, error: asError(e) }; // not encodable (a name too long): refused before sending
            if (op.op === 'add-service' || op.op === 'edit-service') refused.add(serviceKeyId(op.service.key));
          }
        }
      }
      if (cmds.length === 0) continue;
      const answers = await this.genl.requestMany(cmds, { ackLast: true });
      const retry: number[] = [];
      answers.forEach((a, j) => {
        const i = idx[j]!;
        const op = ops[i]!;
        if (a.ok) out[i] = { op, outcome: 'done' };
        else if (a.error instanceof NetlinkTransportError) {
          out[i] = { op, error: a.error };
          broken ??= a.error;
        } else if ((op.op === 'del-service' || op.op === 'del-dest') && isErrno(a.error, ESRCH, ENOENT)) out[i] = { op, outcome: 'already-gone' };
        else retry.push(i);
      });
      for (const i of retry) {
        const op = ops[i]!;
        const id = serviceKeyId(keyOfOp(op));
        if (broken) {
          out[i] = { op, error: broken };
          continue;
        }
        if (op.op !== 'del-service' && refused.has(id)) {
          out[i] = { op, skipped: true };
          continue;
        }
        try {
          out[i] = { op, outcome: await this.applyOne(op) };
        } catch (e) {
          const err = asError(e);
          out[i] = { op, error: err };
          if (err instanceof NetlinkTransportError) broken ??= err;
          if (op.op === 'add-service' || op.op === 'edit-service') refused.add(id);
        }
      }
    }
    return out;
  }

  private async applyOne(op: IpvsOp): Promise<AppliedOp['outcome']> {
    switch (op.op) {
      case 'add-service':
        try {
          await this.addService(op.service);
          return 'done';
        } catch (e) {
          if (!isErrno(e, EEXIST)) throw e;
          await this.editService(op.service);
          return 'existed-edited';
        }
      case 'edit-service':
        try {
          await this.editService(op.service);
          return 'done';
        } catch (e) {
          if (!isErrno(e, ESRCH, ENOENT)) throw e;
          await this.addService(op.service);
          return 'missing-added';
        }
      case 'del-service':
        try {
          await this.deleteService(op.key);
          return 'done';
        } catch (e) {
          if (!isErrno(e, ESRCH, ENOENT)) throw e;
          return 'already-gone';
        }
      case 'add-dest':
        try {
          await this.addDest(op.key, op.dest);
          return 'done';
        } catch (e) {
          if (!isErrno(e, EEXIST)) throw e;
          await this.editDest(op.key, op.dest);
          return 'existed-edited';
        }
      case 'edit-dest':
        try {
          await this.editDest(op.key, op.dest);
          return 'done';
        } catch (e) {
          // ENOENT: no such destination; ESRCH would mean the service itself is gone, which an add cannot fix.
          if (!isErrno(e, ENOENT)) throw e;
          await this.addDest(op.key, op.dest);
          return 'missing-added';
        }
      case 'del-dest':
        try {
          await this.deleteDest(op.key, op.dest);
          return 'done';
        } catch (e) {
          if (!isErrno(e, ESRCH, ENOENT)) throw e;
          return 'already-gone';
        }
    }
  }
}

/** The service an operation is about. */
function keyOfOp(op: IpvsOp): IpvsServiceKey {
  return op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key;
}

/** The encoded key of a service per key object: the destinations of a service all carry it (the buffer is only ever copied). */
const keyAttrs = new WeakMap<IpvsServiceKey, Buffer>();

function serviceKeyAttr(key: IpvsServiceKey): Buffer {
  let b = keyAttrs.get(key);
  if (!b) {
    b = encodeServiceAttr(key, false);
    keyAttrs.set(key, b);
  }
  return b;
}

/** The generic netlink command of one operation (the same messages as the single-operation methods send). */
function commandOf(op: IpvsOp): { cmd: number; attrs: Buffer[] } {
  switch (op.op) {
    case 'add-service':
      return { cmd: K.IPVS_CMD_NEW_SERVICE, attrs: [encodeServiceAttr(op.service, true)] };
    case 'edit-service':
      return { cmd: K.IPVS_CMD_SET_SERVICE, attrs: [encodeServiceAttr(op.service, true)] };
    case 'del-service':
      return { cmd: K.IPVS_CMD_DEL_SERVICE, attrs: [serviceKeyAttr(op.key)] };
    case 'add-dest':
      return { cmd: K.IPVS_CMD_NEW_DEST, attrs: [serviceKeyAttr(op.key), encodeDestAttr(op.dest, true)] };
    case 'edit-dest':
      return { cmd: K.IPVS_CMD_SET_DEST, attrs: [serviceKeyAttr(op.key), encodeDestAttr(op.dest, true)] };
    case 'del-dest':
      return { cmd: K.IPVS_CMD_DEL_DEST, attrs: [serviceKeyAttr(op.key), encodeDestAttr({ ...op.dest, forward: 'nat', weight: 0 }, false)] };
  }
}
