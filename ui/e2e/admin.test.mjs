//! End-to-end test of the admin, platform and dashboard pages: as a company admin create a
//! queue (give it opening hours of its own, then take them away) and a tag, import contacts
//! from CSV, create an API key and see its secret once, edit business hours, read the
//! dashboard's charts against data made through the API; as the platform admin choose a
//! password of their own at the first sign-in (the printed one is a given one), then see the
//! tenants and plans (a plan's campaigns and webhooks can be turned off). Screenshots of every
//! page go to tests/screenshots.
//!
//! Set E2E_BASE_URL (with E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD) to run against a server that
//! is already up instead of starting one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiAs, eventually, launchBrowser, ownPassword, screenshot, setupTenant, signIn, startPlatform, uiChoosePassword, uiSignIn } from './harness.mjs';

let platform;
let browser;
let rootToken;
let tenant;
let api;
const tmp = mkdtempSync(join(tmpdir(), 'tucan-admin-e2e-'));

async function platformUnderTest() {
  if (process.env.E2E_BASE_URL) {
    return {
      baseUrl: process.env.E2E_BASE_URL,
      adminEmail: process.env.E2E_ADMIN_EMAIL || 'admin@tucanlink.local',
      adminPassword: process.env.E2E_ADMIN_PASSWORD,
      stop: async () => {},
    };
  }
  return startPlatform();
}

before(async () => {
  platform = await platformUnderTest();
  browser = await launchBrowser();
  await platformAdminChoosesPassword();
  rootToken = (await signIn(platform.baseUrl, platform.adminEmail, platform.adminPassword)).access_token;
  tenant = await setupTenant(platform.baseUrl, rootToken, { name: 'Loja Tucano E2E' });
  api = apiAs(platform.baseUrl, tenant.adminToken);
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh page signed in as `email`; page errors are collected so a test can fail on them. */
async function signedInPage(email, password) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await uiSignIn(page, platform.baseUrl, email, password);
  return page;
}

const asAdmin = () => signedInPage(tenant.adminEmail, tenant.adminPassword);

/** Opens an app path and waits for the page's root element (`data-testid`). */
async function open(page, path, testId) {
  await page.goto(`${platform.baseUrl}${path}`);
  await page.locator(`[data-testid="${testId}"]`).waitFor({ timeout: 15_000 });
  await page.locator('.spinner-block').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
}

async function noApiError(page) {
  const errors = page.locator('[data-testid="api-error"]');
  if (await errors.count()) assert.fail(`the page shows an API error: ${await errors.first().innerText()}`);
}

/** Waits for `locator`, failing at once with its text when an API error shows up instead. */
async function appears(page, locator, timeout = 15_000) {
  const error = page.locator('[data-testid="api-error"]');
  const end = Date.now() + timeout;
  for (;;) {
    if (await error.count()) assert.fail(`an API error showed up: ${await error.first().innerText()}`);
    if (await locator.first().isVisible()) return;
    if (Date.now() > end) assert.fail(`timed out waiting for ${locator}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function noPageErrors(page) {
  assert.deepEqual(page.errors, [], 'the page threw errors');
}

/**
 * The platform admin's first sign-in, with the password the server printed: the app shows
 * "Choose your password" instead of opening; once a password of their own is saved, it signs
 * in again with it and opens on the companies. `platform.adminPassword` becomes the new one.
 * (Against a server already in use, E2E_BASE_URL, only when that admin has not chosen yet.)
 */
async function platformAdminChoosesPassword() {
  const given = platform.adminPassword;
  if (process.env.E2E_BASE_URL && !(await signIn(platform.baseUrl, platform.adminEmail, given)).user.password_must_change) return;
  const page = await signedInPage(platform.adminEmail, given);
  const screen = page.locator('[data-testid="choose-password"]');
  await screen.waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('h1').first().innerText(), 'Choose your password');
  assert.equal(await page.locator('[data-testid="tenants-page"]').count(), 0, 'the app stays closed until a password is chosen');
  await screenshot(page, 'choose-password');
  const chosen = ownPassword(given);
  await uiChoosePassword(page, given, chosen);
  platform.adminPassword = chosen;
  await page.locator('[data-testid="tenants-page"]').waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/platform/tenants');
  await page.locator('.spinner-block').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
  await noApiError(page);
  noPageErrors(page);
  await page.context().close();
}

test('queues: create one in the UI with agents and a strategy, and see it listed', async () => {
  const page = await asAdmin();
  await open(page, '/admin/queues', 'queues-page');
  await page.locator('[data-testid="queues-empty"]').waitFor();
  await page.click('[data-testid="queue-new"]');
  const dialog = page.locator('[data-testid="queue-dialog"]');
  await dialog.waitFor();
  // Submitting without a name shows a validation message and sends nothing.
  await page.click('[data-testid="dialog-submit"]');
  await dialog.locator('.error-text').first().waitFor();
  await page.fill('[data-testid="queue-name-input"]', 'Suporte Técnico');
  await dialog.getByLabel('Round robin').check();
  await dialog.getByLabel('Greeting').fill('Olá! Um atendente já vai falar com você.');
  await dialog.getByLabel('Ana Admin').check();
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const item = page.locator('[data-testid="queue-item"]', { hasText: 'Suporte Técnico' });
  await appears(page, item);
  assert.match(await item.innerText(), /Round robin/);
  assert.match(await item.innerText(), /Ana Admin/);
  const queues = await api.get('/api/queues');
  const q = queues.find((x) => x.name === 'Suporte Técnico');
  assert.ok(q, 'the queue exists in the API');
  assert.equal(q.strategy, 'round_robin');
  assert.deepEqual(q.user_ids, [tenant.adminId]);
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-queues');
  await page.context().close();
});

test('queues: own opening hours are saved with the queue, and clearing them sends an empty schedule', async () => {
  const page = await asAdmin();
  await open(page, '/admin/queues', 'queues-page');
  const item = page.locator('[data-testid="queue-item"]', { hasText: 'Suporte Técnico' });
  await appears(page, item);
  const hoursOf = item.locator('[data-testid="queue-hours"]');
  assert.equal(await hoursOf.getAttribute('data-own'), 'false');
  assert.match(await hoursOf.innerText(), /The company's/);
  await item.getByRole('button', { name: 'Edit Suporte Técnico' }).click();
  const dialog = page.locator('[data-testid="queue-dialog"]');
  await dialog.waitFor();
  const own = dialog.locator('[data-testid="queue-own-hours"]');
  // The note says when these hours count, and that they do not yet (the company's setting is off).
  assert.match(await own.innerText(), /"Business hours that apply" setting is "Each queue"/);
  assert.match(await own.innerText(), /It is "Off" now/);
  assert.equal(await own.locator('[data-testid="week-grid"]').count(), 0, 'no grid until the queue has hours of its own');
  await own.locator('[data-testid="queue-own-hours-toggle"]').check();
  await own.locator('[data-testid="hours-preset"]').click();
  await own.locator('[data-testid="add-range-sat"]').click();
  await own.getByLabel('Saturday, interval 1, closes at').fill('13:00');
  await own.locator('[data-testid="hours-timezone"]').fill('America/Manaus');
  await own.locator('[data-testid="holiday-date"]').fill('2030-01-01');
  await own.locator('[data-testid="holiday-add"]').click();
  await own.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(200);
  await screenshot(page, 'admin-queue-hours');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const saved = await eventually(async () => (await api.get('/api/queues')).find((q) => q.name === 'Suporte Técnico' && q.business_hours), {
    what: 'the queue with its own hours',
  });
  assert.deepEqual(saved.business_hours.week, {
    mon: ['09:00-18:00'],
    tue: ['09:00-18:00'],
    wed: ['09:00-18:00'],
    thu: ['09:00-18:00'],
    fri: ['09:00-18:00'],
    sat: ['09:00-13:00'],
  });
  assert.equal(saved.business_hours.timezone, 'America/Manaus');
  assert.deepEqual(saved.business_hours.holidays, ['2030-01-01']);
  await eventually(async () => (await hoursOf.getAttribute('data-own')) === 'true', { what: 'the card to show the own hours' });
  assert.match(await hoursOf.innerText(), /days open per week: 6/);

  // Taking the hours away sends a schedule with no intervals and no holidays.
  await item.getByRole('button', { name: 'Edit Suporte Técnico' }).click();
  await dialog.waitFor();
  const toggle = own.locator('[data-testid="queue-own-hours-toggle"]');
  assert.equal(await toggle.isChecked(), true);
  assert.equal(await own.getByLabel('Saturday, interval 1, closes at').inputValue(), '13:00');
  await toggle.uncheck();
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/queues/${saved.id}`));
  await page.click('[data-testid="dialog-submit"]');
  assert.deepEqual(JSON.parse((await patch).postData()).business_hours, { week: {}, holidays: [] });
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => !(await api.get('/api/queues')).find((q) => q.id === saved.id).business_hours, { what: 'the hours to be gone' });
  await eventually(async () => (await hoursOf.getAttribute('data-own')) === 'false', { what: "the card to show the company's hours" });
  await noApiError(page);
  noPageErrors(page);
  await page.context().close();
});

test('tags: create one in the UI and see it listed', async () => {
  const page = await asAdmin();
  await open(page, '/admin/tags', 'tags-page');
  await page.click('[data-testid="tag-new"]');
  await page.fill('[data-testid="tag-name-input"]', 'VIP');
  await page.locator('[data-testid="tag-dialog"]').getByRole('button', { name: '#e5484d' }).click();
  await page.click('[data-testid="dialog-submit"]');
  const row = page.locator('[data-testid="tag-row"]', { hasText: 'VIP' });
  await appears(page, row);
  assert.match(await row.innerText(), /#e5484d/);
  const tags = await api.get('/api/tags');
  assert.ok(tags.some((x) => x.name === 'VIP' && x.color === '#e5484d'), 'the tag exists in the API');
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-tags');
  await page.context().close();
});

test('contacts: import a 3-row CSV with a progress bar and see the contacts listed', async () => {
  const csv = join(tmp, 'contacts.csv');
  writeFileSync(
    csv,
    'name,phone,email,tags,city\n' +
      'Beatriz Lima,+55 11 91234-0001,bia@example.com,vip,São Paulo\n' +
      'Carlos Souza,+55 21 99876-0002,,,Rio de Janeiro\n' +
      'Daniela Rocha,+55 31 98765-0003,dani@example.com,,Belo Horizonte\n',
  );
  const page = await asAdmin();
  await open(page, '/admin/contacts', 'contacts-page');
  await page.locator('[data-testid="contacts-empty"]').waitFor();
  await page.click('[data-testid="contacts-import"]');
  await page.setInputFiles('[data-testid="import-file"]', csv);
  const summary = page.locator('[data-testid="import-summary"]');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Rows: 3/);
  // Hold the answer back a moment so the progress bar can be seen while the server works.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/api/contacts/import', async (route) => {
    await held;
    await route.continue();
  });
  await page.click('[data-testid="import-start"]');
  const progress = page.locator('[data-testid="import-progress"]');
  await progress.waitFor();
  assert.equal(await progress.getAttribute('role'), 'progressbar');
  await page.waitForTimeout(250);
  await screenshot(page, 'admin-contacts-importing');
  release();
  await appears(page, page.locator('[data-testid="import-report"]'));
  await progress.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid="import-created"]').innerText(), '3');
  assert.equal(await page.locator('[data-testid="import-failed"]').innerText(), '0');
  await page.waitForTimeout(300);
  await screenshot(page, 'admin-contacts-import');
  await page.click('[data-testid="import-close"]');
  const rows = page.locator('[data-testid="contact-row"]');
  await eventually(async () => (await rows.count()) === 3, { what: '3 contact rows' });
  const names = await page.locator('[data-testid="contact-name"]').allInnerTexts();
  assert.deepEqual([...names].sort(), ['Beatriz Lima', 'Carlos Souza', 'Daniela Rocha']);
  const bia = rows.filter({ hasText: 'Beatriz Lima' });
  assert.match(await bia.innerText(), /VIP/);
  assert.match(await bia.innerText(), /city: São Paulo/);
  // Search narrows the list.
  await page.fill('[data-testid="contacts-search"]', 'Carlos');
  await eventually(async () => (await rows.count()) === 1, { what: 'one search result' });
  assert.match(await rows.first().innerText(), /Carlos Souza/);
  await page.fill('[data-testid="contacts-search"]', '');
  await eventually(async () => (await rows.count()) === 3, { what: 'the full list again' });
  // Edit a contact: a new custom field is saved beside the imported one.
  await rows.filter({ hasText: 'Carlos Souza' }).getByRole('button', { name: 'Edit Carlos Souza' }).click();
  const dialog = page.locator('[data-testid="contact-dialog"]');
  await dialog.waitFor();
  await page.click('[data-testid="add-field"]');
  await dialog.getByLabel('Name of field 2').fill('plan');
  await dialog.getByLabel('Value of field 2').fill('gold');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const page1 = await api.get('/api/contacts');
  assert.equal(page1.items.length, 3);
  const carlos = page1.items.find((c) => c.name === 'Carlos Souza');
  assert.deepEqual(carlos.custom_fields, { city: 'Rio de Janeiro', plan: 'gold' });
  // Export downloads every contact as CSV.
  const download = page.waitForEvent('download');
  await page.click('[data-testid="contacts-export"]');
  const file = join(tmp, 'export.csv');
  await (await download).saveAs(file);
  const exported = readFileSync(file, 'utf8');
  for (const name of ['Beatriz Lima', 'Carlos Souza', 'Daniela Rocha']) assert.ok(exported.includes(name), `the export lists ${name}`);
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-contacts');
  await page.context().close();
});

test('API keys: create one with scopes, see the secret once, and it works', async () => {
  const page = await asAdmin();
  await open(page, '/admin/api-keys', 'api-keys-page');
  await page.click('[data-testid="key-new"]');
  await page.fill('[data-testid="key-name"]', 'CRM sync');
  await page.check('[data-testid="scope-contacts:read"]');
  await page.check('[data-testid="scope-tags:read"]');
  await page.click('[data-testid="dialog-submit"]');
  const secretInput = page.locator('[data-testid="api-key-secret"]');
  await appears(page, secretInput);
  const secret = await secretInput.inputValue();
  assert.ok(secret.length > 20, 'a secret is shown');
  await page.waitForTimeout(300);
  await screenshot(page, 'admin-api-key-secret');
  const viaKey = await apiAs(platform.baseUrl, secret).get('/api/contacts');
  assert.equal(viaKey.items.length, 3, 'the key reads contacts');
  const denied = await apiAs(platform.baseUrl, secret).raw('POST', '/api/tags', { body: { name: 'nope' } });
  assert.equal(denied.status, 403, 'the key cannot write tags');
  await page.click('[data-testid="secret-done"]');
  const row = page.locator('[data-testid="key-row"]', { hasText: 'CRM sync' });
  await row.waitFor();
  assert.match(await row.innerText(), /contacts:read/);
  assert.ok(!(await page.content()).includes(secret), 'the secret is gone once the dialog closes');
  await page.reload();
  await page.locator('[data-testid="key-row"]').first().waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-api-keys');
  await page.context().close();
});

test('business hours: set Monday hours and a holiday, saved in the business_hours setting', async () => {
  const page = await asAdmin();
  await open(page, '/admin/business-hours', 'business-hours-page');
  await page.locator('[data-testid="hours-scope"]').selectOption('company');
  await page.click('[data-testid="add-range-mon"]');
  await page.fill('[data-testid="holiday-date"]', '2030-12-25');
  await page.click('[data-testid="holiday-add"]');
  await page.click('[data-testid="hours-save"]');
  await eventually(
    async () => {
      const all = await api.get('/api/settings');
      const hours = all.find((s) => s.key === 'business_hours')?.value;
      const scope = all.find((s) => s.key === 'business_hours_scope')?.value;
      return scope === 'company' && hours?.week?.mon?.[0] === '09:00-18:00' && hours?.holidays?.[0] === '2030-12-25';
    },
    { what: 'the saved schedule' },
  );
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-business-hours');
  await page.context().close();
});

test('users: create a supervisor who serves a queue', async () => {
  const page = await asAdmin();
  await open(page, '/admin/users', 'users-page');
  await page.click('[data-testid="user-new"]');
  const dialog = page.locator('[data-testid="user-dialog"]');
  await dialog.waitFor();
  await page.fill('[data-testid="user-name"]', 'Bruno Dias');
  await page.fill('[data-testid="user-email"]', 'not-an-email');
  await page.fill('[data-testid="user-password"]', 'short');
  await page.click('[data-testid="dialog-submit"]');
  assert.equal(await dialog.locator('.error-text').count(), 2, 'email and password are refused before sending');
  await page.fill('[data-testid="user-email"]', 'bruno@example.com');
  await page.fill('[data-testid="user-password"]', 'Bruno-pass-2024');
  await dialog.getByLabel('Role').selectOption('supervisor');
  await dialog.getByLabel('Suporte Técnico').check();
  await page.waitForTimeout(300);
  await screenshot(page, 'admin-user-dialog');
  await page.click('[data-testid="dialog-submit"]');
  const row = page.locator('[data-testid="user-row"]', { hasText: 'Bruno Dias' });
  await appears(page, row);
  await eventually(async () => /Suporte Técnico/.test(await row.innerText()), { what: 'the queue beside the user' });
  assert.match(await row.innerText(), /Supervisor/);
  const bruno = (await api.get('/api/users')).find((u) => u.email === 'bruno@example.com');
  const served = await api.get(`/api/queues/of-user/${bruno.id}`);
  assert.deepEqual(served.map((q) => q.name), ['Suporte Técnico']);
  await noApiError(page);
  noPageErrors(page);
  await screenshot(page, 'admin-users');
  await page.context().close();
});

/** The smallest module a manifest with the node `greet` accepts: it exports `greet() -> i32`. */
const GREET_WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x07, 0x09, 0x01, 0x05, 0x67, 0x72, 0x65, 0x65, 0x74, 0x00, 0x00, // export "greet"
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b, // code: i32.const 0, end
]);

test('plugins: upload one, see its node types and grants, disable it and remove it', async () => {
  const manifestPath = join(tmp, 'plugin.json');
  const wasmPath = join(tmp, 'plugin.wasm');
  writeFileSync(
    manifestPath,
    JSON.stringify({
      id: 'e2e-greeter',
      name: 'E2E greeter',
      version: '1.0.0',
      author: 'TucanLink tests',
      description: 'Says hello.',
      nodes: [{ id: 'greet', title: 'Greet the customer', outputs: ['next', 'error'], color: '#0ea5e9' }],
      grants: { host_functions: ['tucan_http'], http_hosts: ['api.example.com'], max_memory_mb: 8, timeout_ms: 500 },
    }),
  );
  writeFileSync(wasmPath, GREET_WASM);
  const page = await asAdmin();
  await open(page, '/admin/plugins', 'plugins-page');
  await page.locator('[data-testid="plugins-empty"]').waitFor();
  await page.click('[data-testid="plugin-upload"]');
  await page.setInputFiles('[data-testid="plugin-manifest"]', manifestPath);
  await page.setInputFiles('[data-testid="plugin-wasm"]', wasmPath);
  await page.locator('[data-testid="manifest-summary"]').waitFor();
  await page.click('[data-testid="dialog-submit"]');
  const item = page.locator('[data-testid="plugin-item"]', { hasText: 'E2E greeter' });
  await appears(page, item);
  assert.match(await item.innerText(), /v1\.0\.0/);
  assert.match(await item.innerText(), /Enabled/);
  await item.getByRole('button', { name: 'Details' }).click();
  const details = item.locator('[data-testid="plugin-details"]');
  await details.waitFor();
  await details.locator('[data-testid="plugin-versions"] tbody tr').first().waitFor();
  const text = await details.innerText();
  assert.match(text, /plugin\.e2e-greeter\.greet/);
  assert.match(text, /api\.example\.com/);
  assert.match(text, /500 ms/);
  await screenshot(page, 'admin-plugins');
  await item.locator('[data-testid="plugin-toggle"]').click();
  await eventually(async () => /Disabled/.test(await item.innerText()), { what: 'the disabled badge' });
  assert.equal((await api.get('/api/plugins/e2e-greeter')).enabled, false);
  await item.getByRole('button', { name: 'Remove E2E greeter' }).click();
  await page.click('[data-testid="confirm-yes"]');
  await page.locator('[data-testid="plugins-empty"]').waitFor();
  assert.deepEqual(await api.get('/api/plugins'), []);
  await noApiError(page);
  noPageErrors(page);
  await page.context().close();
});

test('every other admin page loads without errors', async () => {
  const page = await asAdmin();
  for (const [path, id, shot] of [
    ['/admin/quick-replies', 'quick-replies-page', 'admin-quick-replies'],
    ['/admin/settings', 'settings-page', 'admin-settings'],
  ]) {
    await open(page, path, id);
    await noApiError(page);
    await screenshot(page, shot);
  }
  await open(page, '/admin/settings', 'settings-page');
  assert.ok(await page.locator('[data-testid="setting-rating_on_close"]').count(), 'the settings list shows rating_on_close');
  noPageErrors(page);
  await page.context().close();
});

test('dashboard: charts match the tickets and messages made through the API', async () => {
  const queue = await api.post('/api/queues', { name: 'Financeiro', color: '#22a06b' });
  const conn = await api.post('/api/connections', { name: 'Loja', kind: 'simulator', phone: '+55 11 3000-0000', default_queue_id: queue.id });
  const customers = [
    ['+55 11 98888-1001', 'Eva Martins'],
    ['+55 11 98888-1002', 'Fábio Alves'],
    ['+55 11 98888-1003', 'Gabi Costa'],
  ];
  const tickets = [];
  for (const [from, name] of customers) {
    tickets.push((await api.post(`/api/connections/${conn.id}/simulator/messages`, { from, name, text: `Oi, sou ${name}` })).ticket_id);
  }
  await api.post(`/api/tickets/${tickets[0]}/accept`);
  await api.post(`/api/tickets/${tickets[0]}/messages`, { body: 'Olá Eva, como posso ajudar?' });
  await api.post(`/api/tickets/${tickets[1]}/accept`);
  await api.post(`/api/tickets/${tickets[1]}/close`);

  const count = async (status) => (await api.get(`/api/tickets?status=${status}&limit=200`)).items.length;
  const expected = { pending: await count('pending'), open: await count('open'), closed: await count('closed') };
  assert.deepEqual(expected, { pending: 1, open: 1, closed: 1 });
  let inbound = 0;
  let outbound = 0;
  for (const id of tickets) {
    for (const msg of (await api.get(`/api/tickets/${id}/messages?limit=200`)).items) {
      if (msg.direction === 'in') inbound++;
      if (msg.direction === 'out') outbound++;
    }
  }

  const page = await asAdmin();
  await open(page, '/dashboard', 'dashboard-page');
  await page.locator('svg[data-testid="chart-status"]').waitFor();
  await noApiError(page);
  const value = async (id) => Number(await page.locator(`[data-testid="${id}"]`).getAttribute('data-value'));
  assert.equal(await value('kpi-pending'), expected.pending);
  assert.equal(await value('kpi-open'), expected.open);
  assert.equal(await value('kpi-closed'), expected.closed);
  assert.equal(await value('kpi-total'), 3);
  assert.equal(Number(await page.locator('svg[data-testid="chart-status"]').getAttribute('data-total')), 3);
  const totals = page.locator('[data-testid="messages-totals"]');
  assert.equal(Number(await totals.getAttribute('data-inbound')), inbound);
  assert.equal(Number(await totals.getAttribute('data-outbound')), outbound);
  for (const id of ['chart-status', 'chart-messages', 'chart-queues']) {
    const svg = page.locator(`svg[data-testid="${id}"]`);
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.ok((await svg.getAttribute('aria-label'))?.length, `${id} has an aria-label`);
    assert.equal(await svg.locator('title').count() > 0, true, `${id} has a title`);
  }
  const bar = page.locator('svg[data-testid="chart-queues"] [data-row="Financeiro"]');
  assert.equal(Number(await bar.getAttribute('data-total')), 3);
  assert.ok((await page.locator('[data-testid="agent-row"]', { hasText: 'Ana Admin' }).count()) === 1, 'the agent table lists the admin');
  // Tall enough for every card (the page scrolls inside the app, out of a full-page shot).
  await page.setViewportSize({ width: 1360, height: 1300 });
  await screenshot(page, 'dashboard');
  // The period selector asks again with another number of days.
  const asked = page.waitForRequest((r) => r.url().includes('/api/dashboard') && r.url().includes('days=7'));
  await page.click('[data-testid="days-7"]');
  await asked;
  await page.locator('svg[data-testid="chart-messages"]').waitFor();
  assert.equal(await value('kpi-total'), 3);
  await page.evaluate(() => {
    localStorage.setItem('tucan.theme', 'dark');
    document.documentElement.dataset.theme = 'dark';
  });
  await screenshot(page, 'dashboard-dark');
  noPageErrors(page);
  await page.context().close();
});

test('plans: campaigns and webhooks are shown and can be turned off', async () => {
  const root = apiAs(platform.baseUrl, (await signIn(platform.baseUrl, platform.adminEmail, platform.adminPassword)).access_token);
  const plan = await root.post('/api/platform/plans', {
    name: 'Completo E2E',
    limits: { users: 10, connections: 2, queues: 5, flows: 10, plugins: 1 },
    features: { campaigns: true, plugins: false, api_access: true, webhooks: true },
  });
  const page = await signedInPage(platform.adminEmail, platform.adminPassword);
  await open(page, '/platform/plans', 'plans-page');
  const card = page.locator('[data-testid="plan-item"]', { hasText: 'Completo E2E' });
  await appears(page, card);
  assert.match(await card.innerText(), /API access/);
  assert.match(await card.innerText(), /Webhooks/);
  assert.match(await card.innerText(), /Campaigns/);
  await card.getByRole('button', { name: 'Edit Completo E2E' }).click();
  const dialog = page.locator('[data-testid="plan-dialog"]');
  await dialog.waitFor();
  assert.equal(await dialog.locator('[data-testid="plan-feature-campaigns"]').isChecked(), true);
  assert.equal(await dialog.locator('[data-testid="plan-feature-webhooks"]').isChecked(), true);
  await dialog.locator('[data-testid="plan-feature-plugins"]').check();
  await dialog.locator('[data-testid="plan-feature-webhooks"]').uncheck();
  await dialog.locator('[data-testid="plan-feature-campaigns"]').uncheck();
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  const saved = (await root.get('/api/platform/plans')).find((p) => p.id === plan.id);
  assert.deepEqual(saved.features, { campaigns: false, plugins: true, api_access: true, webhooks: false });
  await noApiError(page);
  noPageErrors(page);
  await page.context().close();
});

test('platform admin: sees the tenants and the plans', async () => {
  const page = await signedInPage(platform.adminEmail, platform.adminPassword);
  await open(page, '/platform/tenants', 'tenants-page');
  assert.equal(await page.locator('[data-testid="choose-password"]').count(), 0, 'the password is asked for only once');
  const row = page.locator('[data-testid="tenant-row"]', { hasText: 'Loja Tucano E2E' });
  await row.waitFor();
  assert.match(await row.locator('[data-testid="tenant-status"]').innerText(), /Active/);
  await noApiError(page);
  await screenshot(page, 'platform-tenants');
  await open(page, '/platform/plans', 'plans-page');
  await page.locator('[data-testid="plan-item"]').first().waitFor();
  await noApiError(page);
  await screenshot(page, 'platform-plans');
  noPageErrors(page);
  await page.context().close();
});
