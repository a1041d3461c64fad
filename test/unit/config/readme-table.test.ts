// README's keyword reference is generated from the registry and must match it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { withTable } from '../../../src/config/keywords/readme-table';
import { rootSpec } from '../../../src/config/keywords';
import { registryEntries } from '../../../src/config/keywords/registry';

test('README keyword table matches the registry (npm run readme:keywords regenerates it)', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  assert.equal(withTable(readme), readme);
});

test('every registered keyword has documentation', () => {
  const undocumented = registryEntries(rootSpec).filter((e) => !e.keyword.doc.trim()).map((e) => `${e.block}.${e.keyword.name}`);
  assert.deepEqual(undocumented, []);
});
