//! The bell in the app's header (company admins only): it counts the notices no admin has
//! dismissed (`useNotices`) and opens a small panel that lists them in the reader's language
//! (from each notice's kind and reason, never the platform's English detail), with their time,
//! a link to the page of what they are about, and a button that dismisses them for every admin.
import { useEffect, useId, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import { createPortal } from 'react-dom';
import { Link } from 'react-router-dom';
import { useT } from '../i18n';
import { Icons } from './icons';
import { failedDays } from './noticeList';
import { noticeText, type NoticeKey } from './noticeText';
import type { Notice, Notices } from './notices';
import { Button, ErrorMessage, Spinner, useFormat, useToast } from './ui';
import './notices.css';

/** The panel's width, and its margin from the window's edges. */
const WIDTH = 340;
const EDGE = 8;

/** A notice in the reader's words. */
export function useNoticeSentence() {
  const t = useT(noticeText);
  return (n: Notice): string => {
    if (n.kind !== 'webhook_disabled') return t('other', { subject: n.subject });
    const url = n.subject;
    if (n.reason === 'gone') return t('webhookGone', { url });
    if (n.reason === 'kept_failing') {
      const days = failedDays(n.detail);
      return days ? t('webhookFailedDays', { url, days }) : t('webhookFailed', { url });
    }
    return t('webhookOff', { url });
  };
}

/** Where the panel goes: under the bell, within the window. */
function placeUnder(button: HTMLElement): CSSProperties {
  const r = button.getBoundingClientRect();
  const width = Math.min(WIDTH, window.innerWidth - 2 * EDGE);
  const left = Math.max(EDGE, Math.min(r.left, window.innerWidth - width - EDGE));
  return { top: r.bottom + 6, left, width };
}

export function NoticesBell({ notices }: { notices: Notices }) {
  const t = useT(noticeText);
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<CSSProperties>({});
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();
  const count = notices.list?.length ?? 0;
  const { reload } = notices;

  useLayoutEffect(() => {
    if (open && button.current) setPlace(placeUnder(button.current));
  }, [open]);

  useEffect(() => {
    if (!open) return;
    reload();
    panel.current?.focus();
    const close = () => setOpen(false);
    const onDown = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) close();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      close();
      button.current?.focus();
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    window.addEventListener('resize', close);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('resize', close);
    };
  }, [open, reload]);

  const label = count > 0 ? t('noticesNew', { n: count }) : t('notices');
  return (
    <>
      <button
        ref={button}
        type="button"
        className={open ? 'icon-btn notices-bell is-active' : 'icon-btn notices-bell'}
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid="notices-bell"
        data-count={count}
      >
        <Icons.bell />
        {count > 0 ? (
          <span className="notices-count" aria-hidden="true" data-testid="notices-badge">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </button>
      {open
        ? createPortal(
            <div ref={panel} id={id} className="notices-panel" style={place} role="dialog" aria-label={t('notices')} tabIndex={-1} data-testid="notices-panel">
              <h2 className="notices-title">{t('notices')}</h2>
              <NoticeList notices={notices} onLeave={() => setOpen(false)} />
            </div>,
            document.body,
          )
        : null}
    </>
  );
}

function NoticeList({ notices, onLeave }: { notices: Notices; onLeave: () => void }) {
  const t = useT(noticeText);
  if (notices.list === null) {
    return notices.error ? (
      <p className="error-text small" role="alert">
        <ErrorMessage error={notices.error} />
      </p>
    ) : (
      <Spinner />
    );
  }
  if (notices.list.length === 0) {
    return (
      <p className="muted small notices-empty" data-testid="notices-empty">
        {t('empty')}
      </p>
    );
  }
  return (
    <ul className="notices-list">
      {notices.list.map((n) => (
        <NoticeItem key={n.id} notice={n} dismiss={notices.dismiss} onLeave={onLeave} />
      ))}
    </ul>
  );
}

/** Where the notice's subject is managed. */
const PLACES: Record<string, { to: string; label: NoticeKey }> = {
  webhook_disabled: { to: '/admin/webhooks', label: 'openWebhooks' },
};

function NoticeItem({ notice: n, dismiss, onLeave }: { notice: Notice; dismiss: (id: string) => Promise<void>; onLeave: () => void }) {
  const t = useT(noticeText);
  const fmt = useFormat();
  const toast = useToast();
  const sentence = useNoticeSentence();
  const [busy, setBusy] = useState(false);
  const place = PLACES[n.kind];

  const onDismiss = async () => {
    setBusy(true);
    try {
      await dismiss(n.id);
      toast.success(t('dismissed'));
    } catch (e) {
      toast.error(e);
      setBusy(false);
    }
  };

  return (
    <li className="notice-item" data-testid="notice-item" data-notice-id={n.id} data-kind={n.kind} data-reason={n.reason}>
      <p className="notice-text" data-testid="notice-text">
        {sentence(n)}
      </p>
      <div className="row small">
        <time className="muted" dateTime={n.created_at} title={fmt.dateTime(n.created_at)} data-testid="notice-time">
          {fmt.relative(n.created_at)}
        </time>
        <span className="spacer" />
        {place ? (
          <Link to={place.to} onClick={onLeave} data-testid="notice-open">
            {t(place.label)}
          </Link>
        ) : null}
        <Button size="sm" variant="ghost" loading={busy} onClick={() => void onDismiss()} data-testid="notice-dismiss">
          {t('dismiss')}
        </Button>
      </div>
    </li>
  );
}
