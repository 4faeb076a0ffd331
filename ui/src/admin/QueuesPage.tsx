//! Queues: where tickets wait, who serves each one, how a ticket finds its agent, the greeting,
//! the queue's own opening hours (used when the company's `business_hours_scope` is `queue`;
//! a queue without them follows the company's hours), its own auto-close limits
//! (`QueueAutoClose`), and its bot (`QueueBot`), which talks to new tickets' customers first.
import { useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import {
  ColorInput,
  ConfirmDialog,
  Empty,
  ErrorNote,
  FormDialog,
  FormField,
  HEX,
  LoadedList,
  PageHeader,
  Swatch,
  useLoad,
  useNotice,
} from './common';
import { choiceLabel, m } from './messages';
import { AutoCloseFields, AutoCloseSummary, MAX_AUTO_CLOSE, useAutoCloseDraft } from './QueueAutoClose';
import { BotFields, QueueBotBadge, useBotDraft } from './QueueBot';
import { botText } from './queueBotText';
import { HolidaysEditor, NO_HOURS, TimeZoneField, WeekGrid, WeekTools, hasHours, openDays, useScheduleDraft } from './ScheduleEditor';

type Queue = Schemas['Queue'];
type User = Schemas['User'];
type Strategy = Schemas['AssignStrategy'];
type Setting = Schemas['Setting'];
type Flow = Schemas['Flow'];

export const STRATEGIES: Strategy[] = ['manual', 'round_robin', 'least_busy'];

export function QueuesPage() {
  const t = useT(m);
  const say = useNotice();
  const queues = useLoad(() => api<Queue[]>('GET', '/api/queues'), []);
  const users = useLoad(() => api<User[]>('GET', '/api/users'), []);
  // The company's flows, which a queue's bot may be: their names on the cards and in the form.
  const flows = useLoad(() => api<Flow[]>('GET', '/api/flows').catch(() => [] as Flow[]), []);
  // Which hours apply (the company's "Business hours that apply"): the dialog says whether
  // a queue's own hours are in use right now.
  const settings = useLoad(() => api<Setting[]>('GET', '/api/settings').catch(() => [] as Setting[]), []);
  const scope = settings.data?.find((x) => x.key === 'business_hours_scope');
  const { user } = useAuth();
  const isAdmin = hasRole(user, 'admin');
  const [editing, setEditing] = useState<Queue | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Queue | null>(null);
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id;

  return (
    <div className="page adm" data-testid="queues-page">
      <PageHeader
        title={t('queuesTitle')}
        subtitle={t('queuesSubtitle')}
        actions={
          isAdmin && (
            <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="queue-new">
              {t('queueNew')}
            </button>
          )
        }
      />
      <ErrorNote error={queues.error} onRetry={queues.reload} />
      <LoadedList
        loaded={queues}
        empty={
          <Empty
            title={t('queuesEmpty')}
            text={t('queuesEmptyText')}
            testId="queues-empty"
            action={
              isAdmin && (
                <button className="btn btn-primary" onClick={() => setEditing('new')}>
                  {t('queueNew')}
                </button>
              )
            }
          />
        }
      >
        {(items) => (
          <ul className="adm-cards" data-testid="queues-list">
            {items.map((q) => (
              <li key={q.id} className="card adm-card" data-testid="queue-item" style={{ borderTopColor: q.color }}>
                <div className="adm-card-head">
                  <h2 className="adm-card-title">
                    <Swatch color={q.color} />
                    <span data-testid="queue-name">{q.name}</span>
                  </h2>
                  <span className="row gap-sm">
                    <QueueBotBadge bot={q.bot} flows={flows.data ?? null} />
                    <span className="badge">{t(`strategy_${q.strategy}` as 'strategy_manual')}</span>
                  </span>
                </div>
                <p className={q.greeting ? 'adm-quote' : 'muted'}>{q.greeting || t('noGreeting')}</p>
                <div data-testid="queue-hours" data-own={hasHours(q.business_hours)}>
                  <span className="adm-label">{t('queueHours')}</span>
                  <span className="small">
                    {hasHours(q.business_hours) ? t('queueHoursOwn', { days: openDays(q.business_hours) }) : t('queueHoursCompany')}
                  </span>
                </div>
                <div>
                  <span className="adm-label">{t('queueAutoClose')}</span>
                  <AutoCloseSummary own={q.auto_close} />
                </div>
                <div>
                  <span className="adm-label">{t('agentsCount', { n: q.user_ids.length })}</span>
                  <div className="adm-chips">
                    {q.user_ids.map((id) => (
                      <span key={id} className="badge">
                        {userName(id)}
                      </span>
                    ))}
                  </div>
                </div>
                {isAdmin && (
                  <div className="row adm-card-actions">
                    <button className="btn" onClick={() => setEditing(q)} aria-label={t('editNamed', { name: q.name })}>
                      {t('edit')}
                    </button>
                    <button className="btn adm-btn-danger-ghost" onClick={() => setDeleting(q)} aria-label={t('deleteNamed', { name: q.name })}>
                      {t('delete')}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </LoadedList>
      {editing && (
        <QueueDialog
          queue={editing === 'new' ? null : editing}
          users={users.data ?? []}
          usersError={users.error}
          scope={scope ? { value: String(scope.value), label: choiceLabel(t, String(scope.value)) } : undefined}
          settings={settings.data ?? undefined}
          flows={flows.data ?? null}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void queues.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('queueDeleteTitle')}
          text={t('queueDeleteText', { name: deleting.name })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/queues/${deleting.id}`);
            say(t('deleted'));
            void queues.reload();
          }}
        />
      )}
    </div>
  );
}

function QueueDialog({
  queue,
  users,
  usersError,
  scope,
  settings,
  flows,
  onClose,
  onSaved,
}: {
  queue: Queue | null;
  users: User[];
  usersError: unknown;
  /** The company's `business_hours_scope` (value and label), when it could be read. */
  scope?: { value: string; label: string };
  /** The company's settings (their auto-close minutes), when they could be read. */
  settings?: Setting[];
  /** The company's flows (null while they load). */
  flows: Flow[] | null;
  onClose: () => void;
  onSaved: (msg: string) => void;
}) {
  const t = useT(m);
  const b = useT(botText);
  const [name, setName] = useState(queue?.name ?? '');
  const [color, setColor] = useState(queue?.color ?? '#5b8def');
  const [greeting, setGreeting] = useState(queue?.greeting ?? '');
  const [strategy, setStrategy] = useState<Strategy>(queue?.strategy ?? 'manual');
  const [agents, setAgents] = useState<string[]>(queue?.user_ids ?? []);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const hadHours = hasHours(queue?.business_hours);
  const [ownHours, setOwnHours] = useState(hadHours);
  const hours = useScheduleDraft(queue?.business_hours);
  const [triedHours, setTriedHours] = useState(false);
  const autoClose = useAutoCloseDraft(queue?.auto_close);
  const [triedAuto, setTriedAuto] = useState(false);
  const bot = useBotDraft(queue?.bot);
  const [triedBot, setTriedBot] = useState(false);

  const save = async () => {
    const e: Record<string, string> = {};
    if (!name.trim()) e.name = t('required');
    else if (name.trim().length > 60) e.name = t('maxChars', { n: 60 });
    if (!HEX.test(color)) e.color = t('colorInvalid');
    if (greeting.length > 4096) e.greeting = t('maxChars', { n: 4096 });
    if (ownHours && !hours.valid) {
      e.hours = t('hoursFix');
      setTriedHours(true);
    }
    if (autoClose.problems.open || autoClose.problems.pending) {
      e.autoClose = t('intRange', { min: 0, max: MAX_AUTO_CLOSE });
      setTriedAuto(true);
    }
    if (bot.problem) {
      e.bot = b(bot.problem);
      setTriedBot(true);
    }
    setErrors(e);
    if (Object.keys(e).length) return;
    const base = { name: name.trim(), color, greeting, strategy, user_ids: agents };
    try {
      if (queue) {
        // Without own hours, an empty schedule removes any the queue had (the company's apply);
        // auto-close limits without either minute do the same for the queue's own limits, and
        // a bot of kind `none` takes the queue's bot away.
        const body: Schemas['QueuePatch'] = { ...base, business_hours: ownHours ? hours.schedule : NO_HOURS, auto_close: autoClose.value, bot: bot.value };
        await api('PATCH', `/api/queues/${queue.id}`, { body });
      } else {
        const body: Schemas['NewQueue'] = ownHours && hasHours(hours.schedule) ? { ...base, business_hours: hours.schedule } : { ...base };
        if (autoClose.any) body.auto_close = autoClose.value;
        if (bot.any) body.bot = bot.value;
        await api('POST', '/api/queues', { body });
      }
    } catch (err) {
      // The server's word on the bot goes beside its fields.
      if (err instanceof ApiError && err.field === 'bot') {
        setErrors({ botRefused: err.message ? `${b('refused')} (${err.message})` : b('refused') });
        return;
      }
      throw err;
    }
    onSaved(queue ? t('saved') : t('queueCreated', { name: base.name }));
  };

  const toggle = (id: string) => setAgents((l) => (l.includes(id) ? l.filter((x) => x !== id) : [...l, id]));

  return (
    <FormDialog title={queue ? t('queueEdit') : t('queueNew')} onClose={onClose} onSubmit={save} wide testId="queue-dialog">
      <div className="grid-2">
        <FormField label={t('name')} error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={60} autoFocus data-testid="queue-name-input" />}
        </FormField>
        <ColorInput label={t('color')} value={color} onChange={setColor} error={errors.color} />
      </div>
      <fieldset className="adm-fieldset">
        <legend>{t('strategy')}</legend>
        <div className="adm-radio-cards">
          {STRATEGIES.map((s) => (
            <label key={s} className={strategy === s ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
              <input type="radio" name="strategy" value={s} checked={strategy === s} onChange={() => setStrategy(s)} />
              <span className="adm-radio-title">{t(`strategy_${s}` as 'strategy_manual')}</span>
              <span className="muted">{t(`strategyHint_${s}` as 'strategyHint_manual')}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <FormField label={t('greeting')} hint={t('greetingHint')} error={errors.greeting}>
        {(p) => <textarea {...p} rows={3} value={greeting} onChange={(e) => setGreeting(e.target.value)} />}
      </FormField>
      <fieldset className="adm-fieldset">
        <legend>{t('agents')}</legend>
        <ErrorNote error={usersError} />
        {users.length === 0 ? (
          <p className="muted">{t('noUsersYet')}</p>
        ) : (
          <div className="adm-check-grid">
            {users.map((u) => (
              <label key={u.id} className="adm-check">
                <input type="checkbox" checked={agents.includes(u.id)} onChange={() => toggle(u.id)} />
                <span>{u.name}</span>
                <span className="muted small">{t(`role_${u.role}` as 'role_agent')}</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <BotFields draft={bot} flows={flows} tried={triedBot} refused={errors.botRefused} />
      <AutoCloseFields draft={autoClose} settings={settings} tried={triedAuto} />
      <fieldset className="adm-fieldset" data-testid="queue-own-hours">
        <legend>{t('queueOwnHours')}</legend>
        <p className="adm-hint-box small">
          {t('queueOwnHoursNote')}
          {scope && scope.value !== 'queue' ? <> {t('queueOwnHoursUnused', { choice: scope.label })}</> : null}
        </p>
        <label className="adm-check">
          <input type="checkbox" checked={ownHours} onChange={(e) => setOwnHours(e.target.checked)} data-testid="queue-own-hours-toggle" />
          <span>{t('queueOwnHoursToggle')}</span>
        </label>
        {ownHours ? (
          <>
            <div className="adm-section-head">
              <TimeZoneField value={hours.timezone} onChange={hours.setTimezone} />
              <WeekTools setGrid={hours.setGrid} />
            </div>
            <WeekGrid grid={hours.grid} setGrid={hours.setGrid} tried={triedHours} compact />
            <h3 className="adm-subhead">{t('holidays')}</h3>
            <HolidaysEditor holidays={hours.holidays} setHolidays={hours.setHolidays} />
            {errors.hours && <small className="error-text">{errors.hours}</small>}
          </>
        ) : (
          <p className="muted small">{hadHours ? t('queueOwnHoursRemoved') : t('queueFollowsCompany')}</p>
        )}
      </fieldset>
    </FormDialog>
  );
}
