// Cross-reference validation, one function per family, run after every block has been read.
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

export type Validator = (cfg: ConfigDraft, ctx: ApplyContext) => void;

/** Each family appends its validator here (global, vrrp, lvs, bfd). */
export const validators: Validator[] = [];
