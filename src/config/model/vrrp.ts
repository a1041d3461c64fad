// Model of the VRRP blocks: vrrp_instance, vrrp_sync_group, vrrp_script, track_file, track_process,
// garp_group, track_group, linkbeat_interfaces, interface_up_down_delays, static_*. (Filled by the VRRP tables.)
export interface VrrpConfig {
  instances: unknown[];
}
export function emptyVrrpConfig(): VrrpConfig {
  return { instances: [] };
}
