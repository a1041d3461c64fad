// The root keyword table, composed from each family's root keywords.
import type { BlockSpec, KeywordSpec } from './registry';
import type { ConfigDraft } from '../model';
import { globalRootKeywords } from './global';
import { vrrpRootKeywords } from './vrrp';
import { lvsRootKeywords } from './lvs';
import { bfdRootKeywords } from './bfd';

export const rootSpec: BlockSpec<ConfigDraft> = {
  name: 'root',
  keywords: [...globalRootKeywords, ...vrrpRootKeywords, ...lvsRootKeywords, ...bfdRootKeywords],
};

/**
 * The root table as keepalived's parent process reads it: global keywords are applied, the other
 * families' root keywords are known but their blocks are skipped unread (keepalived's inactive keywords).
 */
export const parentRootSpec: BlockSpec<ConfigDraft> = {
  name: 'root',
  keywords: [
    ...globalRootKeywords,
    ...[...vrrpRootKeywords, ...lvsRootKeywords, ...bfdRootKeywords].map(
      (k): KeywordSpec<ConfigDraft> => ({ ...k, block: 'optional', apply: () => undefined }),
    ),
  ],
};
