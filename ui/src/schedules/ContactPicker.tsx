//! Finding the contact a message is scheduled to: a search box (`GET /api/contacts?search=`)
//! and the matching contacts as choices; once one is chosen it shows alone, with a way to
//! choose another unless it is fixed (an edit keeps its contact).
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { Avatar, Badge, Button, ErrorMessage, Spinner } from '../shell/ui';
import { schedText } from './messages';

/** The contact chosen: what the dialog needs to show and send. */
export interface PickedContact {
  id: string;
  name: string;
  phone?: string;
}

export function ContactPicker({
  value,
  onChange,
  fixed,
  error,
}: {
  value: PickedContact | null;
  onChange: (c: PickedContact | null) => void;
  fixed?: boolean;
  error?: string;
}) {
  const t = useT(schedText);
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Schemas['Contact'][] | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const box = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const h = window.setTimeout(() => setQuery(input.trim()), 250);
    return () => window.clearTimeout(h);
  }, [input]);

  useEffect(() => {
    if (value) return;
    let alive = true;
    setFailed(null);
    api<Schemas['ContactPage']>('GET', '/api/contacts', { query: { search: query, limit: 8 } }).then(
      (page) => alive && setFound(page.items),
      (e) => {
        if (!alive) return;
        setFound([]);
        setFailed(e);
      },
    );
    return () => {
      alive = false;
    };
  }, [query, value]);

  if (value) {
    return (
      <div className="agent-option is-selected nc-chosen" data-testid="sd-contact" data-contact-id={value.id}>
        <Avatar name={value.name || value.phone || '?'} size={32} />
        <span className="grow stack" style={{ gap: 0, minWidth: 0 }}>
          <span className="strong truncate">{value.name || value.phone}</span>
          {value.phone ? <span className="small muted">{value.phone}</span> : null}
        </span>
        {fixed ? null : (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              onChange(null);
              requestAnimationFrame(() => box.current?.focus());
            }}
            data-testid="sd-contact-change"
          >
            {t('change')}
          </Button>
        )}
      </div>
    );
  }

  const options = found ?? [];
  const pick = (c: Schemas['Contact']) => onChange({ id: c.id, name: c.name, phone: c.phone });

  return (
    <div className="stack gap-sm">
      <div className="search-input">
        <Icons.search />
        <input
          ref={box}
          type="search"
          aria-label={t('searchContacts')}
          placeholder={t('searchContacts')}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            // Enter picks the only match instead of sending the form.
            if (e.key === 'Enter') {
              e.preventDefault();
              if (options.length === 1) pick(options[0]);
            }
          }}
          aria-invalid={error ? true : undefined}
          data-testid="sd-contact-search"
        />
      </div>
      <div className="agent-options nc-contacts" role="listbox" aria-label={t('contacts')} data-testid="sd-contact-results">
        {found === null ? (
          <Spinner inline />
        ) : failed ? (
          <span className="error-text">
            <ErrorMessage error={failed} />
          </span>
        ) : options.length === 0 ? (
          <p className="muted small">{query ? t('noContactMatch') : t('noContacts')}</p>
        ) : (
          options.map((c) => (
            <button
              key={c.id}
              type="button"
              role="option"
              aria-selected={false}
              className="agent-option nc-contact-option"
              onClick={() => pick(c)}
              data-testid="sd-contact-option"
              data-contact-id={c.id}
            >
              <Avatar name={c.name || c.phone} size={28} />
              <span className="grow stack" style={{ gap: 0, minWidth: 0, textAlign: 'left' }}>
                <span className="truncate">{c.name || c.phone}</span>
                <span className="small muted">{c.phone}</span>
              </span>
              {c.is_group ? <Badge tone="info">{t('group')}</Badge> : null}
            </button>
          ))
        )}
      </div>
      {error ? <span className="error-text">{error}</span> : null}
    </div>
  );
}
