// Facts about the host that validation needs (interfaces, users, files), behind an interface so
// that validation stays pure and tests can describe any machine.

export interface FileFacts {
  readonly uid: number;
  readonly gid: number;
  /** st_mode, including the type bits. */
  readonly mode: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
}

export interface UserFacts {
  readonly uid: number;
  readonly gid: number;
}

export interface HostFacts {
  /** The host name (keepalived's default config id is it without its domain). */
  readonly hostname: string;
  /** true/false when known; undefined when the check should be skipped. */
  interfaceExists(name: string): boolean | undefined;
  /** null: no such user; undefined: unknown. */
  user(name: string): UserFacts | null | undefined;
  /** null: no such group; undefined: unknown. */
  group(name: string): number | null | undefined;
  /** lstat-like facts of a path (not following the final link when nofollow), or null if absent. */
  stat(path: string, nofollow?: boolean): FileFacts | null;
  /** Can the (root) process execute this path? */
  executable(path: string): boolean;
  /**
   * Can the named network namespace (`ip netns`, /var/run/netns/NAME) be entered? keepalived exits 0
   * without checking the rest of the configuration when it cannot. Undefined (or absent): unknown, assume it can.
   */
  netNamespaceExists?(name: string): boolean | undefined;
}

/** Facts for pure tests: every interface and user exists, no file does. */
export const permissiveHost: HostFacts = {
  hostname: 'localhost',
  interfaceExists: () => undefined,
  user: () => undefined,
  group: () => undefined,
  stat: () => null,
  executable: () => false,
};
