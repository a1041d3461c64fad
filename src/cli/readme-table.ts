// `npm run readme:keywords`: writes README's keyword reference from the registry (check only without --write).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withTable } from '../config/keywords/readme-table';

/** README.md of the repository this build belongs to (dist/ or a private build dir under it). */
function findReadme(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'tskeepalived') return path.join(d, 'README.md');
    if (path.dirname(d) === d) throw new Error(`no tskeepalived package.json above ${__dirname}`);
  }
}

const readme = findReadme();
const text = fs.readFileSync(readme, 'utf8');
const next = withTable(text);
if (process.argv.includes('--write')) {
  fs.writeFileSync(readme, next);
  console.log('README keyword table written');
} else if (next !== text) {
  console.error('README keyword table is out of date: run npm run readme:keywords');
  process.exitCode = 1;
}
