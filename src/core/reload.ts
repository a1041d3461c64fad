// Pure decisions around loading and reloading a configuration: accept or reject, and which workers to run.
import type { Diagnostic } from '../config/diagnostics';
import { ConfigClass } from '../config/diagnostics';
import type { KeepalivedConfig } from '../config/model';
import type { WorkerRole } from './ipc';

/** The parts of a load result these decisions need. */
export interface LoadOutcome {
  readonly config: KeepalivedConfig;
  readonly diagnostics: { readonly list: readonly Diagnostic[] };
  readonly exitCode: number;
  /** Keywords checked but not acted upon at run time (logged once at start). */
  readonly parsedOnly?: readonly { readonly block: string; readonly keyword: string; readonly loc: { readonly file: string; readonly line: number } }[];
}

/**
 * Diagnostics that block a reload: keepalived's error classes (not warnings, deprecations, our extras or
 * notes). Nor keepalived's SECURITY VIOLATION report (scripts configured without enable_script_security):
 * keepalived runs such a configuration with that warning, so refusing it at a reload would refuse what
 * the same daemon accepted at start.
 */
export function blockingDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return list.filter((d) => {
    if (d.info || d.extra) return false;
    const c = ConfigClass[d.cls];
    return c !== ConfigClass.OK && c !== ConfigClass.WARNING && c !== ConfigClass.DEPRECATED && c !== ConfigClass.SECURITY_ERROR;
  });
}

export type ReloadDecision =
  | { readonly accept: true }
  | { readonly accept: false; readonly reasons: readonly string[] };

/**
 * Whether a newly loaded configuration replaces the running one. Rejected: a parse abort, any
 * error-class diagnostic, and what keepalived refuses at reload (a changed network namespace or
 * instance name: "please restart").
 */
export function decideReload(old: KeepalivedConfig, next: LoadOutcome, namespaceOverride?: string): ReloadDecision {
  const reasons: string[] = [];
  if (next.exitCode === 2) reasons.push('the configuration could not be parsed');
  const blocking = blockingDiagnostics(next.diagnostics.list);
  if (blocking.length > 0) reasons.push(`the configuration has ${blocking.length} error(s)`);
  const oldNs = namespaceOverride ?? old.global.netNamespace;
  const newNs = namespaceOverride ?? next.config.global.netNamespace;
  if (oldNs !== newNs) reasons.push('Cannot change network namespace at a reload - please restart tskeepalived');
  if (old.global.instanceName !== next.config.global.instanceName) reasons.push('Cannot change instance name at a reload - please restart tskeepalived');
  return reasons.length === 0 ? { accept: true } : { accept: false, reasons };
}

/** Selection flags from the command line (-P, -C, --all). */
export interface RoleSelection {
  readonly vrrp: boolean;
  readonly check: boolean;
  readonly all: boolean;
}

/** Whether the config has anything for a role (keepalived's have_vrrp_config / have_virtual_servers). */
export function hasConfigFor(role: WorkerRole, cfg: KeepalivedConfig): boolean {
  if (role === 'vrrp') return cfg.vrrp.instances.length > 0 || cfg.vrrp.staticAddresses.length > 0 || cfg.vrrp.staticRoutes.length > 0 || cfg.vrrp.staticRules.length > 0;
  return cfg.lvs.virtualServers.length > 0;
}

/**
 * The workers to run: -P or -C choose one (both: both); a worker with nothing configured does not
 * start unless --all (keepalived's running_vrrp()/running_checker()).
 */
export function rolesToRun(sel: RoleSelection, cfg: KeepalivedConfig): WorkerRole[] {
  const wanted: WorkerRole[] = sel.vrrp || sel.check ? (['vrrp', 'check'] as const).filter((r) => (r === 'vrrp' ? sel.vrrp : sel.check)) : ['vrrp', 'check'];
  return wanted.filter((r) => sel.all || hasConfigFor(r, cfg));
}
