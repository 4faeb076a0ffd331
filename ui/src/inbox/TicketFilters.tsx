//! The inbox list's "More filters": by agent (supervisors and admins, on the open and closed
//! lists), by number (connection), and by the day the ticket was opened (from / until, whole
//! days of the browser's time zone). They combine with the tabs, the other filters and the
//! search; the list keeps them in its state.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { formatPhone } from '../shell/phone';
import { useAsync } from '../shell/ui';
import { useInboxData } from './data';
import { detailText } from './detailText';
import { reversed } from './openedRange';
import './details.css';

/** The extra filters: an agent's id, a connection's id, and `YYYY-MM-DD` days ('' = any). */
export interface MoreFilters {
  agent: string;
  connection: string;
  from: string;
  to: string;
}

export const NO_MORE_FILTERS: MoreFilters = { agent: '', connection: '', from: '', to: '' };

/** How many of the extra filters narrow the list (the agent's only where it applies). */
export function moreFiltersOn(f: MoreFilters, agentApplies: boolean): number {
  return [agentApplies && f.agent, f.connection, f.from, f.to].filter(Boolean).length;
}

export function TicketFilters({ value, onChange, agentApplies }: { value: MoreFilters; onChange: (f: MoreFilters) => void; agentApplies: boolean }) {
  const t = useT(detailText);
  const data = useInboxData();
  const on = moreFiltersOn(value, agentApplies);
  const [open, setOpen] = useState(on > 0);
  const connections = useAsync(() => api<Schemas['Connection'][]>('GET', '/api/connections').catch(() => []), []);
  const agents = data.agents.filter((a) => a.role !== 'platform_admin').sort((a, b) => a.name.localeCompare(b.name));
  const set = (patch: Partial<MoreFilters>) => onChange({ ...value, ...patch });
  const backwards = reversed(value.from, value.to);

  return (
    <>
      <button
        type="button"
        className="link-btn small inbox-more-toggle"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="more-filters"
        data-on={on}
      >
        {on ? t('moreFiltersOn', { n: on }) : t('moreFilters')}
      </button>
      {open ? (
        <div className="inbox-more-filters" role="group" aria-label={t('moreFilters')} data-testid="more-filters-panel">
          {agentApplies ? (
            <label>
              {t('agentFilter')}
              <select value={value.agent} onChange={(e) => set({ agent: e.target.value })} data-testid="filter-agent">
                <option value="">{t('allAgents')}</option>
                {agents.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className={agentApplies ? undefined : 'wide'}>
            {t('numberFilter')}
            <select value={value.connection} onChange={(e) => set({ connection: e.target.value })} data-testid="filter-connection">
              <option value="">{t('allNumbers')}</option>
              {(connections.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} · {formatPhone(c.phone)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('openedFrom')}
            <input type="date" value={value.from} max={value.to || undefined} onChange={(e) => set({ from: e.target.value })} data-testid="filter-from" />
          </label>
          <label>
            {t('openedTo')}
            <input type="date" value={value.to} min={value.from || undefined} onChange={(e) => set({ to: e.target.value })} data-testid="filter-to" />
          </label>
          {backwards ? <span className="error-text wide">{t('datesReversed')}</span> : null}
          {on ? (
            <button type="button" className="link-btn small wide" onClick={() => onChange({ ...NO_MORE_FILTERS })} data-testid="filter-clear">
              {t('clearFilters')}
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
