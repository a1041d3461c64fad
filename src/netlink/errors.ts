// Errors for netlink requests the kernel refused or that never completed, carrying errno and its name.
import { constants as osConstants } from 'node:os';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The symbolic name of a positive errno ('ESRCH' for 3), or `E<n>` when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** What a failed request was, for messages and for callers that branch on it. */
export interface NetlinkRequestInfo {
  /** nlmsg_type (for generic netlink: the family id). */
  readonly type: number;
  /** The generic netlink command, when known. */
  readonly cmd?: number;
  /** A human label of the operation, e.g. 'IPVS_CMD_NEW_DEST'. */
  readonly label?: string;
}

/** The kernel answered a request with a negative error (NLMSG_ERROR or an error in NLMSG_DONE). */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** Stable code for this class of failure. */
  readonly code = 'TSKA_ERR_NETLINK_KERNEL';
  /** Positive errno, e.g. 3. */
  readonly errno: number;
  /** errno's name, e.g. 'ESRCH'. */
  readonly errnoName: string;
  /** The kernel's extended ACK message, when it sent one. */
  readonly extAck: string | undefined;
  /** The request that failed. */
  readonly request: NetlinkRequestInfo;
  constructor(errno: number, request: NetlinkRequestInfo, extAck?: string) {
    const what = request.label ?? `type ${request.type}${request.cmd === undefined ? '' : ` cmd ${request.cmd}`}`;
    super(`netlink ${what}: ${errnoName(errno)} (errno ${errno})${extAck ? `: ${extAck}` : ''}`);
    this.errno = errno;
    this.errnoName = errnoName(errno);
    this.extAck = extAck;
    this.request = request;
  }
}

/** A request got no complete answer in time, or the socket closed/failed under it. */
export class NetlinkTransportError extends Error {
  override readonly name = 'NetlinkTransportError';
  /** 'TSKA_ERR_NETLINK_TIMEOUT' | 'TSKA_ERR_NETLINK_CLOSED' | 'TSKA_ERR_NETLINK_SOCKET'. */
  readonly code: 'TSKA_ERR_NETLINK_TIMEOUT' | 'TSKA_ERR_NETLINK_CLOSED' | 'TSKA_ERR_NETLINK_SOCKET';
  constructor(code: NetlinkTransportError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
