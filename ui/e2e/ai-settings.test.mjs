//! The AI provider card of the settings page, end to end: a company admin with no provider
//! set up sees "No key"; an address that is not http(s) is refused in the form; base URL,
//! model and key are saved, and after a reload the card says "A key is set" with the key
//! field empty and the key nowhere on the page. Changing only the model keeps the key;
//! "Remove the key" takes it away and leaves the base URL and the model as they were; no
//! transcription model is set all along (integrations-ui.test.mjs sets one).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

const KEY = 'sk-e2e-ai-key-0123456789';

let platform;
let browser;
let tenant;
let admin;

before(async () => {
  platform = await startPlatform();
  const rootToken = (await platformSignIn(platform)).access_token;
  tenant = await setupTenant(platform.baseUrl, rootToken, { name: 'Loja IA' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** The settings page, signed in as the company's admin, in English; page errors are collected. */
async function settingsPage() {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  await context.addInitScript(() => localStorage.setItem('tucan.lang', 'en'));
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  await page.goto(`${platform.baseUrl}/admin/settings`);
  await page.locator('[data-testid="ai-key-state"]').waitFor({ timeout: 15_000 });
  return page;
}

const card = (page) => page.locator('[data-testid="ai-settings"]');
const keyState = (page) => page.locator('[data-testid="ai-key-state"]');

async function noApiError(page) {
  const errors = page.locator('[data-testid="api-error"]');
  if (await errors.count()) assert.fail(`the page shows an API error: ${await errors.first().innerText()}`);
}

test('AI provider: save base URL, model and key; the key is never shown; then remove it', async () => {
  assert.deepEqual(await admin.get('/api/integrations/ai'), { base_url: '', model: '', api_key_set: false, transcription_model: null });
  const page = await settingsPage();
  assert.equal(await keyState(page).innerText(), 'No key');
  await card(page).locator('[data-testid="ai-not-set"]').waitFor();
  assert.match(await card(page).innerText(), /ai\.chat/, 'the card tells what asks the provider');
  assert.equal(await page.locator('[data-testid="ai-key"]').getAttribute('type'), 'password');

  // An address that is not http(s) stays in the form.
  await page.fill('[data-testid="ai-base-url"]', 'ftp://models.example');
  await page.fill('[data-testid="ai-model"]', 'gpt-4o-mini');
  await page.click('[data-testid="ai-save"]');
  await card(page).getByText('Enter an address that starts with https:// or http://.').waitFor();
  assert.equal(await page.locator('[data-testid="ai-base-url"]').getAttribute('aria-invalid'), 'true');
  assert.equal((await admin.get('/api/integrations/ai')).base_url, '', 'nothing was saved');

  await page.fill('[data-testid="ai-base-url"]', 'https://api.openai.com/v1/');
  await page.fill('[data-testid="ai-key"]', KEY);
  await page.click('[data-testid="ai-save"]');
  await eventually(async () => (await keyState(page).innerText()) === 'A key is set', { what: '"A key is set" after saving' });
  assert.equal(await page.locator('[data-testid="ai-key"]').inputValue(), '', 'the key field is emptied once saved');
  assert.deepEqual(await admin.get('/api/integrations/ai'), { base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', api_key_set: true, transcription_model: null });
  await noApiError(page);

  await page.reload();
  await keyState(page).waitFor({ timeout: 15_000 });
  assert.equal(await keyState(page).innerText(), 'A key is set');
  assert.equal(await page.locator('[data-testid="ai-key"]').inputValue(), '', 'the key field is empty after a reload');
  assert.equal(await page.locator('[data-testid="ai-base-url"]').inputValue(), 'https://api.openai.com/v1');
  assert.equal(await page.locator('[data-testid="ai-model"]').inputValue(), 'gpt-4o-mini');
  assert.equal(await card(page).locator('[data-testid="ai-not-set"]').count(), 0);
  assert.ok(!(await page.content()).includes(KEY), 'the key is nowhere on the page');
  await card(page).scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-ai-provider');

  // A new model alone keeps the key.
  await page.fill('[data-testid="ai-model"]', 'gpt-4.1-mini');
  await page.click('[data-testid="ai-save"]');
  await eventually(async () => (await admin.get('/api/integrations/ai')).model === 'gpt-4.1-mini', { what: 'the new model' });
  assert.equal((await admin.get('/api/integrations/ai')).api_key_set, true, 'the key is kept');
  assert.equal(await keyState(page).innerText(), 'A key is set');

  await page.click('[data-testid="ai-remove-key"]');
  await page.click('[data-testid="confirm-yes"]');
  await eventually(async () => (await keyState(page).innerText()) === 'No key', { what: '"No key" after removing it' });
  assert.equal(await page.locator('[data-testid="ai-remove-key"]').count(), 0, 'nothing is left to remove');
  assert.deepEqual(await admin.get('/api/integrations/ai'), { base_url: 'https://api.openai.com/v1', model: 'gpt-4.1-mini', api_key_set: false, transcription_model: null });
  await noApiError(page);
  assert.deepEqual(page.errors, [], 'the page threw errors');
  await page.context().close();
});
