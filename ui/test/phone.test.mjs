//! Phone numbers as the inbox and the contacts page show them (src/shell/phone.ts): Brazil's
//! and the NANP's own ways, blocks of digits elsewhere, and group ids left as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/shell/phone.ts, compiled on the fly (it imports nothing). */
async function phone() {
  const src = readFileSync(join(UI, 'src', 'shell', 'phone.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'phone.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

test('Brazilian numbers: area code, then the mobile or landline number with its dash', async () => {
  const { formatPhone } = await phone();
  assert.equal(formatPhone('+5511987654321'), '+55 11 98765-4321');
  assert.equal(formatPhone('+551130000001'), '+55 11 3000-0001');
  assert.equal(formatPhone('+5521998760002'), '+55 21 99876-0002');
  // A Brazilian number of another length is still grouped, without pretending to know it.
  assert.equal(formatPhone('+55400412'), '+55 400 412');
});

test('NANP numbers: area code, exchange and line', async () => {
  const { formatPhone } = await phone();
  assert.equal(formatPhone('+14155552671'), '+1 415 555 2671');
  assert.equal(formatPhone('+12125550100'), '+1 212 555 0100');
});

test('other countries: their calling code, then their own grouping or blocks of 3 to 4 digits', async () => {
  const { formatPhone, callingCode } = await phone();
  assert.equal(callingCode('5491123456789'), '54');
  assert.equal(callingCode('351912345678'), '351');
  assert.equal(callingCode('79123456789'), '7');
  assert.equal(callingCode('420601123456'), '420');
  assert.equal(callingCode('4915123456789'), '49');

  assert.equal(formatPhone('+5491123456789'), '+54 9 11 2345-6789');
  assert.equal(formatPhone('+525512345678'), '+52 55 1234 5678');
  assert.equal(formatPhone('+522221234567'), '+52 222 123 4567');
  assert.equal(formatPhone('+56912345678'), '+56 9 1234 5678');
  assert.equal(formatPhone('+34612345678'), '+34 612 345 678');
  assert.equal(formatPhone('+351912345678'), '+351 912 345 678');
  assert.equal(formatPhone('+51912345678'), '+51 912 345 678');
  assert.equal(formatPhone('+442079460958'), '+44 20 7946 0958');
  assert.equal(formatPhone('+447911123456'), '+44 7911 123456');
  assert.equal(formatPhone('+79123456789'), '+7 912 345-67-89');
  assert.equal(formatPhone('+573214567890'), '+57 321 456 7890');
  // Blocks: never a lone digit, the longer blocks last.
  assert.equal(formatPhone('+4915123456789'), '+49 151 2345 6789');
  assert.equal(formatPhone('+420601123456'), '+420 601 123 456');
  assert.equal(formatPhone('+2348031234567'), '+234 803 123 4567');
  assert.equal(formatPhone('+8613812345678'), '+86 138 1234 5678');
});

test('what is not an E.164 number is shown as it is', async () => {
  const { formatPhone } = await phone();
  assert.equal(formatPhone('120363025246125486@g.us'), '120363025246125486@g.us');
  assert.equal(formatPhone('+55 11 98765-4321'), '+55 11 98765-4321');
  assert.equal(formatPhone('5511987654321'), '5511987654321');
  assert.equal(formatPhone('+12345'), '+12345');
  assert.equal(formatPhone('+0123456789'), '+0123456789');
  assert.equal(formatPhone('Maria'), 'Maria');
  assert.equal(formatPhone(''), '');
  assert.equal(formatPhone(undefined), '');
  assert.equal(formatPhone(null), '');
  // Spaces around a number are no reason to leave it unread.
  assert.equal(formatPhone(' +14155552671 '), '+1 415 555 2671');
});
