//! Queue bots, voice-note transcription and the admins' notices, end to end against a
//! receiver in this process (a queue's bot endpoint, the AI provider's transcriptions and a
//! webhook receiver that answers 410). A company admin gives a queue an endpoint bot in the
//! queue form (the address is checked), sees it kept after a reload, takes it away with
//! "None" and picks a flow instead. The AI card saves a transcription model, keeps it when the
//! key is removed, and a customer's voice note then shows its transcript under the audio as
//! it arrives. The bell counts the notices (none at first, its panel says so); a webhook the
//! platform turns off brings one live, in words the app chooses, with a link to the webhooks
//! page, until it is dismissed; agents have no bell and no Bot tab. A ticket a queue's bot
//! holds is in the Bot tab, with a banner and a "Take over" button that makes it the admin's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';

/** The start of an Ogg file: enough for the platform to keep it as a voice note. */
const VOICE_NOTE = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60, 1)]).toString('base64');
const TRANSCRIPT = 'Quero dois pães de queijo para amanhã';
const BOT_SAYS = 'Olá! Sou o assistente da loja.';

let receiver;
let platform;
let browser;
let tenant;
let admin;
/** An agent of the company: `{ email, password, id, api }`. */
let agent;

/**
 * A server on 127.0.0.1 that keeps every request and answers each path as `routes` says
 * (`{ status, json, delay }`; 200 "ok" otherwise).
 */
function startReceiver() {
  const requests = [];
  const routes = new Map();
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, path: req.url, body: Buffer.concat(chunks).toString('latin1') });
      const r = routes.get(req.url) ?? { status: 200 };
      setTimeout(() => {
        res.writeHead(r.status ?? 200, { 'content-type': r.json ? 'application/json' : 'text/plain' });
        res.end(r.json ? JSON.stringify(r.json) : 'ok');
      }, r.delay ?? 0);
    });
  });
  return new Promise((ok) =>
    srv.listen(0, '127.0.0.1', () =>
      ok({
        requests,
        routes,
        url: (path) => `http://127.0.0.1:${srv.address().port}${path}`,
        close: () =>
          new Promise((done) => {
            srv.closeAllConnections?.();
            srv.close(() => done());
          }),
      }),
    ),
  );
}

before(async () => {
  receiver = await startReceiver();
  // The receiver is on loopback, which the outbound guard refuses unless told otherwise.
  platform = await startPlatform({ env: { TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL: 'true' } });
  const rootToken = (await platformSignIn(platform)).access_token;
  tenant = await setupTenant(platform.baseUrl, rootToken, { name: 'Loja Integrações' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  const email = `bia.${Date.now().toString(36)}@example.com`;
  const password = 'Bia-agent-pass-2025';
  const made = await admin.post('/api/users', { name: 'Bia Agente', email, password, role: 'agent', language: 'en' });
  agent = { email, password, id: made.id, api: apiAs(platform.baseUrl, (await signIn(platform.baseUrl, email, password)).access_token) };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  await receiver?.close();
});

/**
 * A page signed in as `who` (the admin by default) on `path`, in English (the init script keeps
 * it so from the next load on, whatever the account's language); page errors are collected.
 */
async function pageAt(path, who = { email: tenant.adminEmail, password: tenant.adminPassword }) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await uiSignIn(page, platform.baseUrl, who.email, who.password);
  await page.goto(`${platform.baseUrl}${path}`);
  return page;
}

async function noApiError(page) {
  const errors = page.locator('[data-testid="api-error"]');
  if (await errors.count()) assert.fail(`the page shows an API error: ${await errors.first().innerText()}`);
}

async function queueNamed(name) {
  return (await admin.get('/api/queues')).find((q) => q.name === name);
}

test("a queue's bot is set to an endpoint in the form, kept after a reload, taken away with None, then a flow", async () => {
  const url = receiver.url('/bot-form');
  await admin.post('/api/queues', { name: 'Vendas', color: '#2e9e6b', user_ids: [tenant.adminId] });
  const flow = await admin.post('/api/flows', { name: 'Triagem', description: '' });
  const page = await pageAt('/admin/queues');
  const card = page.locator('[data-testid="queue-item"]', { hasText: 'Vendas' });
  await card.waitFor({ timeout: 15_000 });
  assert.equal(await card.locator('[data-testid="queue-bot-badge"]').count(), 0, 'no bot yet');
  const dialog = page.locator('[data-testid="queue-dialog"]');
  const openForm = async () => {
    await card.locator('button[aria-label="Edit Vendas"]').click();
    await dialog.locator('[data-testid="queue-bot"]').waitFor();
  };

  await openForm();
  assert.equal(await page.locator('[data-testid="queue-bot-none"]').isChecked(), true);
  await page.click('[data-testid="queue-bot-endpoint"]');
  const section = dialog.locator('[data-testid="queue-bot"]');
  assert.match(await section.innerText(), /Called with each customer message/);
  // An address is needed, and an http(s) one.
  await page.click('[data-testid="dialog-submit"]');
  await section.locator('.error-text', { hasText: "Enter the endpoint's address." }).waitFor();
  await page.fill('[data-testid="queue-bot-url"]', 'ftp://bots.example');
  await page.click('[data-testid="dialog-submit"]');
  await section.locator('.error-text', { hasText: 'Enter an address that starts with https:// or http://.' }).waitFor();
  assert.equal((await queueNamed('Vendas')).bot ?? null, null, 'nothing was saved');
  await page.fill('[data-testid="queue-bot-url"]', url);
  await screenshot(page, 'queue-bot-endpoint');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const saved = (await queueNamed('Vendas')).bot;
  assert.equal(saved.kind, 'endpoint');
  assert.equal(saved.url, url);
  await card.locator('[data-testid="queue-bot-badge"][data-kind="endpoint"]').waitFor();

  await page.reload();
  await card.waitFor({ timeout: 15_000 });
  await card.locator('[data-testid="queue-bot-badge"][data-kind="endpoint"]').waitFor();
  await openForm();
  assert.equal(await page.locator('[data-testid="queue-bot-endpoint"]').isChecked(), true, 'the endpoint is kept');
  assert.equal(await page.locator('[data-testid="queue-bot-url"]').inputValue(), url);

  // None takes the bot away.
  await page.click('[data-testid="queue-bot-none"]');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => ((await queueNamed('Vendas')).bot ?? null) === null, { what: 'the bot to be taken away' });
  await card.locator('[data-testid="queue-bot-badge"]').waitFor({ state: 'detached' });

  // A flow: the company's flows are offered, an unpublished one said so.
  await openForm();
  await page.click('[data-testid="queue-bot-flow"]');
  await page.click('[data-testid="dialog-submit"]');
  await section.locator('.error-text', { hasText: 'Choose the flow.' }).waitFor();
  const select = page.locator('select[data-testid="queue-bot-flow"]');
  assert.match(await select.innerText(), /Triagem \(not published\)/);
  await select.selectOption(flow.id);
  assert.match(await section.innerText(), /not published yet/);
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const byFlow = (await queueNamed('Vendas')).bot;
  assert.equal(byFlow.kind, 'flow');
  assert.equal(byFlow.flow_id, flow.id);
  await card.locator('[data-testid="queue-bot-badge"][data-kind="flow"]').waitFor();
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});

test("the transcription model is saved and shown after a reload, and a voice note's transcript arrives under it", async () => {
  receiver.routes.set('/v1/audio/transcriptions', { json: { text: TRANSCRIPT }, delay: 700 });
  const page = await pageAt('/admin/settings');
  await page.locator('[data-testid="ai-key-state"]').waitFor({ timeout: 15_000 });
  const field = page.locator('[data-testid="ai-transcription-model"]');
  assert.equal(await field.inputValue(), '');
  assert.match(await page.locator('[data-testid="ai-settings"]').innerText(), /voice notes are transcribed with this model/);
  await page.fill('[data-testid="ai-base-url"]', receiver.url('/v1'));
  await page.fill('[data-testid="ai-model"]', 'gpt-4o-mini');
  await page.fill('[data-testid="ai-key"]', 'sk-e2e-transcribe-0123456789');
  await field.fill('whisper-1');
  await page.click('[data-testid="ai-save"]');
  await eventually(async () => (await admin.get('/api/integrations/ai')).transcription_model === 'whisper-1', { what: 'the transcription model saved' });

  await page.reload();
  await page.locator('[data-testid="ai-key-state"]').waitFor({ timeout: 15_000 });
  assert.equal(await field.inputValue(), 'whisper-1', 'the model is shown after a reload');
  // Removing the key keeps the model.
  await page.click('[data-testid="ai-remove-key"]');
  await page.click('[data-testid="confirm-yes"]');
  await eventually(async () => (await admin.get('/api/integrations/ai')).api_key_set === false, { what: 'the key removed' });
  assert.equal((await admin.get('/api/integrations/ai')).transcription_model, 'whisper-1', 'removing the key keeps the model');
  await noApiError(page);

  // A customer's voice note: the audio first, its transcript a moment later.
  const conn = await admin.post('/api/connections', { name: 'Balcão', kind: 'simulator', phone: '+55 11 3000-0007' });
  const first = await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: '+5511977770001', name: 'Rita Voz', text: 'Oi!' });
  await page.goto(`${platform.baseUrl}/inbox/${first.ticket_id}`);
  await page.locator(`[data-testid="conversation"][data-ticket-id="${first.ticket_id}"]`).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="live-status"][data-status="open"]').waitFor({ timeout: 15_000 });
  await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: '+5511977770001', text: '', kind: 'audio', media_base64: VOICE_NOTE });
  const note = page.locator('[data-testid="message"][data-direction="in"]', { has: page.locator('audio') });
  await note.waitFor({ timeout: 15_000 });
  const transcript = note.locator('[data-testid="message-transcript"]');
  await transcript.waitFor({ timeout: 20_000 });
  assert.match(await transcript.locator('.msg-transcript-label').innerText(), /^transcript$/i);
  assert.equal(await transcript.locator('.msg-transcript-text').innerText(), TRANSCRIPT);
  const asked = receiver.requests.find((r) => r.path === '/v1/audio/transcriptions');
  assert.ok(asked?.body.includes('whisper-1'), 'the provider was asked with the model');
  await note.scrollIntoViewIfNeeded();
  await screenshot(page, 'inbox-voice-transcript');

  // Empty: voice notes are not transcribed any more.
  await page.goto(`${platform.baseUrl}/admin/settings`);
  await page.locator('[data-testid="ai-key-state"]').waitFor({ timeout: 15_000 });
  await field.fill('');
  await page.click('[data-testid="ai-save"]');
  await eventually(async () => ((await admin.get('/api/integrations/ai')).transcription_model ?? null) === null, { what: 'the transcription model cleared' });
  assert.equal((await admin.get('/api/integrations/ai')).model, 'gpt-4o-mini', 'the other fields stay');
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});

test('the bell: no notices at first; a webhook turned off brings one live until it is dismissed; agents have none', async () => {
  const page = await pageAt('/admin/settings');
  const bell = page.locator('.sidebar [data-testid="notices-bell"]');
  await bell.waitFor({ timeout: 15_000 });
  assert.equal(await bell.getAttribute('data-count'), '0');
  assert.equal(await bell.locator('[data-testid="notices-badge"]').count(), 0, 'no badge without notices');
  assert.equal(await bell.getAttribute('aria-label'), 'Notices');
  await bell.click();
  const panel = page.locator('[data-testid="notices-panel"]');
  await panel.waitFor();
  assert.equal(
    await panel.locator('[data-testid="notices-empty"]').innerText(),
    'No notices. When the platform turns something off on its own, it tells you here.',
  );
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });

  // A receiver answering 410: the platform turns its endpoint off and tells the admins, live.
  receiver.routes.set('/gone', { status: 410 });
  const url = receiver.url('/gone');
  const made = await admin.post('/api/webhooks', { url, description: 'Old CRM', events: ['*'] });
  await admin.post(`/api/webhooks/${made.endpoint.id}/test`);
  await eventually(async () => (await bell.getAttribute('data-count')) === '1', { timeout: 20_000, what: 'the notice to reach the bell' });
  assert.equal(await bell.locator('[data-testid="notices-badge"]').innerText(), '1');
  assert.equal(await bell.getAttribute('aria-label'), 'Notices: 1 new');
  const [notice] = await admin.get('/api/notices');
  assert.equal(notice.kind, 'webhook_disabled');
  assert.equal(notice.reason, 'gone');
  assert.equal(notice.subject_id, made.endpoint.id);

  await bell.click();
  const item = panel.locator(`[data-testid="notice-item"][data-notice-id="${notice.id}"]`);
  await item.waitFor();
  assert.equal(await item.locator('[data-testid="notice-text"]').innerText(), `Webhook ${url} was turned off: the receiver answered 410 Gone.`);
  assert.ok(!(await item.innerText()).includes(notice.detail), "the platform's English detail is not shown");
  await screenshot(page, 'notices-panel');
  await item.locator('[data-testid="notice-open"]').click();
  await page.waitForURL((u) => u.pathname === '/admin/webhooks');
  await panel.waitFor({ state: 'detached' });
  await page.locator('[data-testid="webhook-item"]', { hasText: '/gone' }).waitFor({ timeout: 15_000 });

  // Dismissed: for every admin, and the bell is quiet again.
  await bell.click();
  await item.locator('[data-testid="notice-dismiss"]').click();
  await item.waitFor({ state: 'detached' });
  await panel.locator('[data-testid="notices-empty"]').waitFor();
  assert.equal(await bell.getAttribute('data-count'), '0');
  assert.deepEqual(await admin.get('/api/notices'), []);
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();

  // An agent has no bell (nor the notices), and no Bot tab in the inbox.
  const refused = await agent.api.raw('GET', '/api/notices');
  assert.equal(refused.status, 403);
  const theirs = await pageAt('/inbox', agent);
  await theirs.locator('[role=tab][data-tab=pending]').waitFor({ timeout: 15_000 });
  assert.equal(await theirs.locator('[data-testid="notices-bell"]').count(), 0, 'no bell for an agent');
  assert.equal(await theirs.locator('[role=tab][data-tab=bot]').count(), 0, 'no Bot tab for an agent');
  assert.deepEqual(theirs.errors, [], 'the page threw errors');
  await theirs.context().close();
});

test("a ticket the queue's bot holds is in the Bot tab, with a banner, until the admin takes over", async () => {
  receiver.routes.set('/bot', { json: { messages: [BOT_SAYS], handover: false } });
  const queue = await admin.post('/api/queues', {
    name: 'Robô',
    color: '#8250df',
    user_ids: [tenant.adminId, agent.id],
    bot: { kind: 'endpoint', url: receiver.url('/bot') },
  });
  const conn = await admin.post('/api/connections', { name: 'Loja Robô', kind: 'simulator', phone: '+55 11 3000-0009', default_queue_id: queue.id });
  const sent = await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: '+5511966660002', name: 'Caio Cliente', text: 'Quero ver o cardápio' });
  await eventually(async () => (await admin.get(`/api/tickets/${sent.ticket_id}`)).status === 'bot', { what: 'the bot to hold the ticket' });
  await eventually(() => receiver.requests.some((r) => r.path === '/bot'), { timeout: 15_000, what: 'the bot endpoint to be called' });
  assert.ok((await agent.api.raw('GET', `/api/tickets/${sent.ticket_id}`)).status >= 400, "the queue's agent does not see it");

  const page = await pageAt('/inbox');
  await page.click('[role=tab][data-tab=bot]');
  const row = page.locator(`[data-testid="ticket-item"][data-ticket-id="${sent.ticket_id}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.getAttribute('data-status'), 'bot');
  await row.locator('[data-testid="bot-badge"]').waitFor();
  await row.click();
  const conversation = page.locator(`[data-testid="conversation"][data-ticket-id="${sent.ticket_id}"]`);
  await conversation.waitFor();
  assert.equal(await conversation.getAttribute('data-status'), 'bot');
  assert.equal(await page.locator('[data-testid="ticket-status"]').innerText(), 'With a bot');
  const banner = page.locator('[data-testid="bot-banner"]');
  await banner.waitFor();
  assert.match(await banner.innerText(), /A bot is handling this conversation\./);
  await page.locator('[data-testid="message"][data-direction="out"]', { hasText: BOT_SAYS }).waitFor({ timeout: 15_000 });
  await screenshot(page, 'inbox-bot-ticket');

  await page.click('[data-testid="take-over-bar"]');
  await page.locator('.toast', { hasText: 'You took over from the bot.' }).waitFor();
  await eventually(async () => (await conversation.getAttribute('data-status')) === 'open', { what: 'the ticket to be open' });
  await banner.waitFor({ state: 'detached' });
  await page.locator('[role=tab][data-tab=open][aria-selected=true]').waitFor();
  const taken = await admin.get(`/api/tickets/${sent.ticket_id}`);
  assert.equal(taken.status, 'open');
  assert.equal(taken.user_id, tenant.adminId);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});
