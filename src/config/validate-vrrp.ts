// Cross-reference validation of the vrrp family. (Being written.)
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

export function validateVrrp(cfg: ConfigDraft, ctx: ApplyContext): void {
  void cfg;
  void ctx;
}
