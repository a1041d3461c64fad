// Root keywords of the lvs family. (Being written.)
import type { KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';

export const lvsRootKeywords: KeywordSpec<ConfigDraft>[] = [];
