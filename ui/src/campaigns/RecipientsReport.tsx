//! A campaign's report: its recipients in order (`GET /api/campaigns/{id}/recipients`), of
//! one status or all, a page at a time (the next page starts after the last one's cursor),
//! read again as the campaign's counts change; and every recipient as CSV or as an Excel
//! workbook (XLSX), downloaded with the user's token.
import { useEffect, useRef, useState } from 'react';
import { api, apiBlob, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { AdminTable, ErrorNote, useFormat, useNotice } from '../admin/common';
import { m } from '../admin/messages';
import { formatPhone } from '../shell/phone';
import { Badge, Button, Spinner, type BadgeTone } from '../shell/ui';
import { cText } from './messages';
import { recipientLabel, type Connection } from './parts';
import { RECIPIENT_STATUSES, type CampaignView, type RecipientStatus } from './plan';

type Page = Schemas['CampaignRecipientPage'];

const LIMIT = 50;

const TONES: Record<RecipientStatus, BadgeTone> = {
  pending: 'neutral',
  queued: 'info',
  sent: 'accent',
  delivered: 'accent',
  read: 'success',
  replied: 'success',
  failed: 'danger',
  opted_out: 'warning',
};

export function RecipientsReport({ campaign: c, connections }: { campaign: CampaignView; connections: Connection[] }) {
  const t = useT(cText);
  const ta = useT(m);
  const fmt = useFormat();
  const say = useNotice();
  const [status, setStatus] = useState<RecipientStatus | ''>('');
  /** The cursor each page starts after (the first page: none). */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [exporting, setExporting] = useState<'csv' | 'xlsx' | null>(null);
  const seq = useRef(0);
  const at = cursors.length - 1;
  const after = cursors[at];
  const version = JSON.stringify(c.counts);

  useEffect(() => {
    const n = ++seq.current;
    setLoading(true);
    api<Page>('GET', `/api/campaigns/${c.id}/recipients`, { query: { status: status || undefined, after, limit: LIMIT } })
      .then((p) => {
        if (n !== seq.current) return;
        setPage(p);
        setError(undefined);
      })
      .catch((e) => n === seq.current && setError(e))
      .finally(() => n === seq.current && setLoading(false));
  }, [c.id, status, after, version]);

  const pick = (s: RecipientStatus | '') => {
    setStatus(s);
    setCursors([undefined]);
  };

  /** Downloads every recipient as `csv` or `xlsx`. */
  const exportAs = async (kind: 'csv' | 'xlsx') => {
    setExporting(kind);
    setError(undefined);
    try {
      const blob =
        kind === 'csv'
          ? new Blob([await api<string>('GET', `/api/campaigns/${c.id}/recipients.csv`, { text: true })], { type: 'text/csv;charset=utf-8' })
          : await apiBlob(`/api/campaigns/${c.id}/recipients.xlsx`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `campaign-${c.name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || c.id}.${kind}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      say(t('exported'));
    } catch (e) {
      setError(e);
    } finally {
      setExporting(null);
    }
  };

  const numberOf = (id: string) => connections.find((x) => x.id === id)?.name ?? id;
  const items = page?.items ?? [];

  return (
    <section className="card adm-section" aria-labelledby="cmp-report-title" data-testid="campaign-report">
      <div className="adm-section-head">
        <h2 id="cmp-report-title">{t('report')}</h2>
        <div className="row">
          <select className="select cmp-filter" aria-label={t('filterStatus')} value={status} onChange={(e) => pick(e.target.value as RecipientStatus | '')} data-testid="report-status">
            <option value="">{t('allStatuses', { n: c.counts.total })}</option>
            {RECIPIENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {`${recipientLabel(t, s)} (${c.counts[s]})`}
              </option>
            ))}
          </select>
          {loading && <Spinner inline />}
          <Button onClick={() => void exportAs('csv')} loading={exporting === 'csv'} disabled={exporting !== null} data-testid="report-export">
            {ta('exportCsv')}
          </Button>
          <Button onClick={() => void exportAs('xlsx')} loading={exporting === 'xlsx'} disabled={exporting !== null} data-testid="report-export-xlsx">
            {t('exportXlsx')}
          </Button>
        </div>
      </div>
      <ErrorNote error={error} />
      {page && items.length === 0 ? (
        <p className="muted" data-testid="report-empty">
          {status ? t('reportNoneOfStatus') : t('noRecipientsYet')}
        </p>
      ) : items.length > 0 ? (
        <AdminTable testId="report-table" columns={['#', ta('name'), ta('phone'), t('number'), ta('status'), t('variant'), t('updatedAt')]}>
          {items.map((r) => (
            <tr key={r.seq} data-testid="recipient-row" data-status={r.status} data-contact-id={r.contact_id}>
              <td className="muted">{r.seq + 1}</td>
              <td data-testid="recipient-name">{r.name}</td>
              <td className="adm-mono-soft">{formatPhone(r.phone)}</td>
              <td>{numberOf(r.connection_id)}</td>
              <td>
                <Badge tone={TONES[r.status] ?? 'neutral'} title={r.error ?? undefined}>
                  {recipientLabel(t, r.status)}
                </Badge>
                {r.error ? <div className="small error-text">{r.error}</div> : null}
              </td>
              <td>{r.variant != null ? r.variant + 1 : <span className="muted">—</span>}</td>
              <td className="small">{fmt.dateTime(r.updated_at)}</td>
            </tr>
          ))}
        </AdminTable>
      ) : null}
      {(at > 0 || page?.next_cursor != null) && (
        <div className="adm-pager" data-testid="report-pager">
          <Button disabled={at === 0 || loading} onClick={() => setCursors((l) => l.slice(0, -1))} data-testid="report-prev">
            {t('previous')}
          </Button>
          <span className="muted">{t('pageN', { n: at + 1 })}</span>
          <Button disabled={page?.next_cursor == null || loading} onClick={() => page?.next_cursor != null && setCursors((l) => [...l, page.next_cursor!])} data-testid="report-next">
            {t('next')}
          </Button>
        </div>
      )}
    </section>
  );
}
