//! Small shared building blocks every area of the app uses: buttons, modal dialogs, form
//! fields, tables, tabs, badges, toasts for errors, confirmation prompts, spinners, empty
//! states, a data-loading hook and date formatting in the user's language. They render the
//! class names documented at the top of `styles.css`.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type ReactNode,
  type Ref,
} from 'react';
import { createPortal } from 'react-dom';
import { ApiError } from '../api/client';
import { describeErrorCode, errorMessages, type ErrorDescription } from '../api/messages';
import { useLang, useT, type Lang } from '../i18n';
import { shellText } from './messages';

function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

/* ------------------------------------------------------------------ buttons */

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** `primary` for the main action of a view, `danger` for destructive ones; default `secondary`. */
  variant?: ButtonVariant;
  /** `sm` for compact rows and toolbars. */
  size?: 'sm' | 'md';
  /** Shows a spinner and disables the button while an action runs. */
  loading?: boolean;
  /** An icon (text or SVG) shown before the label. */
  icon?: ReactNode;
  ref?: Ref<HTMLButtonElement>;
}

/** A button (`type="button"` unless told otherwise, so it never submits a form by accident). */
export function Button({
  variant = 'secondary',
  size = 'md',
  loading = false,
  icon,
  className,
  children,
  disabled,
  type = 'button',
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={cx('btn', `btn-${variant}`, size === 'sm' && 'btn-sm', className)}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      {...rest}
    >
      {loading ? <span className="spinner spinner-inline" aria-hidden="true" /> : icon ? <span className="btn-icon" aria-hidden="true">{icon}</span> : null}
      {children}
    </button>
  );
}

export interface IconButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  /** What the button does, read by screen readers and shown as a tooltip. */
  label: string;
  children: ReactNode;
  /** Marks a toggle button as pressed. */
  active?: boolean;
  ref?: Ref<HTMLButtonElement>;
}

/** A square button showing only an icon; `label` names it. */
export function IconButton({ label, children, className, active, type = 'button', ...rest }: IconButtonProps) {
  return (
    <button
      type={type}
      className={cx('icon-btn', active && 'is-active', className)}
      aria-label={label}
      title={label}
      aria-pressed={active === undefined ? undefined : active}
      {...rest}
    >
      {children}
    </button>
  );
}

/* ------------------------------------------------------------------ modal */

const modalStack: number[] = [];
let modalSeq = 0;

export interface ModalProps {
  /** The dialog's heading. */
  title: ReactNode;
  /** Called on Esc, on the close button and on a click outside the dialog. */
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom (e.g. Cancel + Save). */
  footer?: ReactNode;
  /** Width: `sm` 420px, `md` 560px (default), `lg` 820px. */
  size?: 'sm' | 'md' | 'lg';
  /** When false nothing renders (lets callers keep the element mounted). Default true. */
  open?: boolean;
}

/**
 * A modal dialog over the page. Focus moves into it and stays there (Tab cycles), Esc or a
 * click on the backdrop closes it, and focus returns where it was when it closes.
 */
export function Modal({ open = true, ...props }: ModalProps) {
  if (!open) return null;
  return <ModalDialog {...props} />;
}

function ModalDialog({ title, onClose, children, footer, size = 'md' }: Omit<ModalProps, 'open'>) {
  const t = useT(shellText);
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const me = ++modalSeq;
    modalStack.push(me);
    const before = document.activeElement as HTMLElement | null;
    const box = ref.current;
    const focusables = () =>
      Array.from(
        box?.querySelectorAll<HTMLElement>(
          'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])',
        ) ?? [],
      );
    const first = focusables().find((el) => !el.classList.contains('modal-close')) ?? focusables()[0];
    (first ?? box)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (modalStack[modalStack.length - 1] !== me) return;
      if (e.key === 'Escape') {
        e.stopPropagation();
        closeRef.current();
      } else if (e.key === 'Tab') {
        const all = focusables();
        if (all.length === 0) return;
        const idx = all.indexOf(document.activeElement as HTMLElement);
        if (e.shiftKey && (idx <= 0)) {
          e.preventDefault();
          all[all.length - 1].focus();
        } else if (!e.shiftKey && idx === all.length - 1) {
          e.preventDefault();
          all[0].focus();
        }
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      const i = modalStack.indexOf(me);
      if (i >= 0) modalStack.splice(i, 1);
      before?.focus?.();
    };
  }, []);

  return createPortal(
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div ref={ref} className={cx('modal', `modal-${size}`)} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1}>
        <div className="modal-header">
          <h2 id={titleId}>{title}</h2>
          <IconButton label={t('close')} className="modal-close" onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </div>
        <div className="modal-body">{children}</div>
        {footer ? <div className="modal-footer">{footer}</div> : null}
      </div>
    </div>,
    document.body,
  );
}

/** A small × icon. */
export function CloseIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}

/* ------------------------------------------------------------------ form fields */

export interface FieldProps {
  /** The visible label; clicking it focuses the control inside. */
  label: ReactNode;
  /** The control: an <input>, <select>, <textarea> or a custom one. */
  children: ReactNode;
  /** A short help text under the control. */
  hint?: ReactNode;
  /** An error text under the control (shown in red). */
  error?: ReactNode;
  className?: string;
}

/** A labelled form control: `<Field label="Name"><input …/></Field>`. */
export function Field({ label, children, hint, error, className }: FieldProps) {
  return (
    <label className={cx('field', error ? 'has-error' : false, className)}>
      <span className="field-label">{label}</span>
      {children}
      {error ? <span className="error-text">{error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );
}

/* ------------------------------------------------------------------ tables */

export interface Column<T> {
  /** Unique within the table. */
  key: string;
  header: ReactNode;
  /** The cell for one row. */
  render: (row: T) => ReactNode;
  /** A CSS width such as `120px` or `30%`. */
  width?: string;
  align?: 'left' | 'right' | 'center';
}

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: T[] | null | undefined;
  rowKey: (row: T) => string;
  /** Shown instead of the body when there are no rows. */
  empty?: ReactNode;
  /** Shows a spinner row while the first load runs (`rows` still null). */
  loading?: boolean;
  /** Makes rows clickable (and reachable with the keyboard). */
  onRowClick?: (row: T) => void;
  className?: string;
}

/** A plain table from column definitions; rows may be clicked when `onRowClick` is given. */
export function DataTable<T>({ columns, rows, rowKey, empty, loading, onRowClick, className }: DataTableProps<T>) {
  const t = useT(shellText);
  return (
    <div className="table-wrap">
      <table className={cx('table', onRowClick && 'table-clickable', className)}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} style={{ width: c.width, textAlign: c.align }}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {!rows && loading ? (
            <tr>
              <td colSpan={columns.length}>
                <Spinner />
              </td>
            </tr>
          ) : !rows || rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty ?? t('nothingHere')}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr
                key={rowKey(row)}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
                onKeyDown={
                  onRowClick
                    ? (e) => {
                        if (e.key === 'Enter' && e.target === e.currentTarget) onRowClick(row);
                      }
                    : undefined
                }
                tabIndex={onRowClick ? 0 : undefined}
              >
                {columns.map((c) => (
                  <td key={c.key} style={{ textAlign: c.align }}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/* ------------------------------------------------------------------ small pieces */

/** A spinning indicator; with `label` it also says what is loading. */
export function Spinner({ label, inline = false }: { label?: string; inline?: boolean }) {
  const t = useT(shellText);
  if (inline) return <span className="spinner spinner-inline" role="status" aria-label={label ?? t('loading')} />;
  return (
    <div className="spinner-block" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="muted">{label ?? t('loading')}</span>
    </div>
  );
}

/** A centred message for an empty list or view, with an optional action button below. */
export function EmptyState({ title, children, action, icon }: { title: ReactNode; children?: ReactNode; action?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="empty-state">
      {icon ? <div className="empty-icon" aria-hidden="true">{icon}</div> : null}
      <p className="empty-title">{title}</p>
      {children ? <div className="muted">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}

export type BadgeTone = 'neutral' | 'accent' | 'success' | 'warning' | 'danger' | 'info';

/** A small rounded label; `color` (`#rrggbb`) paints it like a tag. */
export function Badge({ tone = 'neutral', color, children, title }: { tone?: BadgeTone; color?: string; children: ReactNode; title?: string }) {
  const style = color ? { background: `${color}22`, color, borderColor: `${color}55` } : undefined;
  return (
    <span className={cx('badge', `badge-${tone}`)} style={style} title={title}>
      {children}
    </span>
  );
}

/** The top of a page: its title, an optional subtitle and action buttons on the right. */
export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}

export interface TabItem {
  id: string;
  label: ReactNode;
  /** A count shown beside the label (hidden when 0 or absent). */
  badge?: number;
}

/** A row of tabs (WAI-ARIA tablist: arrow keys move between them). */
export function Tabs({ tabs, value, onChange, label }: { tabs: TabItem[]; value: string; onChange: (id: string) => void; label?: string }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab, i) => (
        <button
          key={tab.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          className={cx('tab', tab.id === value && 'is-active')}
          aria-selected={tab.id === value}
          tabIndex={tab.id === value ? 0 : -1}
          data-tab={tab.id}
          onClick={() => onChange(tab.id)}
          onKeyDown={(e) => {
            const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!step) return;
            e.preventDefault();
            const next = (i + step + tabs.length) % tabs.length;
            refs.current[next]?.focus();
            onChange(tabs[next].id);
          }}
        >
          {tab.label}
          {tab.badge ? <span className="tab-count">{tab.badge}</span> : null}
        </button>
      ))}
    </div>
  );
}

/** A round avatar with the initials of `name`, coloured from the name. */
export function Avatar({ name, size = 36 }: { name: string; size?: number }) {
  const initials =
    name
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase() ?? '')
      .join('') || '?';
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${hue} 55% 88%)`, color: `hsl(${hue} 45% 30%)` }}
    >
      {initials}
    </span>
  );
}

/* ------------------------------------------------------------------ toasts and confirmations */

/** A notice that leads somewhere: a link (its `href` for a new tab, `onClick` for here). */
export interface ToastAction {
  label: string;
  href: string;
  onClick: () => void;
}

/** A notice with more than a sentence: a detail line, a link, a test id, a longer life. */
export interface NoticeOptions {
  title: string;
  detail?: string;
  action?: ToastAction;
  /** The notice's `data-testid`. */
  testId?: string;
  /** How long it stays, in milliseconds (default 4.5 s; 12 s when it has a link). */
  duration?: number;
}

interface ToastItem {
  id: number;
  tone: 'error' | 'success' | 'info';
  title: string;
  detail?: string;
  code?: string;
  action?: ToastAction;
  testId?: string;
  duration?: number;
}

export interface ToastApi {
  /** Shows an error in the user's words: an `ApiError`'s code as a sentence (see `describeError`). */
  error: (e: unknown) => void;
  success: (message: string) => void;
  info: (message: string) => void;
  /** An informative notice with a detail line and, optionally, a link. */
  notice: (n: NoticeOptions) => void;
}

interface ConfirmOptions {
  title: string;
  message?: ReactNode;
  /** The label of the confirming button (default "Confirm"). */
  confirmLabel?: string;
  /** Paints the confirming button red. */
  danger?: boolean;
}

interface UiContextValue {
  toast: ToastApi;
  confirm: (o: ConfirmOptions) => Promise<boolean>;
}

const UiContext = createContext<UiContextValue | null>(null);

/** An error as people read it, with the API's code (when it has one) for data attributes. */
export interface ErrorView extends ErrorDescription {
  code?: string;
}

/**
 * Any error in people's words, in `lang`: an `ApiError`'s code as a sentence (plus the
 * server's message where it names the problem), anything else as a general sentence.
 */
export function describeError(e: unknown, lang: Lang): ErrorView {
  if (e instanceof ApiError) return { code: e.code, ...describeErrorCode(e.code, e.message, lang) };
  const detail = e instanceof Error ? e.message : e == null ? '' : String(e);
  return { text: errorMessages[lang].UNKNOWN, detail: detail || undefined };
}

/** `const describe = useDescribeError(); describe(e).text` — `describeError` in the user's language. */
export function useDescribeError(): (e: unknown) => ErrorView {
  const { lang } = useLang();
  return useCallback((e: unknown) => describeError(e, lang), [lang]);
}

/** An error's sentence and, under it, the server's detail. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { text, detail } = useDescribeError()(error);
  return (
    <>
      <span>{text}</span>
      {detail ? <span className="error-detail">{detail}</span> : null}
    </>
  );
}

/** Holds the toasts and the confirmation dialog; mounted once around the app. */
export function UiProvider({ children }: { children: ReactNode }) {
  const t = useT(shellText);
  const describeNow = useDescribeError();
  const describe = useRef(describeNow);
  describe.current = describeNow;
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const [asking, setAsking] = useState<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null);
  const seq = useRef(0);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (item: Omit<ToastItem, 'id'>) => {
      const id = ++seq.current;
      setToasts((all) => [...all.slice(-4), { ...item, id }]);
      window.setTimeout(() => dismiss(id), item.duration ?? (item.tone === 'error' ? 9000 : item.action ? 12000 : 4500));
    },
    [dismiss],
  );
  const toast = useMemo<ToastApi>(
    () => ({
      error: (e) => {
        const { text, detail, code } = describe.current(e);
        push({ tone: 'error', title: text, detail, code });
      },
      success: (title) => push({ tone: 'success', title }),
      info: (title) => push({ tone: 'info', title }),
      notice: (n) => push({ tone: 'info', ...n }),
    }),
    [push],
  );
  const confirm = useCallback(
    (o: ConfirmOptions) => new Promise<boolean>((resolve) => setAsking({ ...o, resolve })),
    [],
  );
  const answer = (ok: boolean) => {
    asking?.resolve(ok);
    setAsking(null);
  };
  const value = useMemo(() => ({ toast, confirm }), [toast, confirm]);

  return (
    <UiContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={cx('toast', `toast-${x.tone}`)} role={x.tone === 'error' ? 'alert' : 'status'} data-code={x.code} data-testid={x.testId}>
            <div className="toast-text">
              <span>{x.title}</span>
              {x.detail ? <span className="toast-detail">{x.detail}</span> : null}
              {x.action ? (
                <a
                  className="toast-action"
                  href={x.action.href}
                  onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                    e.preventDefault();
                    dismiss(x.id);
                    x.action?.onClick();
                  }}
                  data-testid={x.testId ? `${x.testId}-open` : undefined}
                >
                  {x.action.label}
                </a>
              ) : null}
            </div>
            <IconButton label={t('dismiss')} onClick={() => dismiss(x.id)}>
              <CloseIcon />
            </IconButton>
          </div>
        ))}
      </div>
      {asking ? (
        <Modal
          size="sm"
          title={asking.title}
          onClose={() => answer(false)}
          footer={
            <>
              <Button onClick={() => answer(false)}>{t('cancel')}</Button>
              <Button variant={asking.danger ? 'danger' : 'primary'} onClick={() => answer(true)}>
                {asking.confirmLabel ?? t('confirm')}
              </Button>
            </>
          }
        >
          {asking.message ? <div>{asking.message}</div> : null}
        </Modal>
      ) : null}
    </UiContext.Provider>
  );
}

function useUi(): UiContextValue {
  const ctx = useContext(UiContext);
  if (!ctx) throw new Error('UiProvider is missing');
  return ctx;
}

/** `const toast = useToast(); toast.error(e)` — shows an error in the user's words. */
export function useToast(): ToastApi {
  return useUi().toast;
}

/** `if (await confirm({title: 'Delete?', danger: true})) …` — a yes/no dialog. */
export function useConfirm(): (o: ConfirmOptions) => Promise<boolean> {
  return useUi().confirm;
}

/* ------------------------------------------------------------------ data loading */

export interface AsyncState<T> {
  /** The last answer (kept while reloading); null before the first one. */
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Loads again (e.g. after a change). */
  reload: () => void;
  /** Replaces the data locally (e.g. after a save answered with the new value). */
  setData: (d: T | null | ((old: T | null) => T | null)) => void;
}

/**
 * Runs `load` when the component mounts and whenever `deps` change; answers that arrive
 * after a newer load started are dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef
      .current()
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

/** Shows an error box for a failed load, with a retry button when `onRetry` is given. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(shellText);
  return (
    <div className="error-box" role="alert" data-code={error instanceof ApiError ? error.code : undefined}>
      <div>
        <strong>{t('pageFailed')}</strong>
        <div>
          <ErrorMessage error={error} />
        </div>
      </div>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          {t('retry')}
        </Button>
      ) : null}
    </div>
  );
}

/* ------------------------------------------------------------------ dates */

/** Date formatting in the user's language: `const f = useFormat(); f.dateTime(iso)`. */
export function useFormat() {
  const { lang } = useLang();
  return useMemo(() => {
    const dt = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' });
    const d = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
    const tm = new Intl.DateTimeFormat(lang, { timeStyle: 'short' });
    const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });
    const parse = (v: string | number | Date) => (v instanceof Date ? v : new Date(v));
    return {
      /** e.g. 03/05/2025 14:20 */
      dateTime: (v: string | number | Date) => dt.format(parse(v)),
      /** e.g. 3 May 2025 */
      date: (v: string | number | Date) => d.format(parse(v)),
      /** e.g. 14:20 */
      time: (v: string | number | Date) => tm.format(parse(v)),
      /** Time today, else a short date: what chat lists show. */
      short: (v: string | number | Date) => {
        const x = parse(v);
        const now = new Date();
        return x.toDateString() === now.toDateString() ? tm.format(x) : new Intl.DateTimeFormat(lang, { day: '2-digit', month: '2-digit' }).format(x);
      },
      /** e.g. "5 min ago". */
      relative: (v: string | number | Date) => {
        const secs = Math.round((parse(v).getTime() - Date.now()) / 1000);
        const abs = Math.abs(secs);
        if (abs < 60) return rel.format(secs, 'second');
        if (abs < 3600) return rel.format(Math.round(secs / 60), 'minute');
        if (abs < 86400) return rel.format(Math.round(secs / 3600), 'hour');
        return rel.format(Math.round(secs / 86400), 'day');
      },
    };
  }, [lang]);
}
