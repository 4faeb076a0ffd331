//! Customer ratings end to end in a real browser against a real server: the dashboard first
//! has no ratings and says how to get them; an admin turns on "Rating when a ticket closes"
//! on the Settings page; a simulated customer writes, the agent accepts and closes the ticket
//! in the inbox, and the customer's phone gets the rating request; the customer answers
//! "5 - muito bom" and is thanked; the agent sees the rating (stars, score and comment) on the
//! closed conversation, live, with a badge in the closed list and an entry in the timeline;
//! the dashboard shows CSAT 100 % from 1 rating, for the queue and for the agent too, and in
//! Portuguese as well.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

const CUSTOMER = '+5511976543210';

let platform;
let browser;
let tenant;
let admin;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Sorveteria Tucano' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh page in `lang` signed in as the company's admin; page errors are collected. */
async function adminPage(errors, lang = 'en') {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  await context.addInitScript((l) => localStorage.setItem('tucan.lang', l), lang);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

/** Opens the dashboard (in a window tall enough to show all of it) and waits until its figures are drawn. */
async function openDashboard(page) {
  await page.setViewportSize({ width: 1440, height: 1400 });
  await page.goto(`${platform.baseUrl}/dashboard`);
  await page.locator('[data-testid=dashboard-page]').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid=csat-card]').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[data-testid=api-error]').count(), 0, 'the dashboard shows no API error');
}

test('a customer rates a closed ticket: the agent sees the rating and the dashboard its CSAT', async () => {
  const queue = await admin.post('/api/queues', { name: 'Pedidos', color: '#7c5cff', user_ids: [tenant.adminId] });
  const conn = await admin.post('/api/connections', { name: 'Sorveteria', kind: 'simulator', phone: '+55 11 3000-0042', default_queue_id: queue.id });
  const errors = [];
  const page = await adminPage(errors);

  // No ratings yet: the dashboard says so, and how ratings come.
  await openDashboard(page);
  const empty = page.locator('[data-testid=csat-empty]');
  await empty.waitFor();
  assert.match(await empty.innerText(), /No ratings in this period\./);
  assert.match(await empty.innerText(), /Rating when a ticket closes/);
  assert.equal(await page.locator('[data-testid=agent-csat]').first().getAttribute('data-ratings'), '0');
  await screenshot(page, 'dashboard-csat-empty');

  // The admin turns ratings on from the Settings page.
  await page.locator('[data-testid=csat-empty] a[href="/admin/settings"]').click();
  await page.waitForURL((u) => u.pathname === '/admin/settings');
  const setting = page.locator('[data-testid=setting-rating_on_close]');
  await setting.waitFor({ timeout: 15_000 });
  const toggle = setting.locator('input[role=switch]');
  assert.equal(await toggle.isChecked(), false, 'ratings are off by default');
  await setting.locator('.adm-switch').click();
  assert.equal(await toggle.isChecked(), true);
  await page.click('[data-testid=settings-save]');
  await eventually(async () => (await admin.get('/api/settings')).find((s) => s.key === 'rating_on_close')?.value === true, {
    what: 'rating_on_close to be saved',
  });

  // A customer writes; the agent accepts and closes the ticket in the inbox.
  const sent = await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: CUSTOMER, name: 'Rita Lopes', text: 'Meu sorvete chegou derretido' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${platform.baseUrl}/inbox/${sent.ticket_id}`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${sent.ticket_id}"]`);
  await conversation.waitFor({ timeout: 15_000 });
  await page.click('[data-testid=accept]');
  await page.waitForSelector('[data-testid=conversation][data-status=open]');
  const input = page.locator('[data-testid=composer-input]');
  await input.fill('Sinto muito, Rita! Vamos enviar outro agora.');
  await input.press('Enter');
  await page.locator('[data-testid=message][data-direction=out]', { hasText: 'Vamos enviar outro' }).waitFor();
  await page.click('[data-testid=close-ticket]');
  await page.locator('[role=dialog] .btn-primary').click();
  await page.waitForSelector('[data-testid=conversation][data-status=closed]', { timeout: 10_000 });
  assert.equal(await page.locator('[data-testid=ticket-rating]').count(), 0, 'no rating before the customer answers');

  // The customer's phone gets the request (the company is in Brazil: in Portuguese).
  const phoneChat = `/api/connections/${conn.id}/simulator/chats/${CUSTOMER.replace(/\D/g, '')}`;
  const request = await eventually(
    async () => (await admin.get(phoneChat)).find((m) => m.direction === 'out' && /avalia/i.test(m.body) && /1/.test(m.body) && /5/.test(m.body)),
    { what: "the rating request on the customer's phone" },
  );
  assert.match(request.body, /^Como você avalia/);

  // The customer answers with a score and a comment, and is thanked.
  await admin.post(`/api/connections/${conn.id}/simulator/messages`, { from: CUSTOMER, text: '5 - muito bom' });
  await eventually(async () => (await admin.get(phoneChat)).some((m) => m.direction === 'out' && m.body === 'Obrigado pela sua avaliação!'), {
    what: 'the thanks for the rating',
  });
  const rated = await admin.get(`/api/tickets/${sent.ticket_id}`);
  assert.equal(rated.status, 'closed');
  assert.equal(rated.rating, 5);
  assert.equal(rated.rating_comment, 'muito bom');

  // The agent sees it on the closed conversation as it arrives.
  const rating = page.locator('[data-testid=ticket-rating]');
  await rating.waitFor({ timeout: 10_000 });
  assert.equal(await rating.getAttribute('data-rating'), '5');
  assert.match(await rating.innerText(), /Customer rating/i);
  assert.match(await rating.innerText(), /5\/5/);
  assert.equal(await rating.locator('[data-testid=ticket-rating-comment]').innerText(), 'muito bom');
  assert.equal(await rating.locator('.stars').getAttribute('aria-label'), 'Rated 5 out of 5');
  assert.equal(await conversation.getAttribute('data-status'), 'closed', 'the rating leaves the ticket closed');

  // The closed list marks the rated ticket.
  await page.click('[role=tab][data-tab=closed]');
  const item = page.locator(`[data-testid=ticket-item][data-ticket-id="${sent.ticket_id}"]`);
  await item.waitFor({ timeout: 10_000 });
  await eventually(async () => (await item.locator('[data-testid=rating-badge]').getAttribute('data-rating')) === '5', {
    what: 'the rating badge in the closed list',
  });
  // (The waiting tab's count is read again a moment after the last event.)
  await eventually(async () => !/\d/.test(await page.locator('[role=tab][data-tab=pending]').innerText()), { what: 'nobody waiting' });
  await screenshot(page, 'inbox-rating');

  // The timeline tells when the customer rated.
  await page.click('[data-testid=timeline]');
  const timeline = page.locator('[data-testid=timeline-list]');
  await timeline.waitFor();
  assert.match(await timeline.innerText(), /Rated by the customer[\s\S]*5\/5/);
  await page.keyboard.press('Escape');
  await timeline.waitFor({ state: 'detached' });

  // The dashboard: CSAT 100 % from 1 rating, for the company, the queue and the agent.
  await openDashboard(page);
  const percent = page.locator('[data-testid=csat-percent]');
  await percent.waitFor();
  assert.equal(await percent.getAttribute('data-value'), '100');
  assert.equal((await percent.innerText()).trim(), '100%');
  assert.equal(await page.locator('[data-testid=csat-ratings]').getAttribute('data-value'), '1');
  assert.equal(await page.locator('[data-testid=csat-average]').getAttribute('data-value'), '5');
  assert.match(await page.locator('[data-testid=csat-average]').innerText(), /5\.0 \/ 5/);
  const chart = page.locator('svg[data-testid=chart-csat]');
  assert.equal(await chart.getAttribute('role'), 'img');
  assert.match(await chart.getAttribute('aria-label'), /CSAT 100%: 1 of 1 ratings/);
  const queueRow = page.locator('svg[data-testid=chart-csat-queues] [data-row="Pedidos"]');
  assert.equal(await queueRow.getAttribute('data-value'), '100');
  assert.match(await queueRow.textContent(), /1 rating/);
  const agent = page.locator('[data-testid=agent-row]', { hasText: 'Ana Admin' }).locator('[data-testid=agent-csat]');
  assert.equal(await agent.getAttribute('data-value'), '100');
  assert.equal(await agent.getAttribute('data-ratings'), '1');
  assert.match(await agent.innerText(), /100%\s*1 rating/);
  await screenshot(page, 'dashboard-csat');

  await page.context().close();

  // The same in Portuguese.
  const pt = await adminPage(errors, 'pt-BR');
  await openDashboard(pt);
  await pt.locator('[data-testid=csat-card]', { hasText: 'Satisfação do cliente' }).waitFor({ timeout: 10_000 });
  assert.match(await pt.locator('svg[data-testid=chart-csat-queues]').textContent(), /1 avaliação · média 5,0/);
  await screenshot(pt, 'dashboard-csat-pt');
  await pt.context().close();
  assert.deepEqual(errors.map(String), []);
});
