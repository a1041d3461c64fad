// Script checks shared by every family: resolve the command, its user, and keepalived's script
// security rules (enable_script_security, script_user), recording scripts for the SECURITY VIOLATION report.
import type { Word } from './tree';
import type { ConfigDraft } from './model';
import type { ScriptProcess, ScriptRecord } from './model/global';
import type { ApplyContext } from './keywords/registry';
import type { FileFacts } from './host-facts';

export type ScriptKind = 'notify' | 'vrrp_script' | 'misc_check' | 'global';

export interface ScriptCheck {
  /** false when the script is disabled (not found, not executable, insecure, bad user). */
  readonly ok: boolean;
  /** The command split as keepalived splits it (argv[0] resolved to a path when found). */
  readonly argv: readonly string[];
  /** The user and group it runs as (null: keepalived's default script user). */
  readonly uid: number | null;
  readonly gid: number | null;
}

/** Optional details that sharpen messages and the SECURITY VIOLATION wording. */
export interface ScriptCheckOptions {
  /** The process that runs it (default: misc_check -> checker, global -> parent, else vrrp). */
  readonly process?: ScriptProcess;
  /** The vrrp_script's name, for keepalived's "... for vrrp script NAME" messages. */
  readonly name?: string;
}

/** The user keepalived runs scripts as by default when it exists. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

/** Directories searched for a command without a '/' (keepalived uses $PATH; the daemon's usual PATH). */
export const SCRIPT_SEARCH_PATH: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IXUSR = 0o100;
const S_IWGRP = 0o20;
const S_IXGRP = 0o10;
const S_IWOTH = 0o2;
const S_IXOTH = 0o1;

/** Splits a command line into words as keepalived does: whitespace separated, quotes group, backslash escapes. */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i]!;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      have = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i]!;
      have = true;
    } else if (/\s/.test(c)) {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (have) out.push(cur);
  return out;
}

/** keepalived's is_executable(): may uid:gid execute a file with these facts? */
export function isExecutableBy(f: FileFacts, uid: number, gid: number): boolean {
  if (uid === 0) return (f.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === f.uid) return (f.mode & S_IXUSR) !== 0;
  if (gid === f.gid) return (f.mode & S_IXGRP) !== 0;
  return (f.mode & S_IXOTH) !== 0;
}

/** A path component that a non-root user could change (keepalived's check_script_secure rule). */
export function isUnsafe(f: FileFacts): boolean {
  if (f.uid !== 0) return true;
  if ((f.mode & S_ISVTX) !== 0 && !f.isFile) return false;
  return (f.gid !== 0 && (f.mode & S_IWGRP) !== 0) || (f.mode & S_IWOTH) !== 0;
}

/** '/', '/a', '/a/b', ... '/a/b/c' for an absolute path (repeated slashes collapsed). */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const out = ['/'];
  let acc = '';
  for (const p of parts) {
    acc += `/${p}`;
    out.push(acc);
  }
  return out;
}

function defaultProcess(kind: ScriptKind): ScriptProcess {
  return kind === 'misc_check' ? 'checker' : kind === 'global' ? 'parent' : 'vrrp';
}

function describe(kind: ScriptKind, cmd: string, name: string | undefined): string {
  if (kind === 'vrrp_script') return `vrrp script ${name ?? cmd}`;
  if (kind === 'misc_check') return `misc script '${cmd}'`;
  return `script ${cmd}`;
}

/**
 * The default script user, looked up once as keepalived does: script_user if given, else
 * keepalived_script if it exists, else root. Under enable_script_security a missing
 * keepalived_script is an error (reported once, at the first script that needs it).
 */
function defaultUser(cfg: ConfigDraft, ctx: ApplyContext, at: Word): { uid: number | null; gid: number | null; failed: boolean } {
  const g = cfg.global;
  if (g.scriptUser) {
    const su = g.scriptUser;
    return { uid: su.uid ?? null, gid: su.gid ?? null, failed: su.failed };
  }
  if (!g.defaultScriptUser) {
    const u = ctx.host.user(DEFAULT_SCRIPT_USER);
    if (u) g.defaultScriptUser = { uid: u.uid, gid: u.gid, failed: false };
    else if (u === undefined) g.defaultScriptUser = { uid: null, gid: null, failed: false };
    else if (g.enableScriptSecurity) {
      ctx.diag.error(at.loc, `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`);
      g.defaultScriptUser = { uid: null, gid: null, failed: true };
    } else {
      ctx.diag.info(at.loc, `default user '${DEFAULT_SCRIPT_USER}' for script execution does not exist - scripts run as root`);
      g.defaultScriptUser = { uid: 0, gid: 0, failed: false };
    }
  }
  return g.defaultScriptUser;
}

/** Resolves an explicit `user USER [GROUP]` (or `USER:GROUP`). */
function explicitUser(user: readonly Word[], ctx: ApplyContext): { uid: number | null; gid: number | null; failed: boolean } {
  let name = user[0]!.text;
  let group = user[1]?.text;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    group = name.slice(colon + 1) || group;
    name = name.slice(0, colon);
  }
  const u = ctx.host.user(name);
  if (u === null) return { uid: null, gid: null, failed: true };
  let uid: number | null = u ? u.uid : null;
  let gid: number | null = u ? u.gid : null;
  if (group !== undefined) {
    const gg = ctx.host.group(group);
    if (gg === null) return { uid: null, gid: null, failed: true };
    if (gg !== undefined) gid = gg;
  }
  if (uid === null) uid = null;
  return { uid, gid, failed: false };
}

/**
 * Checks one configured script. `cmd` is the command word (quoted command lines are one word);
 * `user` holds the words after a per-script `user` keyword, if any. Reports as keepalived does and
 * records that a script is configured (for the SECURITY VIOLATION report).
 */
export function checkScript(
  cmd: Word,
  user: readonly Word[] | undefined,
  kind: ScriptKind,
  cfg: ConfigDraft,
  ctx: ApplyContext,
  opts: ScriptCheckOptions = {},
): ScriptCheck {
  const g = cfg.global;
  const argv = splitCommand(cmd.text);
  const process = opts.process ?? defaultProcess(kind);
  const what = describe(kind, cmd.text, opts.name);
  if (argv.length === 0) return { ok: false, argv, uid: null, gid: null };

  // 1. Who runs it.
  let who: { uid: number | null; gid: number | null; failed: boolean };
  if (user && user.length > 0) {
    who = explicitUser(user, ctx);
    if (who.failed) {
      if (kind === 'misc_check') ctx.diag.error(user[0]!.loc, `Failed to set uid/gid for misc checker script ${cmd.text} - removing`);
      // keepalived only logs this for notify scripts (notify_script_init), so -t does not count it (corpus 1091a).
      else if (kind === 'notify') ctx.diag.info(user[0]!.loc, `Invalid user/group for notify script ${cmd.text} - ignoring`);
      else ctx.diag.error(user[0]!.loc, `Unable to set uid/gid for script ${cmd.text}`);
      return { ok: false, argv, uid: null, gid: null };
    }
  } else {
    who = defaultUser(cfg, ctx, cmd);
    if (who.failed) {
      if (kind === 'vrrp_script' || kind === 'misc_check') ctx.diag.error(cmd.loc, `Unable to set default user for ${what} - removing`);
      else ctx.diag.report('WARNING', cmd.loc, `Disabling ${what}: no usable script user`, { extra: true });
      return { ok: false, argv, uid: null, gid: null };
    }
  }
  const uid = who.uid;
  const gid = who.gid;
  const euid = uid ?? 0;
  const egid = gid ?? 0;

  const record = (r: Omit<ScriptRecord, 'cmd' | 'process'>): void => {
    g.scripts.push({ cmd: cmd.text, process, ...r });
  };
  const notFound = (detail: string): ScriptCheck => {
    if (kind === 'vrrp_script') ctx.diag.error(null, `Disabling track script ${opts.name ?? cmd.text} since not found/accessible`);
    else ctx.diag.report('WARNING', cmd.loc, `Disabling ${what} since not found/accessible (${detail})`, { extra: true });
    record({ found: false, insecure: false, ok: false });
    return { ok: false, argv, uid, gid };
  };

  // A host that knows no files at all (not even '/', e.g. permissiveHost in pure tests) gives no
  // file facts: the script is kept and does not count towards the SECURITY VIOLATION report.
  if (ctx.host.stat('/') === null) {
    record({ found: false, insecure: false, ok: true });
    return { ok: true, argv, uid, gid };
  }

  // 2. Find the file: a bare name is searched for in PATH, as execvp would.
  let path = argv[0]!;
  if (!path.includes('/')) {
    let hit: string | undefined;
    for (const dir of SCRIPT_SEARCH_PATH) {
      const p = `${dir}/${path}`;
      const f = ctx.host.stat(p);
      if (f && f.isFile && isExecutableBy(f, euid, egid)) {
        hit = p;
        break;
      }
    }
    if (!hit) return notFound(`cannot find ${path} in path`);
    ctx.diag.info(cmd.loc, `WARNING - script \`${path}\` resolved by path search to \`${hit}\`. Please specify full path.`);
    path = hit;
  }
  const resolved = [path, ...argv.slice(1)];
  const file = ctx.host.stat(path);
  if (!file) return notFound(`unable to access ${path}`);

  // 3. Executable for its user?
  if (!isExecutableBy(file, euid, egid)) {
    ctx.diag.report('WARNING', cmd.loc, `script '${path}' is not executable for uid:gid ${euid}:${egid} - disabling`, { extra: true });
    record({ found: true, insecure: false, ok: false });
    return { ok: false, argv: resolved, uid, gid };
  }

  // 4. A script running as root (or set-uid/gid root) must not be replaceable by a non-root user.
  const needProtection =
    euid === 0 ||
    egid === 0 ||
    (file.uid === 0 && (file.mode & S_IXUSR) !== 0 && (file.mode & S_ISUID) !== 0) ||
    (file.gid === 0 && (file.mode & S_IXGRP) !== 0 && (file.mode & S_ISGID) !== 0);
  let insecure = false;
  if (needProtection) {
    for (const p of pathPrefixes(path)) {
      const f = ctx.host.stat(p);
      if (!f) return notFound(`check_script_secure could not find script '${p}'`);
      if (isUnsafe(f)) {
        insecure = true;
        ctx.diag.report('WARNING', cmd.loc, `Unsafe permissions found for script '${path}' ('${p}' is writable by a non-root user)`, { extra: true });
        break;
      }
    }
  }
  if (insecure && g.enableScriptSecurity) {
    if (kind === 'vrrp_script') ctx.diag.error(null, `Disabling track script ${opts.name ?? cmd.text} due to insecure`);
    else ctx.diag.error(cmd.loc, `Disabling ${what} due to insecure`);
    record({ found: true, insecure: true, ok: false });
    return { ok: false, argv: resolved, uid, gid };
  }
  record({ found: true, insecure, ok: true });
  return { ok: true, argv: resolved, uid, gid };
}

const VIOLATION: Record<ScriptProcess, string> = {
  vrrp: 'scripts',
  checker: 'check scripts',
  parent: 'start/shutdown scripts',
};

/**
 * keepalived's end-of-configuration report: when enable_script_security is off and any script
 * whose file exists is configured, "SECURITY VIOLATION ..." once per process (class SECURITY_ERROR).
 * `stopped`: processes whose configuration check ended before their scripts were checked.
 */
export function reportScriptSecurity(cfg: ConfigDraft, ctx: ApplyContext, stopped: ReadonlySet<ScriptProcess> = new Set()): void {
  if (cfg.global.enableScriptSecurity) return;
  for (const proc of ['parent', 'checker', 'vrrp'] as const) {
    if (stopped.has(proc)) continue;
    const found = cfg.global.scripts.filter((s) => s.process === proc && s.found);
    if (found.length === 0) continue;
    const extra = found.some((s) => s.insecure) ? ' There are insecure scripts.' : '';
    ctx.diag.report('SECURITY_ERROR', null, `SECURITY VIOLATION - ${VIOLATION[proc]} are being executed but script_security not enabled.${extra}`);
  }
}
