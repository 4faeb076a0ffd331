//! Finding a contact of the company: a search box (`GET /api/contacts?search=`, a moment
//! after the typing stops) and the matching contacts as choices; once one is chosen it shows
//! alone, with a way to choose another unless it is fixed. Starting a conversation and
//! scheduling a message both use it; each gives its own texts and test-id prefix.
import { useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { Icons } from './icons';
import { formatPhone } from './phone';
import { Avatar, Badge, Button, ErrorMessage, Spinner } from './ui';

type Contact = Schemas['Contact'];

/** The contact chosen: what the form needs to show (and send). */
export interface ChosenContact {
  id: string;
  name: string;
  phone?: string;
}

/** What the search says, in the words of the form that holds it. */
export interface ContactSearchTexts {
  /** The search box's placeholder and label. */
  search: string;
  /** The name of the list of matches. */
  list: string;
  /** When nothing matches what was typed. */
  noMatch: string;
  /** When the company has no contacts at all. */
  none: string;
  /** The button that lets the user choose another contact. */
  change: string;
  /** The badge of a group chat. */
  group: string;
}

export interface ContactSearchProps {
  value: ChosenContact | null;
  /** Called with the contact picked from the matches. */
  onPick: (c: Contact) => void;
  /** Called when the user wants to choose another one. */
  onClear: () => void;
  texts: ContactSearchTexts;
  /** Prefix of the `data-testid`s: `<prefix>`, `<prefix>-search`, `-results`, `-option`, `-change`. */
  testId: string;
  /** The choice cannot change (e.g. an edit keeps its contact). */
  fixed?: boolean;
  error?: string;
}

export function ContactSearch({ value, onPick, onClear, texts, testId, fixed, error }: ContactSearchProps) {
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
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
    const phone = value.phone ? formatPhone(value.phone) : '';
    return (
      <div className="agent-option is-selected nc-chosen" data-testid={testId} data-contact-id={value.id}>
        <Avatar name={value.name || phone || '?'} size={32} />
        <span className="grow stack" style={{ gap: 0, minWidth: 0 }}>
          <span className="strong truncate">{value.name || phone}</span>
          {phone ? <span className="small muted">{phone}</span> : null}
        </span>
        {fixed ? null : (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              onClear();
              requestAnimationFrame(() => box.current?.focus());
            }}
            data-testid={`${testId}-change`}
          >
            {texts.change}
          </Button>
        )}
      </div>
    );
  }

  const options = found ?? [];

  return (
    <div className="stack gap-sm">
      <div className="search-input">
        <Icons.search />
        <input
          ref={box}
          type="search"
          aria-label={texts.search}
          placeholder={texts.search}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            // Enter picks the only match instead of sending the form.
            if (e.key === 'Enter') {
              e.preventDefault();
              if (options.length === 1) onPick(options[0]);
            }
          }}
          aria-invalid={error ? true : undefined}
          data-testid={`${testId}-search`}
        />
      </div>
      <div className="agent-options nc-contacts" role="listbox" aria-label={texts.list} data-testid={`${testId}-results`}>
        {found === null ? (
          <Spinner inline />
        ) : failed ? (
          <span className="error-text">
            <ErrorMessage error={failed} />
          </span>
        ) : options.length === 0 ? (
          <p className="muted small">{query ? texts.noMatch : texts.none}</p>
        ) : (
          options.map((c) => (
            <button
              key={c.id}
              type="button"
              role="option"
              aria-selected={false}
              className="agent-option nc-contact-option"
              onClick={() => onPick(c)}
              data-testid={`${testId}-option`}
              data-contact-id={c.id}
            >
              <Avatar name={c.name || formatPhone(c.phone)} size={28} />
              <span className="grow stack" style={{ gap: 0, minWidth: 0, textAlign: 'left' }}>
                <span className="truncate">{c.name || formatPhone(c.phone)}</span>
                <span className="small muted">{formatPhone(c.phone)}</span>
              </span>
              {c.is_group ? <Badge tone="info">{texts.group}</Badge> : null}
            </button>
          ))
        )}
      </div>
      {error ? <span className="error-text">{error}</span> : null}
    </div>
  );
}
