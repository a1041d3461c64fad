// Cross-reference validation of the global family. (Being written.)
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

export function validateGlobal(cfg: ConfigDraft, ctx: ApplyContext): void {
  void cfg;
  void ctx;
}
