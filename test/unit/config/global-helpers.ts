// Test helpers for the global family: Stmt trees built by hand, a walk through the root table, a fake host.
import { Diagnostics } from '../../../src/config/diagnostics';
import type { FileFacts, HostFacts, UserFacts } from '../../../src/config/host-facts';
import { permissiveHost } from '../../../src/config/host-facts';
import { emptyConfig, type ConfigDraft } from '../../../src/config/model';
import type { Stmt } from '../../../src/config/tree';
import { walkBlock, type ApplyContext, type BlockSpec } from '../../../src/config/keywords/registry';
import { globalRootKeywords } from '../../../src/config/keywords/global';

let line = 0;

/** A statement from words: `st('router_id', 'r1')`, with an optional block. */
export function st(text: string, ...rest: (string | Stmt[])[]): Stmt {
  line++;
  const loc = { file: 'test.conf', line, col: 1 };
  const args = rest.filter((r): r is string => typeof r === 'string').map((t, i) => ({ text: t, loc: { file: 'test.conf', line, col: 2 + i } }));
  const block = rest.find((r): r is Stmt[] => Array.isArray(r));
  return { keyword: { text, loc }, args, loc, ...(block ? { block, open: loc } : {}) };
}

/** `global_defs { ... }` */
export function gd(...stmts: Stmt[]): Stmt {
  return st('global_defs', stmts);
}

export const rootGlobalSpec: BlockSpec<ConfigDraft> = { name: 'root', keywords: globalRootKeywords };

export interface Run {
  cfg: ConfigDraft;
  diag: Diagnostics;
  ctx: ApplyContext;
  /** `CLASS: message` of every diagnostic so far (live). */
  readonly msgs: string[];
}

/** Walks statements through the global root keywords. */
export function run(stmts: Stmt[], host: HostFacts = permissiveHost): Run {
  const diag = new Diagnostics();
  const cfg = emptyConfig();
  const ctx: ApplyContext = {
    diag,
    host,
    walk(spec, s, d) {
      walkBlock(spec, s, d, ctx);
    },
  };
  walkBlock(rootGlobalSpec, stmts, cfg, ctx);
  return {
    cfg,
    diag,
    ctx,
    get msgs() {
      return diag.list.map((d) => `${d.cls}: ${d.message}`);
    },
  };
}

/** A file system and user database for script security tests. */
export interface FakeHostSpec {
  files?: Record<string, Partial<FileFacts> & { dir?: boolean }>;
  users?: Record<string, UserFacts>;
  groups?: Record<string, number>;
}

/** Every listed path exists; '/' and the parents of listed files are root-owned 0755 directories. */
export function fakeHost(spec: FakeHostSpec): HostFacts {
  const files = spec.files ?? {};
  return {
    hostname: 'vm',
    interfaceExists: () => true,
    user: (n) => spec.users?.[n] ?? null,
    group: (n) => spec.groups?.[n] ?? null,
    stat(p) {
      const f = files[p];
      if (f) {
        const dir = f.dir ?? false;
        return { uid: f.uid ?? 0, gid: f.gid ?? 0, mode: f.mode ?? (dir ? 0o40755 : 0o100755), isFile: !dir, isDirectory: dir, isSymlink: false };
      }
      // parents of listed files are root-owned directories
      if (p === '/' || Object.keys(files).some((k) => k.startsWith(`${p}/`))) {
        return { uid: 0, gid: 0, mode: 0o40755, isFile: false, isDirectory: true, isSymlink: false };
      }
      return null;
    },
    executable: (p) => files[p] !== undefined,
  };
}
