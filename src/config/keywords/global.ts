// Root keywords of the global family. (Being written.)
import type { KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';

export const globalRootKeywords: KeywordSpec<ConfigDraft>[] = [];
