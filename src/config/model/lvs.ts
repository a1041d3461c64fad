// Model of the LVS blocks: virtual_server, virtual_server_group, real_server, checkers, SSL. (Filled by the LVS tables.)
export interface LvsConfig {
  virtualServers: unknown[];
}
export function emptyLvsConfig(): LvsConfig {
  return { virtualServers: [] };
}
