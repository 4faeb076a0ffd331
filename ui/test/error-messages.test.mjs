//! The texts of the API's error codes (src/api/messages.ts): every code of README.md's
//! "Error codes" table has a sentence in English, Spanish and Portuguese (Brazil), and the
//! table, `ErrorCode::as_str` (core/model/src/error.rs) and the app's list of codes agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(UI, '..');
const LANGS = ['en', 'es', 'pt-BR'];

/**
 * The backticked UPPER_SNAKE codes of README.md's "Error codes" section, outside the remarks
 * in parentheses (which may quote other things, such as `GET`).
 */
function readmeCodes() {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.search(/^## Error codes\s*$/m);
  assert.ok(start >= 0, 'README.md has a "## Error codes" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  let section = end >= 0 ? rest.slice(0, end) : rest;
  for (let before = ''; before !== section; ) {
    before = section;
    section = section.replace(/\([^()]*\)/g, '');
  }
  const codes = [...section.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)`/g)].map((m) => m[1]).filter((c) => c.length > 1);
  assert.ok(codes.length > 0, 'the section lists codes');
  return new Set(codes);
}

/** The wire forms in `ErrorCode::as_str` of core/model/src/error.rs. */
function rustCodes() {
  const src = readFileSync(join(REPO, 'core', 'model', 'src', 'error.rs'), 'utf8');
  const start = src.indexOf('pub fn as_str(self)');
  assert.ok(start >= 0, 'error.rs has ErrorCode::as_str');
  const body = src.slice(start, src.indexOf('\n    }\n', start));
  const codes = [...body.matchAll(/=>\s*"([A-Z0-9_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 0, 'as_str maps codes');
  return new Set(codes);
}

/** src/api/messages.ts, compiled on the fly (it has only type imports). */
async function messages() {
  const src = readFileSync(join(UI, 'src', 'api', 'messages.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'messages.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

const sorted = (s) => [...s].sort();
const minus = (a, b) => sorted([...a].filter((x) => !b.has(x)));

test("README's error table and ErrorCode::as_str list the same codes", () => {
  const readme = readmeCodes();
  const rust = rustCodes();
  assert.deepEqual(minus(readme, rust), [], 'codes in README.md that ErrorCode::as_str does not have');
  assert.deepEqual(minus(rust, readme), [], 'codes of ErrorCode::as_str missing from README.md');
});

test('every error code has a sentence in every language', async () => {
  const { errorMessages, API_ERROR_CODES } = await messages();
  const codes = new Set([...readmeCodes(), ...rustCodes()]);
  const missing = [];
  for (const code of sorted(codes)) {
    for (const lang of LANGS) {
      const text = errorMessages[lang]?.[code];
      if (typeof text !== 'string' || text.trim() === '') missing.push(`${code} (${lang})`);
      else assert.ok(!text.includes(code), `the ${lang} text of ${code} is a sentence, not the code`);
    }
  }
  assert.deepEqual(missing, [], 'codes without a text');
  for (const lang of LANGS) {
    for (const own of ['NETWORK', 'UNKNOWN']) assert.ok(errorMessages[lang][own]?.trim(), `${own} has a ${lang} text`);
  }
  assert.deepEqual(sorted(API_ERROR_CODES), sorted(rustCodes()), "API_ERROR_CODES is ErrorCode::as_str's list");
});

test('a code reads as a sentence, with the server message only where it names the problem', async () => {
  const { describeErrorCode, errorMessages, DETAILED_CODES, API_ERROR_CODES } = await messages();
  for (const code of DETAILED_CODES) assert.ok(API_ERROR_CODES.includes(code), `${code} is an API code`);

  assert.deepEqual(describeErrorCode('INVALID_CREDENTIALS', 'invalid email or password', 'es'), {
    text: errorMessages.es.INVALID_CREDENTIALS,
    detail: undefined,
  });
  for (const code of ['INVALID_FLOW', 'PLUGIN_INVALID', 'INVALID_FIELD']) {
    assert.deepEqual(describeErrorCode(code, 'the problem, named', 'pt-BR'), { text: errorMessages['pt-BR'][code], detail: 'the problem, named' });
  }
  assert.deepEqual(describeErrorCode('INTERNAL', 'internal error; it has been logged', 'en'), { text: errorMessages.en.INTERNAL, detail: undefined });
  assert.deepEqual(describeErrorCode('SOMETHING_NEW', 'what happened', 'en'), { text: errorMessages.en.UNKNOWN, detail: 'what happened' });
  assert.deepEqual(describeErrorCode('HTTP_502', '', 'es'), { text: errorMessages.es.UNKNOWN, detail: undefined });
  assert.deepEqual(describeErrorCode('NETWORK', 'Failed to fetch', 'en'), { text: errorMessages.en.NETWORK, detail: undefined });
  assert.equal(describeErrorCode('toString', undefined, 'en').text, errorMessages.en.UNKNOWN);
});
