// net.ipv4.ping_group_range, as keepalived's set_ping_group_range() handles it: lower the minimum to 0 for PING_CHECK, put it back at exit.
import * as fs from 'node:fs';

/** The sysctl file (per network namespace; it governs ICMPv6 ping sockets too). */
export const PING_GROUP_RANGE_PATH = '/proc/sys/net/ipv4/ping_group_range';

/** Reads and writes the sysctl (injected in tests). */
export interface SysctlFile {
  read(): string;
  write(text: string): void;
}

/** The real file. */
export function procFile(path = PING_GROUP_RANGE_PATH): SysctlFile {
  return { read: () => fs.readFileSync(path, 'utf8'), write: (t) => fs.writeFileSync(path, t) };
}

/** "min<TAB>max\n" as two gids; null when malformed (keepalived then leaves the file alone). */
export function parsePingGroupRange(text: string): [number, number] | null {
  const m = /^(\d+)[\t ]+(\d+)\n?$/.exec(text);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo >= 2 ** 32 || hi >= 2 ** 32) return null;
  return [lo, hi];
}

/** What {@link PingGroupRange.widen} did. */
export interface WidenOutcome {
  readonly changed: boolean;
  /** keepalived's "Warning: ... being expanded from A B to 0 B" (only when both bounds were above 1). */
  readonly warning?: string;
  readonly error?: string;
}

/**
 * keepalived lowers the minimum of the range to 0 (the root group) whenever a PING_CHECK is configured
 * and restores the saved minimum when the checker process exits, keeping whatever maximum is there then.
 * Here the rewrite happens only when it must: the caller says whether a ping socket already opens.
 */
export class PingGroupRange {
  private savedMin: number | null = null;

  constructor(private readonly file: SysctlFile = procFile()) {}

  /** True while the minimum is lowered by us. */
  get widened(): boolean {
    return this.savedMin !== null;
  }

  /** Lowers the minimum to 0 unless it already is (idempotent). */
  widen(): WidenOutcome {
    if (this.savedMin !== null) return { changed: false };
    let range: [number, number] | null;
    try {
      range = parsePingGroupRange(this.file.read());
    } catch (e) {
      return { changed: false, error: `${PING_GROUP_RANGE_PATH}: ${(e as Error).message}` };
    }
    if (!range) return { changed: false, error: `${PING_GROUP_RANGE_PATH}: unexpected contents` };
    const [lo, hi] = range;
    if (lo === 0) return { changed: false };
    const warning = lo > 1 && hi > 1 ? `Warning: ${PING_GROUP_RANGE_PATH} being expanded from ${lo} ${hi} to 0 ${hi}` : undefined;
    try {
      this.file.write(`0\t${hi}\n`);
    } catch (e) {
      return { changed: false, error: `Write ${PING_GROUP_RANGE_PATH} failed - ${(e as Error).message}` };
    }
    this.savedMin = lo;
    return warning ? { changed: true, warning } : { changed: true };
  }

  /** Puts the saved minimum back (with the maximum now in the file). Returns whether it wrote. */
  restore(): boolean {
    const lo = this.savedMin;
    if (lo === null) return false;
    this.savedMin = null;
    try {
      const range = parsePingGroupRange(this.file.read());
      if (!range || range[0] === lo) return false;
      this.file.write(`${lo}\t${range[1]}\n`);
      return true;
    } catch {
      return false;
    }
  }
}
