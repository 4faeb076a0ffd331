// Fails when src/api/schema.d.ts is not what openapi-typescript makes of schemas/openapi.json.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(mkdtempSync(join(tmpdir(), 'tucan-api-')), 'schema.d.ts');
execFileSync('npx', ['openapi-typescript', '../schemas/openapi.json', '-o', out], { stdio: 'ignore' });
if (readFileSync(out, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
  console.error('src/api/schema.d.ts is stale: run `npm run gen:api` in ui/');
  process.exit(1);
}
console.log('API types up to date');
