//! The inbox list's opening-date filter (src/inbox/openedRange.ts): the dates typed become
//! the instants of local midnights, the "to" day included whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The midnights are the browser's: São Paulo's here (UTC−3 all year), whatever this machine's.
process.env.TZ = 'America/Sao_Paulo';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/inbox/openedRange.ts, compiled on the fly (it imports nothing). */
async function range() {
  const src = readFileSync(join(UI, 'src', 'inbox', 'openedRange.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'openedRange.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

test('from and to become local midnights, the day after "to" for until', async () => {
  const { openedRange } = await range();
  assert.deepEqual(openedRange('2025-03-10', '2025-03-12'), { since: '2025-03-10T03:00:00.000Z', until: '2025-03-13T03:00:00.000Z' });
  // The same day on both sides is that whole day; the month and year roll over.
  assert.deepEqual(openedRange('2025-12-31', '2025-12-31'), { since: '2025-12-31T03:00:00.000Z', until: '2026-01-01T03:00:00.000Z' });
  assert.deepEqual(openedRange('', '2024-02-28'), { since: undefined, until: '2024-02-29T03:00:00.000Z' });
  assert.deepEqual(openedRange('2024-02-29', ''), { since: '2024-02-29T03:00:00.000Z', until: undefined });
  assert.deepEqual(openedRange('', ''), { since: undefined, until: undefined });
  assert.deepEqual(openedRange('10/03/2025', 'soon'), { since: undefined, until: undefined });
});

test('a ticket is in the range from since on, and before until', async () => {
  const { openedRange, inRange } = await range();
  const r = openedRange('2025-03-10', '2025-03-10');
  assert.equal(inRange('2025-03-10T03:00:00Z', r), true);
  assert.equal(inRange('2025-03-11T02:59:59Z', r), true);
  assert.equal(inRange('2025-03-11T03:00:00Z', r), false);
  assert.equal(inRange('2025-03-10T02:59:59Z', r), false);
  assert.equal(inRange('2020-01-01T00:00:00Z', openedRange('', '')), true);
});

test('a "to" day before the "from" day is reversed', async () => {
  const { reversed } = await range();
  assert.equal(reversed('2025-03-10', '2025-03-09'), true);
  assert.equal(reversed('2025-03-10', '2025-03-10'), false);
  assert.equal(reversed('2025-03-10', ''), false);
  assert.equal(reversed('', '2025-03-09'), false);
});
