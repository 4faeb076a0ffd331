//! Mentioning a colleague in a note: typing `@` and the start of a name lists the company's
//! users (`GET /api/inbox/agents`, already read by the inbox) whose name starts so; picking
//! one (click, or arrows and Enter) writes `@firstname`, which the server matches (case aside)
//! to that user. When two colleagues share a first name, the whole name without spaces goes
//! instead, which the server matches too. Escape closes the list.
import { useEffect, useMemo, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useT } from '../i18n';
import { Avatar } from '../shell/ui';
import { composerText } from './composerText';
import type { Colleague } from './data';
import './composer.css';

const MAX_SHOWN = 8;

/** `@` at the start of a word, then what was typed of the name, right before the caret. */
const MENTION = /(^|\s)@([\p{L}\p{N}._'-]*)$/u;

/** The mention being typed at `caret`: where its `@` is and the letters after it. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = MENTION.exec(text.slice(0, caret));
  return m ? { start: caret - m[2].length - 1, query: m[2] } : null;
}

/** Lower case without accents, for matching what was typed. */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? '';
}

/** What to write after `@` so the server finds `c` among `all` (its first name when no one else has it). */
export function handleOf(c: Colleague, all: Colleague[]): string {
  const first = firstName(c.name);
  const shared = all.some((o) => o.id !== c.id && firstName(o.name).toLowerCase() === first.toLowerCase());
  return shared ? c.name.trim().replace(/\s+/g, '') : first;
}

/** The colleagues whose name (any word of it, or all of it) starts with `query`. */
export function mentionMatches(all: Colleague[], query: string, meId: string): Colleague[] {
  const q = fold(query);
  return all
    .filter((c) => c.id !== meId && c.name.trim())
    .filter((c) => {
      const name = fold(c.name.trim());
      return !q || name.replace(/\s+/g, '').startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
    })
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_SHOWN);
}

export interface MentionMenu {
  menu: ReactNode;
  open: boolean;
  /** Handles the list's keys (arrows, Enter, Tab, Escape); true when the key was the list's. */
  onKeyDown: (e: KeyboardEvent<HTMLTextAreaElement>) => boolean;
}

export function useMentionMenu({
  enabled,
  text,
  caret,
  colleagues,
  meId,
  onPick,
}: {
  /** Notes only. */
  enabled: boolean;
  text: string;
  caret: number;
  colleagues: Colleague[];
  meId: string;
  /** Replaces `text[start..end]` with `insert`. */
  onPick: (start: number, end: number, insert: string) => void;
}): MentionMenu {
  const tc = useT(composerText);
  const [index, setIndex] = useState(0);
  /** The `@` (its position) whose list was closed with Escape. */
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const at = enabled ? mentionAt(text, caret) : null;
  const query = at?.query ?? null;
  const matches = useMemo(() => (query === null ? [] : mentionMatches(colleagues, query, meId)), [query, colleagues, meId]);
  const open = at !== null && at.start !== dismissedAt;

  useEffect(() => setIndex(0), [query]);

  // Once the mention is left (or erased), a new `@` opens the list again.
  const typing = at !== null;
  useEffect(() => {
    if (!typing) setDismissedAt(null);
  }, [typing]);

  const pick = (c: Colleague) => {
    if (!at) return;
    onPick(at.start, caret, `@${handleOf(c, colleagues)} `);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open || !at) return false;
    if (matches.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setIndex((i) => (i + step + matches.length) % matches.length);
        return true;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        pick(matches[Math.min(index, matches.length - 1)]);
        return true;
      }
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      setDismissedAt(at.start);
      return true;
    }
    return false;
  };

  const menu = open ? (
    <div className="popover mention-menu" role="listbox" aria-label={tc('mentionList')} data-testid="mention-menu">
      {matches.length === 0 ? (
        <div className="muted small" style={{ padding: 8 }}>
          {tc('mentionNone')}
        </div>
      ) : (
        matches.map((c, i) => (
          <button
            key={c.id}
            type="button"
            role="option"
            aria-selected={i === index}
            className={i === index ? 'popover-item is-active' : 'popover-item'}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(c)}
            data-testid="mention-option"
            data-user-id={c.id}
          >
            <Avatar name={c.name} size={24} />
            <span className="grow truncate">{c.name}</span>
            <span className="small muted">@{handleOf(c, colleagues)}</span>
          </button>
        ))
      )}
    </div>
  ) : null;

  return { menu, open, onKeyDown };
}
