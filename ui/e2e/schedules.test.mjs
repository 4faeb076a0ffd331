//! Scheduled messages and contact wallets end to end, in a real browser against a real server:
//! on the Schedules page the admin schedules a message to a contact, sees it listed, changes
//! its text and brings it a few seconds closer (the PATCH holds only those two), and the
//! contact's simulated phone gets the new text when it is due, while the list shows it as
//! sent; a second message, scheduled weekly from the contacts page, is cancelled after a
//! confirmation and shows as cancelled. Then the Settings page names the `contact_wallets`
//! choices, the contact dialog puts a contact into the admin's wallet ("My wallet" finds it),
//! and the inbox's contact panel edits the contact in place.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

const PHONE = '+55 11 97654-3210';
const DIGITS = '5511976543210';
const FIRST_TEXT = 'Bom dia {{contact.name}}! Seu pão sai às 7h.';
const EDITED_TEXT = 'Bom dia {{contact.name}}! Hoje tem pão de queijo quentinho.';

let platform;
let browser;
let tenant;
let admin;
let conn;
let rita;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Padaria Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  conn = await admin.post('/api/connections', { name: 'Padaria Centro', kind: 'simulator', phone: '+55 11 3000-0077' });
  rita = await admin.post('/api/contacts', { name: 'Rita Lopes', phone: PHONE });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh page signed in as the company's admin, in the company's time zone; page errors are collected. */
async function adminPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'America/Sao_Paulo' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

/** A date-time input's value `ms` from now, in the page's time zone, to the second. */
const localIn = (page, ms) =>
  page.evaluate((ahead) => {
    const d = new Date(Date.now() + ahead);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }, ms);

/** What the simulated phone `digits` got from the connection, oldest first. */
const phoneGot = (digits) => admin.get(`/api/connections/${conn.id}/simulator/chats/${digits}`).then((l) => l.filter((m) => m.direction === 'out'));

test('a message scheduled on the Schedules page is edited and reaches the phone with the new text', async () => {
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/schedules`);
  await page.locator('[data-testid=schedules-page]').waitFor({ timeout: 15_000 });
  assert.equal((await page.locator('nav a[href="/schedules"]').innerText()).trim(), 'Scheduled', 'the sidebar leads here');
  await page.locator('[data-testid=schedules-empty]').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[role=tab][data-tab=scheduled]').getAttribute('aria-selected'), 'true', 'the scheduled ones show first');

  await page.click('[data-testid=schedule-new]');
  const dialog = page.locator('[data-testid=schedule-dialog]');
  await dialog.waitFor();
  await dialog.locator('[data-testid=sd-contact-search]').fill('Rita');
  await dialog.locator(`[data-testid=sd-contact-option][data-contact-id="${rita.id}"]`).click();
  await dialog.locator(`[data-testid=sd-contact][data-contact-id="${rita.id}"]`).waitFor();
  // The company's only number is chosen already.
  assert.equal(await dialog.locator('[data-testid=sd-connection]').inputValue(), conn.id);
  // Nothing is scheduled without a message.
  await page.click('[data-testid=sd-submit]');
  await dialog.locator('.error-text', { hasText: 'Write a message or attach a file.' }).waitFor();
  await dialog.locator('[data-testid=sd-body]').fill(FIRST_TEXT);
  await dialog.locator('[data-testid=sd-send-at]').fill(await localIn(page, 90_000));
  assert.equal(await dialog.locator('[data-testid=sd-repeat]').inputValue(), 'none');
  await page.waitForTimeout(200);
  await screenshot(page, 'schedule-new');
  await page.click('[data-testid=sd-submit]');
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.toast-success', { hasText: 'Message to Rita Lopes scheduled for' }).waitFor();

  const [created] = (await admin.get('/api/scheduled')).items;
  assert.equal(created.contact_id, rita.id);
  assert.equal(created.connection_id, conn.id);
  assert.equal(created.body, FIRST_TEXT);
  assert.equal(created.status, 'scheduled');
  assert.equal(created.repeat, 'none');
  const row = page.locator(`[data-testid=schedule-row][data-schedule-id="${created.id}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getAttribute('data-status'), 'scheduled');
  assert.equal(await row.locator('[data-testid=schedule-contact]').innerText(), 'Rita Lopes');
  assert.match(await row.innerText(), /Padaria Centro/);
  assert.equal(await row.locator('[data-testid=schedule-body]').innerText(), FIRST_TEXT);
  assert.equal(await row.locator('[data-testid=schedule-repeat]').innerText(), 'Once');
  assert.equal(await row.locator('[data-testid=schedule-status]').innerText(), 'Scheduled');
  assert.equal(Date.parse(await row.locator('[data-testid=schedule-when]').getAttribute('data-at')), Date.parse(created.send_at));

  // The text changes and the message comes closer: only those two go in the PATCH.
  await row.locator('[data-testid=schedule-edit]').click();
  await dialog.waitFor();
  assert.equal(await dialog.locator('[data-testid=sd-body]').inputValue(), FIRST_TEXT);
  assert.equal(await dialog.locator('[data-testid=sd-contact-change]').count(), 0, 'the contact of a scheduled message stays');
  await dialog.locator('[data-testid=sd-body]').fill(EDITED_TEXT);
  await dialog.locator('[data-testid=sd-send-at]').fill(await localIn(page, 4_000));
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/scheduled/${created.id}`));
  await page.click('[data-testid=sd-submit]');
  const sent = JSON.parse((await patch).postData());
  assert.deepEqual(Object.keys(sent).sort(), ['body', 'send_at']);
  assert.equal(sent.body, EDITED_TEXT);
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  await eventually(async () => (await row.locator('[data-testid=schedule-body]').innerText()) === EDITED_TEXT, { what: 'the edited text in the list' });

  // When it is due, the phone gets the edited text, with the contact's name filled in.
  const got = await eventually(async () => (await phoneGot(DIGITS)).find((m) => m.body.includes('Hoje tem pão de queijo')), {
    timeout: 30_000,
    what: "the scheduled message on Rita's phone",
  });
  assert.equal(got.body, 'Bom dia Rita Lopes! Hoje tem pão de queijo quentinho.');
  assert.equal((await phoneGot(DIGITS)).filter((m) => m.body.includes('Seu pão sai')).length, 0, 'the first text never went');
  const done = await eventually(async () => {
    const s = await admin.get(`/api/scheduled/${created.id}`);
    return s.status === 'sent' && s;
  }, { what: 'the message to be sent' });
  assert.equal(done.sent_count, 1);
  assert.ok(done.message_id, 'the sent message is named');

  // It leaves the scheduled ones, and shows as sent among all.
  await row.waitFor({ state: 'detached', timeout: 20_000 });
  await page.click('[role=tab][data-tab=all]');
  const sentRow = page.locator(`[data-testid=schedule-row][data-schedule-id="${created.id}"][data-status=sent]`);
  await sentRow.waitFor({ timeout: 10_000 });
  assert.equal(await sentRow.locator('[data-testid=schedule-status]').innerText(), 'Sent');
  assert.equal(await sentRow.locator('[data-testid=schedule-sent-count]').innerText(), 'Sent: 1');
  assert.equal(await sentRow.locator('[data-testid=schedule-edit]').count(), 0, 'a sent message is not edited');
  await page.waitForTimeout(200);
  await screenshot(page, 'schedules-sent');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a weekly message scheduled from the contacts page is cancelled after a confirmation', async () => {
  const page = await adminPage();
  await page.goto(`${platform.baseUrl}/admin/contacts`);
  const contactRow = page.locator('[data-testid=contact-row]', { hasText: 'Rita Lopes' });
  await contactRow.waitFor({ timeout: 15_000 });
  await contactRow.locator('[data-testid=contact-schedule]').click();
  const dialog = page.locator('[data-testid=schedule-dialog]');
  await dialog.waitFor();
  assert.equal(await dialog.locator('[data-testid=sd-contact]').getAttribute('data-contact-id'), rita.id);
  await dialog.locator('[data-testid=sd-body]').fill('Lembrete: a encomenda de bolo é toda sexta.');
  await dialog.locator('[data-testid=sd-send-at]').fill(await localIn(page, 2 * 3600_000));
  await dialog.locator('[data-testid=sd-repeat]').selectOption('weekly');
  // An end before the first send is refused before anything is sent.
  const yesterday = (await localIn(page, -24 * 3600_000)).slice(0, 10);
  await dialog.locator('[data-testid=sd-repeat-until]').fill(yesterday);
  await page.click('[data-testid=sd-submit]');
  await dialog.locator('.error-text', { hasText: 'The end must come after the first send.' }).waitFor();
  const until = (await localIn(page, 40 * 24 * 3600_000)).slice(0, 10);
  await dialog.locator('[data-testid=sd-repeat-until]').fill(until);
  await page.click('[data-testid=sd-submit]');
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.toast-success', { hasText: 'Message to Rita Lopes scheduled for' }).waitFor();
  const weekly = (await admin.get('/api/scheduled?status=scheduled')).items.find((s) => s.body.startsWith('Lembrete'));
  assert.ok(weekly, 'the weekly message is scheduled');
  assert.equal(weekly.repeat, 'weekly');
  assert.ok(weekly.repeat_until, 'with its last day');

  await page.click('nav a[href="/schedules"]');
  const row = page.locator(`[data-testid=schedule-row][data-schedule-id="${weekly.id}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.match(await row.locator('[data-testid=schedule-repeat]').innerText(), /Every week\s*until/);
  await row.locator('[data-testid=schedule-cancel]').click();
  const confirm = page.locator('[data-testid=schedule-cancel-dialog]');
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /No more messages of this series will go to Rita Lopes\./);
  await page.waitForTimeout(200);
  await screenshot(page, 'schedule-cancel');
  await page.click('[data-testid=schedule-cancel-confirm]');
  await confirm.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.toast-success', { hasText: 'Scheduled message cancelled.' }).waitFor();
  await row.waitFor({ state: 'detached' });
  await page.click('[role=tab][data-tab=cancelled]');
  const cancelled = page.locator(`[data-testid=schedule-row][data-schedule-id="${weekly.id}"][data-status=cancelled]`);
  await cancelled.waitFor({ timeout: 10_000 });
  assert.equal(await cancelled.locator('[data-testid=schedule-status]').innerText(), 'Cancelled');
  assert.equal((await admin.get(`/api/scheduled/${weekly.id}`)).status, 'cancelled');
  const again = await admin.raw('POST', `/api/scheduled/${weekly.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal((await again.json()).code, 'TICKET_STATE');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("contact wallets: the setting's choices, the contact dialog, \"My wallet\", and the inbox's contact panel", async () => {
  const queue = await admin.post('/api/queues', { name: 'Encomendas', color: '#7c5cff', user_ids: [tenant.adminId] });
  const vip = await admin.post('/api/tags', { name: 'VIP', color: '#e0a100' });
  await admin.post('/api/contacts', { name: 'Carlos Souza', phone: '+55 21 98888-1111' });
  const page = await adminPage();

  // The setting reads as words, each choice too.
  await page.goto(`${platform.baseUrl}/admin/settings`);
  const setting = page.locator('[data-testid=setting-contact_wallets]');
  await setting.waitFor({ timeout: 15_000 });
  assert.match(await setting.innerText(), /Contact wallets/);
  assert.match(await setting.innerText(), /only while that agent is online/);
  const labels = await setting.locator('select option').allInnerTexts();
  assert.deepEqual(labels, ['Off', 'To the agent while online', 'Always to the agent']);
  await setting.locator('select').selectOption('owner_online');
  await page.click('[data-testid=settings-save]');
  await eventually(async () => (await admin.get('/api/settings')).find((s) => s.key === 'contact_wallets')?.value === 'owner_online', {
    what: 'contact_wallets to be saved',
  });

  // The contact dialog puts Rita into the admin's wallet, with a queue.
  await page.goto(`${platform.baseUrl}/admin/contacts`);
  const rows = page.locator('[data-testid=contact-row]');
  const ritaRow = rows.filter({ hasText: 'Rita Lopes' });
  await ritaRow.waitFor({ timeout: 15_000 });
  await ritaRow.locator('[data-testid=contact-edit]').click();
  const dialog = page.locator('[data-testid=contact-dialog]');
  await dialog.waitFor();
  await dialog.locator('[data-testid=contact-owner-select]').selectOption(tenant.adminId);
  await dialog.locator('[data-testid=contact-queue-select]').selectOption(queue.id);
  await page.click('[data-testid=dialog-submit]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => (await ritaRow.locator('[data-testid=contact-owner]').innerText()).includes('Ana Admin'), { what: 'the wallet column' });
  let stored = await admin.get(`/api/contacts/${rita.id}`);
  assert.equal(stored.owner_id, tenant.adminId);
  assert.equal(stored.queue_id, queue.id);
  await page.check('[data-testid=contacts-my-wallet]');
  await eventually(async () => (await rows.count()) === 1, { what: 'only the contacts of my wallet' });
  assert.match(await rows.first().innerText(), /Rita Lopes/);
  await page.waitForTimeout(200);
  await screenshot(page, 'contacts-my-wallet');

  // In the inbox, the contact panel edits Rita in place.
  const wrote = await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: `+${DIGITS}`, text: 'Vocês abrem no domingo?' });
  await page.goto(`${platform.baseUrl}/inbox/${wrote.ticket_id}`);
  const panel = page.locator('[data-testid=contact-panel]');
  await panel.waitFor({ timeout: 15_000 });
  await eventually(async () => (await panel.locator('[data-testid=cp-view-owner]').getAttribute('data-owner-id')) === tenant.adminId, {
    what: 'the wallet in the panel',
  });
  assert.match(await panel.innerText(), /Encomendas/);
  await panel.locator('[data-testid=cp-edit]').click();
  const editor = panel.locator('[data-testid=contact-editor]');
  await editor.waitFor();
  await editor.locator('[data-testid=cp-email]').fill('rita@exemplo');
  await editor.locator('[data-testid=cp-save]').click();
  await editor.locator('.error-text', { hasText: 'Enter a valid email address.' }).waitFor();
  await editor.locator('[data-testid=cp-name]').fill('Rita Lopes Souza');
  await editor.locator('[data-testid=cp-email]').fill('rita@exemplo.com.br');
  await editor.locator('[data-testid=cp-add-field]').click();
  await editor.locator('[data-testid=cp-field-name]').last().fill('bairro');
  await editor.locator('[data-testid=cp-field-value]').last().fill('Centro');
  await editor.locator(`[data-testid=cp-tag][data-tag-id="${vip.id}"]`).click();
  await editor.locator('[data-testid=cp-owner]').selectOption('');
  await page.waitForTimeout(200);
  await screenshot(page, 'inbox-contact-edit');
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/contacts/${rita.id}`));
  await editor.locator('[data-testid=cp-save]').click();
  const body = JSON.parse((await patch).postData());
  assert.deepEqual(Object.keys(body).sort(), ['custom_fields', 'email', 'name', 'owner_id', 'tags']);
  assert.equal(body.owner_id, '', 'an empty owner takes the contact out of the wallet');
  await editor.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.toast-success', { hasText: 'Contact saved.' }).waitFor();
  assert.equal(await panel.locator('h2').innerText(), 'Rita Lopes Souza');
  assert.equal(await panel.locator('[data-testid=cp-view-email]').innerText(), 'rita@exemplo.com.br');
  assert.match(await panel.locator('[data-testid=cp-view-fields]').innerText(), /bairro\s*Centro/);
  assert.match(await panel.locator('[data-testid=cp-view-tags]').innerText(), /VIP/);
  assert.equal(await panel.locator('[data-testid=cp-view-owner]').getAttribute('data-owner-id'), '');
  stored = await admin.get(`/api/contacts/${rita.id}`);
  assert.equal(stored.name, 'Rita Lopes Souza');
  assert.equal(stored.email, 'rita@exemplo.com.br');
  assert.deepEqual(stored.custom_fields, { bairro: 'Centro' });
  assert.deepEqual(stored.tags, [vip.id]);
  assert.equal(stored.owner_id ?? null, null);
  assert.equal(stored.queue_id, queue.id, 'the queue stays');

  // The panel schedules a message to the contact too.
  await panel.locator('[data-testid=cp-schedule]').click();
  const sd = page.locator('[data-testid=schedule-dialog]');
  await sd.waitFor();
  assert.equal(await sd.locator('[data-testid=sd-contact]').getAttribute('data-contact-id'), rita.id);
  await page.keyboard.press('Escape');
  await sd.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
