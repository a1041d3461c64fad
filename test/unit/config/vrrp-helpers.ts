// Test helpers for the VRRP tables: a tiny line splitter into Stmt trees (tests only) and a loader that
// walks the VRRP root keywords and runs validateVrrp.
import type { Loc } from '../../../src/config/diagnostics';
import { Diagnostics } from '../../../src/config/diagnostics';
import type { Stmt, Word } from '../../../src/config/tree';
import { permissiveHost, type HostFacts } from '../../../src/config/host-facts';
import { emptyConfig, type ConfigDraft } from '../../../src/config/model';
import { walkBlock, type ApplyContext, type BlockSpec } from '../../../src/config/keywords/registry';
import { vrrpRootKeywords } from '../../../src/config/keywords/vrrp';
import { validateVrrp } from '../../../src/config/validate-vrrp';

/** Splits a line into words: whitespace-separated, double quotes group, '#' and '!' start comments, braces are words. */
function lineWords(line: string, lineNo: number, file: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#' || ch === '!') break;
    const loc: Loc = { file, line: lineNo, col: i + 1 };
    if (ch === '{' || ch === '}') {
      out.push({ text: ch, loc });
      i++;
      continue;
    }
    if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      const stop = end < 0 ? line.length : end;
      out.push({ text: line.slice(i + 1, stop), loc });
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/[\s{}#!"]/.test(line[j]!)) j++;
    out.push({ text: line.slice(i, j), loc });
    i = j;
  }
  return out;
}

/** Parses text into statements; a '{' at the end of a line (or alone on the next) opens the statement's block. */
export function parseStmts(text: string, file = 'test.conf'): Stmt[] {
  const toks: Word[][] = text.split('\n').map((l, n) => lineWords(l, n + 1, file));
  let li = 0;
  const block = (): Stmt[] => {
    const out: Stmt[] = [];
    while (li < toks.length) {
      const ws = toks[li++]!;
      if (!ws.length) continue;
      if (ws[0]!.text === '}') return out;
      if (ws[0]!.text === '{' && out.length) {
        const prev = out.pop()!;
        out.push({ ...prev, open: ws[0]!.loc, block: block() });
        continue;
      }
      const open = ws.findIndex((w) => w.text === '{');
      const head = open >= 0 ? ws.slice(0, open) : ws;
      const stmt: Stmt = { keyword: head[0]!, args: head.slice(1), loc: head[0]!.loc };
      if (open >= 0) {
        const closeIdx = ws.findIndex((w, k) => k > open && w.text === '}');
        if (closeIdx >= 0) {
          // one-line block: { a b }
          const inner = ws.slice(open + 1, closeIdx);
          const sub: Stmt[] = inner.length ? [{ keyword: inner[0]!, args: inner.slice(1), loc: inner[0]!.loc }] : [];
          out.push({ ...stmt, open: ws[open]!.loc, block: sub });
        } else out.push({ ...stmt, open: ws[open]!.loc, block: block() });
      } else out.push(stmt);
    }
    return out;
  };
  return block();
}

export const vrrpRoot: BlockSpec<ConfigDraft> = { name: 'root', keywords: vrrpRootKeywords };

export interface Loaded {
  readonly cfg: ConfigDraft;
  readonly diag: Diagnostics;
  /** Every message, in order. */
  readonly msgs: string[];
}

/** A host where only the listed interfaces exist. */
export function hostWith(ifaces: readonly string[]): HostFacts {
  return { ...permissiveHost, interfaceExists: (n) => ifaces.includes(n) };
}

/** Reads text through the VRRP root keywords; validates unless told not to. */
export function load(text: string, opts: { host?: HostFacts; validate?: boolean; global?: Record<string, unknown>; root?: BlockSpec<ConfigDraft> } = {}): Loaded {
  const diag = new Diagnostics();
  const cfg = emptyConfig();
  if (opts.global) Object.assign(cfg.global, opts.global);
  const ctx: ApplyContext = {
    diag,
    host: opts.host ?? permissiveHost,
    walk(spec, stmts, d) {
      walkBlock(spec, stmts, d, ctx);
    },
  };
  walkBlock(opts.root ?? vrrpRoot, parseStmts(text), cfg, ctx);
  if (opts.validate !== false) validateVrrp(cfg, ctx);
  return { cfg, diag, msgs: diag.list.map((d) => d.message) };
}

/** A minimal valid instance body wrapped around extra lines. */
export function inst(name: string, body: string): string {
  return `vrrp_instance ${name} {\n${body}\n}\n`;
}
