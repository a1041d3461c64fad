// Model of the address, route and rule sub-grammars (virtual_ipaddress, virtual_routes, virtual_rules,
// static_*). (Filled by the sub-grammar parser in keywords/ip-grammar.ts.)
import type { Loc } from '../diagnostics';

export interface VirtualAddress {
  readonly loc: Loc;
  /** The address text as written, e.g. `192.0.2.1/24`. */
  readonly text: string;
}
export interface VirtualRoute {
  readonly loc: Loc;
  readonly text: string;
}
export interface VirtualRule {
  readonly loc: Loc;
  readonly text: string;
}
