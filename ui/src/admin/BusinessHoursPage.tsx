//! The company's business hours (the `business_hours` setting): a weekly grid of opening
//! intervals, a time zone and holidays, plus whose hours apply and the out-of-hours message.
//! The schedule's pieces are shared with a queue's own hours (`ScheduleEditor.tsx`).
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ErrorNote, FormField, Loading, PageHeader, useLoad, useNotice } from './common';
import { choiceLabel, m } from './messages';
import { HolidaysEditor, TimeZoneField, WeekGrid, WeekTools, normalSchedule, useScheduleDraft, type ScheduleValue } from './ScheduleEditor';

type Setting = Schemas['Setting'];

export function BusinessHoursPage() {
  const t = useT(m);
  const say = useNotice();
  const settings = useLoad(() => api<Setting[]>('GET', '/api/settings'), []);
  const draft = useScheduleDraft({ week: {} });
  const [scope, setScope] = useState('disabled');
  const [message, setMessage] = useState('');
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [tried, setTried] = useState(false);
  const loadedRef = useRef('');

  const byKey = (k: string) => settings.data?.find((s) => s.key === k);
  const scopeSetting = byKey('business_hours_scope');

  const reset = (list: Setting[]) => {
    const s = (list.find((x) => x.key === 'business_hours')?.value ?? { week: {} }) as ScheduleValue;
    draft.reset(s);
    const loadedScope = list.find((x) => x.key === 'business_hours_scope')?.value;
    const loadedMessage = list.find((x) => x.key === 'out_of_hours_message')?.value ?? '';
    setScope(String(loadedScope ?? 'disabled'));
    setMessage(String(loadedMessage));
    loadedRef.current = JSON.stringify([normalSchedule(s), loadedScope, loadedMessage]);
  };

  useEffect(() => {
    if (settings.data) reset(settings.data);
  }, [settings.data]);

  const dirty = settings.data !== undefined && JSON.stringify([draft.schedule, scope, message]) !== loadedRef.current;

  const save = async () => {
    setTried(true);
    if (!draft.valid || message.length > 4096) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const body: Record<string, unknown> = { business_hours: draft.schedule, out_of_hours_message: message };
      if (scopeSetting) body.business_hours_scope = scope;
      const list = await api<Setting[]>('PATCH', '/api/settings', { body });
      settings.setData(() => list);
      setTried(false);
      say(t('saved'));
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page adm" data-testid="business-hours-page">
      <PageHeader
        title={t('hoursTitle')}
        subtitle={t('hoursSubtitle')}
        actions={
          <>
            <button className="btn" onClick={() => settings.data && reset(settings.data)} disabled={!dirty || saving}>
              {t('discard')}
            </button>
            <button className="btn btn-primary" onClick={save} disabled={!dirty || saving} data-testid="hours-save">
              {saving ? t('saving') : t('saveChanges')}
            </button>
          </>
        }
      />
      <ErrorNote error={settings.error} onRetry={settings.reload} />
      <ErrorNote error={saveError} />
      {settings.loading && !settings.data ? (
        <Loading />
      ) : settings.data ? (
        <>
          <section className="card adm-section">
            <div className="grid-2">
              {scopeSetting && (
                <FormField label={t('hoursScope')} hint={t('hoursScopeHint')}>
                  {(p) => (
                    <select {...p} value={scope} onChange={(e) => setScope(e.target.value)} data-testid="hours-scope">
                      {scopeSetting.choices.map((c) => (
                        <option key={c} value={c}>
                          {choiceLabel(t, c)}
                        </option>
                      ))}
                    </select>
                  )}
                </FormField>
              )}
              <TimeZoneField value={draft.timezone} onChange={draft.setTimezone} />
            </div>
            {scope === 'disabled' && <p className="adm-hint-box">{t('hoursDisabledNote')}</p>}
            {scope === 'queue' && <p className="adm-hint-box">{t('hoursQueueNote')}</p>}
          </section>

          <section className="card adm-section" aria-labelledby="adm-week-title">
            <div className="adm-section-head">
              <h2 id="adm-week-title">{t('weeklySchedule')}</h2>
              <WeekTools setGrid={draft.setGrid} />
            </div>
            <WeekGrid grid={draft.grid} setGrid={draft.setGrid} tried={tried} />
          </section>

          <section className="card adm-section" aria-labelledby="adm-holidays-title">
            <h2 id="adm-holidays-title">{t('holidays')}</h2>
            <HolidaysEditor holidays={draft.holidays} setHolidays={draft.setHolidays} />
          </section>

          <section className="card adm-section">
            <FormField label={t('outOfHoursMessage')} hint={t('outOfHoursHint')} error={message.length > 4096 ? t('maxChars', { n: 4096 }) : undefined}>
              {(p) => <textarea {...p} rows={3} value={message} onChange={(e) => setMessage(e.target.value)} />}
            </FormField>
          </section>
        </>
      ) : null}
    </div>
  );
}
