// Root keywords of the vrrp family. (Being written.)
import type { KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';

export const vrrpRootKeywords: KeywordSpec<ConfigDraft>[] = [];
