// Model of global_defs and the root-level global keywords. (Filled by the global_defs table.)
export interface GlobalDefs {
  routerId?: string;
}
export function defaultGlobalDefs(): GlobalDefs {
  return {};
}
