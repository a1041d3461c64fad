// The in-line sub-grammars of addresses, routes and rules. (Being written: these signatures are fixed.)
import type { Stmt } from '../tree';
import type { ApplyContext } from './registry';
import { parseIpPrefix } from '../../net/ip';
import type { VirtualAddress, VirtualRoute, VirtualRule } from '../model/ip';

export interface IpGrammarOptions {
  /** The owning instance's interface, used when no `dev` is given (null for static_* blocks). */
  readonly defaultInterface: string | null;
  /** Where it is used, for messages, e.g. `(VI_1)` or `static_ipaddress`. */
  readonly owner: string;
}

/** One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. null when invalid (reported). */
export function parseAddressStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualAddress | null {
  const address = parseIpPrefix(stmt.keyword.text);
  if (!address) {
    ctx.diag.error(stmt.keyword.loc, `${opts.owner} invalid address '${stmt.keyword.text}'`);
    return null;
  }
  return { loc: stmt.keyword.loc, text: [stmt.keyword, ...stmt.args].map((w) => w.text).join(' '), address, dev: opts.defaultInterface };
}

/** One line of virtual_routes / static_routes. */
export function parseRouteStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualRoute | null {
  void opts;
  void ctx;
  return { loc: stmt.keyword.loc, text: [stmt.keyword, ...stmt.args].map((w) => w.text).join(' '), family: 4 };
}

/** One line of virtual_rules / static_rules. */
export function parseRuleStmt(stmt: Stmt, ctx: ApplyContext, opts: IpGrammarOptions): VirtualRule | null {
  void opts;
  void ctx;
  return { loc: stmt.keyword.loc, text: [stmt.keyword, ...stmt.args].map((w) => w.text).join(' '), family: 4 };
}
