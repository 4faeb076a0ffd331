//! A campaign's form, for a new one or a draft: its name, the list it writes to, the numbers
//! it writes from (recipients are shared among them in turn), what it sends, the pace per
//! number, an optional start time (in the browser's time zone) and an optional weekly window
//! (the business hours editor). With a Cloud API number picked, an optional approved template
//! goes to recipients whose 24-hour window is closed. It saves as a draft, or saves and
//! starts at once.
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { useT } from '../i18n';
import { ErrorNote, FormField, Loading, PageHeader, useLoad } from '../admin/common';
import { m } from '../admin/messages';
import { HolidaysEditor, TimeZoneField, WeekGrid, WeekTools, useScheduleDraft } from '../admin/ScheduleEditor';
import { formatPhone } from '../shell/phone';
import { Button, useToast } from '../shell/ui';
import { ContentFields } from './ContentFields';
import { cText, type CKey } from './messages';
import { NotInPlan, notInPlan, type Connection, type ContactList, type Flow } from './parts';
import { TemplateField } from './TemplateField';
import { bodyOf, draftOf, emptyDraft, hasWindow, problemsOf, MAX_PER_MINUTE, type Campaign, type Draft } from './plan';

export function CampaignFormPage() {
  const { id } = useParams();
  const t = useT(cText);
  const campaign = useLoad(() => (id ? api<Campaign>('GET', `/api/campaigns/${id}`) : Promise.resolve(null)), [id]);
  const gated = notInPlan(campaign.error);
  const title = id ? t('campaignEdit') : t('campaignNew');
  const c = campaign.data;

  return (
    <div className="page adm cmp" data-testid="campaign-form-page">
      <PageHeader title={c ? t('campaignEditNamed', { name: c.name }) : title} subtitle={t('formSubtitle')} />
      <p>
        <Link to={id ? `/campaigns/${id}` : '/campaigns'} className="adm-link">
          ← {id ? t('backToCampaign') : t('backToCampaigns')}
        </Link>
      </p>
      {gated ? (
        <NotInPlan />
      ) : campaign.loading && campaign.data === undefined ? (
        <Loading />
      ) : campaign.error ? (
        <ErrorNote error={campaign.error} onRetry={campaign.reload} />
      ) : c && c.status !== 'draft' ? (
        <p className="adm-hint-box" data-testid="campaign-not-draft">
          {t('onlyDrafts')}
        </p>
      ) : (
        <CampaignForm campaign={c ?? null} />
      )}
    </div>
  );
}

function CampaignForm({ campaign }: { campaign: Campaign | null }) {
  const t = useT(cText);
  const ta = useT(m);
  const toast = useToast();
  const navigate = useNavigate();
  const lists = useLoad(() => api<ContactList[]>('GET', '/api/lists'), []);
  const connections = useLoad(() => api<Connection[]>('GET', '/api/connections'), []);
  const flows = useLoad(() => api<Flow[]>('GET', '/api/flows').catch(() => [] as Flow[]), []);
  const [draft, setDraft] = useState<Draft>(() => (campaign ? draftOf(campaign) : emptyDraft()));
  const [windowOn, setWindowOn] = useState(hasWindow(campaign?.window));
  const hours = useScheduleDraft(campaign?.window ?? { week: {} });
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState<'save' | 'start' | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const change = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  // A new campaign's list: the only one the company has.
  useEffect(() => {
    if (!campaign && lists.data?.length === 1 && !draft.listId) change({ listId: lists.data[0].id });
  }, [lists.data]);

  // The template goes only with a Cloud API number (kept while the numbers load).
  const cloud = (connections.data ?? []).filter((c) => c.kind === 'cloud_api' && draft.connectionIds.includes(c.id));
  const full: Draft = { ...draft, window: windowOn ? hours.schedule : null, template: connections.data && cloud.length === 0 ? null : draft.template };
  const problems = problemsOf(full);
  const windowProblem = windowOn ? (!hours.valid ? 'windowFix' : !hasWindow(hours.schedule) ? 'windowEmpty' : undefined) : undefined;
  const shown = (p: string | undefined) => (tried && p ? t(p as CKey) : undefined);

  const save = async (andStart: boolean) => {
    setTried(true);
    if (Object.keys(problems).length || windowProblem) return;
    setBusy(andStart ? 'start' : 'save');
    setError(undefined);
    let saved: Campaign;
    try {
      saved = campaign
        ? await api<Campaign>('PATCH', `/api/campaigns/${campaign.id}`, { body: bodyOf(full, true) })
        : await api<Campaign>('POST', '/api/campaigns', { body: bodyOf(full) });
    } catch (e) {
      setError(e);
      setBusy(null);
      return;
    }
    if (andStart) {
      try {
        await api<Campaign>('POST', `/api/campaigns/${saved.id}/start`);
        toast.success(t('started', { name: saved.name }));
      } catch (e) {
        toast.error(e);
      }
    } else {
      toast.success(t('draftSaved', { name: saved.name }));
    }
    navigate(`/campaigns/${saved.id}`);
  };

  const toggleNumber = (cid: string) => change({ connectionIds: draft.connectionIds.includes(cid) ? draft.connectionIds.filter((x) => x !== cid) : [...draft.connectionIds, cid] });
  const chosenList = lists.data?.find((l) => l.id === draft.listId);
  const slowest = (connections.data ?? []).filter((c) => draft.connectionIds.includes(c.id)).reduce((min, c) => Math.min(min, c.messages_per_minute), Infinity);

  return (
    <form
      className="stack adm-form cmp-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save(false);
      }}
      data-testid="campaign-form"
    >
      <section className="card adm-section">
        <FormField label={ta('name')} error={shown(problems.name === 'required' ? 'nameRequired' : undefined)}>
          {(p) => <input {...p} value={draft.name} maxLength={100} onChange={(e) => change({ name: e.target.value })} autoFocus data-testid="campaign-name-input" />}
        </FormField>
        <ErrorNote error={lists.error} onRetry={lists.reload} />
        <FormField label={t('list')} hint={chosenList ? t('listSizeHint', { n: chosenList.size }) : t('listHint')} error={shown(problems.list)}>
          {(p) => (
            <select {...p} value={draft.listId} onChange={(e) => change({ listId: e.target.value })} data-testid="campaign-list">
              <option value="">{t('listPick')}</option>
              {(lists.data ?? []).map((l) => (
                <option key={l.id} value={l.id}>
                  {t('listOption', { name: l.name, n: l.size })}
                </option>
              ))}
            </select>
          )}
        </FormField>
        {lists.data && lists.data.length === 0 && (
          <p className="muted small">
            {t('noListsYet')}{' '}
            <Link to="/campaigns/lists" className="adm-link">
              {t('tabLists')}
            </Link>
          </p>
        )}
      </section>

      <fieldset className="adm-fieldset card" data-testid="campaign-numbers">
        <legend>{t('numbers')}</legend>
        <p className="muted small">{t('numbersHint')}</p>
        <ErrorNote error={connections.error} onRetry={connections.reload} />
        {connections.data && connections.data.length === 0 ? (
          <p className="muted">{t('noNumbers')}</p>
        ) : (
          <div className="adm-check-grid cmp-numbers">
            {(connections.data ?? []).map((c) => (
              <label key={c.id} className="adm-check" data-testid="campaign-number">
                <input type="checkbox" checked={draft.connectionIds.includes(c.id)} onChange={() => toggleNumber(c.id)} data-id={c.id} />
                <span>{c.name}</span>
                <span className="muted small">{formatPhone(c.phone)}</span>
              </label>
            ))}
          </div>
        )}
        {shown(problems.numbers) && <small className="error-text">{shown(problems.numbers)}</small>}
      </fieldset>

      <ContentFields draft={draft} change={change} flows={flows.data ?? null} problem={tried ? (problems.content as CKey | undefined) : undefined} />
      {cloud.length > 0 && (
        <TemplateField connection={cloud[0]} cloudCount={cloud.length} value={draft.template} onChange={(template) => change({ template })} problem={shown(problems.template)} />
      )}

      <section className="card adm-section">
        <div className="grid-2">
          <FormField
            label={t('perMinute')}
            hint={Number.isFinite(slowest) && Number(draft.perMinute) > slowest ? t('perMinuteCapped', { n: slowest }) : t('perMinuteHint')}
            error={shown(problems.perMinute) ? t('perMinuteRange', { max: MAX_PER_MINUTE }) : undefined}
          >
            {(p) => (
              <input
                {...p}
                type="number"
                inputMode="numeric"
                min={1}
                max={MAX_PER_MINUTE}
                value={draft.perMinute}
                onChange={(e) => change({ perMinute: e.target.value })}
                data-testid="campaign-per-minute"
              />
            )}
          </FormField>
          <FormField label={t('startAt')} hint={t('startAtHint')} error={shown(problems.startAt)}>
            {(p) => <input {...p} type="datetime-local" value={draft.startAt} onChange={(e) => change({ startAt: e.target.value })} data-testid="campaign-start-at" />}
          </FormField>
        </div>
      </section>

      <fieldset className="adm-fieldset card" data-testid="campaign-window">
        <legend>{t('window')}</legend>
        <label className="adm-check">
          <input type="checkbox" checked={windowOn} onChange={(e) => setWindowOn(e.target.checked)} data-testid="campaign-window-toggle" />
          <span>{t('windowToggle')}</span>
        </label>
        {windowOn ? (
          <>
            <p className="muted small">{t('windowHint')}</p>
            <div className="adm-section-head">
              <TimeZoneField value={hours.timezone} onChange={hours.setTimezone} />
              <WeekTools setGrid={hours.setGrid} />
            </div>
            <WeekGrid grid={hours.grid} setGrid={hours.setGrid} tried={tried} compact />
            <h3 className="adm-subhead">{ta('holidays')}</h3>
            <HolidaysEditor holidays={hours.holidays} setHolidays={hours.setHolidays} />
            {tried && windowProblem && <small className="error-text">{t(windowProblem)}</small>}
          </>
        ) : (
          <p className="muted small">{t('windowAnyTime')}</p>
        )}
      </fieldset>

      <ErrorNote error={error} />
      <div className="row cmp-form-actions">
        <Link className="btn" to={campaign ? `/campaigns/${campaign.id}` : '/campaigns'}>
          {ta('cancel')}
        </Link>
        <span className="spacer" />
        <Button type="submit" loading={busy === 'save'} disabled={busy !== null} data-testid="campaign-save">
          {t('saveDraft')}
        </Button>
        <Button variant="primary" loading={busy === 'start'} disabled={busy !== null} onClick={() => void save(true)} data-testid="campaign-save-start">
          {draft.startAt ? t('saveAndSchedule') : t('saveAndStart')}
        </Button>
      </div>
    </form>
  );
}
