//! Outgoing webhooks end to end, against a receiver in this process: a company admin adds an
//! endpoint for contact.created in the app and sees its signing secret once; a contact made
//! through the API reaches the receiver as a POST signed the Standard Webhooks way (checked
//! here with the secret); the delivery log shows it delivered with 200, opens onto the body
//! sent, sends it again and sends a test event. Rotating the secret signs with both secrets;
//! filters are set and taken away; a receiver answering 410 turns its endpoint off (the
//! reason shows), and once it is on again its failed deliveries go again; one answering 500
//! is failing since then, its delivery waiting for the next attempt. Turning an endpoint off
//! shows it off; deleting them empties the list. On a plan without webhooks the page says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

let receiver;
let platform;
let browser;
let rootToken;
let tenant;
let admin;
/** The signing secret the app showed for the first endpoint, and the one after rotating it. */
let secret;
let rotated;

/** A receiver on 127.0.0.1 that keeps every request; `/gone` answers what `answers` says. */
function startReceiver() {
  const requests = [];
  const answers = new Map();
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method, path: req.url, headers: req.headers, body, at: Date.now() });
      res.writeHead(answers.get(req.url) ?? 200, { 'content-type': 'text/plain' });
      res.end(`received ${req.url}`);
    });
  });
  return new Promise((ok) =>
    srv.listen(0, '127.0.0.1', () =>
      ok({
        requests,
        answers,
        url: (path) => `http://127.0.0.1:${srv.address().port}${path}`,
        close: () => new Promise((done) => srv.close(() => done())),
      }),
    ),
  );
}

before(async () => {
  receiver = await startReceiver();
  // The receiver is on loopback, which the outbound guard refuses unless told otherwise.
  platform = await startPlatform({ env: { TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL: 'true' } });
  rootToken = (await platformSignIn(platform)).access_token;
  tenant = await setupTenant(platform.baseUrl, rootToken, { name: 'Loja Webhooks' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  await receiver?.close();
});

/** The signature `secret` (`whsec_<base64 key>`) makes for a call, as Standard Webhooks says. */
function sign(whsec, id, timestamp, body) {
  const key = Buffer.from(whsec.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Checks a received call's Standard Webhooks headers against `whsec`; answers its parsed body. */
function verified(req, whsec) {
  const id = req.headers['webhook-id'];
  const timestamp = req.headers['webhook-timestamp'];
  const signature = req.headers['webhook-signature'];
  assert.ok(id, 'the call has a webhook-id');
  assert.match(timestamp ?? '', /^\d+$/, 'the call has a webhook-timestamp in seconds');
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 300, 'the timestamp is now');
  assert.ok(signature, 'the call has a webhook-signature');
  const given = signature.split(' ');
  assert.ok(given.includes(sign(whsec, id, timestamp, req.body)), `the signature verifies with the secret: ${signature}`);
  return JSON.parse(req.body);
}

/** A page signed in as the company admin, in English; page errors are collected. */
async function adminPage() {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

async function noApiError(page) {
  const errors = page.locator('[data-testid="api-error"]');
  if (await errors.count()) assert.fail(`the page shows an API error: ${await errors.first().innerText()}`);
}

/**
 * Opens the webhooks page from a fresh load (the init script keeps the app in English; signing
 * in adopts the account's Portuguese until the next load), after seeing its sidebar entry.
 */
async function openWebhooks(page) {
  await page.locator('nav a[href="/admin/webhooks"]').waitFor();
  await page.goto(`${platform.baseUrl}/admin/webhooks`);
  await page.locator('[data-testid="webhooks-page"]').waitFor();
  await page.locator('.spinner-block').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
}

/** The delivery log's row of the newest delivery of `event` (optionally with `status`). */
function row(page, event, status) {
  const sel = `[data-testid="delivery-row"][data-event="${event}"]${status ? `[data-status="${status}"]` : ''}`;
  return page.locator(sel);
}

test('an endpoint made in the app gets contact.created signed, and its log shows the delivery', async () => {
  const page = await adminPage();
  await openWebhooks(page);
  await page.locator('[data-testid="webhooks-empty"]').waitFor();
  await page.click('[data-testid="webhook-new"]');
  const dialog = page.locator('[data-testid="webhook-dialog"]');
  await dialog.waitFor();
  // Nothing goes without a URL and an event.
  await page.click('[data-testid="dialog-submit"]');
  await dialog.locator('.error-text', { hasText: 'This field is required.' }).waitFor();
  await dialog.locator('.error-text', { hasText: 'Pick at least one event.' }).waitFor();
  await page.fill('[data-testid="webhook-url"]', receiver.url('/hooks/tucan'));
  await page.fill('[data-testid="webhook-description"]', 'CRM sync');
  // Events come grouped by family, and a custom event's name is checked.
  const events = dialog.locator('[data-testid="webhook-events"]');
  for (const family of ['Messages', 'Tickets', 'Contacts', 'Flow runs', 'Custom events']) {
    await events.locator('legend', { hasText: family }).first().waitFor();
  }
  await dialog.getByLabel('Contact created').check();
  await page.fill('[data-testid="webhook-custom-name"]', 'Order Paid');
  await page.click('[data-testid="webhook-custom-add"]');
  await dialog.locator('.error-text', { hasText: 'lower-case letters' }).waitFor();
  await page.fill('[data-testid="webhook-custom-name"]', 'order.paid');
  await page.click('[data-testid="webhook-custom-add"]');
  await events.locator('.chip', { hasText: 'custom.order.paid' }).waitFor();
  await screenshot(page, 'webhooks-dialog');
  await page.click('[data-testid="dialog-submit"]');

  // The secret, once, with a copy button.
  const shown = page.locator('[data-testid="webhook-secret-dialog"]');
  await shown.waitFor();
  assert.match(await shown.innerText(), /shown only this once/);
  secret = await page.locator('[data-testid="webhook-secret"]').inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
  await page.click('[data-testid="copy-secret"]');
  await shown.locator('[data-testid="copy-secret"]', { hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await page.click('[data-testid="secret-done"]');
  await shown.waitFor({ state: 'detached' });
  const card = page.locator('[data-testid="webhook-item"]', { hasText: '/hooks/tucan' });
  await card.waitFor();
  assert.equal(await card.getAttribute('data-enabled'), 'true');
  assert.match(await card.innerText(), /CRM sync/);
  assert.match(await card.innerText(), /contact\.created/);
  assert.match(await card.innerText(), /custom\.order\.paid/);
  assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page any more');
  const [endpoint] = await admin.get('/api/webhooks');
  assert.deepEqual(endpoint.events, ['contact.created', 'custom.order.paid']);
  assert.ok(!JSON.stringify(endpoint).includes(secret), 'the API does not show the secret again');

  // A contact made through the API reaches the receiver, signed.
  const contact = await admin.post('/api/contacts', { name: 'Beatriz Webhook', phone: '+5511988887777' });
  const call = await eventually(() => receiver.requests.find((r) => r.path === '/hooks/tucan' && r.body.includes(contact.id)), {
    timeout: 15_000,
    what: 'the receiver to get contact.created',
  });
  assert.equal(call.method, 'POST');
  assert.match(call.headers['content-type'], /application\/json/);
  const body = verified(call, secret);
  assert.equal(body.type, 'contact.created');
  assert.equal(body.data.contact.name, 'Beatriz Webhook');

  // The delivery log: delivered with 200; the row opens onto the body sent and the answer.
  await card.locator('[data-testid="webhook-log"]').click();
  await page.locator('[data-testid="webhook-log-page"]').waitFor();
  const delivered = row(page, 'contact.created', 'succeeded');
  await delivered.waitFor({ timeout: 15_000 });
  assert.equal(await delivered.locator('[data-testid="delivery-status"]').innerText(), 'Succeeded');
  assert.equal(await delivered.locator('[data-testid="delivery-response"]').innerText(), '200');
  assert.equal(await delivered.locator('[data-testid="delivery-attempts"]').innerText(), '1');
  await delivered.locator('[data-testid="delivery-toggle"]').click();
  const detail = page.locator('[data-testid="delivery-detail"]');
  await detail.waitFor();
  const payload = await detail.locator('[data-testid="delivery-payload"]').innerText();
  assert.deepEqual(JSON.parse(payload), body, 'the log shows the body that was sent');
  assert.match(payload, /\n {2}"data": \{/, 'the body is indented');
  assert.match(await detail.innerText(), new RegExp(`webhook-id: ${call.headers['webhook-id']}`));
  assert.equal(await detail.locator('[data-testid="delivery-excerpt"]').innerText(), 'received /hooks/tucan');
  await screenshot(page, 'webhooks-log');

  // Send again: a new delivery of the same event, with the same webhook-id.
  const before = receiver.requests.length;
  await delivered.locator('[data-testid="delivery-again"]').click();
  await eventually(async () => (await row(page, 'contact.created', 'succeeded').count()) === 2, { timeout: 15_000, what: 'the second delivery in the log' });
  const again = await eventually(() => receiver.requests.slice(before).find((r) => r.path === '/hooks/tucan'), { what: 'the call sent again' });
  assert.equal(again.headers['webhook-id'], call.headers['webhook-id']);
  verified(again, secret);

  // A test event, from the log.
  await page.click('[data-testid="webhook-log-test"]');
  const test = row(page, 'webhook.test', 'succeeded');
  await test.waitFor({ timeout: 15_000 });
  assert.equal(await test.locator('[data-testid="delivery-response"]').innerText(), '200');
  const testCall = await eventually(() => receiver.requests.find((r) => r.body.includes('"webhook.test"')), { what: 'the test event' });
  assert.equal(verified(testCall, secret).type, 'webhook.test');
  assert.equal(await page.locator('[data-testid="deliveries-count"]').innerText(), 'Showing 3');
  await noApiError(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('rotating the secret signs with both, filters are set and taken away, and an endpoint turned off shows it', async () => {
  const tag = await admin.post('/api/tags', { name: 'VIP', color: '#d4a017' });
  const page = await adminPage();
  await openWebhooks(page);
  const card = page.locator('[data-testid="webhook-item"]', { hasText: '/hooks/tucan' });
  await card.waitFor();

  // Rotate, after a confirmation that says the old secret keeps signing for 24 hours.
  await card.locator('[data-testid="webhook-rotate"]').click();
  const confirm = page.locator('[data-testid="confirm-dialog"]');
  assert.match(await confirm.innerText(), /24 hours/);
  await page.click('[data-testid="confirm-yes"]');
  const shown = page.locator('[data-testid="webhook-secret-dialog"]');
  await shown.waitFor();
  assert.match(await shown.innerText(), /24 hours/);
  rotated = await page.locator('[data-testid="webhook-secret"]').inputValue();
  assert.match(rotated, /^whsec_/);
  assert.notEqual(rotated, secret);
  await page.click('[data-testid="secret-done"]');
  const seen = receiver.requests.length;
  await card.locator('[data-testid="webhook-test"]').click();
  await page.locator('.toast', { hasText: 'A test event is on its way.' }).waitFor();
  const call = await eventually(() => receiver.requests.slice(seen).find((r) => r.body.includes('"webhook.test"')), {
    what: 'the test event after the rotation',
  });
  assert.equal(call.headers['webhook-signature'].split(' ').length, 2, 'both secrets sign during the overlap');
  verified(call, rotated);
  verified(call, secret);

  // A tag filter, then none again.
  await card.locator('[data-testid="webhook-edit"]').click();
  const dialog = page.locator('[data-testid="webhook-dialog"]');
  await dialog.waitFor();
  assert.equal(await page.locator('[data-testid="webhook-url"]').inputValue(), receiver.url('/hooks/tucan'));
  assert.equal(await dialog.getByLabel('Contact created').isChecked(), true);
  await page.locator('[data-testid="webhook-tag"]').selectOption(tag.id);
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => /Tag: VIP/.test(await card.locator('[data-testid="webhook-filters"]').innerText()), { what: 'the tag filter on the card' });
  assert.equal((await admin.get('/api/webhooks'))[0].tag_id, tag.id);
  await card.locator('[data-testid="webhook-edit"]').click();
  await dialog.waitFor();
  await page.locator('[data-testid="webhook-tag"]').selectOption('');
  await page.click('[data-testid="dialog-submit"]');
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => /Every number, queue and tag/.test(await card.locator('[data-testid="webhook-filters"]').innerText()), { what: 'no filter on the card' });
  assert.equal((await admin.get('/api/webhooks'))[0].tag_id ?? null, null);

  // Off: the card and the API say so, and the log shows it off.
  await card.locator('label.wh-switch').click();
  await eventually(async () => (await card.getAttribute('data-enabled')) === 'false', { what: 'the card to show the endpoint off' });
  assert.equal(await card.locator('[data-testid="webhook-toggle"]').isChecked(), false);
  assert.equal((await admin.get('/api/webhooks'))[0].enabled, false);
  await screenshot(page, 'webhooks-list-off');
  await card.locator('[data-testid="webhook-log"]').click();
  const summary = page.locator('[data-testid="webhook-summary"]');
  await summary.waitFor();
  assert.equal(await summary.getAttribute('data-enabled'), 'false');
  assert.equal(await summary.locator('[data-testid="webhook-state"]').innerText(), 'Off');
  await noApiError(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a receiver answering 410 turns its endpoint off and, on again, its failed deliveries go again; one answering 500 is failing; deleting empties the list', async () => {
  receiver.answers.set('/gone', 410);
  const made = await admin.post('/api/webhooks', { url: receiver.url('/gone'), description: 'Old system', events: ['*'] });
  await admin.post(`/api/webhooks/${made.endpoint.id}/test`);
  await eventually(async () => (await admin.get(`/api/webhooks/${made.endpoint.id}`)).enabled === false, { timeout: 15_000, what: 'the 410 to turn the endpoint off' });

  const page = await adminPage();
  await openWebhooks(page);
  const card = page.locator('[data-testid="webhook-item"]', { hasText: '/gone' });
  await card.waitFor();
  assert.equal(await card.getAttribute('data-enabled'), 'false');
  const reason = card.locator('[data-testid="webhook-disabled-reason"]');
  await reason.waitFor();
  assert.match(await reason.innerText(), /^Turned off: .*410/);
  assert.match(await card.innerText(), /All events/);
  await screenshot(page, 'webhooks-list');

  await card.locator('[data-testid="webhook-log"]').click();
  const failed = row(page, 'webhook.test', 'failed');
  await failed.waitFor({ timeout: 15_000 });
  assert.equal(await failed.locator('[data-testid="delivery-status"]').innerText(), 'Failed');
  assert.equal(await failed.locator('[data-testid="delivery-response"]').innerText(), '410');

  // The receiver is back: the endpoint goes on again (the reason goes), and what failed goes again.
  receiver.answers.delete('/gone');
  await page.click('[data-testid="back-to-webhooks"]');
  await card.waitFor();
  await card.locator('label.wh-switch').click();
  await eventually(async () => (await card.getAttribute('data-enabled')) === 'true', { what: 'the endpoint on again' });
  assert.equal(await reason.count(), 0, 'the reason goes once it is on again');
  await card.locator('[data-testid="webhook-log"]').click();
  await page.locator('[data-testid="redeliver-since-at"]').waitFor();
  await page.click('[data-testid="redeliver-since-go"]');
  await page.locator('.toast', { hasText: 'Deliveries queued again: 1.' }).waitFor();
  const ok = row(page, 'webhook.test', 'succeeded');
  await ok.waitFor({ timeout: 15_000 });
  assert.equal(await ok.locator('[data-testid="delivery-response"]').innerText(), '200');
  await page.click('[data-testid="webhook-refresh"]');
  await ok.waitFor();

  // A receiver that fails: the endpoint is failing since then, and the delivery waits for its next attempt.
  receiver.answers.set('/broken', 500);
  const broken = await admin.post('/api/webhooks', { url: receiver.url('/broken'), events: ['ticket.closed'] });
  await admin.post(`/api/webhooks/${broken.endpoint.id}/test`);
  await eventually(async () => (await admin.get(`/api/webhooks/${broken.endpoint.id}`)).failing_since, { timeout: 15_000, what: 'the endpoint to be failing' });
  await page.click('[data-testid="back-to-webhooks"]');
  const failing = page.locator('[data-testid="webhook-item"]', { hasText: '/broken' });
  await failing.locator('[data-testid="webhook-failing"]').waitFor();
  assert.match(await failing.locator('[data-testid="webhook-failing"]').innerText(), /^Failing since /);
  assert.equal(await failing.getAttribute('data-enabled'), 'true');
  await failing.locator('[data-testid="webhook-log"]').click();
  const waiting = row(page, 'webhook.test', 'pending');
  await waiting.waitFor({ timeout: 15_000 });
  assert.equal(await waiting.locator('[data-testid="delivery-status"]').innerText(), 'Pending');
  await eventually(async () => (await waiting.locator('[data-testid="delivery-response"]').innerText()) === '500', { what: 'the 500 in the log' });
  assert.notEqual(await waiting.locator('[data-testid="delivery-next"]').innerText(), '—', 'the next attempt is shown');

  // Deleting every endpoint, after a confirmation each, leaves the list empty.
  await page.click('[data-testid="back-to-webhooks"]');
  for (const path of ['/broken', '/gone', '/hooks/tucan']) {
    const item = page.locator('[data-testid="webhook-item"]', { hasText: path });
    await item.locator('[data-testid="webhook-delete"]').click();
    assert.match(await page.locator('[data-testid="confirm-dialog"]').innerText(), new RegExp(path));
    await page.click('[data-testid="confirm-yes"]');
    await item.waitFor({ state: 'detached' });
  }
  await page.locator('[data-testid="webhooks-empty"]').waitFor();
  assert.deepEqual(await admin.get('/api/webhooks'), []);
  await noApiError(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("on a plan without webhooks the page says so instead of failing", async () => {
  const root = apiAs(platform.baseUrl, rootToken);
  const plan = await root.post('/api/platform/plans', {
    name: 'Sem webhooks',
    limits: { users: 5, connections: 1, queues: 5, flows: 10, plugins: 0 },
    features: { campaigns: false, plugins: false, api_access: true, webhooks: false },
  });
  await root.patch(`/api/platform/tenants/${tenant.tenantId}`, { plan_id: plan.id });
  const refused = await admin.raw('GET', '/api/webhooks');
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).code, 'FEATURE_DISABLED');
  const page = await adminPage();
  await openWebhooks(page);
  const note = page.locator('[data-testid="webhooks-not-in-plan"]');
  await note.waitFor();
  assert.match(await note.innerText(), /not part of the company's plan/);
  assert.equal(await page.locator('[data-testid="webhook-new"]').count(), 0, 'nothing to create');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
