// FILE_CHECK: read the tracked file's number; weight x value (negated with reverse) adjusts the real server; <= -254 fails it.
import { readFile } from 'node:fs/promises';
import { IPVS_WEIGHT_FAULT } from './policy';
import { type ProbeResult, errText, fail } from './types';

/** FILE_CHECK options (the track_file's path and the checker's weight). */
export interface FileProbeOptions {
  readonly path: string;
  readonly weight: number;
  readonly reverse: boolean;
}

/** keepalived reads the file's leading integer (strtol); anything else counts as 0. */
export function parseTrackValue(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The result for a value: weight 0 means "non-zero is failure"; else the weight change, failing at IPVS_WEIGHT_FAULT. */
export function judgeTrackValue(value: number, o: Pick<FileProbeOptions, 'weight' | 'reverse'>): ProbeResult {
  if (o.weight === 0) return value === 0 ? { ok: true, weightDelta: 0 } : { ok: false, failure: 'file', reason: `track file value ${value}`, weightDelta: 0 };
  const delta = value * o.weight * (o.reverse ? -1 : 1);
  if (delta <= IPVS_WEIGHT_FAULT) return { ok: false, failure: 'file', reason: `track file weight ${delta}`, weightDelta: delta };
  return { ok: true, weightDelta: delta };
}

/** Reads the file once. A missing file reads as 0 (keepalived treats an absent file as status 0). */
export async function probeFile(o: FileProbeOptions): Promise<ProbeResult> {
  let text: string;
  try {
    text = await readFile(o.path, 'latin1');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') text = '0';
    else return fail('file', `cannot read ${o.path}: ${errText(e)}`);
  }
  return judgeTrackValue(parseTrackValue(text.slice(0, 64)), o);
}
