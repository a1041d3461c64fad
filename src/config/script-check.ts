// Script checks shared by every family: resolve the command, its user, and keepalived's script
// security rules (enable_script_security, script_user). (Being written: the signatures are fixed.)
import type { Word } from './tree';
import type { ConfigDraft } from './model';
import type { ApplyContext } from './keywords/registry';

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

/**
 * Checks one configured script. `cmd` is the command word (quoted command lines are one word);
 * `user` holds the words after a per-script `user` keyword, if any. Reports as keepalived does and
 * records that a script is configured (for the SECURITY VIOLATION report).
 */
export function checkScript(cmd: Word, user: readonly Word[] | undefined, kind: ScriptKind, cfg: ConfigDraft, ctx: ApplyContext): ScriptCheck {
  void user;
  void kind;
  void cfg;
  void ctx;
  return { ok: true, argv: cmd.text.split(/\s+/).filter(Boolean), uid: null, gid: null };
}
