// Dumps of the configuration model: human-readable text (-d) and JSON with file:line provenance.
import type { Diagnostic } from './diagnostics';
import type { KeepalivedConfig } from './model';

function jsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonValue(x)]));
  if (v instanceof Set) return [...v].map(jsonValue);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function') continue;
      // Secrets never reach dumps.
      if (/pass(word)?$|secret|^key$|authPass/i.test(k) && typeof x === 'string') {
        out[k] = '<hidden>';
        continue;
      }
      out[k] = jsonValue(x);
    }
    return out;
  }
  return v;
}

/** The whole model as JSON-safe data (addresses as text where the model offers it), secrets hidden. */
export function modelToJson(config: KeepalivedConfig, files: readonly string[], diagnostics: readonly Diagnostic[]): unknown {
  return { version: 1, files, diagnostics: jsonValue(diagnostics), config: jsonValue(config) };
}

/** keepalived -d style: an indented listing of everything configured. */
export function dumpText(config: KeepalivedConfig): string {
  const lines: string[] = [];
  const walk = (v: unknown, indent: string, key: string): void => {
    if (v === undefined || typeof v === 'function') return;
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) {
      lines.push(`${indent}${key} = ${v instanceof Uint8Array ? Array.from(v).join('.') : String(v)}`);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return;
      lines.push(`${indent}${key}:`);
      v.forEach((x, i) => walk(x, indent + '  ', `[${i}]`));
      return;
    }
    const entries = Object.entries(jsonValue(v) as Record<string, unknown>).filter(([k]) => k !== 'loc');
    const loc = (v as { loc?: { file: string; line: number } }).loc;
    lines.push(`${indent}${key}${loc ? ` (${loc.file}:${loc.line})` : ''}:`);
    for (const [k, x] of entries) walk(x, indent + '  ', k);
  };
  for (const [k, v] of Object.entries(config)) walk(v, '', k);
  return lines.join('\n') + '\n';
}
