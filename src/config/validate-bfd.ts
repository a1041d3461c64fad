// Cross-reference validation of the bfd family. (Being written.)
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

export function validateBfd(cfg: ConfigDraft, ctx: ApplyContext): void {
  void cfg;
  void ctx;
}
