// The root keyword table, composed from each family's root keywords.
import type { BlockSpec } from './registry';
import type { ConfigDraft } from '../model';
import { globalRootKeywords } from './global';
import { vrrpRootKeywords } from './vrrp';
import { lvsRootKeywords } from './lvs';
import { bfdRootKeywords } from './bfd';

export const rootSpec: BlockSpec<ConfigDraft> = {
  name: 'root',
  keywords: [...globalRootKeywords, ...vrrpRootKeywords, ...lvsRootKeywords, ...bfdRootKeywords],
};
