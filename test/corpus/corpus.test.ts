// Every config of keepalived's test collection through our -t: no crash, no hang (2 s each), and
// no "Unknown keyword" that keepalived 2.4.3 does not also report for that file (up to the line where
// keepalived stopped, for the files on which it hung, crashed or aborted).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '../helpers/paths';
import { extraUnknown, loadOracle } from './oracle';
import { corpusFiles, runCorpus } from './harness';

const corpusDir = path.join(sharedDir, 'corpus', 'keepalived-configs');
const oracleDir = path.join(sharedDir, 'oracle');
const present = fs.existsSync(corpusDir) && fs.existsSync(path.join(oracleDir, 'corpus-ka243.tsv'));

test('corpus: no crash, no hang, no unknown keyword keepalived does not report', { skip: present ? false : `../shared/corpus or ../shared/oracle absent (${sharedDir})` }, async (t) => {
  const oracle = loadOracle(oracleDir);
  const files = corpusFiles(corpusDir).filter((f) => oracle.has(f));
  assert.ok(files.length > 100, `expected hundreds of corpus files, found ${files.length}`);
  const results = await runCorpus(corpusDir, files, 2000);
  const crashes = results.filter((r) => r.error).map((r) => `${r.rel}: ${r.error!.split('\n').slice(0, 3).join(' | ')}`);
  const hangs = results.filter((r) => r.timedOut).map((r) => r.rel);
  const extras: string[] = [];
  let agree = 0;
  for (const r of results) {
    const o = oracle.get(r.rel)!;
    if (o.exit === r.exit) agree++;
    const ours = extraUnknown(o, r.unknown, r.unknownAt);
    if (ours.length) extras.push(`${r.rel}: ${ours.join(', ')}`);
  }
  t.diagnostic(`${results.length} files; exit code agrees with keepalived 2.4.3 on ${agree}`);
  assert.deepEqual(crashes, [], 'crashes');
  assert.deepEqual(hangs, [], 'hangs (over 2 s)');
  assert.deepEqual(extras, [], 'unknown keywords keepalived does not report');
});
