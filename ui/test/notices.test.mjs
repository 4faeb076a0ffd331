//! The admins' notices as the shell keeps them (src/shell/noticeList.ts): one copy of each,
//! newest first, a dismissed one gone; and the days of failures read from the platform's detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/shell/noticeList.ts, compiled on the fly (it imports nothing). */
async function notices() {
  const src = readFileSync(join(UI, 'src', 'shell', 'noticeList.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'noticeList.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

const n = (id, created_at, subject = id) => ({ id, created_at, subject });

test('notices are kept once each, newest first', async () => {
  const { withNotice, withoutNotice } = await notices();
  let list = [];
  list = withNotice(list, n('a', '2025-05-01T10:00:00Z'));
  list = withNotice(list, n('c', '2025-05-03T10:00:00Z'));
  list = withNotice(list, n('b', '2025-05-02T10:00:00Z'));
  assert.deepEqual(
    list.map((x) => x.id),
    ['c', 'b', 'a'],
  );
  // The socket delivering one again replaces it, in its place.
  list = withNotice(list, n('b', '2025-05-02T10:00:00Z', 'again'));
  assert.deepEqual(
    list.map((x) => `${x.id}:${x.subject}`),
    ['c:c', 'b:again', 'a:a'],
  );
  // The same instant: the newer id first.
  assert.deepEqual(
    withNotice([n('x1', '2025-05-04T00:00:00Z')], n('x2', '2025-05-04T00:00:00Z')).map((x) => x.id),
    ['x2', 'x1'],
  );
  assert.deepEqual(
    withoutNotice(list, 'b').map((x) => x.id),
    ['c', 'a'],
  );
  assert.deepEqual(withoutNotice(list, 'nope').length, 3);
});

test("the days of failures come from the platform's detail, when it says them", async () => {
  const { failedDays } = await notices();
  assert.equal(failedDays('its deliveries failed for 5 days'), 5);
  assert.equal(failedDays('its deliveries failed for 1 day'), 1);
  assert.equal(failedDays('the receiver answered 410 Gone: it wants no more events'), undefined);
  assert.equal(failedDays(''), undefined);
});
