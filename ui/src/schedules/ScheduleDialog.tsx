//! Scheduling a message to a contact (`POST /api/scheduled`), or changing one that has not
//! gone yet (`PATCH /api/scheduled/{id}` with only what changed): the contact (searched, or
//! given by the page that opens the dialog), the company's number it goes from, a text with an
//! optional file (uploaded with `POST /api/media`) or, on a Cloud API number, an approved
//! template with its variables; when it goes, in the browser's time zone, and whether it goes
//! again every day, week or month, up to an optional last day.
import { useEffect, useRef, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { inboxText } from '../inbox/messages';
import { NO_TEMPLATE, TemplatePicker, choiceProblem, templateUse, type Template, type TemplateChoice } from '../inbox/TemplatePicker';
import { ContactSearch, type ChosenContact } from '../shell/ContactSearch';
import { Icons } from '../shell/icons';
import { Button, CloseIcon, ErrorMessage, Field, IconButton, Modal, Spinner } from '../shell/ui';
import { schedText } from './messages';
import { REPEATS, draftOf, endOfDay, nextHour, newSchedule, parseLocal, schedulePatch, toLocalInput, type Draft, type Repeat, type Scheduled } from './plan';
import './schedules.css';

type Connection = Schemas['Connection'];
type What = 'text' | 'template';

const MAX_BODY = 4096;
const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,application/pdf,audio/ogg,audio/mpeg,video/mp4,video/webm,audio/webm';

export interface ScheduleDialogProps {
  /** The scheduled message to change; a new one is scheduled without it. */
  schedule?: Scheduled | null;
  /** The contact of a new message, chosen already (contacts page, contact panel). */
  contact?: Pick<Schemas['Contact'], 'id' | 'name' | 'phone'> | null;
  onClose: () => void;
  /** Called with the server's answer; `created` for a new one. */
  onSaved: (s: Scheduled, created: boolean) => void;
}

export function ScheduleDialog({ schedule, contact: preset, onClose, onSaved }: ScheduleDialogProps) {
  const t = useT(schedText);
  const ti = useT(inboxText);
  const editing = schedule ?? null;
  const was = editing ? draftOf(editing) : null;
  const [contact, setContact] = useState<ChosenContact | null>(() =>
    editing ? { id: editing.contact_id, name: editing.contact_name } : preset ? { id: preset.id, name: preset.name, phone: preset.phone } : null,
  );
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [connectionsError, setConnectionsError] = useState<unknown>(null);
  const [connectionId, setConnectionId] = useState(was?.connectionId ?? '');
  const [what, setWhat] = useState<What>(was?.template ? 'template' : 'text');
  const [body, setBody] = useState(was && !was.template ? was.body : '');
  const [media, setMedia] = useState<{ id: string; name?: string } | null>(was?.mediaId ? { id: was.mediaId } : null);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const [choice, setChoice] = useState<TemplateChoice>(NO_TEMPLATE);
  const [sendAt, setSendAt] = useState(was?.sendAt ?? nextHour());
  const [repeat, setRepeat] = useState<Repeat>(was?.repeat ?? 'none');
  const [until, setUntil] = useState(was?.repeatUntil ?? '');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const file = useRef<HTMLInputElement>(null);
  const firstConnection = useRef(was?.connectionId ?? null);

  useEffect(() => {
    let alive = true;
    api<Connection[]>('GET', '/api/connections').then(
      (list) => {
        if (!alive) return;
        setConnections(list);
        if (list.length === 1) setConnectionId((id) => id || list[0].id);
      },
      (e) => alive && setConnectionsError(e),
    );
    return () => {
      alive = false;
    };
  }, []);

  const connection = connections?.find((c) => c.id === connectionId);
  const cloud = connection?.kind === 'cloud_api';

  // Another number has other templates (and only a Cloud API number has any).
  useEffect(() => {
    if (connectionId === firstConnection.current) return;
    firstConnection.current = null;
    setChoice(NO_TEMPLATE);
    if (!cloud) setWhat('text');
  }, [cloud, connectionId]);

  // An edited template is chosen again from the number's list, so its values can change.
  useEffect(() => {
    const kept = was?.template;
    if (!kept || !editing) return;
    let alive = true;
    api<Template[]>('GET', `/api/connections/${editing.connection_id}/templates`).then(
      (list) => {
        const found = list.find((x) => x.name === kept.name && x.language === kept.language);
        if (alive && found) setChoice({ template: found, variables: Array.from({ length: found.variables }, (_, i) => kept.variables[i] ?? '') });
      },
      () => {
        /* the template stays as it is */
      },
    );
    return () => {
      alive = false;
    };
  }, [editing?.id]);

  const useTemplate = cloud && what === 'template';
  /** The template of an edit stays when it is not chosen again (e.g. no longer listed). */
  const templateKept = !!(useTemplate && !choice.template && was?.template && connectionId === was.connectionId);
  const at = parseLocal(sendAt);
  const end = repeat !== 'none' && until ? endOfDay(until) : null;
  const problems = {
    contact: !contact ? t('pickContact') : undefined,
    connection: !connectionId ? t('pickConnection') : undefined,
    body: !useTemplate ? (!body.trim() && !media ? t('bodyRequired') : body.length > MAX_BODY ? t('maxChars', { n: MAX_BODY }) : undefined) : undefined,
    template: useTemplate && !templateKept ? choiceProblem(choice, ti) : undefined,
    sendAt: !at ? t('whenRequired') : at.getTime() <= Date.now() && sendAt !== was?.sendAt ? t('whenPast') : undefined,
    until: end && at && end.getTime() < at.getTime() ? t('untilBefore') : undefined,
  };
  const invalid = Object.values(problems).some(Boolean) || uploading;
  const shown = (k: keyof typeof problems) => (tried ? problems[k] : undefined);

  const draft = (): Draft => ({
    connectionId,
    body: useTemplate ? '' : body,
    mediaId: useTemplate ? null : (media?.id ?? null),
    template: useTemplate ? (templateKept ? (was?.template ?? null) : (templateUse(choice) ?? null)) : null,
    sendAt,
    repeat,
    repeatUntil: repeat === 'none' ? '' : until,
  });

  const upload = async (f: File) => {
    setUploading(true);
    setUploadError(null);
    try {
      const m = await api<Schemas['MediaView']>('POST', '/api/media', {
        query: { filename: f.name },
        body: f,
        contentType: f.type || 'application/octet-stream',
      });
      setMedia({ id: m.id, name: m.filename ?? f.name });
    } catch (e) {
      setUploadError(e);
    } finally {
      setUploading(false);
      if (file.current) file.current.value = '';
    }
  };

  const save = async () => {
    setTried(true);
    if (invalid || busy || !contact) return;
    setBusy(true);
    setError(null);
    try {
      if (editing) {
        const patch = schedulePatch(editing, draft());
        if (Object.keys(patch).length === 0) {
          onSaved(editing, false);
          return;
        }
        onSaved(await api<Scheduled>('PATCH', `/api/scheduled/${editing.id}`, { body: patch }), false);
      } else {
        onSaved(await api<Scheduled>('POST', '/api/scheduled', { body: newSchedule(contact.id, draft()) }), true);
      }
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  return (
    <Modal
      title={editing ? t('dialogEdit') : t('dialogNew')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" loading={busy} disabled={uploading} onClick={() => void save()} data-testid="sd-submit">
            {editing ? t('saveChanges') : t('schedule')}
          </Button>
        </>
      }
    >
      <form
        className="stack schedule-dialog"
        data-testid="schedule-dialog"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset className="nc-section">
          <legend className="field-label">{t('contact')}</legend>
          <ContactSearch
            value={contact}
            onPick={(c) => setContact({ id: c.id, name: c.name, phone: c.phone })}
            onClear={() => setContact(null)}
            fixed={!!editing}
            error={shown('contact')}
            testId="sd-contact"
            texts={{
              search: t('searchContacts'),
              list: t('contacts'),
              noMatch: t('noContactMatch'),
              none: t('noContacts'),
              change: t('change'),
              group: t('group'),
            }}
          />
        </fieldset>

        <Field label={t('connection')} error={shown('connection')} hint={connection && connection.status !== 'connected' ? t('connectionDown') : undefined}>
          {connectionsError ? (
            <span className="error-text">
              <ErrorMessage error={connectionsError} />
            </span>
          ) : !connections ? (
            <Spinner inline />
          ) : connections.length === 0 ? (
            <span className="muted small" data-testid="sd-no-connections">
              {t('noConnections')}
            </span>
          ) : (
            <select value={connectionId} onChange={(e) => setConnectionId(e.target.value)} aria-invalid={shown('connection') ? true : undefined} data-testid="sd-connection">
              {connections.length > 1 || !connectionId ? <option value="">{t('pickConnection')}</option> : null}
              {connections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} · {c.phone}
                  {c.kind === 'cloud_api' ? ` · ${t('cloudApi')}` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>

        {cloud ? (
          <div className="nc-kinds" role="radiogroup" aria-label={t('kind')}>
            {(['text', 'template'] as What[]).map((k) => (
              <label key={k} className={what === k ? 'agent-option is-selected' : 'agent-option'}>
                <input type="radio" name="sd-what" value={k} checked={what === k} onChange={() => setWhat(k)} data-testid={`sd-kind-${k}`} />
                <span className="stack" style={{ gap: 0 }}>
                  <span className="strong">{k === 'text' ? t('kindText') : t('kindTemplate')}</span>
                  <span className="small muted">{k === 'text' ? t('kindTextHint') : t('kindTemplateHint')}</span>
                </span>
              </label>
            ))}
          </div>
        ) : null}

        {useTemplate ? (
          <fieldset className="nc-section">
            <legend className="field-label">{t('template')}</legend>
            {templateKept && was?.template ? (
              <p className="small muted" data-testid="sd-template-kept">
                {t('summaryTemplate', { name: was.template.name, language: was.template.language })}
              </p>
            ) : null}
            <TemplatePicker connectionId={connectionId} value={choice} onChange={setChoice} showErrors={tried && !templateKept} testId="sd" />
          </fieldset>
        ) : (
          <>
            <Field label={t('message')} error={shown('body')} hint={t('variablesHint')}>
              <textarea
                rows={4}
                value={body}
                onChange={(e) => setBody(e.target.value)}
                placeholder={t('messagePlaceholder')}
                aria-invalid={shown('body') ? true : undefined}
                data-testid="sd-body"
              />
            </Field>
            <div className="row wrap sched-file">
              {uploading ? (
                <span className="chip">
                  <Spinner inline /> {t('uploading')}
                </span>
              ) : media ? (
                <span className="chip" data-testid="sd-file" data-media-id={media.id}>
                  <Icons.file /> {media.name ?? t('fileKept')}
                  <IconButton label={t('removeFile')} onClick={() => setMedia(null)} data-testid="sd-file-remove">
                    <CloseIcon />
                  </IconButton>
                </span>
              ) : (
                <Button size="sm" icon={<Icons.attach />} onClick={() => file.current?.click()} data-testid="sd-attach">
                  {t('attach')}
                </Button>
              )}
              <input
                ref={file}
                type="file"
                hidden
                accept={ACCEPT}
                data-testid="sd-file-input"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void upload(f);
                }}
              />
              {uploadError ? (
                <span className="error-text" role="alert">
                  <ErrorMessage error={uploadError} />
                </span>
              ) : null}
            </div>
          </>
        )}

        <div className="grid-2">
          <Field label={t('when')} error={shown('sendAt')} hint={t('whenHint', { tz: zone })}>
            <input
              type="datetime-local"
              step={1}
              min={editing ? undefined : toLocalInput(new Date())}
              value={sendAt}
              onChange={(e) => setSendAt(e.target.value)}
              aria-invalid={shown('sendAt') ? true : undefined}
              data-testid="sd-send-at"
            />
          </Field>
          <Field label={t('repeat')}>
            <select value={repeat} onChange={(e) => setRepeat(e.target.value as Repeat)} data-testid="sd-repeat">
              {REPEATS.map((r) => (
                <option key={r} value={r}>
                  {t(`repeat_${r}`)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {repeat !== 'none' ? (
          <Field label={t('repeatUntilLabel')} error={shown('until')} hint={t('repeatUntilHint')}>
            <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} aria-invalid={shown('until') ? true : undefined} data-testid="sd-repeat-until" />
          </Field>
        ) : null}

        {error ? (
          <div className="error-box" role="alert" data-testid="sd-error" data-code={error instanceof ApiError ? error.code : undefined}>
            <span className="stack gap-sm">
              <ErrorMessage error={error} />
            </span>
          </div>
        ) : null}
      </form>
    </Modal>
  );
}
