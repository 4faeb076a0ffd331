//! Chats beyond one customer's texts, end to end in a real browser against a real server: a
//! WhatsApp group (refused until the company takes group chats, then a group ticket with its
//! badge and each member's name on its messages, one of them written on the simulator's phone);
//! the inbox's filter of group chats and one-to-one ones, for the list and its live updates;
//! "typing…" both ways (the customer's on the agent's screen, the agent's on the phone); and
//! files: the customer's (a picture shown in the conversation, a refused file with its
//! reason, a picture attached on the phone) and a picture the agent sends, shown on the phone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { apiAs, eventually, launchBrowser, platformSignIn, screenshot, setupTenant, startPlatform, uiSignIn } from './harness.mjs';

/** A PNG of `size`×`size` pixels of one colour, as base64. */
function png(size, [r, g, b]) {
  const crc = (buf) => {
    let c = ~0;
    for (const byte of buf) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

const PNG_SIZE = 48;
const PNG = png(PNG_SIZE, [31, 111, 235]);
/** Less than the 6 s after which a "typing…" heard goes by itself: a stop that shows this soon was said. */
const QUICK = 3500;

let platform;
let browser;
let tenant;
let admin;
let queue;
let connSeq = 0;

before(async () => {
  platform = await startPlatform();
  const root = await platformSignIn(platform);
  tenant = await setupTenant(platform.baseUrl, root.access_token, { name: 'Mercado Arara' });
  admin = apiAs(platform.baseUrl, tenant.adminToken);
  // The texts checked below are the English ones (a Brazilian company's admin starts in Portuguese).
  await admin.patch('/api/auth/me', { language: 'en' });
  queue = await admin.post('/api/queues', { name: 'Atendimento', color: '#1f6feb', user_ids: [tenant.adminId] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A signed-in browser page that records uncaught page errors in `errors`. */
async function signedInPage(errors) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e));
  await uiSignIn(page, platform.baseUrl, tenant.adminEmail, tenant.adminPassword);
  return page;
}

/** A fresh simulator number and the path of its phone's messages. */
async function simulator(name) {
  const conn = await admin.post('/api/connections', {
    name,
    kind: 'simulator',
    phone: `+55 11 3000-02${String(++connSeq).padStart(2, '0')}`,
    default_queue_id: queue.id,
  });
  return { conn, messages: `/api/connections/${conn.id}/simulator/messages` };
}

/** Opens the simulator's phone of `conn` on `page` at the chat of `phone`. */
async function openPhone(page, conn, phone, name) {
  await page.goto(`${platform.baseUrl}/connections/${conn.id}/phone`);
  await page.fill('input[name=customer-phone]', phone);
  await page.fill('input[name=customer-name]', name);
  await page.click('[data-testid=open-chat]');
  await page.locator('[data-testid=sim-phone]').waitFor();
}

/** The error toasts a page shows (none is expected). */
const errorToasts = (page) => page.locator('.toast-error').allInnerTexts();

test('a member writes in a group chat: a group ticket with its badge and each author by name', async () => {
  const { conn, messages } = await simulator('Loja Grupos');
  const group = { id: '120363025246125486@g.us', subject: 'Família Souza' };

  await assert.rejects(
    admin.post(messages, { from: '+5511911112222', name: 'Rita Souza', text: 'Oi!', group }),
    (e) => e.status === 403 && e.code === 'FEATURE_DISABLED',
    'a company that does not take group chats refuses them',
  );
  await admin.patch('/api/settings', { accept_group_chats: true });

  const sent = await admin.post(messages, { from: '+5511911112222', name: 'Rita Souza', text: 'Bom dia! Vocês entregam no sábado?', group });
  const ticket = await admin.get(`/api/tickets/${sent.ticket_id}`);
  assert.equal(ticket.is_group, true);
  assert.equal(ticket.contact_name, 'Família Souza');
  const groups = await admin.get(`/api/tickets?status=${ticket.status}&group=true`);
  assert.ok(groups.items.some((x) => x.id === ticket.id), 'group=true lists the group ticket');
  const singles = await admin.get(`/api/tickets?status=${ticket.status}&group=false`);
  assert.ok(!singles.items.some((x) => x.id === ticket.id), 'group=false leaves it out');

  const errors = [];
  const page = await signedInPage(errors);
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.click(`[role=tab][data-tab=${ticket.status}]`);
  const item = page.locator(`[data-testid=ticket-item][data-ticket-id="${ticket.id}"]`);
  await item.waitFor({ timeout: 10_000 });
  assert.equal(await item.getAttribute('data-group'), 'true');
  assert.equal((await item.locator('[data-testid=group-badge]').innerText()).trim(), 'Group');
  assert.match(await item.innerText(), /Família Souza/);

  await item.click();
  const conversation = page.locator(`[data-testid=conversation][data-ticket-id="${ticket.id}"]`);
  await conversation.waitFor();
  await conversation.locator('.conv-header [data-testid=group-badge]').waitFor();
  const first = page.locator('[data-testid=message][data-direction=in]', { hasText: 'entregam no sábado' });
  await first.waitFor();
  assert.equal((await first.locator('[data-testid=message-author]').innerText()).trim(), 'Rita Souza');

  // A second member writes from the simulator's phone, into the same group.
  const phone = await page.context().newPage();
  phone.on('pageerror', (e) => errors.push(e));
  await phone.goto(`${platform.baseUrl}/connections/${conn.id}/phone`);
  await phone.fill('input[name=customer-phone]', '+5511933334444');
  await phone.fill('input[name=customer-name]', 'Beto Lima');
  await phone.check('[data-testid=sim-group]');
  await phone.fill('input[name=group-id]', group.id);
  await phone.fill('input[name=group-name]', group.subject);
  await phone.click('[data-testid=open-chat]');
  await phone.locator('[data-testid=sim-status]', { hasText: 'Beto Lima' }).waitFor();
  await phone.fill('[data-testid=sim-input]', 'Eu também quero saber!');
  await phone.click('[data-testid=sim-send]');
  await phone.locator('[data-testid=sim-message][data-direction=in]', { hasText: 'Eu também quero saber!' }).waitFor({ timeout: 10_000 });
  await screenshot(phone, 'simulator-group');

  const second = page.locator('[data-testid=message][data-direction=in]', { hasText: 'Eu também quero saber!' });
  await second.waitFor({ timeout: 10_000 });
  assert.equal((await second.locator('[data-testid=message-author]').innerText()).trim(), 'Beto Lima');
  await screenshot(page, 'conversation-group');
  assert.deepEqual(await errorToasts(phone), []);
  assert.deepEqual(await errorToasts(page), []);
  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});

test('the inbox filters group chats from one-to-one ones, in the list and as messages arrive', async (t) => {
  const { conn, messages } = await simulator('Loja Filtro');
  // The plan allows three numbers: this one makes room again for the tests after it.
  t.after(() => admin.delete(`/api/connections/${conn.id}`));
  await admin.patch('/api/settings', { accept_group_chats: true });
  const group = { id: '120363099887766554@g.us', subject: 'Clube do Livro' };
  const GROUP_MEMBER = '+5511922223333';
  const CUSTOMER = '+5511944445555';
  const inGroup = await admin.post(messages, { from: GROUP_MEMBER, name: 'Lia Castro', text: 'Chegou o livro do mês?', group });
  const direct = await admin.post(messages, { from: CUSTOMER, name: 'Davi Nunes', text: 'Meu pedido já saiu?' });
  const groupTicket = await admin.get(`/api/tickets/${inGroup.ticket_id}`);
  const directTicket = await admin.get(`/api/tickets/${direct.ticket_id}`);
  assert.equal(groupTicket.is_group, true);
  assert.equal(directTicket.is_group, false);
  assert.equal(directTicket.status, groupTicket.status, 'both wait in the same list');

  const errors = [];
  const page = await signedInPage(errors);
  await page.goto(`${platform.baseUrl}/inbox`);
  await page.click(`[role=tab][data-tab=${groupTicket.status}]`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  const items = page.locator('[data-testid=ticket-item]');
  const groupItem = page.locator(`[data-testid=ticket-item][data-ticket-id="${groupTicket.id}"]`);
  const directItem = page.locator(`[data-testid=ticket-item][data-ticket-id="${directTicket.id}"]`);
  await groupItem.waitFor({ timeout: 10_000 });
  await directItem.waitFor();
  const kinds = () => items.evaluateAll((els) => els.map((el) => el.getAttribute('data-group')));
  const chats = page.getByRole('combobox', { name: 'Kind of chat' });
  assert.deepEqual(await chats.locator('option').allInnerTexts(), ['All chats', 'One-to-one', 'Groups']);

  // Groups: the group ticket is there, the one-to-one one is not, nor does a new message bring it.
  await chats.selectOption({ label: 'Groups' });
  await directItem.waitFor({ state: 'detached' });
  await groupItem.waitFor();
  assert.deepEqual([...new Set(await kinds())], ['true']);
  await admin.post(messages, { from: CUSTOMER, text: 'Alguém pode ver?' });
  await admin.post(messages, { from: GROUP_MEMBER, text: 'Ainda não chegou aqui', group });
  // Events arrive in order: once the group's message shows, the customer's one was dealt with.
  await groupItem.filter({ hasText: 'Ainda não chegou aqui' }).waitFor({ timeout: 10_000 });
  assert.equal(await directItem.count(), 0, 'a one-to-one message does not bring its ticket into the groups');
  assert.deepEqual([...new Set(await kinds())], ['true']);

  // One-to-one: the other way round.
  await chats.selectOption({ label: 'One-to-one' });
  await groupItem.waitFor({ state: 'detached' });
  await directItem.waitFor();
  assert.deepEqual([...new Set(await kinds())], ['false']);
  await admin.post(messages, { from: GROUP_MEMBER, text: 'Alguém sabe?', group });
  await admin.post(messages, { from: CUSTOMER, text: 'Obrigado!' });
  await directItem.filter({ hasText: 'Obrigado!' }).waitFor({ timeout: 10_000 });
  assert.equal(await groupItem.count(), 0, 'a group message does not bring its ticket into the one-to-one chats');
  assert.deepEqual([...new Set(await kinds())], ['false']);

  // All chats again: both.
  await chats.selectOption({ label: 'All chats' });
  await groupItem.waitFor();
  await directItem.waitFor();
  assert.deepEqual(await errorToasts(page), []);
  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});

test('typing shows both ways: the customer on the agent screen, the agent on the phone', async () => {
  const CUSTOMER = '+5511955556666';
  const { conn, messages } = await simulator('Loja Digitando');
  const typingApi = `/api/connections/${conn.id}/simulator/typing`;
  const sent = await admin.post(messages, { from: CUSTOMER, name: 'Joana Prado', text: 'Olá, alguém aí?' });
  await admin.post(`/api/tickets/${sent.ticket_id}/accept`);

  const errors = [];
  const page = await signedInPage(errors);
  await page.goto(`${platform.baseUrl}/inbox/${sent.ticket_id}`);
  await page.waitForSelector(`[data-testid=conversation][data-status=open]`);
  await page.waitForSelector('[data-testid=live-status][data-status=open]', { timeout: 15_000 });
  const typing = page.locator('[data-testid=conversation] .conv-header [data-testid=typing]');

  // The customer writes: the header says so, until it pauses.
  const said = await eventually(
    async () => {
      const r = await admin.post(typingApi, { phone: CUSTOMER, state: 'composing' });
      return r.shown && (await typing.count()) > 0 ? r : null;
    },
    { interval: 700, what: "the customer's typing in the header" },
  );
  assert.equal(said.shown, true);
  assert.equal((await typing.innerText()).trim(), 'typing…');
  await admin.post(typingApi, { phone: CUSTOMER, state: 'recording' });
  await page.locator('[data-testid=typing][data-state=recording]', { hasText: 'recording audio…' }).waitFor();
  await admin.post(typingApi, { phone: CUSTOMER, state: 'paused' });
  // Sooner than the 6 s after which a state heard goes by itself.
  await typing.waitFor({ state: 'detached', timeout: QUICK });

  // A message from the customer ends its typing.
  await admin.post(typingApi, { phone: CUSTOMER, state: 'composing' });
  await typing.waitFor();
  await admin.post(messages, { from: CUSTOMER, text: 'Queria trocar um produto.' });
  await page.locator('[data-testid=message][data-direction=in]', { hasText: 'trocar um produto' }).waitFor();
  await typing.waitFor({ state: 'detached', timeout: QUICK });

  // The agent writes: the customer's phone says so; the text cleared, it stops.
  const phone = await page.context().newPage();
  phone.on('pageerror', (e) => errors.push(e));
  await openPhone(phone, conn, CUSTOMER, 'Joana Prado');
  await phone.locator('[data-testid=sim-message]', { hasText: 'trocar um produto' }).waitFor();
  const phoneStatus = phone.locator('[data-testid=sim-status]');
  const input = page.locator('[data-testid=composer-input]');
  await input.click();
  await input.pressSequentially('Claro, qual');
  await phone.locator('[data-testid=sim-status][data-typing=composing]').waitFor({ timeout: 10_000 });
  assert.equal((await phoneStatus.innerText()).trim(), 'typing…');
  await screenshot(phone, 'simulator-typing');
  await input.fill('');
  await eventually(async () => (await phoneStatus.getAttribute('data-typing')) === null, { timeout: QUICK, what: 'the phone to stop showing typing' });

  // The customer types on the phone: the agent sees it.
  await phone.locator('[data-testid=sim-input]').pressSequentially('É a camiseta');
  await typing.waitFor({ timeout: 10_000 });
  await screenshot(page, 'conversation-typing');
  assert.deepEqual(await errorToasts(phone), []);
  assert.deepEqual(await errorToasts(page), []);
  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});

test("files: the customer's picture shows in the conversation, a refused file says why, the agent's picture shows on the phone", async () => {
  const CUSTOMER = '+5511977778888';
  const { conn, messages } = await simulator('Loja Arquivos');
  const sent = await admin.post(messages, { from: CUSTOMER, name: 'Paulo Reis', text: 'Segue a foto', media_base64: PNG, filename: 'pedido.png' });
  const history = await admin.get(`/api/tickets/${sent.ticket_id}/messages`);
  const picture = history.items.find((m) => m.id === sent.message_id);
  assert.equal(picture.kind, 'image');
  assert.equal(picture.media?.mime, 'image/png');
  assert.ok(picture.media?.id, 'the platform keeps the file');

  const errors = [];
  const page = await signedInPage(errors);
  await page.goto(`${platform.baseUrl}/inbox/${sent.ticket_id}`);
  const bubble = page.locator(`[data-testid=message][data-message-id="${sent.message_id}"]`);
  await bubble.waitFor({ timeout: 10_000 });
  assert.match(await bubble.innerText(), /Segue a foto/);
  const img = bubble.locator('.media img');
  await img.waitFor();
  await eventually(async () => (await img.evaluate((el) => el.complete && el.naturalWidth)) === PNG_SIZE, { what: 'the picture to load' });

  // A file of a type WhatsApp does not carry: the message stays, with the reason.
  const refused = await admin.post(messages, { from: CUSTOMER, text: '', media_base64: Buffer.from('just some notes').toString('base64'), filename: 'notes.txt' });
  const error = page.locator(`[data-testid=message][data-message-id="${refused.message_id}"] [data-testid=message-error]`);
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.innerText(), /file not kept/);

  // A picture attached on the phone, with a caption.
  const phone = await page.context().newPage();
  phone.on('pageerror', (e) => errors.push(e));
  await openPhone(phone, conn, CUSTOMER, 'Paulo Reis');
  await phone.setInputFiles('[data-testid=sim-file-input]', { name: 'recibo.png', mimeType: 'image/png', buffer: Buffer.from(png(PNG_SIZE, [46, 158, 107]), 'base64') });
  await phone.locator('[data-testid=sim-file]', { hasText: 'recibo.png' }).waitFor();
  await phone.fill('[data-testid=sim-input]', 'O recibo');
  await phone.click('[data-testid=sim-send]');
  await phone.locator('[data-testid=sim-message][data-direction=in]', { hasText: 'O recibo' }).locator('img').waitFor({ timeout: 10_000 });
  const receipt = page.locator('[data-testid=message][data-direction=in]', { hasText: 'O recibo' });
  await receipt.locator('.media img').waitFor({ timeout: 10_000 });

  // A picture the agent sends shows on the customer's phone (fetched there with the user's token).
  await page.locator('[data-testid=accept-bar], [data-testid=composer-input]').first().waitFor({ timeout: 10_000 });
  const acceptBar = page.locator('[data-testid=accept-bar]');
  if (await acceptBar.isVisible()) await acceptBar.click();
  await page.locator('[data-testid=composer-input]').waitFor({ timeout: 10_000 });
  await page.setInputFiles('[data-testid=composer-file-input]', { name: 'cupom.png', mimeType: 'image/png', buffer: Buffer.from(png(PNG_SIZE, [235, 140, 31]), 'base64') });
  await page.locator('[data-testid=attachment]', { hasText: 'cupom.png' }).waitFor({ timeout: 10_000 });
  await page.fill('[data-testid=composer-input]', 'Seu cupom');
  await page.click('[data-testid=send]');
  const coupon = phone.locator('[data-testid=sim-message][data-direction=out]', { hasText: 'Seu cupom' }).locator('img');
  await coupon.waitFor({ timeout: 10_000 });
  await eventually(async () => (await coupon.evaluate((el) => el.complete && el.naturalWidth)) === PNG_SIZE, { what: 'the picture on the phone to load' });
  await screenshot(page, 'conversation-files');
  assert.deepEqual(await errorToasts(phone), []);
  assert.deepEqual(await errorToasts(page), []);
  await page.context().close();
  assert.deepEqual(errors.map(String), []);
});
