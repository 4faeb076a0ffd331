//! Agents start conversations, in a real browser against a real server: from the inbox's
//! "New conversation" to a number nobody wrote from yet (the ticket opens in the inbox, the
//! agent's, and the simulated phone gets the message); the composer's "Sign" box when the
//! company lets each agent choose; "Start conversation" on the contacts page; the reason
//! shown when another agent already serves the customer; and, on a Cloud API number (a fake
//! Graph API in this process), a customer outside the 24-hour window reached with an approved
//! template whose variables the agent fills.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';
import { startGraphFake } from './graph-fake.mjs';

const NUMBER = '+55 11 97777-1234';
const DIGITS = '5511977771234';
const NUMBER_ID = '106540352242922';
const WABA_ID = '102290129340398';
const TOKEN = 'EAAG-e2e-conversations';

let graph;
let platform;
let browser;
let tenant;
let admin;
let conn;
/** The ticket the first test opens. */
let started;

before(async () => {
  graph = await startGraphFake({ token: TOKEN, numberId: NUMBER_ID });
  // The fake Graph API listens on this machine: the server may call it.
  platform = await startPlatform({ env: { TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL: 'true' } });
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Mercado Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  conn = await admin.post('/api/connections', { name: 'Loja Centro', kind: 'simulator', phone: '+55 11 3000-0001' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  await graph?.close();
});

/** A fresh page signed in as the company's admin; uncaught page errors are collected. */
async function adminPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

/** What the simulated phone `digits` got from the connection, oldest first. */
const phoneGot = (digits) => admin.get(`/api/connections/${conn.id}/simulator/chats/${digits}`).then((l) => l.filter((m) => m.direction === 'out'));

/** The ticket id of an inbox address, once the app went to one. */
async function openedTicket(page) {
  await page.waitForURL((u) => /^\/inbox\/[^/]+$/.test(u.pathname), { timeout: 15_000 });
  return new URL(page.url()).pathname.split('/')[2];
}

test('New conversation in the inbox writes to a new number and opens the ticket', async () => {
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  // On the waiting list: the list has to follow the new ticket to the open one.
  await page.click('[role=tab][data-tab=pending]');
  await page.waitForSelector('.inbox-list .empty-state');

  await page.click('[data-testid=new-conversation-open]');
  const dialog = page.locator('[data-testid=new-conversation]');
  await dialog.waitFor();
  // The company's only number is chosen already.
  assert.equal(await dialog.locator('[data-testid=nc-connection]').inputValue(), conn.id);
  await dialog.locator('[data-testid=nc-contact-results] p').waitFor();
  await dialog.locator('[role=tab][data-tab=number]').click();
  await dialog.locator('[data-testid=nc-phone]').fill(NUMBER);
  await dialog.locator('[data-testid=nc-name]').fill('João Pereira');
  // Nothing goes without a first message.
  await page.click('[data-testid=nc-send]');
  await dialog.locator('.error-text', { hasText: 'Write the first message.' }).waitFor();
  await dialog.locator('[data-testid=nc-body]').fill('Olá João! Seu pedido 7781 saiu para entrega hoje.');
  await page.waitForTimeout(200);
  await screenshot(page, 'new-conversation');
  await page.click('[data-testid=nc-send]');

  const id = await openedTicket(page);
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${id}"][data-status=open]`);
  await conversation.waitFor({ timeout: 10_000 });
  await dialog.waitFor({ state: 'detached' });
  await conversation.locator('[data-testid=message][data-direction=out]', { hasText: 'Seu pedido 7781 saiu' }).waitFor();
  assert.match(await conversation.locator('.conv-header').innerText(), /João Pereira/);
  assert.match(await conversation.locator('.conv-header').innerText(), /With you/);
  await page.locator('[data-testid=composer-input]').waitFor();
  // The list followed it to the open tickets.
  await page.locator('[role=tab][data-tab=open][aria-selected=true]').waitFor();
  await page.locator(`[data-testid=ticket-item][data-ticket-id="${id}"][data-status=open]`).waitFor({ timeout: 10_000 });
  await page.locator('.toast-success', { hasText: 'Conversation with João Pereira started.' }).waitFor();

  const ticket = await admin.get(`/api/tickets/${id}`);
  assert.equal(ticket.status, 'open');
  assert.equal(ticket.user_id, tenant.adminId);
  assert.equal(ticket.contact_name, 'João Pereira');
  assert.equal(ticket.connection_id, conn.id);
  await eventually(async () => (await phoneGot(DIGITS)).some((m) => m.body.includes('Olá João! Seu pedido 7781 saiu para entrega hoje.')), {
    what: 'the first message on the simulated phone',
  });
  await page.waitForTimeout(300);
  await screenshot(page, 'new-conversation-opened');
  started = ticket;
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the composer offers "Sign" when each agent chooses, and the phone gets what was chosen', async () => {
  assert.ok(started, 'the first test opened a ticket');
  await admin.patch('/api/settings', { signature_on_messages: 'agent_choice' });
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox/${started.id}`);
  const sign = page.locator('[data-testid=composer-sign]');
  await sign.waitFor({ timeout: 10_000 });
  assert.equal(await sign.isChecked(), true, 'signed unless the agent says otherwise');
  const input = page.locator('[data-testid=composer-input]');

  await sign.uncheck();
  let request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/tickets/${started.id}/messages`));
  await input.fill('Qualquer dúvida, estou por aqui.');
  await input.press('Enter');
  assert.equal(JSON.parse((await request).postData()).sign, false);
  await eventually(async () => (await phoneGot(DIGITS)).some((m) => m.body === 'Qualquer dúvida, estou por aqui.'), { what: 'the unsigned message' });
  assert.equal(await page.evaluate(() => localStorage.getItem('tucan.inbox.sign')), '0');

  // The choice stays on this device.
  await page.reload();
  await sign.waitFor();
  assert.equal(await sign.isChecked(), false);
  await sign.check();
  request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/tickets/${started.id}/messages`));
  await input.fill('Até logo!');
  await input.press('Enter');
  assert.equal(JSON.parse((await request).postData()).sign, true);
  await eventually(async () => (await phoneGot(DIGITS)).some((m) => m.body.endsWith('Até logo!') && m.body.includes('Ana Admin')), { what: 'the signed message' });
  await screenshot(page, 'composer-sign');

  // Where the company decides, there is no box and no `sign` in the request.
  await admin.patch('/api/settings', { signature_on_messages: 'disabled' });
  await page.reload();
  await input.waitFor();
  assert.equal(await sign.count(), 0);
  request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/tickets/${started.id}/messages`));
  await input.fill('Obrigado!');
  await input.press('Enter');
  assert.equal('sign' in JSON.parse((await request).postData()), false);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('"Start conversation" on the contacts page opens the dialog with the contact chosen', async () => {
  const carla = await admin.post('/api/contacts', { name: 'Carla Mendes', phone: '+55 21 98888-7777' });
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/admin/contacts`);
  const row = page.locator('[data-testid=contact-row]', { hasText: 'Carla Mendes' });
  await row.waitFor({ timeout: 15_000 });
  await row.locator('[data-testid=contact-start]').click();
  const dialog = page.locator('[data-testid=new-conversation]');
  await dialog.waitFor();
  const chosen = dialog.locator('[data-testid=nc-contact]');
  assert.equal(await chosen.getAttribute('data-contact-id'), carla.id);
  assert.match(await chosen.innerText(), /Carla Mendes/);
  assert.equal(await dialog.locator('[data-testid=nc-connection]').inputValue(), conn.id);
  await dialog.locator('[data-testid=nc-body]').fill('Oi Carla, sua encomenda chegou na loja.');
  await page.waitForTimeout(200);
  await screenshot(page, 'contacts-start-conversation');
  await page.click('[data-testid=nc-send]');

  const id = await openedTicket(page);
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${id}"][data-status=open]`);
  await conversation.waitFor({ timeout: 15_000 });
  await conversation.locator('[data-testid=message][data-direction=out]', { hasText: 'sua encomenda chegou' }).waitFor();
  await page.locator(`[data-testid=ticket-item][data-ticket-id="${id}"]`).waitFor({ timeout: 10_000 });
  const ticket = await admin.get(`/api/tickets/${id}`);
  assert.equal(ticket.contact_id, carla.id);
  assert.equal(ticket.user_id, tenant.adminId);
  await eventually(async () => (await phoneGot('5521988887777')).some((m) => m.body.includes('Oi Carla, sua encomenda chegou na loja.')), {
    what: "the message on Carla's phone",
  });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a customer another agent serves is refused, and the dialog says why", async () => {
  const email = `bruno.${Date.now().toString(36)}@example.com`;
  const password = 'Bruno-agent-pass-2025';
  await admin.post('/api/users', { name: 'Bruno Dias', email, password, role: 'agent', language: 'en' });
  const bruno = apiAs(platform.baseUrl, (await signIn(platform.baseUrl, email, password)).access_token);
  const his = await bruno.post('/api/tickets', { connection_id: conn.id, phone: '+55 31 97777-0000', body: 'Oi, aqui é o Bruno da loja.' });
  assert.equal(his.ticket.status, 'open');

  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.click('[data-testid=new-conversation-open]');
  const dialog = page.locator('[data-testid=new-conversation]');
  await dialog.waitFor();
  // The contact Bruno's conversation made is found by its number.
  await dialog.locator('[data-testid=nc-contact-search]').fill('97777-0000');
  const option = dialog.locator(`[data-testid=nc-contact-option][data-contact-id="${his.ticket.contact_id}"]`);
  await option.waitFor({ timeout: 10_000 });
  await option.click();
  await dialog.locator('[data-testid=nc-body]').fill('Olá! Posso ajudar?');
  await page.click('[data-testid=nc-send]');
  const error = dialog.locator('[data-testid=nc-error]');
  await error.waitFor({ timeout: 10_000 });
  assert.equal(await error.getAttribute('data-code'), 'TICKET_STATE');
  assert.match(await error.innerText(), /Another agent has this customer's open ticket on this number/);
  await screenshot(page, 'new-conversation-refused');
  assert.equal(new URL(page.url()).pathname, '/inbox');
  assert.equal((await admin.get(`/api/tickets/${his.ticket.id}`)).user_id, his.ticket.user_id, 'the ticket stays with Bruno');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('on a Cloud API number, a customer outside the 24-hour window is reached with an approved template', async () => {
  graph.addTemplate({ name: 'pedido_pronto', language: 'pt_BR', body: 'Olá {{1}}! Seu pedido {{2}} está pronto para retirada.' });
  graph.addTemplate({ name: 'promo_verao', language: 'pt_BR', status: 'PENDING', category: 'MARKETING', body: 'Promoção de verão na loja!' });
  graph.addTemplate({ name: 'boleto', language: 'pt_BR', body: 'Seu boleto vence amanhã.', components: [{ type: 'HEADER', format: 'DOCUMENT' }] });
  const cloud = await admin.post('/api/connections', {
    name: 'Loja Cloud',
    kind: 'cloud_api',
    phone: '+55 11 99999-0000',
    cloud_api: { phone_number_id: NUMBER_ID, waba_id: WABA_ID, access_token: TOKEN, app_secret: 'e2e-app-secret-0123', graph_url: graph.graphUrl },
  });
  assert.equal((await admin.post(`/api/connections/${cloud.id}/templates/sync`)).length, 3);

  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.click('[data-testid=new-conversation-open]');
  const dialog = page.locator('[data-testid=new-conversation]');
  await dialog.waitFor();
  // Two numbers now: the agent chooses.
  const from = dialog.locator('[data-testid=nc-connection]');
  assert.equal(await from.inputValue(), '');
  assert.equal(await dialog.locator('[data-testid=nc-what-text]').count(), 0, 'no template choice before a Cloud API number is chosen');
  await from.selectOption(cloud.id);
  await dialog.locator('[data-testid=nc-what-text]').waitFor();
  await dialog.locator('[role=tab][data-tab=number]').click();
  await dialog.locator('[data-testid=nc-phone]').fill('+55 11 96666-5555');
  await dialog.locator('[data-testid=nc-name]').fill('Maria Clara');
  await dialog.locator('[data-testid=nc-body]').fill('Oi Maria, tudo bem?');
  await page.click('[data-testid=nc-send]');

  // A text cannot reach a customer who has not written in 24 hours: the dialog suggests a template.
  const error = dialog.locator('[data-testid=nc-error]');
  await error.waitFor({ timeout: 10_000 });
  assert.equal(await error.getAttribute('data-code'), 'WINDOW_CLOSED');
  assert.match(await error.innerText(), /only an approved template can reach them now/);
  assert.match(await error.innerText(), /Pick an approved template instead/);
  assert.equal((await admin.get('/api/tickets?status=open')).items.filter((x) => x.contact_phone === '+5511966665555').length, 0, 'no ticket opened');
  await dialog.locator('[data-testid=nc-use-template]').click();

  const items = dialog.locator('[data-testid=nc-template]');
  await eventually(async () => (await items.count()) === 3, { what: 'the three templates' });
  const pending = items.filter({ has: page.locator('text=promo_verao') });
  assert.equal(await pending.getAttribute('data-disabled'), 'true');
  assert.match(await pending.innerText(), /Not approved by Meta \(PENDING\)\./);
  assert.equal(await pending.locator('input').isDisabled(), true);
  const withFile = items.filter({ has: page.locator('text=boleto') });
  assert.equal(await withFile.getAttribute('data-disabled'), 'true');
  assert.match(await withFile.innerText(), /Cannot be sent from here: a header with a file/);
  const ready = dialog.locator('[data-testid=nc-template][data-name=pedido_pronto]');
  assert.match(await ready.innerText(), /pt_BR/);
  await ready.click();
  await dialog.locator('[data-testid=nc-variable-1]').fill('Maria');
  await dialog.locator('[data-testid=nc-variable-2]').fill('4512');
  assert.equal(await dialog.locator('[data-testid=nc-preview] .bubble').innerText(), 'Olá Maria! Seu pedido 4512 está pronto para retirada.');
  await page.waitForTimeout(200);
  await screenshot(page, 'new-conversation-template');
  await page.click('[data-testid=nc-send]');

  const id = await openedTicket(page);
  await page.locator(`[data-testid=conversation][data-ticket-id="${id}"][data-status=open]`).waitFor({ timeout: 15_000 });
  const ticket = await admin.get(`/api/tickets/${id}`);
  assert.equal(ticket.connection_id, cloud.id);
  assert.equal(ticket.contact_name, 'Maria Clara');
  const out = await eventually(() => graph.sent().find((m) => m.type === 'template'), { timeout: 15_000, what: 'the template at the fake Graph API' });
  assert.equal(out.to, '5511966665555');
  assert.equal(out.template.name, 'pedido_pronto');
  assert.equal(out.template.language.code, 'pt_BR');
  assert.match(JSON.stringify(out.template.components), /"Maria".*"4512"/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
