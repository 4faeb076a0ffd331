//! The inbox's service-desk details in a real browser against a real server: a published flow
//! asks every new customer a question, so their tickets wait with the "bot" badge and a
//! "Bot:" line; the list narrows by number and by opening date; the contact's number reads
//! as people write it; accepting asks before taking over from the flow (cancel leaves it
//! talking), and once confirmed the agent has the ticket, the flow stops and the list follows
//! it to the open tickets; the agent's answer then shows as "Agent:". A ticket whose flow the
//! screen did not know about yet is taken over knowingly too, from the server's FLOW_TALKING.
//! Last, a queue's own auto-close limits set, shown and removed on the queues page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

const MARIA = '+5511987654321';
const JOHN = '+14155552671';
const FLOW = {
  nodes: [
    { id: 'start', type: 'trigger.message_received' },
    { id: 'ask', type: 'messaging.ask', config: { question: 'Qual o seu pedido?', variable: 'order' } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'ask' }],
};

let platform;
let browser;
let tenant;
let admin;
let centro;
let norte;
/** Another agent of the company, for the agent filter. */
let bea;
/** The tickets of Maria (on Loja Centro) and John (on Loja Norte). */
let maria;
let john;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Pizzaria Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  // The texts checked below are the English ones (a Brazilian company's admin starts in Portuguese).
  await admin.patch('/api/auth/me', { language: 'en' });
  centro = await admin.post('/api/connections', { name: 'Loja Centro', kind: 'simulator', phone: '+55 11 3000-0101' });
  norte = await admin.post('/api/connections', { name: 'Loja Norte', kind: 'simulator', phone: '+55 11 3000-0102' });
  bea = await admin.post('/api/users', { name: 'Bea Lima', email: `bea.${Date.now().toString(36)}@example.com`, password: 'Bea-agent-pass-2025', role: 'agent' });
  const flow = await admin.post('/api/flows', { name: 'Pedido', document: FLOW });
  await admin.post(`/api/flows/${flow.id}/publish`);

  const said = await admin.post(`/api/connections/${centro.id}/simulator/messages`, { from: MARIA, name: 'Maria Souza', text: 'Oi, quero pedir uma pizza' });
  const saidToo = await admin.post(`/api/connections/${norte.id}/simulator/messages`, { from: JOHN, name: 'John Smith', text: 'Hello there' });
  const held = (id) =>
    eventually(
      async () => {
        const t = await admin.get(`/api/tickets/${id}`);
        return t.bot_run_id && t.last_message_by === 'bot' ? t : null;
      },
      { timeout: 15_000, what: `the flow to talk on ticket ${id}` },
    );
  maria = await held(said.ticket_id);
  john = await held(saidToo.ticket_id);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A signed-in page (São Paulo's clock) that records uncaught page errors in `page.errors`. */
async function adminPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'America/Sao_Paulo' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

/** The error toasts a page shows (none is expected). */
const errorToasts = (page) => page.locator('.toast-error').allInnerTexts();

/** A day `offset` days from today on the page's clock, as a date input holds it. */
const day = (page, offset) =>
  page.evaluate((n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    const two = (x) => String(x).padStart(2, '0');
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  }, offset);

test('a ticket a flow talks on shows it; the list narrows by number and opening date', async () => {
  assert.equal(maria.last_message, 'Qual o seu pedido?');
  assert.equal(maria.status, 'pending');
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  await page.click('[role=tab][data-tab=pending]');
  const itemOf = (t) => page.locator(`[data-testid=ticket-item][data-ticket-id="${t.id}"]`);
  const mariaItem = itemOf(maria);
  const johnItem = itemOf(john);
  await mariaItem.waitFor({ timeout: 10_000 });
  await johnItem.waitFor();

  const badge = mariaItem.locator('[data-testid=bot-badge]');
  assert.equal((await badge.innerText()).trim(), 'bot');
  assert.equal(await mariaItem.locator('.badge:has([data-testid=bot-badge])').getAttribute('title'), 'A flow is talking to this customer');
  const preview = mariaItem.locator('[data-testid=ticket-preview]');
  assert.equal(await preview.getAttribute('data-by'), 'bot');
  assert.equal((await preview.innerText()).trim(), 'Bot: Qual o seu pedido?');
  await screenshot(page, 'inbox-details-bot');

  // By number: each number's ticket alone, then both again.
  await page.click('[data-testid=more-filters]');
  const number = page.locator('[data-testid=filter-connection]');
  assert.deepEqual(await number.locator('option').allInnerTexts(), ['All numbers', 'Loja Centro · +55 11 3000-0101', 'Loja Norte · +55 11 3000-0102']);
  await number.selectOption(norte.id);
  await mariaItem.waitFor({ state: 'detached' });
  await johnItem.waitFor();
  assert.deepEqual(await page.locator('[data-testid=ticket-item]').evaluateAll((els) => els.map((el) => el.dataset.connectionId)), [norte.id]);
  assert.equal((await page.locator('[data-testid=more-filters]').innerText()).trim(), 'More filters (1)');
  await screenshot(page, 'inbox-details-filters');
  await number.selectOption(centro.id);
  await johnItem.waitFor({ state: 'detached' });
  await mariaItem.waitFor();
  await number.selectOption('');
  await johnItem.waitFor();

  // By opening date: today holds both; from tomorrow on, none; until yesterday, none.
  const from = page.locator('[data-testid=filter-from]');
  const to = page.locator('[data-testid=filter-to]');
  await from.fill(await day(page, 0));
  await to.fill(await day(page, 0));
  await mariaItem.waitFor();
  await johnItem.waitFor();
  await from.fill(await day(page, 1));
  await to.fill(await day(page, 1));
  await page.locator('.inbox-list .empty-state', { hasText: 'Nothing matches these filters.' }).waitFor();
  await from.fill('');
  await to.fill(await day(page, -1));
  await page.locator('.inbox-list .empty-state', { hasText: 'Nothing matches these filters.' }).waitFor();
  await page.click('[data-testid=filter-clear]');
  await mariaItem.waitFor();
  await johnItem.waitFor();
  assert.equal((await page.locator('[data-testid=more-filters]').innerText()).trim(), 'More filters');

  assert.deepEqual(await errorToasts(page), []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('accepting asks before taking over from the flow; the list follows the ticket to Open', async () => {
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  await page.click('[role=tab][data-tab=pending]');
  const item = page.locator(`[data-testid=ticket-item][data-ticket-id="${maria.id}"]`);
  await item.click();
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${maria.id}"]`);
  await conversation.waitFor();
  // The number reads as people write it, in the header and in the contact panel.
  assert.equal((await conversation.locator('[data-testid=conv-phone]').innerText()).trim(), '+55 11 98765-4321');
  assert.equal((await page.locator('[data-testid=cp-phone]').innerText()).trim(), '+55 11 98765-4321');
  await conversation.locator('.conv-header [data-testid=bot-badge]').waitFor();

  // Cancelled: nothing changes, the flow keeps talking.
  await page.click('[data-testid=accept]');
  const dialog = page.locator('[role=dialog]');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /A flow is still talking to this customer\. Take over and stop it\?/);
  await screenshot(page, 'inbox-details-take-over');
  await dialog.locator('.modal-footer .btn', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  const still = await admin.get(`/api/tickets/${maria.id}`);
  assert.equal(still.status, 'pending');
  assert.equal(still.bot_run_id, maria.bot_run_id);
  assert.equal(await conversation.getAttribute('data-status'), 'pending');

  // Confirmed: the agent has it, the flow's run stops, and the list shows the open tickets.
  await page.click('[data-testid=accept]');
  await dialog.waitFor();
  await dialog.locator('.modal-footer .btn-primary', { hasText: 'Take over' }).click();
  await page.locator(`[data-testid=conversation][data-ticket-id="${maria.id}"][data-status=open]`).waitFor({ timeout: 10_000 });
  await page.locator('[role=tab][data-tab=open][aria-selected=true]').waitFor();
  const openItem = page.locator(`[data-testid=ticket-item][data-ticket-id="${maria.id}"][data-status=open]`);
  await openItem.waitFor({ timeout: 10_000 });
  assert.equal(await openItem.getAttribute('aria-current'), 'page');
  assert.equal(new URL(page.url()).pathname, `/inbox/${maria.id}`);
  await eventually(async () => (await openItem.locator('[data-testid=bot-badge]').count()) === 0, { what: 'the bot badge to go' });
  // One customer waits now: John (the tab's count is read again a moment after the event).
  await page.locator('[role=tab][data-tab=pending]', { hasText: '1' }).waitFor({ timeout: 5_000 });
  assert.equal(await conversation.locator('.conv-header [data-testid=bot-badge]').count(), 0);
  const taken = await admin.get(`/api/tickets/${maria.id}`);
  assert.equal(taken.status, 'open');
  assert.equal(taken.user_id, tenant.adminId);
  assert.equal(taken.bot_run_id ?? null, null);
  await eventually(async () => (await admin.get(`/api/runs/${maria.bot_run_id}`)).run.status === 'cancelled', { what: "the flow's run to stop" });

  // The agent answers: the list says so.
  const input = page.locator('[data-testid=composer-input]');
  await input.fill('Olá Maria! Qual sabor?');
  await input.press('Enter');
  const preview = openItem.locator('[data-testid=ticket-preview]');
  await eventually(async () => (await preview.innerText()).trim() === 'Agent: Olá Maria! Qual sabor?', { what: 'the "Agent:" line in the list' });
  await screenshot(page, 'inbox-details-taken');

  // By agent (the admin sees every agent's tickets): Bea has none, Ana has Maria's.
  await page.click('[data-testid=more-filters]');
  const agent = page.locator('[data-testid=filter-agent]');
  assert.deepEqual(await agent.locator('option').allInnerTexts(), ['All agents', 'Ana Admin', 'Bea Lima']);
  await agent.selectOption(bea.id);
  await openItem.waitFor({ state: 'detached' });
  await page.locator('.inbox-list .empty-state', { hasText: 'Nothing matches these filters.' }).waitFor();
  await agent.selectOption(tenant.adminId);
  await openItem.waitFor();
  await agent.selectOption('');
  await openItem.waitFor();
  assert.deepEqual(await errorToasts(page), []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the server's FLOW_TALKING asks too, when the screen did not know a flow was talking", async () => {
  const page = await adminPage();
  // This screen reads the ticket as if no flow talked on it yet.
  await page.route(`**/api/tickets/${john.id}`, async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    const res = await route.fetch();
    const body = await res.json();
    delete body.bot_run_id;
    await route.fulfill({ response: res, json: body });
  });
  let refused = null;
  page.on('response', async (r) => {
    if (r.url().includes(`/api/tickets/${john.id}/accept`) && r.status() === 409) refused = (await r.json()).code;
  });
  await page.goto(`${platform.baseUrl}/inbox/${john.id}`);
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${john.id}"][data-status=pending]`);
  await conversation.waitFor({ timeout: 10_000 });
  assert.equal(await conversation.locator('.conv-header [data-testid=bot-badge]').count(), 0);
  assert.equal((await conversation.locator('[data-testid=conv-phone]').innerText()).trim(), '+1 415 555 2671');

  await page.click('[data-testid=accept-bar]');
  const dialog = page.locator('[role=dialog]');
  await dialog.waitFor();
  assert.equal(refused, 'FLOW_TALKING');
  assert.match(await dialog.innerText(), /A flow is still talking to this customer\. Take over and stop it\?/);
  await dialog.locator('.modal-footer .btn-primary').click();
  await page.locator(`[data-testid=conversation][data-ticket-id="${john.id}"][data-status=open]`).waitFor({ timeout: 10_000 });
  await page.locator('[role=tab][data-tab=open][aria-selected=true]').waitFor();
  await page.locator(`[data-testid=ticket-item][data-ticket-id="${john.id}"][data-status=open]`).waitFor({ timeout: 10_000 });
  const taken = await admin.get(`/api/tickets/${john.id}`);
  assert.equal(taken.user_id, tenant.adminId);
  assert.equal(taken.bot_run_id ?? null, null);
  assert.deepEqual(await errorToasts(page), []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a queue's own auto-close limits are saved, shown on its card, and removed when emptied", async () => {
  await admin.patch('/api/settings', { auto_close_open_minutes: 240 });
  const queue = await admin.post('/api/queues', { name: 'Delivery', color: '#2e9e6b', user_ids: [tenant.adminId] });
  assert.equal(queue.auto_close ?? null, null);
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/admin/queues`);
  const item = page.locator('[data-testid="queue-item"]', { hasText: 'Delivery' });
  await item.waitFor({ timeout: 10_000 });
  const summary = item.locator('[data-testid=queue-auto-close-summary]');
  assert.equal(await summary.getAttribute('data-own'), 'false');
  assert.equal((await summary.innerText()).trim(), "The company's");

  await item.getByRole('button', { name: 'Edit Delivery' }).click();
  const dialog = page.locator('[data-testid="queue-dialog"]');
  const fields = dialog.locator('[data-testid=queue-auto-close]');
  await fields.waitFor();
  assert.match(await fields.innerText(), /Close open tickets after N minutes without a customer message/);
  assert.match(await fields.innerText(), /Empty: the company's setting \(240 min\)\. 0: never\./);
  const open = dialog.locator('[data-testid=queue-auto-open]');
  const pending = dialog.locator('[data-testid=queue-auto-pending]');
  // Out of range: nothing is sent.
  await open.fill('50000');
  await page.click('[data-testid="dialog-submit"]');
  await fields.locator('.error-text', { hasText: 'Enter a whole number from 0 to 43200.' }).waitFor();
  assert.equal((await admin.get('/api/queues')).find((q) => q.id === queue.id).auto_close ?? null, null);
  await open.fill('90');
  await pending.fill('0');
  await fields.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'inbox-details-queue-auto-close');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => (await summary.getAttribute('data-own')) === 'true', { what: 'the card to show the own limits' });
  assert.equal((await summary.innerText()).trim(), 'Open: 90 min · Pending: never');
  assert.deepEqual((await admin.get('/api/queues')).find((q) => q.id === queue.id).auto_close, { open_minutes: 90, pending_minutes: 0 });

  // Both emptied: the queue follows the company again.
  await item.getByRole('button', { name: 'Edit Delivery' }).click();
  await fields.waitFor();
  assert.equal(await open.inputValue(), '90');
  assert.equal(await pending.inputValue(), '0');
  await open.fill('');
  await pending.fill('');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => (await summary.getAttribute('data-own')) === 'false', { what: 'the card to show the company again' });
  assert.equal((await admin.get('/api/queues')).find((q) => q.id === queue.id).auto_close ?? null, null);
  assert.deepEqual(await errorToasts(page), []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
