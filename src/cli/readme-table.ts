// `npm run readme:keywords`: writes README's keyword reference from the registry (check only without --write).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withTable } from '../config/keywords/readme-table';

const readme = path.join(__dirname, '..', '..', '..', 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const next = withTable(text);
if (process.argv.includes('--write')) {
  fs.writeFileSync(readme, next);
  console.log('README keyword table written');
} else if (next !== text) {
  console.error('README keyword table is out of date: run npm run readme:keywords');
  process.exitCode = 1;
}
