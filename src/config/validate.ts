// Cross-reference validation, one function per family, run after every block has been read.
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';
import { validateGlobal, validateScriptSecurity } from './validate-global';
import { validateVrrp } from './validate-vrrp';
import { validateLvs } from './validate-lvs';
import { validateBfd } from './validate-bfd';

export type Validator = (cfg: ConfigDraft, ctx: ApplyContext) => void;

/** In order: globals first (script security settings are read by the others). */
export const validators: readonly Validator[] = [validateGlobal, validateVrrp, validateLvs, validateBfd, validateScriptSecurity];
