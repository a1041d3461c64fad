// Generic netlink: family resolution through the controller (CTRL_CMD_GETFAMILY) and requests to a family.
import { NETLINK_GENERIC, NetlinkSocket, type RequestOptions } from './socket';
import type { NetlinkMessage } from './message';
import { attr, attrMap, decodeAttrs, decodeGenlPayload, encodeGenlPayload, read, type GenlPayload } from './message';

/** The controller family (linux/genetlink.h). */
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_OP_ID = 1;

/** What the controller said about a family. */
export interface GenlFamilyInfo {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly maxAttr: number;
  /** The command numbers the family implements. */
  readonly ops: readonly number[];
}

/** Encodes the CTRL_CMD_GETFAMILY request payload for `name` (version 1, as iproute2/libnl send it). */
export function encodeGetFamily(name: string): Buffer {
  return encodeGenlPayload(CTRL_CMD_GETFAMILY, 1, [attr.string(CTRL_ATTR_FAMILY_NAME, name)]);
}

/** Decodes the controller's CTRL_CMD_NEWFAMILY answer. */
export function decodeFamily(payload: Buffer): GenlFamilyInfo {
  const m = attrMap(decodeGenlPayload(payload).attrs);
  const id = m.get(CTRL_ATTR_FAMILY_ID);
  const name = m.get(CTRL_ATTR_FAMILY_NAME);
  if (!id || !name) throw new Error('genl: controller reply without family id or name');
  const ops: number[] = [];
  const opsAttr = m.get(CTRL_ATTR_OPS);
  if (opsAttr) {
    for (const op of decodeAttrs(opsAttr)) {
      const opId = attrMap(op.value).get(CTRL_ATTR_OP_ID);
      if (opId) ops.push(read.u32(opId));
    }
  }
  const version = m.get(CTRL_ATTR_VERSION);
  const maxAttr = m.get(CTRL_ATTR_MAXATTR);
  return {
    id: read.u16(id),
    name: read.string(name),
    version: version ? read.u32(version) : 0,
    maxAttr: maxAttr ? read.u32(maxAttr) : 0,
    ops,
  };
}

/** Asks the controller for `name`; rejects with NetlinkError ENOENT when the family does not exist. */
export async function resolveFamily(sock: NetlinkSocket, name: string): Promise<GenlFamilyInfo> {
  const replies = await sock.request(GENL_ID_CTRL, encodeGetFamily(name), { info: { cmd: CTRL_CMD_GETFAMILY, label: `CTRL_CMD_GETFAMILY ${name}` } });
  const first = replies[0];
  if (!first) throw new Error(`genl: no answer about family ${name}`);
  return decodeFamily(first.payload);
}

/** A resolved generic netlink family on its own socket. */
export class GenlFamily {
  constructor(
    readonly sock: NetlinkSocket,
    readonly info: GenlFamilyInfo,
    /** The genlmsghdr version to send (the family's own version constant). */
    readonly version: number,
    private readonly cmdNames: Readonly<Record<number, string>> = {},
  ) {}

  /** Opens a NETLINK_GENERIC socket and resolves `name` on it. */
  static async open(name: string, version: number, cmdNames?: Readonly<Record<number, string>>, timeoutMs?: number): Promise<GenlFamily> {
    const sock = NetlinkSocket.open(NETLINK_GENERIC, timeoutMs);
    try {
      return new GenlFamily(sock, await resolveFamily(sock, name), version, cmdNames);
    } catch (e) {
      sock.close();
      throw e;
    }
  }

  /** Sends `cmd` with `attrs`; resolves with the decoded genl payloads of the replies (dump parts included). */
  async request(cmd: number, attrs: readonly Buffer[], opts: Omit<RequestOptions, 'info'> = {}): Promise<GenlPayload[]> {
    const replies = await this.sock.request(this.info.id, encodeGenlPayload(cmd, this.version, attrs), {
      ...opts,
      info: { cmd, label: this.cmdNames[cmd] ?? `${this.info.name} cmd ${cmd}` },
    });
    return replies.map((r) => decodeGenlPayload(r.payload));
  }

  /**
   * Sends several commands in one datagram (see {@link NetlinkSocket.requestMany}, and its `ackLast` for commands
   * that reply nothing on success); resolves with one answer per command, in order: its decoded replies, or its
   * error. Never rejects.
   */
  async requestMany(
    reqs: readonly { readonly cmd: number; readonly attrs: readonly Buffer[] }[],
    opts: { readonly timeoutMs?: number; readonly ackLast?: boolean } = {},
  ): Promise<Array<{ readonly ok: true; readonly replies: GenlPayload[] } | { readonly ok: false; readonly error: Error }>> {
    const answers = await this.sock.requestMany(
      reqs.map((r) => ({ type: this.info.id, payload: [this.header(r.cmd), ...r.attrs], info: this.requestInfo(r.cmd) })),
      opts,
    );
    return answers.map((a) => {
      if (!a.ok) return a;
      try {
        return { ok: true as const, replies: a.replies.map((m: NetlinkMessage) => decodeGenlPayload(m.payload)) };
      } catch (e) {
        return { ok: false as const, error: e instanceof Error ? e : new Error(String(e)) };
      }
    });
  }

  /** genlmsghdr and request description per command, shared by the messages of a batch (never written to). */
  private readonly headers = new Map<number, { header: Buffer; info: { cmd: number; label: string } }>();

  private perCmd(cmd: number): { header: Buffer; info: { cmd: number; label: string } } {
    let h = this.headers.get(cmd);
    if (!h) {
      h = { header: encodeGenlPayload(cmd, this.version, []), info: { cmd, label: this.cmdNames[cmd] ?? `${this.info.name} cmd ${cmd}` } };
      this.headers.set(cmd, h);
    }
    return h;
  }

  private header(cmd: number): Buffer {
    return this.perCmd(cmd).header;
  }

  private requestInfo(cmd: number): { cmd: number; label: string } {
    return this.perCmd(cmd).info;
  }

  /** Closes the socket. */
  close(): void {
    this.sock.close();
  }
}
