// Prints how our -t compares with keepalived 2.4.3 on the corpus: exit-code agreement by class, extra unknown keywords, slow files.
// Run from any build directory: node BUILD/test/corpus/report.js [--all] [FILE...] (paths found from __dirname).
import * as path from 'node:path';
import { sharedDir } from '../helpers/paths';
import { extraUnknown, loadOracle } from './oracle';
import { corpusFiles, runCorpus } from './harness';

async function main(argv: readonly string[]): Promise<void> {
  const corpusDir = path.join(sharedDir, 'corpus', 'keepalived-configs');
  const oracle = loadOracle(path.join(sharedDir, 'oracle'));
  const showAll = argv.includes('--all');
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const files = corpusFiles(corpusDir).filter((f) => oracle.has(f) && (wanted.length === 0 || wanted.includes(f)));
  const results = await runCorpus(corpusDir, files, 5000);
  const classes = new Map<string, string[]>();
  const extra: string[] = [];
  let agree = 0;
  let comparable = 0;
  let agreeComparable = 0;
  for (const r of results) {
    const o = oracle.get(r.rel);
    if (!o) continue;
    if (r.timedOut || r.error) console.log(`BAD ${r.rel} ${r.timedOut ? 'timed out' : (r.error ?? '').slice(0, 300)}`);
    const key = `${o.raw}->${r.exit}`;
    const list = classes.get(key) ?? [];
    list.push(r.rel);
    classes.set(key, list);
    const same = o.exit === r.exit;
    if (same) agree++;
    if (o.exit !== null && o.exit !== 124 && o.exit !== 139) {
      comparable++;
      if (same) agreeComparable++;
    }
    const ours = extraUnknown(o, r.unknown, r.unknownAt);
    if (ours.length) extra.push(`${r.rel}: ${ours.slice(0, 6).join(', ')}`);
    if (wanted.length > 0) {
      console.log(`== ${r.rel} oracle ${o.raw} ours ${r.exit}`);
      for (const l of o.lines) console.log(`  ka: ${l}`);
      for (const d of r.diagnostics) console.log(`  ts: ${d}`);
    }
  }
  console.log(`agree ${agree}/${results.length}; excluding keepalived crash/hang ${agreeComparable}/${comparable}`);
  for (const [k, v] of [...classes].sort((a, b) => b[1].length - a[1].length)) {
    const [from, to] = k.split('->');
    console.log(`${k}\t${v.length}\t${from === to && !showAll ? '' : v.join(' ')}`);
  }
  console.log(`extra unknown keywords: ${extra.length}`);
  for (const e of extra) console.log(`  ${e}`);
  const slow = results.filter((r) => r.ms > 300).map((r) => `${r.rel}:${r.ms.toFixed(0)}ms`);
  console.log(`slow (>300 ms): ${slow.join(' ')}`);
}

void main(process.argv.slice(2));
