//! The delivery chart of a campaign's page as the app works it out (src/campaigns/timeline.ts):
//! the order its bars stack the statuses in, the round top of its scale, where the bars and
//! their parts go, the round local times its x axis names, and how long a new read waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const UI = join(dirname(fileURLToPath(import.meta.url)), '..');

/** src/campaigns/timeline.ts, compiled on the fly (it imports nothing). */
async function chart() {
  const src = readFileSync(join(UI, 'src', 'campaigns', 'timeline.ts'), 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'timeline.ts',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

const MIN = 60_000;
const T0 = Date.parse('2026-12-07T10:03:00Z');
const iso = (ms) => new Date(ms).toISOString();
const point = (at, over = {}) => ({ at: iso(at), queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, failed: 0, ...over });
const utc = () => 0;

test('bars stack failed at the bottom and the furthest status on top, and add up', async () => {
  const { STACK, totalOf, totals } = await chart();
  assert.deepEqual([...STACK], ['failed', 'queued', 'sent', 'delivered', 'read', 'replied']);
  const a = point(T0, { delivered: 8, failed: 1 });
  const b = point(T0 + MIN, { read: 5, replied: 2, queued: 1 });
  assert.equal(totalOf(a), 9);
  assert.deepEqual(totals([a, b]), { failed: 1, queued: 1, sent: 0, delivered: 8, read: 5, replied: 2, total: 17 });
  assert.deepEqual(totals([]).total, 0);
});

test('the top of the scale is a round number at or above the tallest bar', async () => {
  const { axisTop } = await chart();
  const cases = [
    [0, 1],
    [1, 1],
    [3, 3],
    [4, 4],
    [7, 8],
    [9, 10],
    [11, 12],
    [13, 15],
    [17, 20],
    [23, 25],
    [99, 100],
    [1001, 1200],
    [5400, 6000],
  ];
  for (const [max, top] of cases) assert.equal(axisTop(max), top, `the top over ${max}`);
});

test('a bar stands in its stretch of the time axis, its parts stacked and scaled', async () => {
  const { layout, MIN_SLOTS } = await chart();
  const box = { left: 40, top: 10, width: 600, height: 100 };
  const l = layout({ bucket_minutes: 1, points: [point(T0, { delivered: 8, failed: 1 }), point(T0 + MIN, { read: 2 })] }, box);
  assert.equal(MIN_SLOTS, 12);
  assert.equal(l.start, T0);
  assert.equal(l.end, T0 + 12 * MIN, 'two stretches still span twelve: the bars stay slim');
  assert.equal(l.top, 10);
  assert.equal(l.xAt(T0), 40);
  assert.equal(l.xAt(l.end), 640);
  const [a, b] = l.bars;
  // A slot of 50, a gap of 6 (a fifth of it, at most 6).
  assert.deepEqual([a.x, a.width, b.x, b.width], [43, 44, 93, 44]);
  assert.deepEqual([a.start, a.end, a.total], [T0, T0 + MIN, 9]);
  assert.deepEqual(
    a.parts.map((p) => [p.status, p.value, p.y, p.height]),
    [
      ['failed', 1, 100, 10],
      ['delivered', 8, 20, 80],
    ],
  );
  assert.deepEqual(b.parts, [{ status: 'read', value: 2, y: 90, height: 20 }]);

  // 120 stretches of 2 minutes fill the width.
  const many = Array.from({ length: 120 }, (_, i) => point(T0 + i * 2 * MIN, { sent: i % 7 }));
  const full = layout({ bucket_minutes: 2, points: many }, box);
  assert.equal(full.end, T0 + 240 * MIN);
  assert.equal(full.top, 6);
  assert.equal(full.bars.length, 120);
  const lastBar = full.bars[119];
  assert.ok(Math.abs(lastBar.x + lastBar.width + 0.5 - 640) < 1e-9, 'the last bar ends at the right edge, less half a gap');
  assert.ok(full.bars.every((x) => x.width >= 1));
  assert.deepEqual(full.bars[0].parts, [], 'an empty stretch draws nothing');
});

test('the x axis names a few round times of the user’s time zone', async () => {
  const { timeTicks } = await chart();
  // Twelve minutes from 10:03: every two minutes, on the even ones.
  const short = timeTicks(T0, T0 + 12 * MIN, 1, 6, utc);
  assert.equal(short.step, 2);
  assert.deepEqual(
    short.ticks.map((t) => [iso(t.at).slice(11, 16), t.kind]),
    ['10:04', '10:06', '10:08', '10:10', '10:12', '10:14'].map((h) => [h, 'time']),
  );
  // Four hours in India (UTC+5:30): on the hour there, half past in UTC.
  const start = Date.parse('2026-12-07T10:00:00Z');
  const india = timeTicks(start, start + 240 * MIN, 2, 6, () => 330);
  assert.equal(india.step, 60);
  assert.deepEqual(
    india.ticks.map((t) => iso(t.at).slice(11, 16)),
    ['10:30', '11:30', '12:30', '13:30'],
  );
  // Two days by the hour: every 12 hours, the date where a day begins.
  const night = Date.parse('2026-12-07T20:00:00Z');
  const days = timeTicks(night, night + 48 * 60 * MIN, 60, 6, utc);
  assert.equal(days.step, 720);
  assert.deepEqual(
    days.ticks.map((t) => [iso(t.at).slice(5, 16), t.kind]),
    [
      ['12-08T00:00', 'dateTime'],
      ['12-08T12:00', 'time'],
      ['12-09T00:00', 'dateTime'],
      ['12-09T12:00', 'time'],
    ],
  );
  // A day just starting in São Paulo is still the day before in UTC: the date follows the zone.
  const sp = timeTicks(Date.parse('2026-12-07T23:00:00Z'), Date.parse('2026-12-08T05:00:00Z'), 15, 6, () => -180);
  assert.equal(sp.step, 60);
  assert.deepEqual(
    sp.ticks.map((t) => [iso(t.at).slice(11, 16), t.kind]),
    [
      ['23:00', 'dateTime'],
      ['00:00', 'time'],
      ['01:00', 'time'],
      ['02:00', 'time'],
      ['03:00', 'dateTime'],
      ['04:00', 'time'],
    ],
    'local midnight is 03:00 UTC; no more ticks than asked',
  );
  // 120 days by the day: every four weeks, dates only; never fewer than one a stretch.
  const long = timeTicks(start, start + 120 * 1440 * MIN, 1440, 6, utc);
  assert.equal(long.step, 28 * 1440);
  assert.ok(long.ticks.length >= 2 && long.ticks.length <= 6);
  assert.ok(long.ticks.every((t) => t.kind === 'date'));
  assert.equal(timeTicks(start, start + 12 * 5 * MIN, 5, 8, utc).step, 10, 'a step is never shorter than a stretch');
});

test('a stretch in words, and how long a new read waits', async () => {
  const { bucketUnit, throttleWait } = await chart();
  assert.deepEqual(bucketUnit(1), { value: 1, unit: 'minute' });
  assert.deepEqual(bucketUnit(15), { value: 15, unit: 'minute' });
  assert.deepEqual(bucketUnit(90), { value: 90, unit: 'minute' });
  assert.deepEqual(bucketUnit(120), { value: 2, unit: 'hour' });
  assert.deepEqual(bucketUnit(1440), { value: 1, unit: 'day' });
  assert.equal(throttleWait(null, 1_000, 5_000), 0, 'the first read goes at once');
  assert.equal(throttleWait(1_000, 3_000, 5_000), 3_000);
  assert.equal(throttleWait(1_000, 7_000, 5_000), 0);
});
