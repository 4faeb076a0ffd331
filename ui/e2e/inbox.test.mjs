//! The inbox end to end in a real browser against a real server: a refused sign-in shows
//! its error; a simulated customer writes, the ticket appears live in the waiting list, the
//! agent accepts it (the list follows it to the open tickets), answers from the composer
//! (with a quick reply), the customer's phone gets the answer and reads it, the ticks follow,
//! and the agent closes the ticket. Then the connections page and the simulator phone. Last,
//! an agent renames itself and switches the app to Spanish on the profile page, which stays
//! after a reload and on another device.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';

const CUSTOMER = '+5511987654321';

let platform;
let browser;
let tenant;
let admin;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Padaria Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh browser page that fails the test on any uncaught page error. */
async function newPage(errors) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e));
  return page;
}

test('a wrong password is refused with a visible error', async () => {
  const errors = [];
  const page = await newPage(errors);
  await page.goto(`${platform.baseUrl}/login`);
  await page.waitForSelector('input[name=email]');
  await screenshot(page, 'login');
  await page.fill('input[name=email]', tenant.adminEmail);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  const error = page.locator('[data-testid=login-error]');
  await error.waitFor({ timeout: 10_000 });
  // The code is for programs; people read a sentence in their language.
  assert.equal(await error.getAttribute('data-code'), 'INVALID_CREDENTIALS');
  assert.equal((await error.innerText()).trim(), 'The email or password is not right.');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});

test('a customer writes, the agent sees it live, accepts, answers and closes', async () => {
  const queue = await admin.post('/api/queues', { name: 'Suporte', color: '#2e9e6b', user_ids: [tenant.adminId] });
  const conn = await admin.post('/api/connections', {
    name: 'Loja Centro',
    kind: 'simulator',
    phone: '+55 11 3000-0001',
    default_queue_id: queue.id,
  });
  assert.equal(conn.status, 'connected');
  await admin.post('/api/quick-replies', { shortcut: 'horario', message: 'Abrimos de segunda a sábado, das 8h às 18h.' });

  const errors = [];
  const page = await newPage(errors);
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  await page.click('nav a[href="/inbox"]');
  await page.waitForURL((u) => u.pathname === '/inbox');
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  await page.click('[role=tab][data-tab=pending]');
  await page.waitForSelector('.inbox-list .empty-state');

  const presence = page.locator('[data-testid=presence]');
  await presence.click();
  await page.waitForSelector('[data-testid=presence][aria-checked=true]');

  // Nothing reloads from here on: the marker would be lost.
  await page.evaluate(() => {
    window.__noReload = 'still here';
  });

  const sent = await admin.post(`/api/connections/${conn.id}/simulator/messages`, {
    from: CUSTOMER,
    name: 'Maria Souza',
    text: 'Oi, meu pedido não chegou',
  });
  const item = page.locator(`[data-testid=ticket-item][data-ticket-id="${sent.ticket_id}"]`);
  await item.waitFor({ timeout: 10_000 });
  assert.match(await item.innerText(), /Maria Souza/);
  assert.match(await item.innerText(), /meu pedido não chegou/);
  assert.equal(await item.getAttribute('data-status'), 'pending');
  assert.equal(await item.locator('[data-testid=unread-badge]').innerText(), '1');
  // The tab's count is read again a moment after the event (counts are debounced).
  await page.locator('[role=tab][data-tab=pending]', { hasText: '1' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.evaluate(() => window.__noReload), 'still here');
  await screenshot(page, 'inbox-list');

  await item.click();
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${sent.ticket_id}"]`);
  await conversation.waitFor();
  await page.locator('[data-testid=message][data-direction=in]', { hasText: 'meu pedido não chegou' }).waitFor();
  await page.waitForSelector('[data-testid=composer-blocked]');

  await page.click('[data-testid=accept]');
  await page.waitForSelector(`[data-testid=conversation][data-status=open]`);
  // The list followed it to the open tickets, where it stays selected; the waiting count drops.
  await page.locator('[role=tab][data-tab=open][aria-selected=true]').waitFor();
  await page.locator(`[data-testid=ticket-item][data-ticket-id="${sent.ticket_id}"][data-status=open][aria-current=page]`).waitFor({ timeout: 10_000 });
  await page.locator('[role=tab][data-tab=pending] .tab-count').waitFor({ state: 'detached', timeout: 5_000 });

  // The transfer dialog lists the company's agents with their presence and open tickets.
  await page.click('[data-testid=transfer]');
  const self = page.locator(`[data-testid=transfer-agent-option][data-user-id="${tenant.adminId}"]`);
  await self.waitFor();
  await eventually(async () => (await self.getAttribute('data-online')) === 'true', { what: 'the agent list to show the admin online' });
  assert.match(await self.innerText(), /Ana Admin/);
  assert.match(await self.innerText(), /1/);
  await page.locator('[role=dialog] .modal-footer .btn').first().click();
  await page.locator('[role=dialog]').waitFor({ state: 'detached' });

  const input = page.locator('[data-testid=composer-input]');
  await input.click();
  await input.pressSequentially('/hora');
  const quick = page.locator('[data-testid=quick-replies]');
  await quick.waitFor();
  assert.match(await quick.innerText(), /\/horario/);
  await input.press('Enter');
  assert.equal(await input.inputValue(), 'Abrimos de segunda a sábado, das 8h às 18h.');
  await input.fill('');
  await input.fill('Olá Maria! Vou verificar o seu pedido agora mesmo.');
  await input.press('Enter');

  const answer = page.locator('[data-testid=message][data-direction=out]', { hasText: 'Vou verificar o seu pedido' });
  await answer.waitFor();
  // The live event may show the answer a moment before the send's own answer clears the box.
  await eventually(async () => (await input.inputValue()) === '', { what: 'the composer to clear after sending' });
  await eventually(async () => ['delivered', 'read'].includes(await answer.getAttribute('data-status')), {
    what: 'the answer to be delivered',
  });

  const phoneChat = `/api/connections/${conn.id}/simulator/chats/${encodeURIComponent(CUSTOMER)}`;
  await eventually(async () => (await admin.get(phoneChat)).some((m) => m.direction === 'out' && m.body.includes('Vou verificar o seu pedido')), {
    what: "the answer on the customer's phone",
  });

  await admin.post(`/api/connections/${conn.id}/simulator/read`, { phone: CUSTOMER });
  await answer.locator('[data-testid=tick][data-status=read]').waitFor({ timeout: 10_000 });

  await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: CUSTOMER, text: 'Obrigada! É o pedido 4512.' });
  await page.locator('[data-testid=message][data-direction=in]', { hasText: 'pedido 4512' }).waitFor({ timeout: 10_000 });
  await eventually(async () => (await admin.get(`/api/tickets/${sent.ticket_id}`)).unread === 0, { what: 'the open conversation to mark it read' });
  await screenshot(page, 'conversation');

  await page.click('[data-testid=close-ticket]');
  await page.locator('[role=dialog] .btn-primary').click();
  await page.waitForSelector('[data-testid=conversation][data-status=closed]', { timeout: 10_000 });
  assert.equal((await admin.get(`/api/tickets/${sent.ticket_id}`)).status, 'closed');
  await page.click('[role=tab][data-tab=closed]');
  await page.locator(`[data-testid=ticket-item][data-ticket-id="${sent.ticket_id}"]`).waitFor();
  assert.equal(await page.evaluate(() => window.__noReload), 'still here');

  await page.click('nav a[href="/connections"]');
  const card = page.locator(`[data-testid=connection-card][data-connection-id="${conn.id}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /Loja Centro/);
  assert.equal(await card.getAttribute('data-status'), 'connected');
  await screenshot(page, 'connections');

  await card.locator('[data-testid=open-phone]').click();
  await page.waitForURL((u) => u.pathname === `/connections/${conn.id}/phone`);
  // The server lists the phone that already chatted (this browser never opened it).
  const recent = page.locator(`[data-testid=sim-recent-phone][data-phone="${CUSTOMER}"]`);
  await recent.waitFor();
  assert.equal(await page.evaluate((id) => localStorage.getItem(`tucan.sim.recent.${id}`), conn.id), null);
  await page.fill('input[name=customer-phone]', CUSTOMER);
  await page.fill('input[name=customer-name]', 'Maria Souza');
  await page.click('[data-testid=open-chat]');
  await page.locator('[data-testid=sim-message][data-direction=out]', { hasText: 'Vou verificar o seu pedido' }).waitFor();
  await page.fill('[data-testid=sim-input]', 'Chegou! Muito obrigada.');
  await page.click('[data-testid=sim-send]');
  await page.locator('[data-testid=sim-message][data-direction=in]', { hasText: 'Chegou! Muito obrigada.' }).waitFor();
  const waiting = await eventually(
    async () => (await admin.get('/api/tickets?status=pending')).items.find((x) => x.contact_phone.endsWith('987654321') && x.last_message.includes('Chegou')),
    { what: 'the phone message to open a new ticket' },
  );
  assert.equal(waiting.contact_name, 'Maria Souza');
  await screenshot(page, 'simulator-phone');

  // The same customer on a second number has a second ticket; its contact panel lists the
  // first one among the contact's other tickets.
  const conn2 = await admin.post('/api/connections', { name: 'Loja Norte', kind: 'simulator', phone: '+55 11 3000-0002', default_queue_id: queue.id });
  const second = await admin.post(`/api/connections/${conn2.id}/simulator/messages`, { from: CUSTOMER, text: 'Outra loja, outra pergunta.' });
  assert.notEqual(second.ticket_id, waiting.id);
  await page.goto(`${platform.baseUrl}/inbox/${second.ticket_id}`);
  const pastLink = page.locator(`[data-testid=contact-panel] a[href="/inbox/${waiting.id}"]`);
  await pastLink.waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid=contact-panel] .past-tickets li').count(), 1);
  await page.context().close();

  // A browser with nothing stored shows the presence saved on the server.
  const fresh = await newPage(errors);
  await uiSignIn(fresh, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  await fresh.goto(`${platform.baseUrl}/inbox`);
  await fresh.waitForSelector('[data-testid=presence][aria-checked=true]', { timeout: 10_000 });
  await fresh.context().close();
  assert.deepEqual(errors.map(String), []);
});

test('an agent changes its name and language on the profile page, and both stay', async () => {
  const email = `bea.${Date.now().toString(36)}@example.com`;
  const password = 'Bea-agent-pass-2025';
  await admin.post('/api/users', { name: 'Bea Lima', email, password, role: 'agent', language: 'en' });

  const errors = [];
  const page = await newPage(errors);
  await uiSignIn(page, platform.baseUrl, email, password);
  const inboxLink = page.locator('nav a[href="/inbox"]');
  await inboxLink.waitFor();
  assert.equal((await inboxLink.innerText()).trim(), 'Inbox');

  await page.click('a.user-chip[href="/profile"]');
  await page.waitForURL((u) => u.pathname === '/profile');
  const nameInput = page.locator('input[name=name]');
  await nameInput.waitFor();
  assert.equal(await nameInput.isDisabled(), false, 'an agent may rename itself');
  await nameInput.fill('Bea Lima Souza');
  await page.selectOption('[data-testid=profile-language]', 'es');
  // Picking is not saving: the app stays in English until the profile is saved.
  assert.equal((await inboxLink.innerText()).trim(), 'Inbox');
  await page.click('[data-testid=profile-save]');

  await eventually(async () => (await inboxLink.innerText()).trim() === 'Bandeja', { what: 'the navigation to switch to Spanish' });
  await page.locator('.user-chip', { hasText: 'Bea Lima Souza' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
  const session = await signIn(platform.baseUrl, email, password);
  const me = await apiAs(platform.baseUrl, session.access_token).get('/api/auth/me');
  assert.equal(me.name, 'Bea Lima Souza');
  assert.equal(me.language, 'es');
  await screenshot(page, 'profile-spanish');

  await page.reload();
  await inboxLink.waitFor();
  assert.equal((await inboxLink.innerText()).trim(), 'Bandeja');
  assert.equal(await page.locator('[data-testid=profile-language]').inputValue(), 'es');
  assert.equal(await page.locator('input[name=name]').inputValue(), 'Bea Lima Souza');
  await page.context().close();

  // A browser that never saw this user opens in the account's language too.
  const other = await newPage(errors);
  await uiSignIn(other, platform.baseUrl, email, password);
  const link = other.locator('nav a[href="/inbox"]');
  await link.waitFor();
  await eventually(async () => (await link.innerText()).trim() === 'Bandeja', { what: 'a fresh browser to open in Spanish' });
  await other.context().close();
  assert.deepEqual(errors.map(String), []);
});
