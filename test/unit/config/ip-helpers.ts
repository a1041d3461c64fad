// Test helpers for the ip/bfd grammars: build Stmt trees from text lines and a context without the lexer.
import { Diagnostics, type Loc } from '../../../src/config/diagnostics';
import type { Stmt, Word } from '../../../src/config/tree';
import { walkBlock, type ApplyContext } from '../../../src/config/keywords/registry';
import { permissiveHost, type HostFacts } from '../../../src/config/host-facts';

/** Splits a line on blanks into a statement at `line` (quotes are not needed by these tests). */
export function stmt(text: string, line = 1, block?: Stmt[]): Stmt {
  const ws: Word[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) ws.push({ text: m[0], loc: { file: 't.conf', line, col: m.index + 1 } });
  if (ws.length === 0) throw new Error('empty statement');
  const loc: Loc = ws[0]!.loc;
  return { keyword: ws[0]!, args: ws.slice(1), loc, ...(block ? { block, open: loc } : {}) };
}

/** A context collecting diagnostics, on a host where every interface exists unless listed as missing. */
export function context(missingIfs: readonly string[] = []): ApplyContext & { diag: Diagnostics } {
  const host: HostFacts = { ...permissiveHost, interfaceExists: (n) => (missingIfs.includes(n) ? false : undefined) };
  const ctx: ApplyContext & { diag: Diagnostics } = {
    diag: new Diagnostics(),
    host,
    walk: (spec, stmts, draft) => walkBlock(spec, stmts, draft, ctx),
  };
  return ctx;
}

/** The diagnostics as `CLASS: message` strings. */
export function messages(ctx: { diag: Diagnostics }): string[] {
  return ctx.diag.list.map((d) => `${d.cls}: ${d.message}`);
}
