//! Approved WhatsApp templates in the ticket composer, in a real browser against a real
//! server and a fake Graph API in this process: on a Cloud API number that has no templates
//! yet, an agent is told to ask an admin and an admin brings them from Meta from the picker;
//! on a customer whose 24-hour window is closed (a conversation started to a number that never
//! wrote), a free text is refused with the WINDOW_CLOSED sentence, the picker opens from there,
//! a template is filled and sent, shows in the conversation, and the fake Graph API receives a
//! `template` message with the variables. A simulator number's ticket has no "Template" button.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';
import { startGraphFake } from './graph-fake.mjs';

const NUMBER_ID = '106540352242922';
const WABA_ID = '102290129340398';
const TOKEN = 'EAAG-e2e-composer-templates';
const APP_SECRET = 'e2e-app-secret-templates';
/** A customer who writes first (through the webhook). */
const ANA = '5511987654321';
/** A customer who never wrote: the company reaches them with a template only. */
const MARIA = '5511966665555';

let graph;
let platform;
let browser;
let tenant;
let admin;
let agent;
let cloud;
let sim;

before(async () => {
  graph = await startGraphFake({ token: TOKEN, numberId: NUMBER_ID });
  graph.addTemplate({ name: 'pedido_pronto', language: 'pt_BR', body: 'Olá {{1}}! Seu pedido {{2}} está pronto para retirada.' });
  graph.addTemplate({ name: 'promo_verao', language: 'pt_BR', status: 'PENDING', category: 'MARKETING', body: 'Promoção de verão na loja!' });
  graph.addTemplate({ name: 'boleto', language: 'pt_BR', body: 'Seu boleto vence amanhã.', components: [{ type: 'HEADER', format: 'DOCUMENT' }] });
  // The fake Graph API listens on this machine: the server may call it.
  platform = await startPlatform({ env: { TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL: 'true' } });
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Padaria Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  // Bruno reads the app in Portuguese.
  const email = `bruno.${Date.now().toString(36)}@example.com`;
  const password = 'Bruno-agent-pass-2025';
  const bruno = await admin.post('/api/users', { name: 'Bruno Dias', email, password, role: 'agent', language: 'pt-BR' });
  agent = { id: bruno.id, email, password, api: apiAs(platform.baseUrl, (await signIn(platform.baseUrl, email, password)).access_token) };
  cloud = await admin.post('/api/connections', {
    name: 'Padaria Cloud',
    kind: 'cloud_api',
    phone: '+55 11 99999-0000',
    cloud_api: { phone_number_id: NUMBER_ID, waba_id: WABA_ID, access_token: TOKEN, app_secret: APP_SECRET, graph_url: graph.graphUrl },
  });
  sim = await admin.post('/api/connections', { name: 'Padaria Balcão', kind: 'simulator', phone: '+55 11 3000-0002' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  await graph?.close();
});

/** A fresh page signed in as `email`; uncaught page errors are collected. */
async function pageAs(email, password) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await uiSignIn(page, platform.baseUrl, email, password);
  return page;
}

/** Opens the ticket `id` and waits until the composer is there. */
async function openTicket(page, id) {
  await page.goto(`${platform.baseUrl}/inbox/${id}`);
  await page.locator(`[data-testid=conversation][data-ticket-id="${id}"][data-status=open]`).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid=composer-input]').waitFor();
}

/** Meta's signed notification of one customer's text to the number. */
function postCustomerText(id, text) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '5511999990000', phone_number_id: NUMBER_ID },
              contacts: [{ profile: { name: 'Ana Cliente' }, wa_id: ANA }],
              messages: [{ from: ANA, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
  return fetch(`${platform.baseUrl}/api/hooks/whatsapp/${tenant.tenantId}/${cloud.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body,
  });
}

test('on a number without templates, an agent is told to ask an admin and an admin syncs them from Meta', async () => {
  assert.equal((await admin.get(`/api/connections/${cloud.id}/templates`)).length, 0, 'nothing synced yet');
  // Ana writes; Bruno takes her waiting ticket by answering her.
  assert.equal((await postCustomerText('wamid.tpl-in-1', 'Bom dia, vocês têm pão de queijo?')).status, 200);
  await eventually(async () => (await admin.get('/api/tickets?status=pending')).items.some((x) => x.contact_phone === `+${ANA}`), {
    timeout: 15_000,
    what: "Ana's ticket",
  });
  const started = await agent.api.post('/api/tickets', { connection_id: cloud.id, phone: `+${ANA}`, body: 'Bom dia, Ana! Temos sim.' });
  assert.equal(started.ticket.user_id, agent.id);
  const id = started.ticket.id;

  const page = await pageAs(agent.email, agent.password);
  await openTicket(page, id);
  const button = page.locator('[data-testid=composer-template]');
  await button.waitFor({ timeout: 10_000 });
  assert.equal((await button.innerText()).trim(), 'Modelo');
  await button.click();
  const dialog = page.locator('[data-testid=template-dialog]');
  await dialog.waitFor();
  const none = dialog.locator('[data-testid=tpl-no-templates]');
  await none.waitFor({ timeout: 10_000 });
  assert.match(await none.innerText(), /Este número ainda não tem modelos\./);
  assert.match(await none.innerText(), /Peça a um administrador que traga os modelos da Meta\./);
  assert.equal(await dialog.locator('[data-testid=tpl-sync]').count(), 0, 'only admins sync');
  await page.waitForTimeout(200);
  await screenshot(page, 'composer-templates-agent-none');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The admin opens the picker on the same ticket and brings the templates from Meta.
  const adminPage = await pageAs(tenant.adminEmail, tenant.adminPassword);
  await adminPage.evaluate(() => localStorage.setItem('tucan.lang', 'en'));
  await openTicket(adminPage, id);
  await adminPage.click('[data-testid=composer-template]');
  const adminDialog = adminPage.locator('[data-testid=template-dialog]');
  const adminNone = adminDialog.locator('[data-testid=tpl-no-templates]');
  await adminNone.waitFor({ timeout: 10_000 });
  assert.match(await adminNone.innerText(), /This number has no templates yet\./);
  const sync = adminDialog.locator('[data-testid=tpl-sync]');
  assert.equal((await sync.innerText()).trim(), 'Sync from Meta');
  await adminPage.waitForTimeout(200);
  await screenshot(adminPage, 'composer-templates-admin-sync');
  await sync.click();
  const items = adminDialog.locator('[data-testid=tpl-template]');
  await eventually(async () => (await items.count()) === 3, { what: 'the three synced templates' });
  await adminPage.locator('.toast-success', { hasText: 'Templates synced from Meta: 3.' }).waitFor();
  assert.ok(graph.requests.some((r) => r.method === 'GET' && r.path === `/v21.0/${WABA_ID}/message_templates`), 'Meta was asked for the templates');
  // The one that can be sent comes first.
  assert.equal(await items.first().getAttribute('data-name'), 'pedido_pronto');
  assert.equal(await adminDialog.locator('[data-testid=tpl-no-templates]').count(), 0);
  assert.equal((await admin.get(`/api/connections/${cloud.id}/templates`)).length, 3);
  assert.deepEqual(adminPage.errors, []);
  await adminPage.context().close();
});

test('a text outside the 24-hour window is refused, and a template from the composer reaches the customer', async () => {
  // The company writes first to a number that never wrote: only a template goes.
  const started = await admin.post('/api/tickets', {
    connection_id: cloud.id,
    phone: `+${MARIA}`,
    name: 'Maria Clara',
    template: { name: 'pedido_pronto', language: 'pt_BR', variables: ['Maria', '4512'] },
  });
  const id = started.ticket.id;
  assert.equal(started.ticket.status, 'open');
  await eventually(() => graph.sent().some((m) => m.type === 'template' && m.to === MARIA), { timeout: 15_000, what: 'the first template at the fake Graph API' });
  const before = graph.sent().length;

  const page = await pageAs(tenant.adminEmail, tenant.adminPassword);
  await page.evaluate(() => localStorage.setItem('tucan.lang', 'en'));
  await openTicket(page, id);
  await page.locator('[data-testid=message][data-direction=out]', { hasText: 'Olá Maria! Seu pedido 4512' }).waitFor();
  await page.locator('[data-testid=composer-template]').waitFor({ timeout: 10_000 });
  // Templates are for the customer: a private note offers none.
  await page.click('[data-testid=note-mode]');
  assert.equal(await page.locator('[data-testid=composer-template]').count(), 0);
  await page.locator('.composer-mode').first().click();

  // A free text is refused: the sentence of WINDOW_CLOSED, the text kept in the box.
  const input = page.locator('[data-testid=composer-input]');
  const refused = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/tickets/${id}/messages`));
  await input.fill('Oi Maria, já pode passar na loja.');
  await input.press('Enter');
  assert.equal((await refused).status(), 409);
  const notice = page.locator('[data-testid=window-closed]');
  await notice.waitFor();
  assert.equal(await notice.getAttribute('data-code'), 'WINDOW_CLOSED');
  assert.match(await notice.innerText(), /More than 24 hours since the customer last wrote on this WhatsApp number: only an approved template can reach them now\./);
  assert.equal(await input.inputValue(), 'Oi Maria, já pode passar na loja.');
  assert.equal(await page.locator('[data-testid=message]', { hasText: 'já pode passar na loja' }).count(), 0);
  assert.equal(await page.locator('.toast-error').count(), 0, 'said in the composer, not in a toast');
  await page.waitForTimeout(200);
  await screenshot(page, 'composer-window-closed');

  // The picker opens from there.
  await notice.locator('[data-testid=window-use-template]').click();
  const dialog = page.locator('[data-testid=template-dialog]');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Maria Clara/);
  const items = dialog.locator('[data-testid=tpl-template]');
  await eventually(async () => (await items.count()) === 3, { what: 'the three templates' });
  const pending = dialog.locator('[data-testid=tpl-template][data-name=promo_verao]');
  assert.equal(await pending.getAttribute('data-disabled'), 'true');
  assert.match(await pending.innerText(), /Not approved by Meta \(PENDING\)\./);
  assert.equal(await pending.locator('input').isDisabled(), true);
  const withFile = dialog.locator('[data-testid=tpl-template][data-name=boleto]');
  assert.equal(await withFile.getAttribute('data-disabled'), 'true');
  assert.match(await withFile.innerText(), /Cannot be sent from here: a header with a file/);
  assert.equal(await withFile.locator('input').isDisabled(), true);

  // Nothing goes without a template and every value.
  await page.click('[data-testid=tpl-send]');
  await dialog.locator('.error-text', { hasText: 'Choose a template.' }).waitFor();
  const ready = dialog.locator('[data-testid=tpl-template][data-name=pedido_pronto]');
  assert.match(await ready.innerText(), /pt_BR/);
  assert.match(await ready.innerText(), /UTILITY/);
  await ready.click();
  assert.equal(await ready.getAttribute('data-disabled'), 'false');
  const preview = dialog.locator('[data-testid=tpl-preview] .bubble');
  assert.equal(await preview.innerText(), 'Olá {{1}}! Seu pedido {{2}} está pronto para retirada.');
  await dialog.locator('[data-testid=tpl-variable-1]').fill('Maria Clara');
  assert.equal(await preview.innerText(), 'Olá Maria Clara! Seu pedido {{2}} está pronto para retirada.');
  await page.click('[data-testid=tpl-send]');
  await dialog.locator('.error-text', { hasText: 'Fill in every variable.' }).waitFor();
  await dialog.locator('[data-testid=tpl-variable-2]').fill('7781');
  assert.equal(await preview.innerText(), 'Olá Maria Clara! Seu pedido 7781 está pronto para retirada.');
  await page.waitForTimeout(200);
  await screenshot(page, 'composer-template-picker');

  const request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/tickets/${id}/template`));
  await page.click('[data-testid=tpl-send]');
  assert.deepEqual(JSON.parse((await request).postData()), { name: 'pedido_pronto', language: 'pt_BR', variables: ['Maria Clara', '7781'] });
  await dialog.waitFor({ state: 'detached' });
  const sent = page.locator('[data-testid=message][data-direction=out]', { hasText: 'Olá Maria Clara! Seu pedido 7781 está pronto para retirada.' });
  await sent.waitFor();
  await notice.waitFor({ state: 'detached' });

  const out = await eventually(() => graph.sent().slice(before).find((m) => m.type === 'template'), { timeout: 15_000, what: 'the template at the fake Graph API' });
  assert.equal(out.to, MARIA);
  assert.equal(out.template.name, 'pedido_pronto');
  assert.equal(out.template.language.code, 'pt_BR');
  assert.match(JSON.stringify(out.template.components), /"Maria Clara".*"7781"/);
  assert.equal(graph.sent().slice(before).filter((m) => m.type === 'text').length, 0, 'the refused text never went');
  await eventually(async () => (await sent.getAttribute('data-status')) === 'sent', { timeout: 15_000, what: 'the template to show as sent' });
  const history = await admin.get(`/api/tickets/${id}/messages`);
  assert.deepEqual(history.items.find((m) => m.body.includes('7781'))?.template, { name: 'pedido_pronto', language: 'pt_BR', variables: ['Maria Clara', '7781'] });
  await page.waitForTimeout(200);
  await screenshot(page, 'composer-template-sent');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a ticket on a simulator number has no "Template" button', async () => {
  const started = await admin.post('/api/tickets', { connection_id: sim.id, phone: '+55 11 95555-4444', body: 'Olá! Seu pão saiu do forno.' });
  const page = await pageAs(tenant.adminEmail, tenant.adminPassword);
  const kind = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith(`/api/connections/${sim.id}`));
  await openTicket(page, started.ticket.id);
  assert.equal((await kind).status(), 200);
  await page.waitForTimeout(200);
  assert.equal(await page.locator('[data-testid=composer-template]').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
