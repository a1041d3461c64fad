// Where keepalived puts things, as pure functions: pidfiles, dump files, log files, syslog idents, process names.
import * as path from 'node:path';
import type { WorkerRole } from './ipc';

/** keepalived's RUN_DIR and KEEPALIVED_PID_DIR. */
export const RUN_DIR = '/run/';
export const PID_DIR = '/run/keepalived/';

export interface PidfileInputs {
  /** -p, -r, -c from the command line. */
  readonly pid?: string;
  readonly vrrpPid?: string;
  readonly checkersPid?: string;
  /** global_defs use_pid_dir. */
  readonly usePidDir: boolean;
  /** Root `instance NAME`. */
  readonly instanceName?: string;
  /** The network namespace in use (-s or net_namespace): keepalived then uses the pid directory too. */
  readonly netNamespace?: string;
}

export interface PidfilePaths {
  readonly parent: string;
  readonly vrrp: string;
  readonly check: string;
  /** True when the files live under /run/keepalived (created at start, removed at exit when empty). */
  readonly inPidDir: boolean;
}

/**
 * keepalived's pidfile names (core/main.c): command-line names win; with `instance NAME` they are
 * /run/keepalived/keepalived_NAME.pid (and _vrrp_NAME, _checkers_NAME); with use_pid_dir or a
 * namespace /run/keepalived/keepalived.pid; else /run/keepalived.pid, keepalived_vrrp.pid, keepalived_checkers.pid.
 */
export function pidfilePaths(i: PidfileInputs): PidfilePaths {
  const inPidDir = i.usePidDir || i.instanceName !== undefined || i.netNamespace !== undefined;
  const make = (stem: string): string => {
    if (i.instanceName !== undefined) return `${PID_DIR}${stem}_${i.instanceName}.pid`;
    return `${inPidDir ? PID_DIR : RUN_DIR}${stem}.pid`;
  };
  return {
    parent: i.pid ?? make('keepalived'),
    vrrp: i.vrrpPid ?? make('keepalived_vrrp'),
    check: i.checkersPid ?? make('keepalived_checkers'),
    inPidDir,
  };
}

/** Inserts `suffix` before the last '.' of the file name (or appends it when there is none), as keepalived names per-process files. */
export function insertBeforeExtension(file: string, suffix: string): string {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  const named = dot > 0 ? `${base.slice(0, dot)}${suffix}${base.slice(dot)}` : `${base}${suffix}`;
  return dir === '.' && !file.startsWith('.') ? named : path.join(dir, named);
}

/** keepalived's KA_TMP_DIR default. */
export const TMP_DIR = '/tmp';

/** The -g default: <tmp>/keepalived.log. */
export const DEFAULT_LOG_FILE = `${TMP_DIR}/keepalived.log`;

/** The process a file or a log belongs to. */
export type ProcessKind = 'parent' | WorkerRole;

/** -g FILE for a process: the parent uses FILE; children insert _vrrp / _healthcheckers before the last '.'. */
export function logFileFor(file: string, kind: ProcessKind): string {
  const f = file === '' ? DEFAULT_LOG_FILE : file;
  if (kind === 'parent') return f;
  return insertBeforeExtension(f, kind === 'vrrp' ? '_vrrp' : '_healthcheckers');
}

export interface DumpInputs {
  readonly stateDumpFile: string;
  readonly statsDumpFile: string;
  readonly jsonDumpFile: string;
  readonly dataUseInstance: boolean;
  readonly instanceName?: string;
  readonly netNamespace?: string;
}

export interface DumpFiles {
  /** SIGUSR1: the VRRP process's data (keepalived.data). */
  readonly vrrpData: string;
  /** SIGUSR1: the parent's data (keepalived_parent.data). */
  readonly parentData: string;
  /** SIGUSR1: the checker's data (keepalived_check.data). */
  readonly checkData: string;
  /** SIGUSR2 / STATS_CLEAR (keepalived.stats). */
  readonly stats: string;
  /** SIGJSON (keepalived.json). */
  readonly json: string;
}

/**
 * Dump file names: global_defs state_dump_file/stats_dump_file/json_dump_file (defaults in /tmp);
 * with data_use_instance the namespace and instance name are inserted (_NS_INSTANCE) before the extension.
 */
export function dumpFiles(i: DumpInputs): DumpFiles {
  let tag = '';
  if (i.dataUseInstance) {
    if (i.netNamespace !== undefined) tag += `_${i.netNamespace}`;
    if (i.instanceName !== undefined) tag += `_${i.instanceName}`;
  }
  const t = (f: string): string => (tag === '' ? f : insertBeforeExtension(f, tag));
  return {
    vrrpData: t(i.stateDumpFile),
    parentData: t(insertBeforeExtension(i.stateDumpFile, '_parent')),
    checkData: t(insertBeforeExtension(i.stateDumpFile, '_check')),
    stats: t(i.statsDumpFile),
    json: t(i.jsonDumpFile),
  };
}

/**
 * keepalived's syslog ident (make_syslog_ident): Keepalived, Keepalived_vrrp or Keepalived_healthcheckers,
 * then _NAMESPACE and _INSTANCE when set, so log watchers matching "Keepalived_vrrp[PID]:" keep working.
 */
export function syslogIdent(kind: ProcessKind, netNamespace?: string, instanceName?: string): string {
  let ident = kind === 'parent' ? 'Keepalived' : kind === 'vrrp' ? 'Keepalived_vrrp' : 'Keepalived_healthcheckers';
  if (netNamespace !== undefined) ident += `_${netNamespace}`;
  if (instanceName !== undefined) ident += `_${instanceName}`;
  return ident;
}

/** Process titles: ours by default, global_defs process_names / vrrp_process_name / checker_process_name when given. */
export function processTitle(kind: ProcessKind, names: { readonly parent?: string; readonly vrrp?: string; readonly checker?: string }): string {
  if (kind === 'parent') return names.parent ?? 'tskeepalived';
  if (kind === 'vrrp') return names.vrrp ?? 'tskeepalived_vrrp';
  return names.checker ?? 'tskeepalived_ipvs';
}
