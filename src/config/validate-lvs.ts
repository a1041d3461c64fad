// Cross-reference validation of the lvs family. (Being written.)
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

export function validateLvs(cfg: ConfigDraft, ctx: ApplyContext): void {
  void cfg;
  void ctx;
}
