//! Runs every end-to-end test (ui/e2e/*.test.mjs) one file at a time with `node --test`;
//! the exit code is non-zero when any fails. Arguments filter the files by name:
//! `node e2e/run.mjs inbox` runs only inbox.test.mjs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(here, f));

if (files.length === 0) {
  console.error('no end-to-end test matches', filters.join(' '));
  process.exit(1);
}

const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
