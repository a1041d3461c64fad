// Model of the address, route and rule sub-grammars (virtual_ipaddress, virtual_routes, virtual_rules,
// static_*). Filled by the sub-grammar parser in keywords/ip-grammar.ts.
import type { Loc } from '../diagnostics';
import type { IpPrefix } from '../../net/ip';

export interface VirtualAddress {
  readonly loc: Loc;
  /** The line as written, e.g. `192.0.2.1/24 dev eth0 label eth0:1`. */
  readonly text: string;
  /** The address and its prefix (default /32 or /128 when none was written). */
  readonly address: IpPrefix;
  /** `dev IF`, else the owning instance's interface; null when neither is known. */
  readonly dev: string | null;
}
export interface VirtualRoute {
  readonly loc: Loc;
  readonly text: string;
  readonly family: 4 | 6;
}
export interface VirtualRule {
  readonly loc: Loc;
  readonly text: string;
  readonly family: 4 | 6;
}
