//! What the schedule dialog sends (src/schedules/plan.ts): a new scheduled message's body,
//! and for an edit a PATCH holding only what changed, with times typed in the browser's zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/schedules/plan.ts, compiled on the fly (it imports only types). */
async function plan() {
  const src = readFileSync(join(UI, 'src', 'schedules', 'plan.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'plan.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

const sendAt = new Date(2031, 4, 6, 9, 30, 0);

/** A scheduled message as the API answers it. */
function scheduled(over = {}) {
  return {
    id: 's1',
    contact_id: 'c1',
    contact_name: 'Rita',
    connection_id: 'n1',
    body: 'Olá {{contact.name}}',
    send_at: sendAt.toISOString(),
    repeat: 'none',
    status: 'scheduled',
    sent_count: 0,
    user_id: 'u1',
    created_at: '2031-01-01T00:00:00Z',
    ...over,
  };
}

test('date-time input values are read and written in the local time zone', async () => {
  const { toLocalInput, parseLocal, endOfDay, toDateInput, nextHour } = await plan();
  assert.equal(toLocalInput(sendAt), '2031-05-06T09:30');
  assert.equal(toLocalInput(new Date(2031, 4, 6, 9, 30, 7)), '2031-05-06T09:30:07');
  assert.equal(parseLocal('2031-05-06T09:30').getTime(), sendAt.getTime());
  assert.equal(parseLocal('2031-05-06T09:30:07').getTime(), sendAt.getTime() + 7000);
  assert.equal(parseLocal(''), null);
  assert.equal(parseLocal('tomorrow'), null);
  assert.equal(endOfDay('2031-05-31').getTime(), new Date(2031, 4, 31, 23, 59, 59).getTime());
  assert.equal(endOfDay(''), null);
  assert.equal(toDateInput(sendAt), '2031-05-06');
  assert.equal(nextHour(new Date(2031, 4, 6, 9, 30, 12)), '2031-05-06T10:00');
});

test('a new message sends a body and file, or a template alone; an end only when it repeats', async () => {
  const { newSchedule } = await plan();
  const draft = { connectionId: 'n1', body: '  Oi!  ', mediaId: 'm1', template: null, sendAt: '2031-05-06T09:30', repeat: 'weekly', repeatUntil: '2031-06-30' };
  assert.deepEqual(newSchedule('c1', draft), {
    contact_id: 'c1',
    connection_id: 'n1',
    body: 'Oi!',
    media_id: 'm1',
    send_at: sendAt.toISOString(),
    repeat: 'weekly',
    repeat_until: new Date(2031, 5, 30, 23, 59, 59).toISOString(),
  });
  const tpl = { name: 'pedido', language: 'pt_BR', variables: ['Rita'] };
  const withTemplate = newSchedule('c1', { ...draft, template: tpl, repeat: 'none' });
  assert.deepEqual(withTemplate.template, tpl);
  assert.equal(withTemplate.body, '');
  assert.equal('media_id' in withTemplate, false);
  assert.equal('repeat_until' in withTemplate, false);
});

test('an edit sends only what changed', async () => {
  const { draftOf, schedulePatch } = await plan();
  const s = scheduled({ media_id: 'm1' });
  const same = draftOf(s);
  assert.deepEqual(schedulePatch(s, same), {});
  assert.deepEqual(schedulePatch(s, { ...same, body: 'Novo texto ' }), { body: 'Novo texto' });
  assert.deepEqual(schedulePatch(s, { ...same, mediaId: null }), { media_id: '' });
  assert.deepEqual(schedulePatch(s, { ...same, connectionId: 'n2' }), { connection_id: 'n2' });
  assert.deepEqual(schedulePatch(s, { ...same, sendAt: '2031-05-06T09:30:05' }), { send_at: new Date(2031, 4, 6, 9, 30, 5).toISOString() });
  assert.deepEqual(schedulePatch(s, { ...same, repeat: 'daily', repeatUntil: '2031-05-10' }), {
    repeat: 'daily',
    repeat_until: new Date(2031, 4, 10, 23, 59, 59).toISOString(),
  });
});

test('an edit switches between a template and a text, and drops an end that no longer applies', async () => {
  const { draftOf, schedulePatch } = await plan();
  const s = scheduled({ media_id: 'm1' });
  const tpl = { name: 'pedido', language: 'pt_BR', variables: ['Rita'] };
  assert.deepEqual(schedulePatch(s, { ...draftOf(s), template: tpl, body: '', mediaId: null }), { template: tpl, body: '', media_id: '' });

  const t = scheduled({ body: '', template: tpl });
  assert.deepEqual(schedulePatch(t, draftOf(t)), {});
  assert.deepEqual(schedulePatch(t, { ...draftOf(t), template: { ...tpl, variables: ['Ana'] } }), { template: { ...tpl, variables: ['Ana'] } });
  assert.deepEqual(schedulePatch(t, { ...draftOf(t), template: null, body: 'Oi' }), { clear_template: true, body: 'Oi' });

  const until = new Date(2031, 5, 30, 23, 59, 59).toISOString();
  const r = scheduled({ repeat: 'monthly', repeat_until: until });
  assert.equal(draftOf(r).repeatUntil, '2031-06-30');
  assert.deepEqual(schedulePatch(r, draftOf(r)), {});
  assert.deepEqual(schedulePatch(r, { ...draftOf(r), repeat: 'none' }), { repeat: 'none', clear_repeat_until: true });
  assert.deepEqual(schedulePatch(r, { ...draftOf(r), repeatUntil: '' }), { clear_repeat_until: true });
});
