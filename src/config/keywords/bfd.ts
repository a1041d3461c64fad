// Root keywords of the bfd family. (Being written.)
import type { KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';

export const bfdRootKeywords: KeywordSpec<ConfigDraft>[] = [];
