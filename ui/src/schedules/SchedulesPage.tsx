//! Scheduled messages (`GET /api/scheduled`): to whom, from which number, what, when it goes
//! next (in the browser's time zone), how often, and how it went; the next to go first. An
//! agent sees the messages they scheduled; supervisors and admins see the company's, or only
//! theirs. A message still scheduled can be edited or cancelled. The list is read again a
//! moment after the next message is due, so what went shows as sent.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Icons } from '../shell/icons';
import { Badge, Button, EmptyState, ErrorBox, ErrorMessage, Modal, PageHeader, Spinner, Tabs, useFormat, useToast, type BadgeTone } from '../shell/ui';
import { schedText } from './messages';
import { STATUSES, type ScheduleStatus, type Scheduled } from './plan';
import { ScheduleDialog } from './ScheduleDialog';
import './schedules.css';

type Filter = ScheduleStatus | 'all';

const PAGE = 50;
const TONES: Record<ScheduleStatus, BadgeTone> = { scheduled: 'info', sent: 'success', cancelled: 'neutral', failed: 'danger' };

/** How long until the list is read again: just after the next send, at most half a minute. */
function refreshDelay(items: Scheduled[]): number {
  const due = items.filter((s) => s.status === 'scheduled').map((s) => Date.parse(s.send_at));
  if (due.length === 0) return 30_000;
  const wait = Math.min(...due) - Date.now();
  if (wait < 0) return 3_000;
  return Math.min(30_000, Math.max(1_500, wait + 1_500));
}

export function SchedulesPage() {
  const t = useT(schedText);
  const fmt = useFormat();
  const toast = useToast();
  const { user } = useAuth();
  const supervisor = hasRole(user, 'supervisor');
  const [filter, setFilter] = useState<Filter>('scheduled');
  const [mine, setMine] = useState(false);
  const [items, setItems] = useState<Scheduled[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [connections, setConnections] = useState<Map<string, string>>(new Map());
  const [people, setPeople] = useState<Map<string, string>>(new Map());
  const [editing, setEditing] = useState<Scheduled | 'new' | null>(null);
  const [cancelling, setCancelling] = useState<Scheduled | null>(null);
  const seq = useRef(0);
  const shown = useRef(0);
  shown.current = items.length;

  const query = useCallback(
    (extra: Record<string, string | number | boolean | undefined>) => ({
      status: filter === 'all' ? undefined : filter,
      mine: supervisor && mine ? true : undefined,
      ...extra,
    }),
    [filter, mine, supervisor],
  );

  /** The first page again; `quiet` keeps what is shown (and as many rows) while it loads. */
  const load = useCallback(
    async (quiet = false) => {
      const n = ++seq.current;
      if (!quiet) setLoading(true);
      try {
        const limit = quiet ? Math.min(500, Math.max(PAGE, shown.current)) : PAGE;
        const page = await api<Schemas['SchedulePage']>('GET', '/api/scheduled', { query: query({ limit }) });
        if (n !== seq.current) return;
        setItems(page.items);
        setNext(page.next_cursor);
        setError(null);
        setLoaded(true);
      } catch (e) {
        if (n === seq.current) setError(e);
      } finally {
        if (n === seq.current) setLoading(false);
      }
    },
    [query],
  );

  useEffect(() => {
    setItems([]);
    setLoaded(false);
    void load();
  }, [load]);

  useEffect(() => {
    if (!loaded) return;
    const h = window.setTimeout(() => void load(true), refreshDelay(items));
    return () => window.clearTimeout(h);
  }, [items, loaded, load]);

  useEffect(() => {
    let alive = true;
    api<Schemas['Connection'][]>('GET', '/api/connections').then(
      (list) => alive && setConnections(new Map(list.map((c) => [c.id, c.name]))),
      () => {},
    );
    api<Schemas['Colleague'][]>('GET', '/api/inbox/agents').then(
      (list) => alive && setPeople(new Map(list.map((c) => [c.id, c.name]))),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, []);

  const loadMore = async () => {
    if (!next) return;
    const n = seq.current;
    setMore(true);
    try {
      const page = await api<Schemas['SchedulePage']>('GET', '/api/scheduled', { query: query({ limit: PAGE, cursor: next }) });
      if (n !== seq.current) return;
      setItems((old) => [...old, ...page.items.filter((s) => !old.some((o) => o.id === s.id))]);
      setNext(page.next_cursor);
    } catch (e) {
      toast.error(e);
    } finally {
      setMore(false);
    }
  };

  const fits = (s: Scheduled) => filter === 'all' || s.status === filter;
  const replace = (s: Scheduled) => setItems((old) => (fits(s) ? old.map((o) => (o.id === s.id ? s : o)) : old.filter((o) => o.id !== s.id)));

  const tabs = [...STATUSES.map((s) => ({ id: s, label: t(`status_${s}`) })), { id: 'all', label: t('statusAll') }];
  const byOthers = supervisor && !mine;

  return (
    <div className="page" data-testid="schedules-page">
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle')}
        actions={
          <Button variant="primary" icon={<Icons.plus />} onClick={() => setEditing('new')} data-testid="schedule-new">
            {t('newSchedule')}
          </Button>
        }
      />
      <div className="toolbar">
        <Tabs label={t('filterStatus')} tabs={tabs} value={filter} onChange={(id) => setFilter(id as Filter)} />
        <span className="spacer" />
        {supervisor ? (
          <label className="check small">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} data-testid="schedule-mine" />
            {t('onlyMine')}
          </label>
        ) : null}
        {loading && loaded ? <Spinner inline /> : null}
      </div>
      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!loaded ? (
        error ? null : <Spinner />
      ) : items.length === 0 ? (
        <div className="card" data-testid="schedules-empty">
          <EmptyState
            icon={<Icons.calendar />}
            title={filter === 'scheduled' || filter === 'all' ? t('empty') : t('emptyFiltered')}
            action={
              filter === 'scheduled' ? (
                <Button variant="primary" onClick={() => setEditing('new')}>
                  {t('newSchedule')}
                </Button>
              ) : undefined
            }
          >
            {filter === 'scheduled' ? t('emptyText') : undefined}
          </EmptyState>
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table sched-table" data-testid="schedules-table">
              <thead>
                <tr>
                  <th scope="col">{t('colContact')}</th>
                  <th scope="col">{t('colFrom')}</th>
                  <th scope="col">{t('colMessage')}</th>
                  <th scope="col">{t('colWhen')}</th>
                  <th scope="col">{t('colRepeat')}</th>
                  <th scope="col">{t('colStatus')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} data-testid="schedule-row" data-schedule-id={s.id} data-status={s.status}>
                    <td>
                      <span className="strong" data-testid="schedule-contact">
                        {s.contact_name}
                      </span>
                      {byOthers && s.user_id !== user?.id && people.get(s.user_id) ? (
                        <div className="small muted">{t('byUser', { name: people.get(s.user_id) ?? '' })}</div>
                      ) : null}
                    </td>
                    <td>{connections.get(s.connection_id) ?? <span className="muted">{connections.size ? t('unknownConnection') : '…'}</span>}</td>
                    <td>
                      <Summary s={s} />
                    </td>
                    <td data-testid="schedule-when" data-at={s.send_at}>
                      <div>{fmt.dateTime(s.send_at)}</div>
                      {s.status === 'scheduled' ? <div className="small muted">{fmt.relative(s.send_at)}</div> : null}
                    </td>
                    <td data-testid="schedule-repeat">
                      {t(`repeat_${s.repeat}`)}
                      {s.repeat !== 'none' && s.repeat_until ? <div className="small muted">{t('repeatUntil', { date: fmt.date(s.repeat_until) })}</div> : null}
                    </td>
                    <td>
                      <Badge tone={TONES[s.status]}>
                        <span data-testid="schedule-status">{t(`status_${s.status}`)}</span>
                      </Badge>
                      {s.sent_count > 0 ? (
                        <div className="small muted" data-testid="schedule-sent-count">
                          {t('sentCount', { n: s.sent_count })}
                        </div>
                      ) : null}
                      {s.last_error ? (
                        <span className="sched-error" data-testid="schedule-error">
                          {t('lastError', { reason: s.last_error })}
                        </span>
                      ) : null}
                    </td>
                    <td className="sched-actions">
                      {s.status === 'scheduled' ? (
                        <>
                          <Button size="sm" onClick={() => setEditing(s)} aria-label={t('editNamed', { name: s.contact_name })} data-testid="schedule-edit">
                            {t('edit')}
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => setCancelling(s)} aria-label={t('cancelNamed', { name: s.contact_name })} data-testid="schedule-cancel">
                            {t('cancelMessage')}
                          </Button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next ? (
            <div className="sched-pager">
              <span />
              <Button onClick={() => void loadMore()} loading={more} data-testid="schedules-more">
                {more ? t('loading') : t('loadMore')}
              </Button>
            </div>
          ) : null}
        </>
      )}
      {editing ? (
        <ScheduleDialog
          schedule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(s, created) => {
            setEditing(null);
            if (created) {
              toast.success(t('created', { name: s.contact_name, when: fmt.dateTime(s.send_at) }));
              void load(true);
            } else {
              toast.success(t('saved'));
              replace(s);
            }
          }}
        />
      ) : null}
      {cancelling ? (
        <CancelDialog
          s={cancelling}
          onClose={() => setCancelling(null)}
          onCancelled={(s) => {
            setCancelling(null);
            toast.success(t('cancelled'));
            replace(s);
          }}
        />
      ) : null}
    </div>
  );
}

/** What a scheduled message sends, in a line or two. */
function Summary({ s }: { s: Scheduled }) {
  const t = useT(schedText);
  if (s.template) {
    return (
      <span className="sched-kind" data-testid="schedule-body">
        <Icons.template /> {t('summaryTemplate', { name: s.template.name, language: s.template.language })}
      </span>
    );
  }
  return (
    <div className="stack" style={{ gap: 2 }}>
      {s.media_id ? (
        <span className="sched-kind">
          <Icons.file /> {t('summaryFile')}
        </span>
      ) : null}
      {s.body ? (
        <span className="sched-message" title={s.body} data-testid="schedule-body">
          {s.body}
        </span>
      ) : null}
    </div>
  );
}

/** Asks before a scheduled message is cancelled (`POST /api/scheduled/{id}/cancel`). */
function CancelDialog({ s, onClose, onCancelled }: { s: Scheduled; onClose: () => void; onCancelled: (s: Scheduled) => void }) {
  const t = useT(schedText);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      onCancelled(await api<Scheduled>('POST', `/api/scheduled/${s.id}/cancel`));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Modal
      size="sm"
      title={t('cancelTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('keep')}</Button>
          <Button variant="danger" loading={busy} onClick={() => void go()} data-testid="schedule-cancel-confirm">
            {t('cancelConfirm')}
          </Button>
        </>
      }
    >
      <div className="stack" data-testid="schedule-cancel-dialog">
        <p>{s.repeat === 'none' ? t('cancelText', { name: s.contact_name }) : t('cancelTextRepeat', { name: s.contact_name })}</p>
        {error ? (
          <div className="error-box" role="alert" data-code={error instanceof ApiError ? error.code : undefined}>
            <span className="stack gap-sm">
              <ErrorMessage error={error} />
            </span>
          </div>
        ) : null}
      </div>
    </Modal>
  );
}
