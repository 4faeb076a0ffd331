//! Quick replies: saved answers agents insert by typing `/shortcut` in the composer. The
//! company's shared ones (made and changed by supervisors and admins, read by agents) and
//! each user's personal ones (only they see and use them; for them a personal shortcut wins
//! over a shared one). A reply may carry a file (uploaded first with `POST /api/media`), sent
//! with the text as its caption; the text may then be empty.
import { useEffect, useRef, useState } from 'react';
import { api, apiBlob, mediaPath, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Icons } from '../shell/icons';
import { Badge, CloseIcon, IconButton, Spinner } from '../shell/ui';
import { ConfirmDialog, Empty, ErrorNote, FormDialog, FormField, LoadedList, PageHeader, useLoad, useNotice } from './common';
import { m } from './messages';
import { qrText } from './quickReplyText';

type QuickReply = Schemas['QuickReply'];

const SHORTCUT = /^[a-z0-9_-]{1,32}$/;
const MAX_TEXT = 4096;
const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,application/pdf,audio/ogg,audio/mpeg,video/mp4,video/webm,audio/webm';

/** The file of a reply: its id, and its name and type when known. */
interface ReplyFile {
  id: string;
  name?: string;
  mime?: string;
}

export function QuickRepliesPage() {
  const t = useT(m);
  const tq = useT(qrText);
  const say = useNotice();
  const { user } = useAuth();
  const canShare = hasRole(user, 'supervisor');
  const meId = user?.id ?? '';
  const replies = useLoad(() => api<QuickReply[]>('GET', '/api/quick-replies'), []);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<QuickReply | 'new' | null>(null);
  const [deleting, setDeleting] = useState<QuickReply | null>(null);
  const f = filter.trim().toLowerCase().replace(/^\//, '');
  const shown = (replies.data ?? []).filter((r) => !f || r.shortcut.includes(f) || r.message.toLowerCase().includes(f));
  /** One's own replies, and (supervisors and admins) the shared ones. */
  const mine = (r: QuickReply) => (r.user_id ? r.user_id === meId : canShare);

  return (
    <div className="page adm" data-testid="quick-replies-page">
      <PageHeader
        title={t('qrTitle')}
        subtitle={canShare ? t('qrSubtitle') : tq('subtitleAgent')}
        actions={
          <button className="btn btn-primary" onClick={() => setEditing('new')} data-testid="qr-new">
            {t('qrNew')}
          </button>
        }
      />
      <ErrorNote error={replies.error} onRetry={replies.reload} />
      {replies.data && replies.data.length > 0 && (
        <div className="toolbar">
          <input
            type="search"
            className="adm-search"
            placeholder={t('qrFilter')}
            aria-label={t('qrFilter')}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        </div>
      )}
      <LoadedList loaded={replies} empty={<Empty title={t('qrEmpty')} text={t('qrEmptyText')} testId="qr-empty" />}>
        {() =>
          shown.length === 0 ? (
            <p className="muted">{t('noMatches')}</p>
          ) : (
            <ul className="adm-list card" data-testid="qr-list">
              {shown.map((r) => (
                <li key={r.id} className="adm-list-item" data-testid="qr-item" data-shortcut={r.shortcut} data-scope={r.user_id ? 'personal' : 'shared'}>
                  <div className="adm-list-main">
                    <div className="adm-qr-head">
                      <code className="adm-shortcut">/{r.shortcut}</code>
                      <Badge tone={r.user_id ? 'accent' : 'neutral'}>{r.user_id ? tq('personal') : tq('shared')}</Badge>
                      {r.media_id ? (
                        <span className="badge badge-info adm-qr-file" data-testid="qr-file-mark">
                          <Icons.attach /> {tq('withFile')}
                        </span>
                      ) : null}
                    </div>
                    {r.message ? <p className="adm-pre">{r.message}</p> : null}
                  </div>
                  {mine(r) ? (
                    <div className="adm-row-actions">
                      <button className="btn" onClick={() => setEditing(r)} aria-label={t('editNamed', { name: '/' + r.shortcut })}>
                        {t('edit')}
                      </button>
                      <button
                        className="btn adm-btn-danger-ghost"
                        onClick={() => setDeleting(r)}
                        aria-label={t('deleteNamed', { name: '/' + r.shortcut })}
                      >
                        {t('delete')}
                      </button>
                    </div>
                  ) : (
                    <span className="muted small adm-qr-readonly" title={tq('readOnlyHint')} data-testid="qr-read-only">
                      {tq('readOnly')}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </LoadedList>
      {editing && (
        <ReplyDialog
          reply={editing === 'new' ? null : editing}
          canShare={canShare}
          taken={(replies.data ?? []).filter((r) => editing === 'new' || r.id !== editing.id)}
          meId={meId}
          onClose={() => setEditing(null)}
          onSaved={(msg) => {
            setEditing(null);
            say(msg);
            void replies.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('qrDeleteTitle')}
          text={t('qrDeleteText', { name: '/' + deleting.shortcut })}
          confirmLabel={t('delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api('DELETE', `/api/quick-replies/${deleting.id}`);
            say(t('deleted'));
            void replies.reload();
          }}
        />
      )}
    </div>
  );
}

function ReplyDialog({
  reply,
  canShare,
  taken,
  meId,
  onClose,
  onSaved,
}: {
  reply: QuickReply | null;
  /** Supervisors and admins choose a new reply's scope; agents' are always personal. */
  canShare: boolean;
  /** The other replies: a shortcut is taken within its scope (the company's, or one's own). */
  taken: QuickReply[];
  meId: string;
  onClose: () => void;
  onSaved: (msg: string) => void;
}) {
  const t = useT(m);
  const tq = useT(qrText);
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? '');
  const [message, setMessage] = useState(reply?.message ?? '');
  const [personal, setPersonal] = useState(reply ? !!reply.user_id : !canShare);
  const [file, setFile] = useState<ReplyFile | null>(reply?.media_id ? { id: reply.media_id } : null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const s = shortcut.trim().replace(/^\//, '').toLowerCase();
    const e: Record<string, string> = {};
    const sameScope = taken.filter((r) => (personal ? r.user_id === meId : !r.user_id));
    if (!SHORTCUT.test(s)) e.shortcut = t('shortcutInvalid');
    else if (sameScope.some((r) => r.shortcut === s)) e.shortcut = t('shortcutTaken');
    if (!message.trim() && !file) e.message = tq('textOrFile');
    else if (message.length > MAX_TEXT) e.message = t('maxChars', { n: MAX_TEXT });
    setErrors(e);
    if (Object.keys(e).length) return;
    if (reply) {
      const body: Schemas['QuickReplyPatch'] = { shortcut: s, message };
      if ((file?.id ?? '') !== (reply.media_id ?? '')) body.media_id = file?.id ?? '';
      await api('PATCH', `/api/quick-replies/${reply.id}`, { body });
    } else {
      const body: Schemas['NewQuickReply'] = { shortcut: s, message, personal };
      if (file) body.media_id = file.id;
      await api('POST', '/api/quick-replies', { body });
    }
    onSaved(reply ? t('saved') : t('qrCreated', { name: '/' + s }));
  };

  return (
    <FormDialog title={reply ? t('qrEdit') : t('qrNew')} onClose={onClose} onSubmit={save} testId="qr-dialog">
      <FormField label={t('shortcut')} hint={t('shortcutHint')} error={errors.shortcut}>
        {(p) => (
          <div className="adm-prefix">
            <span aria-hidden="true">/</span>
            <input {...p} value={shortcut} maxLength={33} onChange={(e) => setShortcut(e.target.value)} autoFocus data-testid="qr-shortcut" />
          </div>
        )}
      </FormField>
      <FormField label={t('messageText')} hint={tq('messageHint', { n: message.length, max: MAX_TEXT })} error={errors.message}>
        {(p) => <textarea {...p} rows={6} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="qr-message" />}
      </FormField>
      <FileField file={file} onChange={setFile} />
      {canShare && !reply ? (
        <fieldset className="adm-fieldset">
          <legend>{tq('scope')}</legend>
          <div className="adm-radio-cards adm-radio-cards-2" role="radiogroup">
            {[false, true].map((own) => (
              <label key={String(own)} className={personal === own ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
                <input
                  type="radio"
                  name="qr-scope"
                  value={own ? 'personal' : 'shared'}
                  checked={personal === own}
                  onChange={() => setPersonal(own)}
                  data-testid={own ? 'qr-scope-personal' : 'qr-scope-shared'}
                />
                <span className="adm-radio-title">{own ? tq('personal') : tq('shared')}</span>
                <span className="muted">{own ? tq('personalHint') : tq('sharedHint')}</span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : (
        <p className="muted small" data-testid="qr-scope-note">
          <Badge tone={personal ? 'accent' : 'neutral'}>{personal ? tq('personal') : tq('shared')}</Badge>{' '}
          {personal ? (reply ? tq('personalHint') : tq('personalOnly')) : tq('sharedHint')}
        </p>
      )}
    </FormDialog>
  );
}

/** The reply's optional file: upload one, see its name and type, replace or remove it. */
function FileField({ file, onChange }: { file: ReplyFile | null; onChange: (f: ReplyFile | null) => void }) {
  const tq = useT(qrText);
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [savedType, setSavedType] = useState<{ id: string; mime: string } | null>(null);
  const known = file && !file.mime ? file.id : null;

  // A file saved before: its name is not known any more, its type is read from the file.
  useEffect(() => {
    if (!known) return;
    let alive = true;
    apiBlob(mediaPath(known)).then(
      (b) => alive && b.type && setSavedType({ id: known, mime: b.type.split(';')[0] }),
      () => {
        /* shown without its type */
      },
    );
    return () => {
      alive = false;
    };
  }, [known]);

  const upload = async (f: File) => {
    setUploading(true);
    setError(null);
    try {
      const media = await api<Schemas['MediaView']>('POST', '/api/media', {
        query: { filename: f.name },
        body: f,
        contentType: f.type || 'application/octet-stream',
      });
      onChange({ id: media.id, name: media.filename ?? f.name, mime: media.mime });
    } catch (e) {
      setError(e);
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  };

  const mime = file?.mime ?? (savedType && savedType.id === file?.id ? savedType.mime : undefined);

  return (
    <div className="field">
      <span className="field-label">{tq('file')}</span>
      <div className="row wrap adm-qr-file-row">
        {uploading ? (
          <span className="chip">
            <Spinner inline /> {tq('uploading')}
          </span>
        ) : file ? (
          <span className="chip" data-testid="qr-file" data-media-id={file.id}>
            <Icons.file />
            <span className="strong truncate">{file.name ?? tq('savedFile')}</span>
            {mime ? <span className="muted small">{mime}</span> : null}
            <IconButton label={tq('removeFile')} onClick={() => onChange(null)} data-testid="qr-file-remove">
              <CloseIcon />
            </IconButton>
          </span>
        ) : null}
        <button type="button" className="btn btn-sm" onClick={() => input.current?.click()} disabled={uploading} data-testid="qr-attach">
          <Icons.attach /> {file ? tq('replaceFile') : tq('attach')}
        </button>
        <input
          ref={input}
          type="file"
          hidden
          accept={ACCEPT}
          data-testid="qr-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void upload(f);
          }}
        />
      </div>
      <small className="field-hint">{tq('fileHint')}</small>
      <ErrorNote error={error} />
    </div>
  );
}
