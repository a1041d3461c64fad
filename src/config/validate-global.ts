// Cross checks of the global family after every block has been read: lifecycle and FIFO scripts,
// e-mail settings, multicast groups; our own clearer checks are marked extra.
import { missingInterface } from './keywords/vrrp';
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';
import type { Word } from './tree';
import type { Loc } from './diagnostics';
import { isMulticast, parseIp } from '../net/ip';
import { checkScript, reportScriptSecurity } from './script-check';

function word(text: string, loc: Loc): Word {
  return { text, loc };
}

/** Validates global_defs: runs the script checks of global scripts and reports inconsistent settings. */
export function validateGlobal(cfg: ConfigDraft, ctx: ApplyContext): void {
  const g = cfg.global;

  // Lifecycle scripts run in the parent; FIFO scripts in the process that writes the FIFO.
  for (const sc of [g.startupScript, g.shutdownScript]) {
    if (!sc) continue;
    const user = sc.user !== undefined ? [word(sc.user, sc.loc), ...(sc.group !== undefined ? [word(sc.group, sc.loc)] : [])] : undefined;
    checkScript(word(sc.cmd, sc.loc), user, 'global', cfg, ctx, { process: 'parent' });
  }
  const fifos = [
    [g.notifyFifo, 'vrrp', 'notify_fifo'],
    [g.vrrpNotifyFifo, 'vrrp', 'vrrp_notify_fifo'],
    [g.lvsNotifyFifo, 'checker', 'lvs_notify_fifo'],
  ] as const;
  for (const [f, process, kw] of fifos) {
    if (!f) continue;
    if (f.name === '' && f.script !== undefined) {
      ctx.diag.report('WARNING', f.loc, `${kw}_script specified without ${kw} - the script will not be run`, { extra: true });
      continue;
    }
    if (f.script !== undefined) checkScript(word(f.script, f.loc), undefined, 'global', cfg, ctx, { process });
  }

  // E-mail: keepalived silently sends nothing when half configured.
  if (g.smtpServer && g.notificationEmail.length === 0) {
    ctx.diag.report('WARNING', g.smtpServer.loc, 'smtp_server is set but no notification_email address is configured - no email will be sent', { extra: true });
  }

  // Multicast groups must be multicast addresses of their family.
  for (const [text, fam, kw] of [
    [g.vrrpMcastGroup4, 4, 'vrrp_mcast_group4'],
    [g.vrrpMcastGroup6, 6, 'vrrp_mcast_group6'],
  ] as const) {
    const ip = parseIp(text);
    if (ip && ip.family === fam && !isMulticast(ip)) {
      ctx.diag.report('GENERAL_ERROR', null, `${kw} ${text} is not a multicast address - adverts will not reach other routers`, { extra: true });
    }
  }

  // vrrp_strict implies vrrp_lower_prio_no_advert unless set explicitly (man5).
  if (g.vrrpStrict && g.vrrpLowerPrioNoAdvert === undefined) g.vrrpLowerPrioNoAdvert = true;
  if (g.lvsSyncDaemon?.group !== undefined) {
    const ip = parseIp(g.lvsSyncDaemon.group);
    if (ip && !isMulticast(ip)) ctx.diag.report('WARNING', g.lvsSyncDaemon.loc, `lvs_sync_daemon group ${g.lvsSyncDaemon.group} is not a multicast address`, { extra: true });
  }
}

/** The last validator: keepalived's SECURITY VIOLATION report, once every family has checked its scripts. */
export function validateScriptSecurity(cfg: ConfigDraft, ctx: ApplyContext): void {
  // keepalived's VRRP process ends its configuration check at "Non-existent interface specified in
  // configuration", before its script security check: no VRRP SECURITY VIOLATION then (corpus 1093,
  // 1268, 782: exit 5; 1555b still reports the checker's).
  reportScriptSecurity(cfg, ctx, missingInterface.has(ctx) ? new Set(['vrrp'] as const) : new Set());
}
