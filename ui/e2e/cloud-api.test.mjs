//! A WhatsApp Cloud API number end to end, against a fake Graph API in this process: an admin
//! adds the number in the app (the fake's address as the Graph API's), sees the webhook URL
//! and verify token to paste into Meta, checks the number with Meta; a customer's message
//! comes in through a signed webhook, the admin accepts the ticket in the inbox and answers,
//! and the fake receives the answer for the customer's number. Then Meta revokes the token:
//! the number is shown as needing attention with the reason, Meta's exact error shows on the
//! check, and a new token typed in the settings (the app secret left empty, so kept) brings it back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn, apiAs } from './harness.mjs';
import { startGraphFake } from './graph-fake.mjs';

const NUMBER_ID = '106540352242922';
const WABA_ID = '102290129340398';
const TOKEN = 'EAAG-e2e-first-token';
const NEW_TOKEN = 'EAAG-e2e-second-token';
const APP_SECRET = 'e2e-app-secret-0123';
const CUSTOMER = '5511987654321';

let graph;
let platform;
let browser;
let tenant;
let admin;

before(async () => {
  graph = await startGraphFake({ token: TOKEN, numberId: NUMBER_ID });
  platform = await startPlatform({
    env: ({ baseUrl }) => ({
      TUCAN__OUTBOUND_HTTP__ALLOW_INTERNAL: 'true',
      TUCAN__HTTP__PUBLIC_URL: baseUrl,
    }),
  });
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Loja Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  await graph?.close();
});

/** A notification as Meta posts it: one customer's text to the number. */
function textNotification(id, text, name = 'Ana Cliente') {
  return JSON.stringify({
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
              contacts: [{ profile: { name }, wa_id: CUSTOMER }],
              messages: [{ from: CUSTOMER, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

/** Posts `body` to the webhook signed with `secret` as Meta does; answers the response. */
function postWebhook(url, body, secret) {
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

test('an admin connects a Cloud API number, a customer writes through the webhook and gets the answer', async () => {
  const queue = await admin.post('/api/queues', { name: 'Atendimento', color: '#1f6feb', user_ids: [tenant.adminId] });
  // The company is Brazilian: its admin reads the app in Portuguese.
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e));

  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  await page.click('nav a[href="/connections"]');
  await page.waitForURL((u) => u.pathname === '/connections');
  await page.click('[data-testid=add-connection]');
  const form = page.locator('[data-testid=connection-form]');
  await form.waitFor();
  assert.equal(await form.locator('[data-testid=cloud-settings]').count(), 0, 'a simulator asks for no Meta settings');
  await form.locator('input[name=name]').fill('Loja Cloud');
  await form.locator('[data-testid=connection-kind-select]').selectOption('cloud_api');
  const cloud = form.locator('[data-testid=cloud-settings]');
  await cloud.waitFor();
  assert.match(await cloud.innerText(), /Gerenciador do WhatsApp/);
  await form.locator('input[name=phone]').fill('+55 11 99999-0000');
  await form.locator('input[name=phone_number_id]').fill(NUMBER_ID);
  await form.locator('input[name=waba_id]').fill(WABA_ID);
  const tokenInput = form.locator('input[name=access_token]');
  assert.equal(await tokenInput.getAttribute('type'), 'password');
  assert.equal(await form.locator('input[name=app_secret]').getAttribute('type'), 'password');
  // Save waits for every required Meta value.
  assert.equal(await page.locator('[data-testid=save-connection]').isDisabled(), true);
  await tokenInput.fill(TOKEN);
  await form.locator('input[name=app_secret]').fill(APP_SECRET);
  await form.locator('input[name=graph_url]').fill(graph.graphUrl);
  await form.locator('select[name=queue]').selectOption(queue.id);
  await form.locator('input[name=verify_token]').fill('short');
  await form.locator('.error-text', { hasText: 'Pelo menos 8 caracteres.' }).waitFor();
  assert.equal(await page.locator('[data-testid=save-connection]').isDisabled(), true);
  await form.locator('input[name=verify_token]').fill('');
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
  await screenshot(page, 'cloud-api-form');
  await page.click('[data-testid=save-connection]');

  // The new number's page: checked with Meta at creation, with what to paste into Meta's console.
  await page.waitForURL((u) => /^\/connections\/[^/]+$/.test(u.pathname), { timeout: 15_000 });
  const connPage = page.locator('[data-testid=connection-page]');
  await connPage.waitFor();
  const id = await connPage.getAttribute('data-connection-id');
  assert.equal(await connPage.getAttribute('data-status'), 'connected');
  assert.ok(graph.requests.some((r) => r.method === 'GET' && r.path === `/v21.0/${NUMBER_ID}` && r.authorization === `Bearer ${TOKEN}`), 'the number was checked with the token');
  const webhookUrl = await page.locator('[data-testid=webhook-url]').inputValue();
  assert.equal(webhookUrl, `${platform.baseUrl}/api/hooks/whatsapp/${tenant.tenantId}/${id}`);
  const verifyToken = await page.locator('[data-testid=verify-token]').inputValue();
  assert.ok(verifyToken.length >= 8, `a verify token was made up: ${verifyToken}`);
  assert.equal(await page.locator('[data-testid=connection-kind]').innerText(), 'WhatsApp Cloud API');
  const shown = await page.locator('[data-testid=meta-card]').innerText();
  assert.match(shown, new RegExp(NUMBER_ID));
  assert.doesNotMatch(await page.content(), new RegExp(`${TOKEN}|${APP_SECRET}`), 'no secret is on the page');

  await page.click('[data-testid=check-meta]');
  await page.locator('[data-testid=verified-name]', { hasText: 'Loja Teste' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid=meta-check]').getAttribute('data-ok'), 'true');
  assert.equal(await page.locator('[data-testid=quality-rating]').getAttribute('data-quality'), 'GREEN');
  await page.locator('[data-testid=copy-webhook-url]').click();
  await page.locator('[data-testid=copy-webhook-url]', { hasText: 'Copiado' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), webhookUrl);
  await screenshot(page, 'cloud-api-connection');

  // Meta's handshake answers the challenge for this verify token only.
  const challenge = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken)}&hub.challenge=8841207`);
  assert.equal(challenge.status, 200);
  assert.equal(await challenge.text(), '8841207');

  // A notification signed with another secret is refused; Meta's signed one is taken.
  const hello = textNotification('wamid.e2e-in-1', 'Oi, meu pedido já saiu?');
  const forged = await postWebhook(webhookUrl, hello, 'not-the-app-secret');
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).code, 'SIGNATURE_INVALID');
  assert.equal((await postWebhook(webhookUrl, hello, APP_SECRET)).status, 200);

  await page.click('nav a[href="/inbox"]');
  await page.waitForURL((u) => u.pathname === '/inbox');
  await page.click('[role=tab][data-tab=pending]');
  const item = page.locator('[data-testid=ticket-item]', { hasText: 'Ana Cliente' });
  await item.waitFor({ timeout: 15_000 });
  assert.match(await item.innerText(), /meu pedido já saiu/);
  await item.click();
  await page.locator('[data-testid=message][data-direction=in]', { hasText: 'meu pedido já saiu' }).waitFor();
  await page.click('[data-testid=accept]');
  await page.waitForSelector('[data-testid=conversation][data-status=open]');
  const input = page.locator('[data-testid=composer-input]');
  await input.fill('Olá Ana! Saiu hoje cedo, chega amanhã.');
  await input.press('Enter');
  const answer = page.locator('[data-testid=message][data-direction=out]', { hasText: 'chega amanhã' });
  await answer.waitFor();

  const out = await eventually(() => graph.sent().find((m) => m.type === 'text' && m.text?.body === 'Olá Ana! Saiu hoje cedo, chega amanhã.'), {
    timeout: 15_000,
    what: 'the fake Graph API to receive the answer',
  });
  assert.equal(out.to, CUSTOMER);
  assert.equal(out.messaging_product, 'whatsapp');
  assert.equal(out.recipient_type, 'individual');
  assert.equal(out.authorization, `Bearer ${TOKEN}`);
  await eventually(async () => (await answer.getAttribute('data-status')) === 'sent', { what: 'the answer to show as sent' });
  await screenshot(page, 'cloud-api-conversation');

  // Meta revokes the token: the next answer fails with code 190 and the number needs attention.
  graph.revoke();
  await input.fill('Qualquer dúvida, é só chamar.');
  await input.press('Enter');
  await page.locator('[data-testid=message][data-direction=out]', { hasText: 'é só chamar' }).waitFor();
  await page.click('nav a[href="/connections"]');
  const card = page.locator(`[data-testid=connection-card][data-connection-id="${id}"]`);
  await card.waitFor();
  assert.equal(await card.locator('[data-testid=connection-kind]').innerText(), 'WhatsApp Cloud API');
  await eventually(async () => (await card.getAttribute('data-status')) === 'disconnected', { timeout: 15_000, what: 'the revoked token to stop the number' });
  const attention = card.locator('[data-testid=needs-attention]');
  await attention.waitFor({ timeout: 10_000 });
  assert.match(await attention.innerText(), /Precisa de atenção/);
  assert.match(await attention.locator('[data-testid=attention-detail]').innerText(), /access token/);
  await screenshot(page, 'cloud-api-needs-attention');

  // The check shows Meta's own words.
  await card.locator('[data-testid=connection-link]').click();
  await connPage.waitFor();
  await page.click('[data-testid=check-meta]');
  const said = page.locator('[data-testid=meta-error]');
  await said.waitFor({ timeout: 10_000 });
  assert.match(await said.innerText(), /Error validating access token/);
  await page.locator('[data-testid=connection-page] [data-testid=needs-attention]').waitFor();

  // A new token typed in; the app secret's input stays empty and the saved one is kept.
  graph.accept(NEW_TOKEN);
  await page.click('[data-testid=fix-connection]');
  await form.waitFor();
  assert.equal(await form.locator('input[name=access_token]').inputValue(), '');
  assert.equal(await form.locator('input[name=app_secret]').inputValue(), '');
  assert.match(await form.innerText(), /Salvo — digite para substituir\./);
  assert.equal(await form.locator('input[name=phone_number_id]').inputValue(), NUMBER_ID);
  assert.equal(await form.locator('input[name=verify_token]').inputValue(), verifyToken);
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
  await screenshot(page, 'cloud-api-edit');
  await form.locator('input[name=access_token]').fill(NEW_TOKEN);
  await page.click('[data-testid=save-connection]');
  await form.waitFor({ state: 'detached' });
  await eventually(async () => (await connPage.getAttribute('data-status')) === 'connected', { what: 'the new token to connect the number again' });
  await page.locator('[data-testid=connection-page] [data-testid=needs-attention]').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid=verify-token]').inputValue(), verifyToken);
  assert.equal(graph.requests.at(-1).authorization, `Bearer ${NEW_TOKEN}`);
  assert.equal((await postWebhook(webhookUrl, textNotification('wamid.e2e-in-2', 'Obrigada!'), APP_SECRET)).status, 200, 'the app secret was kept');
  const conn = await admin.get(`/api/connections/${id}`);
  assert.equal(conn.cloud_api.access_token_set, true);
  assert.equal(conn.cloud_api.app_secret_set, true);

  await context.close();
  assert.deepEqual(errors.map(String), []);
});
