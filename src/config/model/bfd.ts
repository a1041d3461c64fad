// Model of bfd_instance blocks. (Filled by the BFD table.)
export interface BfdConfig {
  instances: unknown[];
}
export function emptyBfdConfig(): BfdConfig {
  return { instances: [] };
}
