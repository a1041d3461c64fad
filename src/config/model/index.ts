// The typed configuration model: what every subsystem reads. Drafts are filled by the keyword
// tables; the finished model is deeply readonly.
import type { Loc } from '../diagnostics';
import { type GlobalDefs, defaultGlobalDefs } from './global';
import { type VrrpConfig, emptyVrrpConfig } from './vrrp';
import { type LvsConfig, emptyLvsConfig } from './lvs';
import { type BfdConfig, emptyBfdConfig } from './bfd';

/** Every model object that came from a statement carries where it came from. */
export interface Located {
  readonly loc: Loc;
}

export interface ConfigDraft {
  global: GlobalDefs;
  vrrp: VrrpConfig;
  lvs: LvsConfig;
  bfd: BfdConfig;
}

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends Map<infer K, infer V>
    ? ReadonlyMap<K, DeepReadonly<V>>
    : T extends object
      ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
      : T;

/** The finished configuration. */
export type KeepalivedConfig = DeepReadonly<ConfigDraft>;

export function emptyConfig(): ConfigDraft {
  return { global: defaultGlobalDefs(), vrrp: emptyVrrpConfig(), lvs: emptyLvsConfig(), bfd: emptyBfdConfig() };
}
