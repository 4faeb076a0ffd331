//! Pieces the campaign pages share: the Lists / Campaigns tabs, a campaign's status badge,
//! its progress bar and the bar of its recipients' statuses with a legend, the month's use of
//! the plan's campaign recipients, and the note a company whose plan has no campaigns sees
//! instead of the pages.
import { useNavigate } from 'react-router-dom';
import { ApiError, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Empty, useFormat } from '../admin/common';
import { Badge, Tabs, type BadgeTone } from '../shell/ui';
import { cText, type CKey } from './messages';
import { funnel, percent, segments, usageShare, type CampaignStatus, type Counts, type RecipientStatus, type Usage } from './plan';

export type ContactList = Schemas['ContactList'];
export type Connection = Schemas['Connection'];
export type Flow = Schemas['Flow'];
export type Tag = Schemas['Tag'];

/** True when the answer says the company's plan has no campaigns. */
export function notInPlan(e: unknown): boolean {
  return e instanceof ApiError && e.code === 'FEATURE_DISABLED';
}

/** What a company without campaigns in its plan sees. */
export function NotInPlan() {
  const t = useT(cText);
  return <Empty title={t('notInPlan')} text={t('notInPlanText')} testId="campaigns-not-in-plan" />;
}

/** The two halves of the area, as tabs that change the address. */
export function CampaignTabs({ current }: { current: 'campaigns' | 'lists' }) {
  const t = useT(cText);
  const navigate = useNavigate();
  return (
    <Tabs
      label={t('areaTitle')}
      value={current}
      onChange={(id) => navigate(id === 'lists' ? '/campaigns/lists' : '/campaigns')}
      tabs={[
        { id: 'campaigns', label: t('tabCampaigns') },
        { id: 'lists', label: t('tabLists') },
      ]}
    />
  );
}

const TONES: Record<CampaignStatus, BadgeTone> = {
  draft: 'neutral',
  scheduled: 'info',
  running: 'accent',
  waiting: 'warning',
  paused: 'warning',
  cancelled: 'neutral',
  completed: 'success',
};

/** A campaign's status in words, as a coloured badge (with what it means as a tooltip). */
export function StatusBadge({ status }: { status: CampaignStatus }) {
  const t = useT(cText);
  return (
    <span data-testid="campaign-status" data-status={status}>
      <Badge tone={TONES[status] ?? 'neutral'} title={t(`statusHint_${status}` as CKey)}>
        {t(`status_${status}` as CKey)}
      </Badge>
    </span>
  );
}

/** A recipient's status in words. */
export function recipientLabel(t: (k: CKey) => string, s: RecipientStatus): string {
  return t(`rstatus_${s}` as CKey);
}

/** How far the campaign got: those it finished with out of all, and how many were sent. */
export function Progress({ counts, compact }: { counts: Counts; compact?: boolean }) {
  const t = useT(cText);
  const fmt = useFormat();
  const f = funnel(counts);
  const pct = percent(f.done, f.total);
  const text = t('progressText', { sent: fmt.number(f.sent), total: fmt.number(f.total) });
  return (
    <div className={compact ? 'cmp-progress cmp-progress-compact' : 'cmp-progress'} data-testid="campaign-progress" data-total={f.total} data-sent={f.sent} data-done={f.done}>
      <div className="adm-progress" role="progressbar" aria-label={text} aria-valuemin={0} aria-valuemax={f.total} aria-valuenow={f.done}>
        <div className="adm-progress-bar" style={{ width: `${pct}%` }} />
      </div>
      <span className="small muted">
        {text}
        {compact ? null : ` · ${pct}%`}
      </span>
    </div>
  );
}

/** Every recipient's status as one stacked bar, with a legend that counts each. */
export function StatusBar({ counts }: { counts: Counts }) {
  const t = useT(cText);
  const fmt = useFormat();
  const parts = segments(counts);
  const summary = parts.map((p) => `${recipientLabel(t, p.status)}: ${p.value}`).join(', ');
  return (
    <div className="cmp-statusbar-wrap">
      <div className="cmp-statusbar" role="img" aria-label={summary || t('noRecipientsYet')} data-testid="campaign-statusbar">
        {parts.map((p) => (
          <span key={p.status} className={`cmp-seg cmp-seg-${p.status}`} style={{ width: `${p.share}%` }} title={`${recipientLabel(t, p.status)}: ${fmt.number(p.value)}`} />
        ))}
      </div>
      <ul className="cmp-legend" aria-hidden="true">
        {parts.map((p) => (
          <li key={p.status}>
            <span className={`cmp-dot cmp-seg-${p.status}`} />
            {recipientLabel(t, p.status)} <strong>{fmt.number(p.value)}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** This month's campaign recipients against the plan's monthly limit, as a line and a bar. */
export function UsageMeter({ usage }: { usage: Usage }) {
  const t = useT(cText);
  const fmt = useFormat();
  const share = usageShare(usage);
  const full = usage.used >= usage.limit;
  const text = t('usageLine', { used: fmt.number(usage.used), limit: fmt.number(usage.limit) });
  const tone = full ? ' cmp-usage-full' : share >= 90 ? ' cmp-usage-near' : '';
  return (
    <div className={`cmp-usage${tone}`} data-testid="campaign-usage" data-month={usage.month} data-used={usage.used} data-limit={usage.limit}>
      <div className="cmp-usage-line" title={t('usageHint', { limit: fmt.number(usage.limit) })}>
        <span className="small" data-testid="campaign-usage-text">
          {text}
        </span>
        <div className="adm-progress" role="progressbar" aria-label={text} aria-valuemin={0} aria-valuemax={usage.limit} aria-valuenow={Math.min(usage.used, usage.limit)}>
          <div className="adm-progress-bar" style={{ width: `${share}%` }} />
        </div>
      </div>
      {full && (
        <p className="adm-warn small" role="note" data-testid="campaign-usage-full">
          {t('usageReached')}
        </p>
      )}
    </div>
  );
}
