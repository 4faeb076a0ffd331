//! Working as a team, in real browsers against a real server: the admin writes a note that
//! mentions an agent, picking her from the `@` list of the note composer; the agent, on
//! another page of the app, is told at once (a notice with a link, a count on the Inbox entry)
//! and opens the ticket from the notice. Then quick replies of one's own: the agent reads the
//! company's shared ones, makes personal ones (one with `{{contact.name}}`, one with a file),
//! and on a ticket the `/` list shows each filled in for its customer, with a paperclip on the
//! one that sends a file, which goes with it. The admin chooses between shared and personal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

let platform;
let browser;
let tenant;
let admin;
let agent;
let agentApi;
let queue;
let conn;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Equipe Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  await admin.patch('/api/auth/me', { language: 'en' });
  const email = `carla.${Date.now().toString(36)}@example.com`;
  const password = 'Carla-agent-pass-2025';
  const made = await admin.post('/api/users', { name: 'Carla', email, password, role: 'agent', language: 'en' });
  // A first and a last name: the mention list shows the whole name, the note gets `@Carla`.
  await admin.patch(`/api/users/${made.id}`, { name: 'Carla Souza' });
  await admin.post('/api/users', { name: 'Bruno Lima', email: `bruno.${Date.now().toString(36)}@example.com`, password: 'Bruno-agent-pass-2025', role: 'agent', language: 'en' });
  agent = { id: made.id, email, password };
  agentApi = apiAs(platform.baseUrl, (await signIn(platform.baseUrl, email, password)).access_token);
  queue = await admin.post('/api/queues', { name: 'Atendimento', color: '#2e9e6b', user_ids: [tenant.adminId, agent.id] });
  conn = await admin.post('/api/connections', { name: 'Loja', kind: 'simulator', phone: '+55 11 3000-0101', default_queue_id: queue.id });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh page signed in as `email`; uncaught page errors are collected on `page.errors`. */
async function pageAs(email, password) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await uiSignIn(page, platform.baseUrl, email, password);
  return page;
}

/** A customer writes to the company's number: the id of the ticket it opens. */
async function customerWrites(phone, name, text) {
  return (await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: phone, name, text })).ticket_id;
}

test('a note that mentions an agent reaches her on any page, and its notice opens the ticket', async () => {
  const ticket = await customerWrites('+5511988880001', 'Maria Souza', 'Meu pedido veio errado');
  await admin.post(`/api/tickets/${ticket}/accept`);

  // The agent is busy elsewhere in the app.
  const carla = await pageAs(agent.email, agent.password);
  await carla.click('nav a[href="/schedules"]');
  await carla.waitForURL((u) => u.pathname === '/schedules');
  assert.equal(await carla.locator('[data-testid=mentions-badge]').count(), 0);

  const ana = await pageAs(tenant.adminEmail, tenant.adminPassword);
  await ana.goto(`${platform.baseUrl}/inbox/${ticket}`);
  await ana.locator(`[data-testid=conversation][data-ticket-id="${ticket}"]`).waitFor();
  await ana.click('[data-testid=note-mode]');
  const input = ana.locator('[data-testid=composer-input]');
  await input.click();
  await input.pressSequentially('@');
  const menu = ana.locator('[data-testid=mention-menu]');
  await menu.waitFor();
  // Every colleague but the writer.
  const options = menu.locator('[data-testid=mention-option]');
  await eventually(async () => (await options.count()) === 2, { what: 'two colleagues to mention' });
  assert.equal(await menu.locator(`[data-testid=mention-option][data-user-id="${tenant.adminId}"]`).count(), 0);
  await input.pressSequentially('car');
  await eventually(async () => (await options.count()) === 1, { what: 'the list to narrow to Carla' });
  assert.match(await options.first().innerText(), /Carla Souza/);
  assert.equal(await options.first().getAttribute('data-user-id'), agent.id);
  // Escape closes the list, and the next `@` opens it again.
  await input.press('Escape');
  await menu.waitFor({ state: 'detached' });
  await input.fill('');
  await input.pressSequentially('@bru');
  await menu.waitFor();
  await input.press('ArrowDown');
  await input.fill('');
  await input.pressSequentially('@Ca');
  await eventually(async () => (await options.count()) === 1, { what: 'Carla alone' });
  await screenshot(ana, 'team-mention-menu');
  await input.press('Enter');
  await menu.waitFor({ state: 'detached' });
  assert.equal(await input.inputValue(), '@Carla ');
  await input.pressSequentially('pode ver este cliente?');
  const posted = ana.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/tickets/${ticket}/notes`));
  await input.press('Enter');
  const note = await (await posted).json();
  assert.deepEqual(note.mentions, [agent.id]);
  assert.equal(note.body, '@Carla pode ver este cliente?');

  const notice = carla.locator('[data-testid=mention-notice]');
  await notice.waitFor({ timeout: 10_000 });
  assert.match(await notice.innerText(), /Ana Admin mentioned you: @Carla pode ver este cliente\?/);
  const badge = carla.locator('[data-testid=mentions-badge]');
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-count'), '1');
  assert.equal(await carla.locator('nav a[href="/inbox"] [data-testid=mentions-badge]').count(), 1);
  const open = notice.locator('[data-testid=mention-notice-open]');
  assert.equal(await open.getAttribute('href'), `/inbox/${ticket}`);
  await screenshot(carla, 'team-mention-notice');

  await open.click();
  await carla.waitForURL((u) => u.pathname === `/inbox/${ticket}`);
  await carla.locator(`[data-testid=conversation][data-ticket-id="${ticket}"]`).waitFor();
  await carla.locator('[data-testid=message][data-direction=note]', { hasText: 'pode ver este cliente' }).waitFor();
  // Opened: nothing unread any more, after a reload too.
  await badge.waitFor({ state: 'detached' });
  await carla.reload();
  await carla.locator(`[data-testid=conversation][data-ticket-id="${ticket}"]`).waitFor();
  assert.equal(await badge.count(), 0);

  assert.deepEqual(carla.errors, []);
  assert.deepEqual(ana.errors, []);
  await carla.context().close();
  await ana.context().close();
});

test('an agent keeps quick replies of her own, and the / list shows them filled in for the ticket', async () => {
  await admin.post('/api/quick-replies', { shortcut: 'horario', message: 'Abrimos das 8h às 18h, {{contact.name}}.' });
  const page = await pageAs(agent.email, agent.password);
  await page.click('nav a[href="/admin/quick-replies"]');
  await page.waitForURL((u) => u.pathname === '/admin/quick-replies');
  const shared = page.locator('[data-testid=qr-item][data-shortcut=horario]');
  await shared.waitFor();
  assert.equal(await shared.getAttribute('data-scope'), 'shared');
  // Shared replies are the supervisors' to change.
  await shared.locator('[data-testid=qr-read-only]').waitFor();
  assert.equal(await shared.getByRole('button').count(), 0);

  await page.click('[data-testid=qr-new]');
  let dialog = page.locator('[data-testid=qr-dialog]');
  await dialog.waitFor();
  assert.equal(await dialog.locator('[data-testid=qr-scope-shared]').count(), 0, 'an agent makes personal replies only');
  assert.match(await dialog.locator('[data-testid=qr-scope-note]').innerText(), /Personal/);
  await dialog.locator('[data-testid=qr-shortcut]').fill('ola');
  await dialog.locator('[data-testid=qr-message]').fill('Olá {{contact.name}}, tudo bem?');
  await page.click('[data-testid=dialog-submit]');
  await dialog.waitFor({ state: 'detached' });
  const ola = page.locator('[data-testid=qr-item][data-shortcut=ola]');
  await ola.waitFor();
  assert.equal(await ola.getAttribute('data-scope'), 'personal');

  // A reply that is only a file: uploaded, shown with its name and type, removed, added again.
  await page.click('[data-testid=qr-new]');
  dialog = page.locator('[data-testid=qr-dialog]');
  await dialog.waitFor();
  await dialog.locator('[data-testid=qr-shortcut]').fill('catalogo');
  await page.click('[data-testid=dialog-submit]');
  await dialog.locator('.error-text', { hasText: 'Write a text or attach a file.' }).waitFor();
  await dialog.locator('[data-testid=qr-file-input]').setInputFiles({ name: 'catalogo.png', mimeType: 'image/png', buffer: PNG });
  const chip = dialog.locator('[data-testid=qr-file]');
  await chip.waitFor();
  assert.match(await chip.innerText(), /catalogo\.png/);
  assert.match(await chip.innerText(), /image\/png/);
  await chip.locator('[data-testid=qr-file-remove]').click();
  await chip.waitFor({ state: 'detached' });
  await dialog.locator('[data-testid=qr-file-input]').setInputFiles({ name: 'catalogo.png', mimeType: 'image/png', buffer: PNG });
  await chip.waitFor();
  await screenshot(page, 'team-quick-reply-file');
  await page.click('[data-testid=dialog-submit]');
  await dialog.waitFor({ state: 'detached' });
  const catalogo = page.locator('[data-testid=qr-item][data-shortcut=catalogo]');
  await catalogo.locator('[data-testid=qr-file-mark]').waitFor();

  const mine = (await agentApi.get('/api/quick-replies')).filter((q) => q.user_id === agent.id);
  assert.deepEqual(mine.map((q) => q.shortcut).sort(), ['catalogo', 'ola']);
  assert.ok(mine.find((q) => q.shortcut === 'catalogo').media_id);
  await screenshot(page, 'team-quick-replies-agent');

  // On a ticket of hers, the list shows the text as it will go.
  const ticket = await customerWrites('+5511988880002', 'João Pereira', 'Bom dia');
  await agentApi.post(`/api/tickets/${ticket}/accept`);
  await page.goto(`${platform.baseUrl}/inbox/${ticket}`);
  await page.locator(`[data-testid=conversation][data-ticket-id="${ticket}"][data-status=open]`).waitFor();
  const input = page.locator('[data-testid=composer-input]');
  await input.click();
  await input.pressSequentially('/');
  const list = page.locator('[data-testid=quick-replies]');
  const olaOption = list.locator('[data-testid=quick-reply-option][data-shortcut=ola]');
  await olaOption.waitFor();
  assert.equal((await olaOption.locator('[data-testid=quick-reply-preview-text]').innerText()).trim(), 'Olá João Pereira, tudo bem?');
  assert.doesNotMatch(await list.innerText(), /\{\{/);
  const horarioText = await list.locator('[data-testid=quick-reply-option][data-shortcut=horario] [data-testid=quick-reply-preview-text]').innerText();
  assert.equal(horarioText.trim(), 'Abrimos das 8h às 18h, João Pereira.');
  const catalogoOption = list.locator('[data-testid=quick-reply-option][data-shortcut=catalogo]');
  assert.equal(await catalogoOption.getAttribute('data-file'), 'true');
  await catalogoOption.locator('[data-testid=quick-reply-file]').waitFor();
  assert.equal(await olaOption.locator('[data-testid=quick-reply-file]').count(), 0);
  await screenshot(page, 'team-quick-reply-list');

  await input.pressSequentially('ol');
  await eventually(async () => (await list.locator('[data-testid=quick-reply-option]').count()) === 1, { what: 'the list to narrow to /ola' });
  await input.press('Enter');
  assert.equal(await input.inputValue(), 'Olá João Pereira, tudo bem?');

  // A reply with a file goes as its shortcut, and the composer shows what will go.
  await input.fill('');
  await input.pressSequentially('/cat');
  await catalogoOption.click();
  assert.equal(await input.inputValue(), '/catalogo');
  const preview = page.locator('[data-testid=quick-reply-preview][data-shortcut=catalogo]');
  await preview.waitFor();
  await input.press('Enter');
  await eventually(async () => (await input.inputValue()) === '', { what: 'the composer to clear after sending' });
  const sent = await eventually(
    async () => (await agentApi.get(`/api/tickets/${ticket}/messages`)).items.find((m) => m.direction === 'out' && m.media),
    { what: 'the quick reply to go with its file' },
  );
  assert.notEqual(sent.body, '/catalogo');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a supervisor or admin chooses whether a new quick reply is shared or personal', async () => {
  const page = await pageAs(tenant.adminEmail, tenant.adminPassword);
  await page.goto(`${platform.baseUrl}/admin/quick-replies`);
  await page.locator('[data-testid=quick-replies-page]').waitFor();
  // Another user's personal replies are theirs alone.
  await page.locator('[data-testid=qr-item][data-shortcut=horario]').waitFor();
  assert.equal(await page.locator('[data-testid=qr-item][data-shortcut=ola]').count(), 0);
  await page.click('[data-testid=qr-new]');
  const dialog = page.locator('[data-testid=qr-dialog]');
  await dialog.waitFor();
  assert.equal(await dialog.locator('[data-testid=qr-scope-shared]').isChecked(), true);
  await dialog.locator('[data-testid=qr-scope-personal]').check();
  await dialog.locator('[data-testid=qr-shortcut]').fill('assinatura');
  await dialog.locator('[data-testid=qr-message]').fill('Abraços, {{agent.name}}');
  await page.click('[data-testid=dialog-submit]');
  await dialog.waitFor({ state: 'detached' });
  const item = page.locator('[data-testid=qr-item][data-shortcut=assinatura]');
  await item.waitFor();
  assert.equal(await item.getAttribute('data-scope'), 'personal');
  // The shared one stays editable for the admin.
  await page.locator('[data-testid=qr-item][data-shortcut=horario]').getByRole('button', { name: 'Edit /horario' }).waitFor();
  const made = (await admin.get('/api/quick-replies')).find((q) => q.shortcut === 'assinatura');
  assert.equal(made.user_id, tenant.adminId);
  assert.equal((await agentApi.get('/api/quick-replies')).some((q) => q.shortcut === 'assinatura'), false);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
