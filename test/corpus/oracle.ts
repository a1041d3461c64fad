// Reads ../shared/oracle: keepalived 2.4.3's -t exit code and diagnostics for each corpus file.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OracleRow {
  readonly file: string;
  /** keepalived's exit code; NaN-like strings (crash/hang) are kept as text in `raw`. */
  readonly exit: number | null;
  readonly raw: string;
  /** Every distinct diagnostic line keepalived printed for the file. */
  readonly lines: readonly string[];
}

export function loadOracle(oracleDir: string): Map<string, OracleRow> {
  const rows = new Map<string, { exit: number | null; raw: string; lines: string[] }>();
  const main = fs.readFileSync(path.join(oracleDir, 'corpus-ka243.tsv'), 'utf8').split('\n').slice(1);
  for (const l of main) {
    if (!l) continue;
    const [file, exit] = l.split('\t');
    if (!file || exit === undefined) continue;
    rows.set(file, { exit: /^\d+$/.test(exit) ? Number(exit) : null, raw: exit, lines: [] });
  }
  const distinct = fs.readFileSync(path.join(oracleDir, 'distinct-ka243.tsv'), 'utf8').split('\n').slice(1);
  for (const l of distinct) {
    const parts = l.split('\t');
    if (parts.length < 4) continue;
    const r = rows.get(parts[0]!);
    if (r) r.lines.push(parts.slice(3).join('\t'));
  }
  return new Map([...rows].map(([f, r]) => [f, { file: f, ...r }]));
}

/** The keywords keepalived called unknown in these lines. */
export function unknownKeywords(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const l of lines) {
    const m = /Unknown keyword '([^']*)'/.exec(l);
    if (m) out.add(m[1]!);
  }
  return out;
}

/**
 * When keepalived stopped early (hung: 124, crashed: 139, aborted the parse: 2), its diagnostics
 * end where it stopped: the last line number it reported. Undefined when it ran to completion.
 */
export function stoppedAfterLine(row: OracleRow): number | undefined {
  if (!['124', '139', '2'].includes(row.raw)) return undefined;
  let max = 0;
  for (const l of row.lines) {
    const m = /^\((?:[^:)]*: )?Line (\d+)\)/.exec(l);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** Our unknown keywords that keepalived does not report, ignoring lines past where keepalived stopped. */
export function extraUnknown(row: OracleRow, unknown: readonly string[], unknownAt: readonly number[] | undefined): string[] {
  const theirs = unknownKeywords(row.lines);
  const stop = stoppedAfterLine(row);
  const out = new Set<string>();
  unknown.forEach((k, i) => {
    if (theirs.has(k)) return;
    const line = unknownAt?.[i] ?? 0;
    if (stop !== undefined && line > stop) return;
    out.add(k);
  });
  return [...out];
}
