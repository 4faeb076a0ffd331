//! Campaigns survive a crash: a message campaign to a static list of 200 contacts (5 of them
//! opted out) over two simulator numbers is sending when the server is killed with SIGKILL
//! (nothing flushed, no shutdown); started again on the same data directory (the embedded
//! on-disk store), the campaign goes on by itself and completes, and every contact that did
//! not opt out got exactly one message over the two numbers together (none lost, none sent
//! twice), the opted-out ones none; its counts agree with its recipients report.
//! No browser: the API and the simulated phones only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { apiAs, platformSignIn, setupTenant, signIn, startPlatform } from './harness.mjs';

const N = 200;
/** Contacts (0-based places in the list) opted out before the campaign starts. */
const OPTED_OUT = new Set([3, 47, 101, 150, 199]);
const PEOPLE = Array.from({ length: N }, (_, i) => ({
  name: `Pessoa ${String(i + 1).padStart(3, '0')}`,
  phone: `+55119${87_000_001 + i}`,
}));
const CSV = 'name,phone\n' + PEOPLE.map((p) => `${p.name},${p.phone}`).join('\n') + '\n';
const digits = (phone) => phone.replace(/\D/g, '');
const STATUSES = ['pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'opted_out'];

let first; // the platform that is killed (it made the data directory, and removes it)
let second; // the same data directory, started again
let tenant;
let numbers;
let listId;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `read` until `done(value)`; on timeout, throws with the last value read (or the last
 * error), so a campaign that never gets there says where it stopped.
 */
async function waitFor(read, done, { timeout, interval = 500, what }) {
  const end = Date.now() + timeout;
  let last;
  let error;
  for (;;) {
    try {
      last = await read();
      error = undefined;
      if (done(last)) return last;
    } catch (e) {
      error = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}; last seen: ${error ? error.message : JSON.stringify(last)}`);
    }
    await sleep(interval);
  }
}

/** Every recipient of the report, page by page. */
async function report(api, id) {
  const items = [];
  let after;
  for (;;) {
    const page = await api.get(`/api/campaigns/${id}/recipients?limit=1000${after !== undefined ? `&after=${after}` : ''}`);
    items.push(...page.items);
    if (page.next_cursor === null || page.next_cursor === undefined) return items;
    after = page.next_cursor;
  }
}

/** The outgoing messages of a phone on a simulator number (none when it has no chat there). */
async function outgoing(api, connId, phone) {
  const r = await api.raw('GET', `/api/connections/${connId}/simulator/chats/${digits(phone)}`);
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`GET simulator chat ${connId}/${digits(phone)} → ${r.status} ${await r.text()}`);
  return (await r.json()).filter((m) => m.direction === 'out');
}

/** Runs `f` over `items`, `width` at a time. */
async function eachLimited(items, width, f) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const k = next++;
        await f(items[k], k);
      }
    }),
  );
}

before(async () => {
  first = await startPlatform();
  const root = apiAs(first.baseUrl, (await platformSignIn(first)).access_token);
  tenant = await setupTenant(first.baseUrl, root.token, { name: 'Loja Resiliente' });
  const plan = await root.post('/api/platform/plans', {
    name: 'Campanhas resilientes',
    limits: { users: 10, connections: 5, queues: 5, flows: 10, plugins: 0 },
    features: { campaigns: true, plugins: false, api_access: true, webhooks: false },
  });
  await root.patch(`/api/platform/tenants/${tenant.tenantId}`, { plan_id: plan.id });
  const admin = apiAs(first.baseUrl, tenant.adminToken);
  numbers = [
    await admin.post('/api/connections', { name: 'Loja Sul', kind: 'simulator', phone: '+55 11 3000-2001', messages_per_minute: 6000 }),
    await admin.post('/api/connections', { name: 'Loja Leste', kind: 'simulator', phone: '+55 11 3000-2002', messages_per_minute: 6000 }),
  ];

  listId = (await admin.post('/api/lists', { name: 'Todos os clientes', kind: 'static' })).id;
  const imported = await admin.post(`/api/lists/${listId}/import`, CSV, { 'content-type': 'text/csv' });
  assert.equal(imported.failed, 0, `the import rejected rows: ${JSON.stringify(imported.errors)}`);
  assert.equal(imported.created, N);
  assert.equal((await admin.get(`/api/lists/${listId}`)).size, N);

  for (const k of OPTED_OUT) {
    const { phone } = PEOPLE[k];
    const found = (await admin.get(`/api/contacts?search=${digits(phone)}`)).items.filter((c) => c.phone === phone);
    assert.equal(found.length, 1, `one contact has ${phone}`);
    const changed = await admin.patch(`/api/contacts/${found[0].id}`, { opted_out: true });
    assert.equal(changed.opted_out, true);
  }
});

after(async () => {
  await second?.stop(); // leaves the data directory: it is the first start's
  await first?.stop(); // removes it (the server itself is gone already once killed)
  if (first) assert.equal(existsSync(first.dataDir), false, 'the data directory was removed');
});

test('a campaign killed mid-send (SIGKILL) completes after a restart: each contact reached exactly once', async (t) => {
  const firstApi = apiAs(first.baseUrl, tenant.adminToken);
  const made = await firstApi.post('/api/campaigns', {
    name: 'Promoção à prova de quedas',
    list_id: listId,
    connection_ids: numbers.map((n) => n.id),
    content: { kind: 'message', variants: ['Oi {{contact.name}}'] },
    per_minute: 300,
  });
  await firstApi.post(`/api/campaigns/${made.id}/start`);
  const started = Date.now();

  // Some sent, most not: then the server dies at once.
  const mid = await waitFor(
    () => firstApi.get(`/api/campaigns/${made.id}`),
    (v) => v.counts.total === N && v.counts.pending < 150,
    { timeout: 60_000, interval: 100, what: 'the campaign to be under way (fewer than 150 pending)' },
  );
  await first.kill();
  const killedAt = Date.now();
  t.diagnostic(`killed ${((killedAt - started) / 1000).toFixed(1)} s after the start, at ${JSON.stringify(mid.counts)}`);
  assert.equal(mid.status, 'running');
  assert.ok(mid.counts.pending > 0, 'the kill came while recipients were still pending');

  // The same data directory, started again: the campaign goes on by itself.
  second = await startPlatform({ dataDir: first.dataDir, adminEmail: first.adminEmail, adminPassword: first.adminPassword });
  const rootSession = await platformSignIn(second);
  assert.equal(rootSession.user.password_must_change ?? false, false, "the platform admin's chosen password survived");
  const api = apiAs(second.baseUrl, (await signIn(second.baseUrl, tenant.adminEmail, tenant.adminPassword)).access_token);
  const done = await waitFor(
    () => api.get(`/api/campaigns/${made.id}`),
    (v) => v.status === 'completed' || v.status === 'cancelled' || v.status === 'paused',
    { timeout: 120_000, interval: 500, what: 'the campaign to complete after the restart' },
  );
  t.diagnostic(`ended (${done.status}) ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill, at ${JSON.stringify(done.counts)}`);
  assert.equal(done.status, 'completed', `the campaign ended ${done.status}: ${done.error ?? ''} ${JSON.stringify(done.counts)}`);

  // Every claim on its way lands on its number. A send claim a killed process left runs out
  // after 120 s (inbox SEND_CLAIM_SECS), so this waits until well past that from the kill; a
  // recipient still pending or queued then is reported below with what its phone got.
  const settled = await waitFor(
    () => api.get(`/api/campaigns/${made.id}`),
    (v) => v.counts.pending === 0 && v.counts.queued === 0,
    { timeout: Math.max(30_000, killedAt + 180_000 - Date.now()), interval: 1000, what: 'no recipient pending or queued' },
  ).catch((e) => {
    t.diagnostic(e.message);
    return null;
  });

  // The report (read between two equal readings of the counts, so they describe one moment).
  const { counts, items: recipients } = await waitFor(
    async () => {
      const c1 = (await api.get(`/api/campaigns/${made.id}`)).counts;
      const items = await report(api, made.id);
      const c2 = (await api.get(`/api/campaigns/${made.id}`)).counts;
      return { counts: c1, items, still: JSON.stringify(c1) === JSON.stringify(c2) };
    },
    (v) => v.still,
    { timeout: 30_000, interval: 1000, what: 'the counts to hold still while the report is read' },
  );
  const byPhone = new Map(recipients.map((r) => [r.phone, r]));

  // The simulated phones: exactly one message for each contact, none for the opted out; and
  // each recipient in the report reached (or opted out).
  const REACHED = new Set(['sent', 'delivered', 'read', 'replied']);
  const problems = [];
  const used = new Set();
  await eachLimited(PEOPLE, 4, async (p, k) => {
    const got = [];
    for (const n of numbers) {
      const out = await outgoing(api, n.id, p.phone);
      if (out.length) used.add(n.id);
      got.push(...out.map((m) => ({ number: n.name, id: m.id, body: m.body, status: m.status, at: m.at })));
    }
    const optedOut = OPTED_OUT.has(k);
    const want = optedOut ? 0 : 1;
    const r = byPhone.get(p.phone);
    const recipient = r && { seq: r.seq, status: r.status, number: r.connection_id, message_id: r.message_id, error: r.error, updated_at: r.updated_at };
    const statusOk = r && (optedOut ? r.status === 'opted_out' : REACHED.has(r.status));
    if (got.length !== want || !statusOk) {
      problems.push({ phone: p.phone, name: p.name, want, got: got.length, messages: got, recipient: recipient ?? 'not in the report' });
    } else if (want === 1 && got[0].body !== `Oi ${p.name}`) {
      problems.push({ phone: p.phone, name: p.name, wrongBody: got[0].body });
    }
  });
  problems.sort((a, b) => a.phone.localeCompare(b.phone));
  if (problems.length) {
    // What the platform made of those messages, and the jobs it gave up on.
    for (const pr of problems.slice(0, 10)) {
      const r = byPhone.get(pr.phone);
      if (!r?.message_id) continue;
      try {
        const tickets = (await api.get(`/api/tickets?contact_id=${r.contact_id}&limit=200`)).items;
        for (const tk of tickets) {
          const m = (await api.get(`/api/tickets/${tk.id}/messages?limit=200`)).items.find((x) => x.id === r.message_id);
          if (m) pr.platformMessage = { status: m.status, channel_id: m.channel_id, error: m.error, created_at: m.created_at };
        }
      } catch (e) {
        pr.platformMessage = `not read: ${e.message}`;
      }
    }
    const dead = await api.get('/api/jobs/dead?limit=50').catch((e) => ({ items: [`not read: ${e.message}`] }));
    t.diagnostic(`dead jobs: ${JSON.stringify(dead.items)}`);
  }
  assert.deepEqual(
    problems,
    [],
    `contacts without exactly the one message they should have got, or not reached in the report (counts ${JSON.stringify(counts)}):\n${JSON.stringify(problems, null, 1)}`,
  );
  assert.equal(used.size, 2, 'both numbers wrote');
  assert.ok(settled, 'no recipient stayed pending or queued');

  // The counts, and the report tallied by status.
  assert.equal(counts.total, N);
  assert.equal(counts.opted_out, OPTED_OUT.size);
  assert.equal(counts.failed, 0, 'no recipient failed');
  assert.equal(counts.pending, 0);
  assert.equal(counts.queued, 0);
  assert.equal(counts.sent + counts.delivered + counts.read + counts.replied, N - OPTED_OUT.size, 'everyone else was reached');
  const zero = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const tally = { total: recipients.length, ...zero };
  for (const r of recipients) tally[r.status] = (tally[r.status] ?? 0) + 1;
  assert.deepEqual(tally, { ...zero, ...counts }, 'the report tallied by status is the counts');
  assert.equal(recipients.length, N);
  assert.equal(new Set(recipients.map((r) => r.seq)).size, N, 'each place in the campaign once');
  assert.deepEqual([...byPhone.keys()].sort(), PEOPLE.map((p) => p.phone).sort(), 'each contact of the list is one recipient');
  t.diagnostic(`whole test ${((Date.now() - started) / 1000).toFixed(1)} s from the start of the campaign`);
});
