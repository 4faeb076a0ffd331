//! Quick replies: saved answers agents insert by typing `/shortcut` in the composer.
import { useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ConfirmDialog, Empty, ErrorNote, FormDialog, FormField, LoadedList, PageHeader, useLoad, useNotice } from './common';
import { m } from './messages';

type QuickReply = Schemas['QuickReply'];

const SHORTCUT = /^[a-z0-9_-]{1,32}$/;

export function QuickRepliesPage() {
  const t = useT(m);
  const say = useNotice();
  const replies = useLoad(() => api<QuickReply[]>('GET', '/api/quick-replies'), []);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<QuickReply | 'new' | null>(null);
  const [deleting, setDeleting] = useState<QuickReply | null>(null);
  const f = filter.trim().toLowerCase().replace(/^\//, '');
  const shown = (replies.data ?? []).filter((r) => !f || r.shortcut.includes(f) || r.message.toLowerCase().includes(f));

  return (
    <div className="page adm" data-testid="quick-replies-page">
      <PageHeader
        title={t('qrTitle')}
        subtitle={t('qrSubtitle')}
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
        {() => (
          shown.length === 0 ? (
            <p className="muted">{t('noMatches')}</p>
          ) : (
            <ul className="adm-list card" data-testid="qr-list">
              {shown.map((r) => (
                <li key={r.id} className="adm-list-item" data-testid="qr-item">
                  <div className="adm-list-main">
                    <code className="adm-shortcut">/{r.shortcut}</code>
                    <p className="adm-pre">{r.message}</p>
                  </div>
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
                </li>
              ))}
            </ul>
          )
        )}
      </LoadedList>
      {editing && (
        <ReplyDialog
          reply={editing === 'new' ? null : editing}
          taken={(replies.data ?? []).filter((r) => editing === 'new' || r.id !== editing.id).map((r) => r.shortcut)}
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
  taken,
  onClose,
  onSaved,
}: {
  reply: QuickReply | null;
  taken: string[];
  onClose: () => void;
  onSaved: (msg: string) => void;
}) {
  const t = useT(m);
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? '');
  const [message, setMessage] = useState(reply?.message ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = async () => {
    const s = shortcut.trim().replace(/^\//, '').toLowerCase();
    const e: Record<string, string> = {};
    if (!SHORTCUT.test(s)) e.shortcut = t('shortcutInvalid');
    else if (taken.includes(s)) e.shortcut = t('shortcutTaken');
    if (!message.trim()) e.message = t('required');
    else if (message.length > 4096) e.message = t('maxChars', { n: 4096 });
    setErrors(e);
    if (Object.keys(e).length) return;
    const body = { shortcut: s, message };
    if (reply) await api('PATCH', `/api/quick-replies/${reply.id}`, { body });
    else await api('POST', '/api/quick-replies', { body });
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
      <FormField label={t('messageText')} hint={t('charsOf', { n: message.length, max: 4096 })} error={errors.message}>
        {(p) => <textarea {...p} rows={6} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="qr-message" />}
      </FormField>
    </FormDialog>
  );
}
