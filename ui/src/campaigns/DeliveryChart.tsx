//! A campaign's delivery chart (`GET /api/campaigns/{id}/timeline`): one bar per stretch of
//! time, the recipients it reached stacked by where they stand now (failed at the bottom,
//! replied on top), with a legend, the times of the user's time zone under it and the top of
//! its scale beside it. Plain SVG, as wide as the page. Read once when shown and again when the
//! campaign's live counts change, at most every 5 s while it sends.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { useLang, useT } from '../i18n';
import { ErrorNote, useFormat } from '../admin/common';
import { Spinner } from '../shell/ui';
import { cText } from './messages';
import { recipientLabel } from './parts';
import { isActive, type CampaignView } from './plan';
import { STACK, axisTop, bucketUnit, layout, throttleWait, timeTicks, totalOf, totals, type TickKind, type Timeline } from './timeline';

/** The least time between two reads of the chart while the campaign sends. */
const WAIT_MS = 5_000;

export function DeliveryChart({ campaign: c }: { campaign: CampaignView }) {
  const t = useT(cText);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const seq = useRef(0);
  const lastAt = useRef<number | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const shownId = useRef(c.id);
  const version = JSON.stringify(c.counts);
  const active = isActive(c.status);

  useEffect(() => {
    if (shownId.current !== c.id) {
      shownId.current = c.id;
      lastAt.current = null;
      setTimeline(null);
    }
    const read = () => {
      timer.current = undefined;
      lastAt.current = Date.now();
      const n = ++seq.current;
      api<Timeline>('GET', `/api/campaigns/${c.id}/timeline`).then(
        (tl) => {
          if (n !== seq.current) return;
          setTimeline(tl);
          setError(undefined);
        },
        (e) => n === seq.current && setError(e),
      );
    };
    // A read already waiting is put off to the same time (the last read's plus WAIT_MS).
    window.clearTimeout(timer.current);
    const wait = active ? throttleWait(lastAt.current, Date.now(), WAIT_MS) : 0;
    if (wait === 0) read();
    else timer.current = window.setTimeout(read, wait);
  }, [c.id, version, active]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  return (
    <section className="card adm-section" aria-labelledby="cmp-chart-title" data-testid="campaign-delivery">
      <h2 id="cmp-chart-title">{t('chartTitle')}</h2>
      {!timeline ? (
        error ? (
          <ErrorNote error={error} />
        ) : (
          <Spinner inline />
        )
      ) : timeline.points.length === 0 ? (
        <p className="muted" data-testid="delivery-chart-empty">
          {t('chartEmpty')}
        </p>
      ) : (
        <Chart timeline={timeline} />
      )}
    </section>
  );
}

const HEIGHT = 220;
const PAD = { top: 10, right: 8, bottom: 28 };

function Chart({ timeline }: { timeline: Timeline }) {
  const t = useT(cText);
  const { lang } = useLang();
  const fmt = useFormat();
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const el = wrap.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([e]) => {
      const w = Math.round(e.contentRect.width);
      if (w > 0) setWidth(Math.max(320, w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const points = timeline.points;
  const topLabel = fmt.number(axisTop(Math.max(0, ...points.map(totalOf))));
  const left = 12 + 7 * topLabel.length;
  const plot = { left, top: PAD.top, width: width - left - PAD.right, height: HEIGHT - PAD.top - PAD.bottom };
  const base = plot.top + plot.height;
  const L = layout(timeline, plot);
  const { ticks } = timeTicks(L.start, L.end, timeline.bucket_minutes, Math.max(2, Math.min(8, Math.floor(plot.width / 120))));

  const fTime = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' });
  const fDateTime = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  const fDate = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric' });
  const tickText = (kind: TickKind, ms: number) => (kind === 'date' ? fDate : kind === 'dateTime' ? fDateTime : fTime).format(ms);
  const unit = bucketUnit(timeline.bucket_minutes);
  const bucket = new Intl.NumberFormat(lang, { style: 'unit', unit: unit.unit, unitDisplay: 'long' }).format(unit.value);
  const byDay = unit.unit === 'day';
  /** A stretch's time: its day(s), or its start and end (the end's date only on another day). */
  const when = (start: number, end: number) => {
    if (byDay) {
      const [a, b] = [fDate.format(start), fDate.format(end - 1)];
      return a === b ? a : `${a} – ${b}`;
    }
    const sameDay = fDate.format(start) === fDate.format(end);
    return `${fDateTime.format(start)} – ${(sameDay ? fTime : fDateTime).format(end)}`;
  };
  const downward = [...STACK].reverse();
  const sum = totals(points);
  const first = L.bars[0];
  const last = L.bars[L.bars.length - 1];
  const summary = t('chartSummary', {
    total: fmt.number(sum.total),
    from: (byDay ? fDate : fDateTime).format(first.start),
    to: (byDay ? fDate : fDateTime).format(byDay ? last.end - 1 : last.end),
    bucket,
    max: fmt.number(Math.max(...L.bars.map((b) => b.total))),
    statuses: downward
      .filter((s) => sum[s] > 0)
      .map((s) => `${recipientLabel(t, s)}: ${fmt.number(sum[s])}`)
      .join(', '),
  });

  return (
    <div className="cmp-chart" ref={wrap}>
      <p className="small muted">{t('chartHint', { bucket })}</p>
      <svg
        className="cmp-chart-svg"
        viewBox={`0 0 ${width} ${HEIGHT}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
        role="img"
        aria-label={summary}
        data-testid="delivery-chart"
        data-bucket={timeline.bucket_minutes}
        data-points={points.length}
      >
        <line x1={plot.left} x2={plot.left + plot.width} y1={plot.top} y2={plot.top} className="cmp-chart-grid" />
        <line x1={plot.left} x2={plot.left + plot.width} y1={plot.top + plot.height / 2} y2={plot.top + plot.height / 2} className="cmp-chart-grid" />
        <text x={plot.left - 6} y={plot.top + 4} textAnchor="end" className="cmp-chart-axis" data-testid="delivery-chart-max">
          <title>{t('chartAxisMax', { n: topLabel })}</title>
          {topLabel}
        </text>
        <text x={plot.left - 6} y={base + 4} textAnchor="end" className="cmp-chart-axis">
          {fmt.number(0)}
        </text>
        {L.bars.map((b) => (
          <g key={b.start} className="cmp-chart-bar" data-testid="delivery-bar" data-at={b.point.at} data-total={b.total}>
            <title>
              {[t('chartBar', { when: when(b.start, b.end), n: fmt.number(b.total) }), ...downward.filter((s) => b.point[s] > 0).map((s) => `${recipientLabel(t, s)}: ${fmt.number(b.point[s])}`)].join('\n')}
            </title>
            <rect x={b.x} y={plot.top} width={b.width} height={plot.height} className="cmp-chart-hit" />
            {b.parts.map((p) => (
              <rect key={p.status} x={b.x} y={p.y} width={b.width} height={p.height} className={`cmp-fill-${p.status}`} data-status={p.status} data-value={p.value} />
            ))}
          </g>
        ))}
        <line x1={plot.left} x2={plot.left + plot.width} y1={base} y2={base} className="cmp-chart-baseline" />
        {ticks.map((tk) => {
          const x = L.xAt(tk.at);
          const anchor = x < plot.left + 40 ? 'start' : x > plot.left + plot.width - 40 ? 'end' : 'middle';
          return (
            <g key={tk.at} data-testid="delivery-tick">
              <line x1={x} x2={x} y1={base} y2={base + 4} className="cmp-chart-baseline" />
              <text x={x} y={base + 18} textAnchor={anchor} className="cmp-chart-axis">
                {tickText(tk.kind, tk.at)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="cmp-legend" aria-hidden="true">
        {STACK.filter((s) => sum[s] > 0).map((s) => (
          <li key={s}>
            <span className={`cmp-dot cmp-seg-${s}`} />
            {recipientLabel(t, s)} <strong>{fmt.number(sum[s])}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
