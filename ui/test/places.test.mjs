//! The places of the company form (src/admin/places.ts): its countries are the ones the server
//! accepts (`COUNTRIES` of core/model/src/tenancy.rs, in the same order), each with a name in
//! the user's language; a typed time zone is read as the list spells it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(UI, '..');

/** The codes of `COUNTRIES` in core/model/src/tenancy.rs. */
function rustCountries() {
  const src = readFileSync(join(REPO, 'core', 'model', 'src', 'tenancy.rs'), 'utf8');
  const start = src.indexOf('pub const COUNTRIES');
  assert.ok(start >= 0, 'tenancy.rs has COUNTRIES');
  const body = src.slice(src.indexOf('= [', start), src.indexOf('];', start));
  return [...body.matchAll(/"([A-Z]{2})"/g)].map((m) => m[1]);
}

/** src/admin/places.ts, compiled on the fly (it imports nothing). */
async function places() {
  const src = readFileSync(join(UI, 'src', 'admin', 'places.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'places.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

test("the form's countries are the server's", async () => {
  const { COUNTRIES, isCountry } = await places();
  const rust = rustCountries();
  assert.equal(rust.length, 249);
  assert.deepEqual([...COUNTRIES], rust);
  assert.ok(isCountry('BR') && isCountry('AR') && !isCountry('XX') && !isCountry('br'));
});

test('countries are named in the language asked for, sorted by name; time zones include UTC', async () => {
  const { countries, timeZones, COUNTRIES } = await places();
  for (const lang of ['en', 'es', 'pt-BR']) {
    const list = countries(lang);
    assert.equal(list.length, COUNTRIES.length);
    assert.deepEqual(list.map((c) => c.code).sort(), [...COUNTRIES]);
    const collator = new Intl.Collator(lang);
    for (let i = 1; i < list.length; i++) assert.ok(collator.compare(list[i - 1].name, list[i].name) <= 0, `${lang}: sorted at ${list[i].name}`);
  }
  assert.equal(countries('en').find((c) => c.code === 'BR').name, 'Brazil');
  assert.equal(countries('pt-BR').find((c) => c.code === 'DE').name, 'Alemanha');
  assert.equal(countries('es').find((c) => c.code === 'US').name, 'Estados Unidos');
  const zones = timeZones();
  if (zones.length) {
    assert.ok(zones.includes('UTC'));
    assert.ok(zones.includes('America/Sao_Paulo'));
  }
});

test('a typed time zone is taken as the list spells it, or as typed when the browser knows it', async () => {
  const { timeZoneOf } = await places();
  const zones = ['America/Buenos_Aires', 'America/Sao_Paulo', 'Asia/Calcutta', 'UTC'];
  assert.equal(timeZoneOf('America/Sao_Paulo', zones), 'America/Sao_Paulo');
  assert.equal(timeZoneOf(' america/sao_paulo ', zones), 'America/Sao_Paulo');
  assert.equal(timeZoneOf('utc', zones), 'UTC');
  assert.equal(timeZoneOf('America/Argentina/Buenos_Aires', zones), 'America/Argentina/Buenos_Aires');
  assert.equal(timeZoneOf('Asia/Kolkata', zones), 'Asia/Kolkata');
  for (const no of ['', '  ', 'Mars/Olympus', '+03:00', 'Brazil Time']) assert.equal(timeZoneOf(no, zones), undefined, no);
});
