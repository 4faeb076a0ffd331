//! Campaigns as the app works them out (src/campaigns/plan.ts): the actions each status
//! allows, the recipients' funnel and status bar, and the body the campaign form sends, with
//! its start time typed in the browser's time zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/campaigns/plan.ts, compiled on the fly (it imports only types). */
async function plan() {
  const src = readFileSync(join(UI, 'src', 'campaigns', 'plan.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'plan.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

const counts = (over = {}) => ({ total: 0, pending: 0, queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, failed: 0, opted_out: 0, ...over });

test('each status allows its actions', async () => {
  const { actionsFor, isActive } = await plan();
  assert.deepEqual(actionsFor('draft'), ['start', 'edit', 'delete']);
  for (const s of ['scheduled', 'running', 'waiting']) {
    assert.deepEqual(actionsFor(s), ['pause', 'cancel']);
    assert.equal(isActive(s), true);
  }
  assert.deepEqual(actionsFor('paused'), ['resume', 'cancel']);
  assert.deepEqual(actionsFor('completed'), ['delete']);
  assert.deepEqual(actionsFor('cancelled'), ['delete']);
  assert.equal(isActive('paused'), false);
  assert.equal(isActive('draft'), false);
});

test('the funnel counts those that went further, and the bar shows each status once', async () => {
  const { funnel, percent, segments } = await plan();
  const c = counts({ total: 10, pending: 2, queued: 1, sent: 1, delivered: 2, read: 1, replied: 1, failed: 1, opted_out: 1 });
  assert.deepEqual(funnel(c), { total: 10, sent: 5, delivered: 4, read: 2, replied: 1, failed: 1, optedOut: 1, waiting: 3, done: 7 });
  assert.equal(percent(7, 10), 70);
  assert.equal(percent(999, 1000), 99, 'never 100 before all are done');
  assert.equal(percent(0, 0), 0);
  const parts = segments(c);
  assert.deepEqual(
    parts.map((p) => p.status),
    ['replied', 'read', 'delivered', 'sent', 'queued', 'failed', 'opted_out', 'pending'],
  );
  assert.equal(parts.reduce((s, p) => s + p.share, 0), 100);
  assert.deepEqual(segments(counts({ total: 3, delivered: 3 })), [{ status: 'delivered', value: 3, share: 100 }]);
});

test('the form sends its texts without blanks, a start time as an instant, a window only with hours', async () => {
  const { bodyOf, emptyDraft, problemsOf, instantOf, localInput, draftOf } = await plan();
  const d = { ...emptyDraft(), name: ' Promo ', listId: 'l1', connectionIds: ['n1', 'n2'], variants: ['Oi {{contact.name}}', '  '], perMinute: '6000' };
  assert.deepEqual(problemsOf(d), {});
  assert.deepEqual(bodyOf(d), {
    name: 'Promo',
    list_id: 'l1',
    connection_ids: ['n1', 'n2'],
    content: { kind: 'message', variants: ['Oi {{contact.name}}'], media_id: undefined },
    per_minute: 6000,
  });
  // A patch with no window takes away one the campaign had.
  assert.deepEqual(bodyOf(d, true).window, { week: {}, holidays: [] });
  const week = { timezone: 'America/Sao_Paulo', week: { mon: ['09:00-18:00'] }, holidays: [] };
  assert.deepEqual(bodyOf({ ...d, window: week }).window, week);
  assert.equal(bodyOf({ ...d, window: { week: {}, holidays: [] } }).window, undefined);

  const at = new Date(2031, 4, 6, 9, 30);
  assert.equal(localInput(at.toISOString()), '2031-05-06T09:30');
  assert.equal(instantOf('2031-05-06T09:30'), at.toISOString());
  assert.equal(bodyOf({ ...d, startAt: '2031-05-06T09:30' }).start_at, at.toISOString());
  assert.equal(instantOf('tomorrow'), null);

  const flow = { ...d, kind: 'flow', flowId: 'f1' };
  assert.deepEqual(bodyOf(flow).content, { kind: 'flow', variants: [], flow_id: 'f1' });

  const saved = {
    name: 'Promo',
    list_id: 'l1',
    connection_ids: ['n1'],
    content: { kind: 'message', variants: [], media_id: 'm1', flow_id: null },
    per_minute: 30,
    start_at: null,
    window: null,
  };
  const back = draftOf(saved);
  assert.deepEqual(back.variants, [''], 'a file alone still shows one text box');
  assert.equal(back.mediaId, 'm1');
  assert.deepEqual(bodyOf(back).content, { kind: 'message', variants: [], media_id: 'm1' });
});

test('what keeps a draft from being saved', async () => {
  const { emptyDraft, problemsOf } = await plan();
  const now = new Date(2030, 0, 1, 12, 0).getTime();
  assert.deepEqual(problemsOf(emptyDraft(), now), { name: 'required', list: 'listRequired', numbers: 'numbersRequired', content: 'textOrFile' });
  const ok = { ...emptyDraft(), name: 'x', listId: 'l', connectionIds: ['n'], variants: ['oi'] };
  assert.deepEqual(problemsOf({ ...ok, variants: ['a'.repeat(4097)] }, now), { content: 'variantTooLong' });
  assert.deepEqual(problemsOf({ ...ok, mediaId: 'm', variants: [''] }, now), {});
  assert.deepEqual(problemsOf({ ...ok, kind: 'flow' }, now), { content: 'flowRequired' });
  assert.deepEqual(problemsOf({ ...ok, perMinute: '0' }, now), { perMinute: 'perMinuteRange' });
  assert.deepEqual(problemsOf({ ...ok, perMinute: '6001' }, now), { perMinute: 'perMinuteRange' });
  assert.deepEqual(problemsOf({ ...ok, perMinute: '1.5' }, now), { perMinute: 'perMinuteRange' });
  assert.deepEqual(problemsOf({ ...ok, startAt: '2029-12-31T10:00' }, now), { startAt: 'startPast' });
  assert.deepEqual(problemsOf({ ...ok, startAt: '2030-01-02T10:00' }, now), {});
  assert.deepEqual(problemsOf({ ...ok, connectionIds: Array.from({ length: 11 }, (_, i) => `n${i}`) }, now), { numbers: 'numbersMax' });
});

test('the template for closed windows goes only when picked, its variables trimmed and all filled', async () => {
  const { bodyOf, draftOf, emptyDraft, problemsOf } = await plan();
  const now = new Date(2030, 0, 1, 12, 0).getTime();
  const ok = { ...emptyDraft(), name: 'x', listId: 'l', connectionIds: ['n'], variants: ['oi'] };
  assert.equal('template' in bodyOf(ok).content, false, 'no template picked: none sent');
  const tpl = { name: 'promo', language: 'pt_BR', variables: [' {{contact.name}} ', 'maio'] };
  assert.deepEqual(bodyOf({ ...ok, template: tpl }).content.template, { name: 'promo', language: 'pt_BR', variables: ['{{contact.name}}', 'maio'] });
  assert.deepEqual(bodyOf({ ...ok, kind: 'flow', flowId: 'f1', template: tpl }).content, {
    kind: 'flow',
    variants: [],
    flow_id: 'f1',
    template: { name: 'promo', language: 'pt_BR', variables: ['{{contact.name}}', 'maio'] },
  });
  assert.deepEqual(problemsOf({ ...ok, template: tpl }, now), {});
  assert.deepEqual(problemsOf({ ...ok, template: { ...tpl, variables: ['x', ' '] } }, now), { template: 'templateFill' });
  const saved = { name: 'P', list_id: 'l', connection_ids: ['n'], content: { kind: 'message', variants: ['oi'], template: tpl }, per_minute: 60, start_at: null, window: null };
  const back = draftOf(saved);
  assert.deepEqual(back.template, tpl);
  assert.notEqual(back.template.variables, tpl.variables, 'a copy the form may change');
  assert.equal(draftOf({ ...saved, content: { kind: 'message', variants: ['oi'] } }).template, null);
});

test("the month's usage as a share of the plan's limit", async () => {
  const { usageShare } = await plan();
  assert.equal(usageShare({ used: 0, limit: 10000 }), 0);
  assert.equal(usageShare({ used: 2500, limit: 10000 }), 25);
  assert.equal(usageShare({ used: 12000, limit: 10000 }), 100, 'never past the end');
  assert.equal(usageShare({ used: 0, limit: 0 }), 100, 'a plan with none is used up');
});
