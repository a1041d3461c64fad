// Test helper for the LVS tables: builds Stmt trees from a tiny brace syntax (not the real lexer) and runs the LVS tables and validator.
import { Diagnostics, type Diagnostic, type Loc } from '../../../src/config/diagnostics';
import type { Stmt, Word } from '../../../src/config/tree';
import { emptyConfig, type ConfigDraft } from '../../../src/config/model';
import { walkBlock, type ApplyContext, type BlockSpec } from '../../../src/config/keywords/registry';
import { lvsRootKeywords } from '../../../src/config/keywords/lvs';
import { validateLvs } from '../../../src/config/validate-lvs';
import { permissiveHost, type HostFacts } from '../../../src/config/host-facts';

const FILE = 'test.conf';

function tokenize(line: string, lineNo: number): Word[] {
  const out: Word[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const text = m[1] ?? m[2] ?? m[3]!;
    if (m[3] !== undefined && (m[3].startsWith('#') || m[3].startsWith('!'))) break;
    out.push({ text, loc: { file: FILE, line: lineNo, col: m.index + 1 } });
  }
  return out;
}

/** Parses `keyword args {` / `}` lines (one statement per line; `{ ... }` on one line is allowed for empty blocks). */
export function stmts(text: string): Stmt[] {
  const root: Stmt[] = [];
  const stack: { list: Stmt[] }[] = [{ list: root }];
  text.split('\n').forEach((raw, i) => {
    const ws = tokenize(raw, i + 1);
    let k = 0;
    while (k < ws.length) {
      if (ws[k]!.text === '}') {
        stack.pop();
        k++;
        continue;
      }
      const start = k;
      while (k < ws.length && ws[k]!.text !== '{' && ws[k]!.text !== '}') k++;
      const parts = ws.slice(start, k);
      if (parts.length === 0) break;
      const loc: Loc = parts[0]!.loc;
      if (ws[k]?.text === '{') {
        const block: Stmt[] = [];
        stack[stack.length - 1]!.list.push({ keyword: parts[0]!, args: parts.slice(1), block, open: ws[k]!.loc, loc });
        stack.push({ list: block });
        k++;
      } else {
        stack[stack.length - 1]!.list.push({ keyword: parts[0]!, args: parts.slice(1), loc });
      }
    }
  });
  return root;
}

export interface Run {
  cfg: ConfigDraft;
  diag: Diagnostics;
  /** Messages only, for readable assertions. */
  messages: string[];
  find(sub: string): Diagnostic | undefined;
}

const lvsRoot: BlockSpec<ConfigDraft> = { name: 'root', keywords: lvsRootKeywords };

/** Walks the text through the LVS root keywords, then (unless told not to) runs validateLvs. */
export function run(text: string, opts: { validate?: boolean; host?: HostFacts; prepare?: (cfg: ConfigDraft) => void } = {}): Run {
  const diag = new Diagnostics();
  const cfg = emptyConfig();
  opts.prepare?.(cfg);
  const ctx: ApplyContext = {
    diag,
    host: opts.host ?? permissiveHost,
    walk(spec, s, d) {
      walkBlock(spec, s, d, ctx);
    },
  };
  walkBlock(lvsRoot, stmts(text), cfg, ctx);
  if (opts.validate !== false) validateLvs(cfg, ctx);
  return { cfg, diag, messages: diag.list.map((d) => d.message), find: (sub) => diag.list.find((d) => d.message.includes(sub)) };
}

/** A host where every script exists, is root-owned, not writable by others and executable. */
export const scriptHost: HostFacts = {
  ...permissiveHost,
  user: (name) => (name === 'root' ? { uid: 0, gid: 0 } : { uid: 65534, gid: 65534 }),
  group: () => 65534,
  stat: () => ({ uid: 0, gid: 0, mode: 0o100755, isFile: true, isDirectory: false, isSymlink: false }),
  executable: () => true,
};
