// The typed surface of the native addon; the only module that loads it. Every export is declared once here.

/** Errors thrown by the addon look like Node's system errors. */
export interface NativeErrnoError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
}

/**
 * One datagram socket of the addon, read through a uv poll on its fd.
 * Built with `new NativeSocket(kind, protocol, ifindex)`; use the wrappers in src/sys rather than this.
 */
export interface NativeSocket {
  /** The file descriptor (-1 once closed). */
  fd(): number;
  /** SO_BINDTODEVICE; '' removes the binding. */
  bindDevice(name: string): void;
  /** bind() an IP socket to a local address (4 or 16 bytes) and port (default 0); scopeIfindex is used for IPv6 link-local. */
  bindAddress(addr: Uint8Array, scopeIfindex: number, port?: number): void;
  /** bind() a unix datagram socket to path bytes (leading NUL byte: abstract namespace). */
  bindUnix(path: Uint8Array): void;
  /** IP_ADD/DROP_MEMBERSHIP (ip_mreqn) or IPV6_ADD/DROP_MEMBERSHIP on the interface ifindex. */
  setMembership(group: Uint8Array, ifindex: number, join: boolean): void;
  /** IP_MULTICAST_IF (by ifindex) or IPV6_MULTICAST_IF. */
  setMulticastInterface(ifindex: number): void;
  /** setsockopt for an int-valued option (levels and names in {@link NativeConstants}). */
  setIntOption(level: number, name: number, value: number): void;
  /** getsockopt for an int-valued option. */
  getIntOption(level: number, name: number): number;
  /** Drops received messages whose ifindex differs, before they reach JS (0 turns the filter off). */
  setFilterIfindex(ifindex: number): void;
  /**
   * Starts the uv poll. For every message, recvmsg writes the bytes into recvBuf (from offset 0),
   * the metadata into metaBuf (layout {@link META}) and onMessage is called with the length, or
   * with -errno when the socket reports an error. Both buffers are kept alive by the addon.
   * KIND_UDP4/6 sockets report each error the socket holds and go on reading: an entry of the error
   * queue (IP_RECVERR/IPV6_RECVERR set) with flags bit 1, origin, ICMP type and code, and the offender
   * in src; otherwise the pending error (SO_ERROR, e.g. -ECONNREFUSED) with no details.
   */
  startReading(recvBuf: Uint8Array, metaBuf: Uint8Array, onMessage: (status: number) => void): void;
  /** Stops the uv poll (the socket stays open). */
  stopReading(): void;
  /**
   * sendmsg without blocking. Returns the bytes sent, or -errno (never throws for a kernel error).
   * IP sockets: dst is the 4/16-byte address; ifindex > 0 and src go in IP_PKTINFO/IPV6_PKTINFO.
   * Packet sockets: dst is ignored (the frame carries it); ifindex 0 means the bound interface.
   * Unix sockets: dst is the path bytes (leading NUL byte: abstract namespace).
   */
  send(data: Uint8Array, length: number, dst: Uint8Array | null, ifindex: number, src: Uint8Array | null): number;
  /**
   * Non-blocking connect() of an IP socket (KIND_PING*, KIND_UDP*, KIND_TCP*) to addr (4/16 bytes) and port;
   * scopeIfindex is the IPv6 scope id (0: none). Returns 0, or -errno (-EINPROGRESS while a TCP
   * handshake is under way: then {@link NativeSocket.watchConnect}). Throws only for bad arguments.
   */
  connect(addr: Uint8Array, port: number, scopeIfindex: number): number;
  /**
   * Polls once for writability after connect() returned -EINPROGRESS; onDone gets 0 when the connection
   * is established, else -errno from SO_ERROR (-ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH...). The socket
   * is kept alive until then. Not allowed while reading.
   */
  watchConnect(onDone: (status: number) => void): void;
  /**
   * Stops polling and gives up ownership of the fd without closing it (for `new net.Socket({ fd })`).
   * Returns the fd; the object is closed afterwards.
   */
  detach(): number;
  /** Stops polling and closes the fd. Idempotent. */
  close(): void;
  /** The poll keeps the event loop alive (default). */
  ref(): void;
  /** The poll does not keep the event loop alive. */
  unref(): void;
}

/** Constructor of {@link NativeSocket}: kind is one of the KIND_* constants. */
export interface NativeSocketConstructor {
  /**
   * KIND_VRRP4/KIND_VRRP6: raw IP socket for `protocol` with keepalived's options already set
   * (TOS/traffic class 0xc0, TTL/hop limit 255, multicast loop off, pktinfo and TTL/hop limit reception).
   * KIND_PACKET: AF_PACKET SOCK_RAW bound to `ifindex`, receiving ethertype `protocol` (0: none).
   * KIND_UNIX: unbound AF_UNIX SOCK_DGRAM.
   * KIND_PING4/KIND_PING6: unprivileged ICMP echo socket (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6); throws EACCES
   * unless one of the caller's groups is within net.ipv4.ping_group_range. The kernel sets the echo id
   * and checksum, delivers only replies to this socket, and strips the IP header.
   * KIND_UDP4/6, KIND_TCP4/6: plain sockets for checkers (protocol and ifindex are ignored).
   * All are non-blocking and close-on-exec.
   */
  new (kind: number, protocol: number, ifindex: number): NativeSocket;
}

/** Linux constants as the addon was compiled against. */
export interface NativeConstants {
  readonly KIND_VRRP4: number;
  readonly KIND_VRRP6: number;
  readonly KIND_PACKET: number;
  readonly KIND_UNIX: number;
  readonly KIND_PING4: number;
  readonly KIND_PING6: number;
  readonly KIND_UDP4: number;
  readonly KIND_UDP6: number;
  readonly KIND_TCP4: number;
  readonly KIND_TCP6: number;
  readonly SO_MARK: number;
  readonly SO_LINGER: number;
  readonly EINPROGRESS: number;
  readonly ECONNREFUSED: number;
  readonly EACCES: number;
  readonly IPPROTO_ICMP: number;
  readonly IPPROTO_ICMPV6: number;
  readonly IPPROTO_TCP: number;
  readonly TCP_NODELAY: number;
  readonly META_SIZE: number;
  readonly SOL_SOCKET: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUF: number;
  readonly SO_PRIORITY: number;
  readonly IPPROTO_IP: number;
  readonly IPPROTO_IPV6: number;
  readonly IP_TOS: number;
  readonly IP_TTL: number;
  readonly IP_MULTICAST_TTL: number;
  readonly IP_MULTICAST_LOOP: number;
  readonly IP_HDRINCL: number;
  readonly IPV6_TCLASS: number;
  readonly IPV6_UNICAST_HOPS: number;
  readonly IPV6_MULTICAST_HOPS: number;
  readonly IPV6_MULTICAST_LOOP: number;
  readonly IPV6_CHECKSUM: number;
  readonly ETH_P_ALL: number;
  readonly ETH_P_ARP: number;
  readonly ETH_P_IP: number;
  readonly ETH_P_IPV6: number;
  readonly EAGAIN: number;
  readonly ENOBUFS: number;
  readonly SCHED_OTHER: number;
  readonly SCHED_FIFO: number;
  readonly SCHED_RR: number;
  readonly SCHED_RESET_ON_FORK: number;
  readonly MCL_CURRENT: number;
  readonly MCL_FUTURE: number;
  readonly RLIMIT_RTTIME: number;
  readonly RLIMIT_RTPRIO: number;
  readonly RLIMIT_MEMLOCK: number;
  readonly CLONE_NEWNET: number;
  readonly IP_RECVERR: number;
  readonly IPV6_RECVERR: number;
  readonly SO_EE_ORIGIN_LOCAL: number;
  readonly SO_EE_ORIGIN_ICMP: number;
  readonly SO_EE_ORIGIN_ICMP6: number;
}

/** Byte offsets in the meta buffer filled for each received message (little-endian). */
export const META = {
  /** u32: bytes written to the receive buffer. */
  length: 0,
  /** u32: the datagram's real length (larger than length when truncated). */
  fullLength: 4,
  /** i32: receiving ifindex (IP_PKTINFO / IPV6_PKTINFO / sll_ifindex); 0 when unknown. */
  ifindex: 8,
  /** i32: TTL (IP_RECVTTL) or hop limit (IPV6_RECVHOPLIMIT); -1 when unknown. */
  ttl: 12,
  /** i32: IPv6 traffic class (IPV6_RECVTCLASS); -1 when unknown. */
  tclass: 16,
  /** u8: 4, 6, 17 (AF_PACKET: src holds the source MAC) or 0. */
  srcFamily: 20,
  /** u8: 4, 6 or 0. */
  dstFamily: 21,
  /** u8: AF_PACKET sll_pkttype. */
  pktType: 22,
  /** u8: bit 0 set when the message was truncated; bit 1 for an error-queue entry (errOrigin..errCode, src = offender). */
  flags: 23,
  /** u32: AF_PACKET ethertype. */
  protocol: 24,
  /** 16 bytes: source address (or MAC). */
  src: 28,
  /** 16 bytes: destination address (from pktinfo). */
  dst: 44,
  /** u8: error-queue entry's origin (SO_EE_ORIGIN_*). */
  errOrigin: 60,
  /** u8: error-queue entry's ICMP type. */
  errType: 61,
  /** u8: error-queue entry's ICMP code. */
  errCode: 62,
  /** Minimum size of the meta buffer. */
  size: 64,
} as const;

/** Current scheduling policy and static priority of the calling thread. */
export interface NativeSchedInfo {
  readonly policy: number;
  readonly priority: number;
}

export interface NativeAddon {
  /** prctl(PR_SET_PDEATHSIG, signo): the kernel sends signo to this process when its parent dies. 0 clears. */
  setParentDeathSignal(signo: number): void;
  /** prctl(PR_GET_PDEATHSIG). */
  getParentDeathSignal(): number;
  /** prctl(PR_SET_NAME) on the calling (main) thread: the `comm` seen by ps -o comm, pidof, pkill. 15 bytes kept. */
  setThreadName(name: string): void;
  /** prctl(PR_GET_NAME) of the calling (main) thread. */
  getThreadName(): string;
  /** setns(fd, nstype) for the calling (main) thread; nstype CLONE_NEWNET for a network namespace. */
  setns(fd: number, nstype: number): void;
  /** sched_setscheduler(0, policy, {priority}) for the calling (main) thread. */
  setScheduler(policy: number, priority: number): void;
  /** sched_getscheduler(0) and sched_getparam(0). */
  getScheduler(): NativeSchedInfo;
  /** [sched_get_priority_min(policy), sched_get_priority_max(policy)]. */
  getPriorityRange(policy: number): [number, number];
  /** sched_setaffinity(0, cpus) for the calling (main) thread. */
  setAffinity(cpus: readonly number[]): void;
  /** sched_getaffinity(0): the CPU numbers allowed. */
  getAffinity(): number[];
  /** mlockall(flags) (MCL_CURRENT | MCL_FUTURE). */
  mlockall(flags: number): void;
  /** munlockall(). */
  munlockall(): void;
  /** setrlimit(resource, {soft, hard}); -1 means RLIM_INFINITY. */
  setRlimit(resource: number, soft: number, hard: number): void;
  /** getrlimit(resource) as [soft, hard]; -1 means RLIM_INFINITY. */
  getRlimit(resource: number): [number, number];
  /** The errno name (code) and strerror text of an errno value (sign ignored). */
  strerror(errno: number): { code: string; message: string };
  /** Datagram sockets read through a uv poll. */
  NativeSocket: NativeSocketConstructor;
  /** Linux constants. */
  constants: NativeConstants;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require('tskeepalived-native') as NativeAddon;

/** Builds an errno-shaped error like those the addon throws, from a -errno returned by send(). */
export function errnoError(errno: number, syscall: string): NativeErrnoError {
  const e = Math.abs(errno);
  const { code, message } = native.strerror(e);
  return Object.assign(new Error(`${syscall}: ${message}`), { errno: e, code, syscall });
}

/** True when e is an error the addon (or {@link errnoError}) built. */
export function isErrnoError(e: unknown): e is NativeErrnoError {
  return e instanceof Error && typeof (e as Partial<NativeErrnoError>).errno === 'number' && typeof (e as Partial<NativeErrnoError>).code === 'string';
}
