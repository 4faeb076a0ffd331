//! The inbox end to end in a real browser against a real server: a refused sign-in shows
//! its error; a simulated customer writes, the ticket appears live in the waiting list, the
//! agent accepts it, answers from the composer (with a quick reply), the customer's phone
//! gets the answer and reads it, the ticks follow, and the agent closes the ticket. Then the
//! connections page and the simulator phone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';

const CUSTOMER = '+5511987654321';

let platform;
let browser;
let tenant;
let admin;

before(async () => {
  platform = await startPlatform();
  const root = await signIn(platform.baseUrl, platform.adminEmail, platform.adminPassword);
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
  assert.match(await error.innerText(), /INVALID_CREDENTIALS/);
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
  assert.match(await page.locator('[role=tab][data-tab=pending]').innerText(), /1/);
  assert.equal(await page.evaluate(() => window.__noReload), 'still here');
  await screenshot(page, 'inbox-list');

  await item.click();
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${sent.ticket_id}"]`);
  await conversation.waitFor();
  await page.locator('[data-testid=message][data-direction=in]', { hasText: 'meu pedido não chegou' }).waitFor();
  await page.waitForSelector('[data-testid=composer-blocked]');

  await page.click('[data-testid=accept]');
  await page.waitForSelector(`[data-testid=conversation][data-status=open]`);
  // It left the waiting list live.
  await item.waitFor({ state: 'detached', timeout: 10_000 });

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
  assert.equal(await input.inputValue(), '');
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

  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});
