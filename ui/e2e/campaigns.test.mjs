//! Campaigns end to end: a company admin on a plan with campaigns makes a static contact list
//! by importing a CSV into it, writes a message campaign with two variants over two simulator
//! numbers in the form and starts it, watches its progress reach every recipient live, sees
//! them in its delivery chart, reads the report (and exports it as CSV and XLSX); the
//! simulated phones got the texts with each contact's name, and the campaigns page counts them
//! against the plan's monthly recipients.
//! A list imports an Excel workbook, with the failed rows reported by line. A dynamic list
//! holds the contacts its tag and field filter finds; a contact opted out in its form is
//! marked so in the contacts. Agents have no Campaigns entry, and a plan without campaigns
//! shows a note instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, signIn, startPlatform, uiSignIn } from './harness.mjs';
import { xlsxOf } from './xlsx.mjs';

const PEOPLE = [
  ['Ana Souza', '+5511987650001'],
  ['Bruno Lima', '+5511987650002'],
  ['Carla Dias', '+5511987650003'],
  ['Diego Rocha', '+5511987650004'],
];
const CSV = 'name,phone,email,tags,city\n' + PEOPLE.map(([n, p], i) => `${n},${p},,,${i % 2 ? 'Recife' : 'Natal'}`).join('\n') + '\n';

let platform;
let root;
let browser;
let tenant;
let admin;
let agent;
let numbers;

before(async () => {
  platform = await startPlatform();
  root = apiAs(platform.baseUrl, (await platformSignIn(platform)).access_token);
  tenant = await setupTenant(platform.baseUrl, root.token, { name: 'Loja Campanhas' });
  const plan = await root.post('/api/platform/plans', {
    name: 'Com campanhas',
    limits: { users: 10, connections: 5, queues: 5, flows: 10, plugins: 0 },
    features: { campaigns: true, plugins: false, api_access: true, webhooks: false },
  });
  await root.patch(`/api/platform/tenants/${tenant.tenantId}`, { plan_id: plan.id });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  numbers = [
    await admin.post('/api/connections', { name: 'Loja Centro', kind: 'simulator', phone: '+55 11 3000-1001', messages_per_minute: 6000 }),
    await admin.post('/api/connections', { name: 'Loja Norte', kind: 'simulator', phone: '+55 11 3000-1002', messages_per_minute: 6000 }),
  ];
  const email = `caio.${Date.now().toString(36)}@example.com`;
  const password = 'Caio-agent-pass-2025';
  await admin.post('/api/users', { name: 'Caio Agente', email, password, role: 'agent', language: 'en' });
  agent = { email, password, api: apiAs(platform.baseUrl, (await signIn(platform.baseUrl, email, password)).access_token) };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A page signed in as `who` (the admin by default), in English, with page errors collected. */
async function pageAt(path, who = { email: tenant.adminEmail, password: tenant.adminPassword }) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', acceptDownloads: true });
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

test('a list imported from CSV gets a two-variant campaign over two numbers, sent to everyone and reported', async () => {
  const page = await pageAt('/campaigns/lists');
  await page.locator('.sidebar a[href="/campaigns"]').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="lists-empty"]').waitFor({ timeout: 15_000 });

  // A static list, filled by importing a CSV on its page.
  await page.click('[data-testid="list-new"]');
  const dialog = page.locator('[data-testid="list-dialog"]');
  await dialog.waitFor();
  assert.equal(await page.locator('[data-testid="list-kind-static"]').isChecked(), true, 'static by default');
  await page.fill('[data-testid="list-name-input"]', 'Clientes VIP');
  await page.click('[data-testid="dialog-submit"]');
  await page.waitForURL((u) => /^\/campaigns\/lists\/[^/]+$/.test(u.pathname), { timeout: 15_000 });
  const listId = new URL(page.url()).pathname.split('/').pop();
  await page.locator('[data-testid="list-page"][data-kind="static"]').waitFor();
  assert.equal(await page.locator('[data-testid="list-page-size"]').innerText(), '0');
  await page.click('[data-testid="list-import"]');
  await page.setInputFiles('[data-testid="import-file"]', { name: 'vip.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await page.locator('[data-testid="import-summary"]', { hasText: 'Rows: 4' }).waitFor();
  await page.click('[data-testid="import-start"]');
  await page.locator('[data-testid="import-report"]').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[data-testid="import-created"]').innerText(), '4');
  assert.equal(await page.locator('[data-testid="import-failed"]').innerText(), '0');
  await page.click('[data-testid="import-close"]');
  await eventually(async () => (await page.locator('[data-testid="list-page-size"]').innerText()) === '4', { what: 'the list to hold 4 contacts' });
  assert.equal((await admin.get(`/api/lists/${listId}`)).size, 4);
  await page.locator('[data-testid="member-candidate"]').first().waitFor();
  await screenshot(page, 'campaigns-list');

  // The campaign, written in the form and started at once.
  await page.click('[role=tab][data-tab=campaigns]');
  await page.locator('[data-testid="campaigns-empty"]').waitFor({ timeout: 15_000 });
  await page.click('[data-testid="campaign-new"]');
  const form = page.locator('[data-testid="campaign-form"]');
  await form.waitFor({ timeout: 15_000 });
  // Nothing filled in: the form says what is missing and sends nothing.
  await page.click('[data-testid="campaign-save-start"]');
  await form.locator('.error-text', { hasText: 'Give the campaign a name.' }).waitFor();
  await form.locator('.error-text', { hasText: 'Pick at least one number.' }).waitFor();
  assert.deepEqual(await admin.get('/api/campaigns'), []);
  await page.fill('[data-testid="campaign-name-input"]', 'Promoção de maio');
  await eventually(async () => (await page.locator('[data-testid="campaign-list"]').inputValue()) === listId, { what: 'the only list to be chosen' });
  for (const n of numbers) await form.locator(`[data-testid="campaign-number"] input[data-id="${n.id}"]`).check();
  await page.fill('[data-testid="campaign-variant-1"]', 'Olá {{contact.name}}, temos novidades!');
  await page.click('[data-testid="campaign-variant-add"]');
  await page.fill('[data-testid="campaign-variant-2"]', 'Oi {{contact.name}}! Veja a promoção de {{contact.custom_fields.city}}.');
  await page.fill('[data-testid="campaign-per-minute"]', '6000');
  assert.equal(await form.locator('[data-testid="campaign-template"]').count(), 0, 'no template to pick without a Cloud API number');
  await screenshot(page, 'campaigns-form');
  await page.click('[data-testid="campaign-save-start"]');
  await page.waitForURL((u) => /^\/campaigns\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'), { timeout: 15_000 });
  const campaignId = new URL(page.url()).pathname.split('/').pop();
  const made = await admin.get(`/api/campaigns/${campaignId}`);
  assert.equal(made.name, 'Promoção de maio');
  assert.equal(made.list_id, listId);
  assert.deepEqual([...made.connection_ids].sort(), numbers.map((n) => n.id).sort());
  assert.equal(made.content.kind, 'message');
  assert.equal(made.content.variants.length, 2);
  assert.equal(made.per_minute, 6000);
  assert.notEqual(made.status, 'draft', 'it was started');

  // Its progress reaches every recipient, live.
  const progress = page.locator('[data-testid="campaign-progress"]');
  await progress.waitFor({ timeout: 15_000 });
  await eventually(async () => (await progress.getAttribute('data-sent')) === '4', { timeout: 25_000, what: 'the progress to reach the 4 recipients' });
  assert.equal(await progress.getAttribute('data-total'), '4');
  assert.equal(await page.locator('[data-testid="count-total"]').getAttribute('data-n'), '4');
  assert.equal(await page.locator('[data-testid="count-sent"]').getAttribute('data-n'), '4');
  assert.equal(await page.locator('[data-testid="count-failed"]').getAttribute('data-n'), '0');
  await page.locator('[data-testid="campaign-page"][data-status="completed"]').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="campaign-status"][data-status="completed"]').first().waitFor();
  assert.equal(await page.locator('[data-testid="campaign-pause"]').count(), 0, 'nothing to pause once completed');

  // The delivery chart: the recipients reached, as stacked bars over time.
  const chart = page.locator('[data-testid="campaign-delivery"] svg[role="img"]');
  await chart.waitFor({ timeout: 15_000 });
  const bars = chart.locator('[data-testid="delivery-bar"]');
  await eventually(async () => (await bars.count()) >= 1, { what: 'the chart to draw a bar' });
  await eventually(async () => (await bars.evaluateAll((gs) => gs.reduce((s, g) => s + Number(g.dataset.total), 0))) === 4, {
    what: 'the bars to add up to the 4 recipients',
  });
  assert.match(await chart.getAttribute('aria-label'), /4 recipients reached/);
  assert.ok((await bars.first().locator('title').textContent()).includes('recipients reached'), 'each bar has a title with its time and numbers');
  assert.ok((await chart.locator('[data-testid="delivery-tick"]').count()) >= 1, 'the x axis names times');
  await screenshot(page, 'campaigns-chart');

  // The report: every recipient, reached.
  const report = page.locator('[data-testid="campaign-report"]');
  const rows = report.locator('[data-testid="recipient-row"]');
  await eventually(async () => (await rows.count()) === 4, { what: 'the report to list 4 recipients' });
  await eventually(async () => (await report.locator('[data-testid="recipient-row"][data-status="pending"], [data-testid="recipient-row"][data-status="queued"]').count()) === 0, {
    what: 'every row to be reached',
  });
  assert.deepEqual((await report.locator('[data-testid="recipient-name"]').allInnerTexts()).sort(), PEOPLE.map(([n]) => n).sort());
  await page.selectOption('[data-testid="report-status"]', 'failed');
  await report.locator('[data-testid="report-empty"]').waitFor();
  await page.selectOption('[data-testid="report-status"]', '');
  await eventually(async () => (await rows.count()) === 4, { what: 'every recipient again' });
  await screenshot(page, 'campaigns-report');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="report-export"]')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'seq,name,phone,number,status,variant,error,updated_at');
  assert.equal(csv.length, 5, 'a header and 4 recipients');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="report-export-xlsx"]')]);
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
  const book = readFileSync(await xlsx.path());
  assert.equal(book.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX workbook (a ZIP archive)');

  // Each phone got one of the texts, with its contact's name; both numbers wrote.
  const used = new Set();
  for (const [name, phone] of PEOPLE) {
    const digits = phone.replace(/\D/g, '');
    const got = await eventually(
      async () => {
        for (const n of numbers) {
          const chat = await admin.raw('GET', `/api/connections/${n.id}/simulator/chats/${digits}`);
          if (!chat.ok) continue;
          const out = (await chat.json()).filter((msg) => msg.direction === 'out');
          if (out.length) {
            used.add(n.id);
            return out;
          }
        }
        return null;
      },
      { what: `${name}'s phone to get the campaign` },
    );
    assert.equal(got.length, 1, `${name} got one message`);
    assert.ok(got[0].body.includes(name) && !got[0].body.includes('{{'), `filled in: ${got[0].body}`);
  }
  assert.equal(used.size, 2, 'the recipients were shared among both numbers');

  // The campaigns list shows it completed, fully sent.
  await page.click('main a[href="/campaigns"]');
  const row = page.locator(`[data-testid="campaign-row"][data-id="${campaignId}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.getAttribute('data-status'), 'completed');
  await eventually(async () => (await row.locator('[data-testid="campaign-progress"]').getAttribute('data-sent')) === '4', { what: 'the row to show 4 sent' });
  // This month's recipients against the plan's limit (10,000 when the plan does not say).
  const usage = page.locator('[data-testid="campaign-usage"]');
  await usage.waitFor();
  await eventually(async () => (await usage.getAttribute('data-used')) === '4', { what: 'the usage to count the 4 recipients' });
  assert.equal(await usage.getAttribute('data-limit'), '10000');
  assert.match(await usage.locator('[data-testid="campaign-usage-text"]').innerText(), /This month: 4 of 10,000 campaign recipients/);
  assert.equal(await usage.getAttribute('data-month'), (await admin.get('/api/campaigns/usage')).month);
  await screenshot(page, 'campaigns-usage');
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});

test('a list imports an Excel workbook, and the rows it skipped are reported by line', async () => {
  const list = await admin.post('/api/lists', { name: 'Planilha', kind: 'static' });
  const page = await pageAt(`/campaigns/lists/${list.id}`);
  await page.locator('[data-testid="list-page"][data-kind="static"]').waitFor({ timeout: 15_000 });
  await page.click('[data-testid="list-import"]');
  assert.match(await page.locator('[data-testid="import-file"]').getAttribute('accept'), /\.xlsx/);
  const book = xlsxOf([
    ['name', 'phone', 'city'],
    ['Eva Martins', '+5511987650011', 'Olinda'],
    ['Fábio Nunes', '12', 'Olinda'],
    ['Gil Prado', '+5511987650013', 'Natal'],
  ]);
  await page.setInputFiles('[data-testid="import-file"]', { name: 'planilha.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: book });
  await page.locator('[data-testid="import-summary"][data-kind="xlsx"]').waitFor();
  const sent = page.waitForRequest((r) => r.url().endsWith(`/api/lists/${list.id}/import`) && r.method() === 'POST');
  await page.click('[data-testid="import-start"]');
  assert.equal((await sent).headers()['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const report = page.locator('[data-testid="import-report"]');
  await report.waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[data-testid="import-created"]').innerText(), '2');
  assert.equal(await page.locator('[data-testid="import-failed"]').innerText(), '1');
  const bad = report.locator('tbody tr');
  assert.equal(await bad.count(), 1);
  assert.equal(await bad.locator('td').first().innerText(), '3', 'the bad row is the third of the sheet');
  await screenshot(page, 'campaigns-import-xlsx');
  await page.click('[data-testid="import-close"]');
  await eventually(async () => (await page.locator('[data-testid="list-page-size"]').innerText()) === '2', { what: 'the list to hold the 2 good rows' });
  const [eva] = (await admin.get('/api/contacts?search=Eva')).items;
  assert.equal(eva.custom_fields.city, 'Olinda');
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});

test('a dynamic list follows its filter, and a contact opted out in its form is marked in the contacts', async () => {
  const vip = await admin.post('/api/tags', { name: 'VIP', color: '#d97706' });
  const [ana] = (await admin.get('/api/contacts?search=Ana')).items;
  await admin.patch(`/api/contacts/${ana.id}`, { tags: [vip.id] });
  const page = await pageAt('/campaigns/lists');
  await page.click('[data-testid="list-new"]');
  await page.locator('[data-testid="list-dialog"]').waitFor();
  await page.fill('[data-testid="list-name-input"]', 'VIP de Natal');
  await page.click('[data-testid="list-kind-dynamic"]');
  await page.locator('[data-testid="list-filter-tags"] label', { hasText: 'VIP' }).click();
  await page.click('[data-testid="list-filter-add-field"]');
  await page.fill('[data-testid="list-filter-fields"] input[aria-label="Name of field 1"]', 'city');
  await page.fill('[data-testid="list-filter-fields"] input[aria-label="Value of field 1"]', 'Natal');
  await page.click('[data-testid="dialog-submit"]');
  await page.locator('[data-testid="list-page"][data-kind="dynamic"]').waitFor({ timeout: 15_000 });
  const id = await page.locator('[data-testid="list-page"]').getAttribute('data-id');
  const made = await admin.get(`/api/lists/${id}`);
  assert.deepEqual(made.filter, { tag_ids: [vip.id], fields: { city: 'Natal' } });
  assert.equal(made.size, 1, 'only Ana has the tag and lives in Natal');
  assert.equal(await page.locator('[data-testid="list-page-size"]').innerText(), '1');
  const filter = page.locator('[data-testid="list-filter"]');
  assert.match(await filter.innerText(), /VIP/);
  assert.match(await filter.innerText(), /city = Natal/);
  assert.equal(await page.locator('[data-testid="list-import"]').count(), 0, 'a dynamic list takes no import');

  await page.goto(`${platform.baseUrl}/admin/contacts`);
  const row = page.locator('[data-testid="contact-row"]', { hasText: 'Bruno Lima' });
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.locator('[data-testid="contact-opted-out"]').count(), 0);
  await row.locator('[data-testid="contact-edit"]').click();
  const optOut = page.locator('[data-testid="contact-opted-out-switch"]');
  assert.equal(await optOut.isChecked(), false);
  await page.locator('[data-testid="contact-dialog"] label.adm-switch').click();
  assert.equal(await optOut.isChecked(), true);
  await page.click('[data-testid="dialog-submit"]');
  await row.locator('[data-testid="contact-opted-out"]', { hasText: 'Opted out of campaigns' }).waitFor();
  const [bruno] = (await admin.get('/api/contacts?search=Bruno')).items;
  assert.equal(bruno.opted_out, true);
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});

test('agents have no campaigns, and a plan without them shows a note instead of the pages', async () => {
  const refused = await agent.api.raw('GET', '/api/campaigns');
  assert.equal(refused.status, 403);
  const theirs = await pageAt('/inbox', agent);
  await theirs.locator('.sidebar a[href="/inbox"]').waitFor({ timeout: 15_000 });
  assert.equal(await theirs.locator('.sidebar a[href="/campaigns"]').count(), 0, 'no Campaigns entry for an agent');
  await theirs.context().close();

  const plain = await root.post('/api/platform/plans', {
    name: 'Sem campanhas',
    limits: { users: 10, connections: 5, queues: 5, flows: 10, plugins: 0 },
    features: { campaigns: false, plugins: false, api_access: true, webhooks: false },
  });
  await root.patch(`/api/platform/tenants/${tenant.tenantId}`, { plan_id: plain.id });
  const page = await pageAt('/campaigns');
  const note = page.locator('[data-testid="campaigns-not-in-plan"]');
  await note.waitFor({ timeout: 15_000 });
  assert.match(await note.innerText(), /not part of the company's plan/);
  assert.equal(await page.locator('[data-testid="campaign-new"]').count(), 0, 'nothing to create');
  await page.click('[role=tab][data-tab=lists]');
  await page.locator('[data-testid="lists-page"] [data-testid="campaigns-not-in-plan"]').waitFor();
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});
