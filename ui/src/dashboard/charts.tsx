//! Small SVG charts for the dashboard: a donut, horizontal stacked bars, bars of shares
//! (0–100 %), an area/line chart over days and an inline bar meter. Each chart is an image
//! to assistive technology (role="img", aria-label and a <title>), and draws with the
//! theme's CSS variables.
import { useId, useState } from 'react';

export interface Series {
  label: string;
  /** A CSS colour, e.g. `var(--accent)`. */
  color: string;
}

/** A round step (1, 2, 5 × 10ⁿ) so that about `count` steps cover `max`. */
export function niceStep(max: number, count = 4): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return Math.max(1, step * mag);
}

/* ------------------------------------------------------------------ donut */

export interface Segment extends Series {
  value: number;
}

/** A donut of parts of a whole, with the total (or `centerValue`) in the middle. */
export function DonutChart({
  segments,
  label,
  centerValue,
  centerLabel,
  size = 180,
  testId,
}: {
  segments: Segment[];
  label: string;
  centerValue?: string;
  centerLabel?: string;
  size?: number;
  testId?: string;
}) {
  const titleId = useId();
  const total = segments.reduce((s, x) => s + x.value, 0);
  const r = 40;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <svg
      className="chart chart-donut"
      viewBox="0 0 100 100"
      width={size}
      height={size}
      role="img"
      aria-labelledby={titleId}
      aria-label={label}
      data-testid={testId}
      data-total={total}
    >
      <title id={titleId}>{label}</title>
      <circle cx="50" cy="50" r={r} fill="none" style={{ stroke: 'var(--bg-subtle)' }} strokeWidth="14" />
      {total > 0 &&
        segments.map((s) => {
          const len = (s.value / total) * c;
          const el = (
            <circle
              key={s.label}
              cx="50"
              cy="50"
              r={r}
              fill="none"
              style={{ stroke: s.color }}
              strokeWidth="14"
              strokeDasharray={`${len} ${c - len}`}
              strokeDashoffset={-offset}
              transform="rotate(-90 50 50)"
              data-value={s.value}
            >
              <title>{`${s.label}: ${s.value}`}</title>
            </circle>
          );
          offset += len;
          return el;
        })}
      <text x="50" y={centerLabel ? 49 : 54} textAnchor="middle" className="chart-center-value">
        {centerValue ?? total}
      </text>
      {centerLabel && (
        <text x="50" y="62" textAnchor="middle" className="chart-center-label">
          {centerLabel}
        </text>
      )}
    </svg>
  );
}

/* ------------------------------------------------------------------ stacked bars */

export interface BarRow {
  label: string;
  values: number[];
}

/** One horizontal bar per row, split by series; the row total is written at its end. */
export function StackedBarChart({ rows, series, label, testId }: { rows: BarRow[]; series: Series[]; label: string; testId?: string }) {
  const titleId = useId();
  const width = 560;
  const labelW = 140;
  const totalW = 44;
  const rowH = 36;
  const barH = 20;
  const top = 6;
  const height = top + rows.length * rowH + 22;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const step = niceStep(max);
  const axisMax = Math.ceil(max / step) * step;
  const plotW = width - labelW - totalW;
  const x = (v: number) => labelW + (v / axisMax) * plotW;
  const ticks: number[] = [];
  for (let v = 0; v <= axisMax; v += step) ticks.push(v);
  return (
    <svg
      className="chart chart-bars"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
      role="img"
      aria-labelledby={titleId}
      aria-label={label}
      data-testid={testId}
    >
      <title id={titleId}>{label}</title>
      {ticks.map((v) => (
        <g key={v}>
          <line x1={x(v)} x2={x(v)} y1={top - 2} y2={height - 18} className="chart-grid" />
          <text x={x(v)} y={height - 4} textAnchor="middle" className="chart-axis">
            {v}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const y = top + i * rowH + (rowH - barH) / 2;
        const total = r.values.reduce((a, b) => a + b, 0);
        let acc = 0;
        return (
          <g key={r.label + i} data-row={r.label} data-total={total}>
            <text x={labelW - 8} y={y + barH / 2 + 4} textAnchor="end" className="chart-label">
              {r.label.length > 20 ? r.label.slice(0, 19) + '…' : r.label}
            </text>
            {r.values.map((v, j) => {
              const x0 = x(acc);
              acc += v;
              if (v <= 0) return null;
              return (
                <rect key={j} x={x0} y={y} width={Math.max(1, x(acc) - x0)} height={barH} rx="3" style={{ fill: series[j]?.color }}>
                  <title>{`${r.label} · ${series[j]?.label}: ${v}`}</title>
                </rect>
              );
            })}
            <text x={x(total) + 6} y={y + barH / 2 + 4} className="chart-value">
              {total}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/* ------------------------------------------------------------------ percent bars */

export interface PercentRow {
  label: string;
  /** 0 to 100. */
  value: number;
  /** A second line under the label, e.g. how many answers the share is of. */
  note?: string;
}

/** The colour of a satisfaction share: green from 80 %, amber from 60 %, red below. */
export function shareColor(value: number): string {
  return value >= 80 ? 'var(--success)' : value >= 60 ? 'var(--warning)' : 'var(--danger)';
}

/** One horizontal bar per row on a 0–100 % scale, its share written at the end of the row. */
export function PercentBarChart({
  rows,
  label,
  formatValue = (v) => `${v}%`,
  color = shareColor,
  testId,
}: {
  rows: PercentRow[];
  label: string;
  formatValue?: (v: number) => string;
  color?: (v: number) => string;
  testId?: string;
}) {
  const titleId = useId();
  const width = 560;
  const labelW = 150;
  const valueW = 60;
  const rowH = 42;
  const barH = 16;
  const top = 6;
  const height = top + rows.length * rowH + 22;
  const plotW = width - labelW - valueW;
  const x = (v: number) => labelW + (Math.max(0, Math.min(100, v)) / 100) * plotW;
  const ticks = [0, 25, 50, 75, 100];
  return (
    <svg
      className="chart chart-bars"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
      role="img"
      aria-labelledby={titleId}
      aria-label={label}
      data-testid={testId}
    >
      <title id={titleId}>{label}</title>
      {ticks.map((v) => (
        <g key={v}>
          <line x1={x(v)} x2={x(v)} y1={top - 2} y2={height - 18} className="chart-grid" />
          <text x={x(v)} y={height - 4} textAnchor="middle" className="chart-axis">
            {formatValue(v)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const y = top + i * rowH + (rowH - barH) / 2;
        const mid = y + barH / 2;
        return (
          <g key={r.label + i} data-row={r.label} data-value={r.value}>
            <text x={labelW - 10} y={r.note ? mid - 2 : mid + 4} textAnchor="end" className="chart-label">
              {r.label.length > 20 ? r.label.slice(0, 19) + '…' : r.label}
            </text>
            {r.note && (
              <text x={labelW - 10} y={mid + 13} textAnchor="end" className="chart-axis">
                {r.note}
              </text>
            )}
            <rect x={labelW} y={y} width={plotW} height={barH} rx="3" style={{ fill: 'var(--bg-subtle)' }} />
            {r.value > 0 && (
              <rect x={labelW} y={y} width={Math.max(2, x(r.value) - labelW)} height={barH} rx="3" style={{ fill: color(r.value) }}>
                <title>{`${r.label}: ${formatValue(r.value)}${r.note ? ` · ${r.note}` : ''}`}</title>
              </rect>
            )}
            <text x={width - valueW + 8} y={mid + 4} className="chart-value">
              {formatValue(r.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/* ------------------------------------------------------------------ area / line */

export interface Point {
  /** The x label, e.g. a day. */
  x: string;
  values: number[];
}

/** Lines with a soft area under each, over evenly spaced x labels; hover or focus shows values. */
export function AreaChart({
  points,
  series,
  label,
  formatX,
  testId,
}: {
  points: Point[];
  series: Series[];
  label: string;
  formatX?: (x: string) => string;
  testId?: string;
}) {
  const titleId = useId();
  const gradId = useId().replace(/:/g, '');
  const [hover, setHover] = useState<number | null>(null);
  const width = 640;
  const height = 220;
  const left = 36;
  const right = 12;
  const top = 12;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...points.flatMap((p) => p.values));
  const step = niceStep(max);
  const axisMax = Math.ceil(max / step) * step;
  const n = points.length;
  const xAt = (i: number) => left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yAt = (v: number) => top + plotH - (v / axisMax) * plotH;
  const ticks: number[] = [];
  for (let v = 0; v <= axisMax; v += step) ticks.push(v);
  const every = Math.max(1, Math.ceil(n / 8));
  const fx = formatX ?? ((s: string) => s);

  return (
    <svg
      className="chart chart-area"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
      role="img"
      aria-labelledby={titleId}
      aria-label={label}
      data-testid={testId}
      onMouseLeave={() => setHover(null)}
    >
      <title id={titleId}>{label}</title>
      <defs>
        {series.map((s, j) => (
          <linearGradient key={j} id={`${gradId}-${j}`} x1="0" x2="0" y1="0" y2="1">
            <stop offset="0%" style={{ stopColor: s.color, stopOpacity: 0.28 }} />
            <stop offset="100%" style={{ stopColor: s.color, stopOpacity: 0.02 }} />
          </linearGradient>
        ))}
      </defs>
      {ticks.map((v) => (
        <g key={v}>
          <line x1={left} x2={width - right} y1={yAt(v)} y2={yAt(v)} className="chart-grid" />
          <text x={left - 6} y={yAt(v) + 4} textAnchor="end" className="chart-axis">
            {v}
          </text>
        </g>
      ))}
      {points.map((p, i) =>
        (n - 1 - i) % every === 0 ? (
          <text key={p.x} x={xAt(i)} y={height - 8} textAnchor="middle" className="chart-axis">
            {fx(p.x)}
          </text>
        ) : null,
      )}
      {n > 0 &&
        series.map((s, j) => {
          const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xAt(i).toFixed(1)},${yAt(p.values[j] ?? 0).toFixed(1)}`).join(' ');
          const area = `${line} L${xAt(n - 1).toFixed(1)},${yAt(0)} L${xAt(0).toFixed(1)},${yAt(0)} Z`;
          return (
            <g key={j} data-series={s.label}>
              <path d={area} style={{ fill: `url(#${gradId}-${j})` }} />
              <path d={line} fill="none" style={{ stroke: s.color }} strokeWidth="2.2" strokeLinejoin="round" strokeLinecap="round" />
              {points.map((p, i) => (
                <circle key={i} cx={xAt(i)} cy={yAt(p.values[j] ?? 0)} r={hover === i ? 4 : 2.6} style={{ fill: s.color }}>
                  <title>{`${fx(p.x)} · ${s.label}: ${p.values[j] ?? 0}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      {hover !== null && points[hover] && (
        <g className="chart-hover" pointerEvents="none">
          <line x1={xAt(hover)} x2={xAt(hover)} y1={top} y2={top + plotH} className="chart-hover-line" />
          <g transform={`translate(${Math.min(xAt(hover) + 8, width - right - 130)},${top + 4})`}>
            <rect width="126" height={20 + series.length * 16} rx="6" className="chart-tooltip" />
            <text x="8" y="15" className="chart-tooltip-title">
              {fx(points[hover].x)}
            </text>
            {series.map((s, j) => (
              <text key={j} x="8" y={31 + j * 16} className="chart-tooltip-text">
                <tspan style={{ fill: s.color }}>● </tspan>
                {`${s.label}: ${points[hover].values[j] ?? 0}`}
              </text>
            ))}
          </g>
        </g>
      )}
      {points.map((_, i) => (
        <rect
          key={i}
          x={xAt(i) - plotW / Math.max(1, n - 1) / 2}
          y={top}
          width={plotW / Math.max(1, n - 1)}
          height={plotH}
          fill="transparent"
          onMouseEnter={() => setHover(i)}
        />
      ))}
    </svg>
  );
}

/* ------------------------------------------------------------------ meter */

/** A thin horizontal bar showing `value` out of `max` (for table cells). */
export function BarMeter({ value, max, label, color = 'var(--accent)' }: { value: number; max: number; label: string; color?: string }) {
  const w = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * 100) : 0;
  return (
    <svg className="chart chart-meter" viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" height="8" role="img" aria-label={label}>
      <title>{label}</title>
      <rect x="0" y="0" width="100" height="8" rx="4" style={{ fill: 'var(--bg-subtle)' }} />
      <rect x="0" y="0" width={w} height="8" rx="4" style={{ fill: color }} />
    </svg>
  );
}
