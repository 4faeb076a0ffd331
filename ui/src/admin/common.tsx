//! Building blocks shared by the admin and dashboard pages: loading data, API errors shown
//! in the user's words, modal dialogs, confirmations, form fields, colours and dates.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, EmptyState, Modal, PageHeader as ShellPageHeader, Spinner, useDescribeError, useToast } from '../shell/ui';
import { ApiError } from '../api/client';
import { useLang, useT } from '../i18n';
import { m } from './messages';

/** The state of data loaded from the API, with a way to load it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (f: (old: T | undefined) => T | undefined) => void;
}

/** Loads `load()` on mount and whenever `deps` change; older answers never overwrite newer ones. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    setError(undefined);
    try {
      const d = await loadRef.current();
      if (n === seq.current) setDataState(d);
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  const setData = useCallback((f: (old: T | undefined) => T | undefined) => setDataState(f), []);
  return { data, error, loading, reload, setData };
}

/** An API error in the user's words, announced to screen readers (its code in `data-code`). */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(m);
  const describe = useDescribeError();
  if (!error) return null;
  const { code, text, detail } = describe(error);
  return (
    <div className="error-box adm-error" role="alert" data-testid="api-error" data-code={code}>
      <div className="adm-error-body">
        <span>{text}</span>
        {detail ? <span className="error-detail">{detail}</span> : null}
      </div>
      {onRetry && (
        <Button size="sm" onClick={onRetry}>
          {t('retry')}
        </Button>
      )}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  return <Spinner label={label} />;
}

export function Empty({ title, text, action, testId }: { title: string; text?: string; action?: ReactNode; testId?: string }) {
  return (
    <div className="card adm-empty" data-testid={testId}>
      <EmptyState title={title} action={action}>
        {text}
      </EmptyState>
    </div>
  );
}

/**
 * Shows a spinner while a list first loads, `empty` when it loaded with no items, and
 * `children(items)` once there are items (nothing before the first answer, e.g. after an error).
 */
export function LoadedList<T>({ loaded, empty, children }: { loaded: Loaded<T[]>; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  if (loaded.loading && !loaded.data) return <Loading />;
  if (loaded.data?.length === 0) return <>{empty}</>;
  return loaded.data ? <>{children(loaded.data)}</> : null;
}

/**
 * An admin table: the scrolling wrapper, the table with its test id, a header row of
 * `columns` (plus a screen-reader-only "Actions" header when `actions`), and `children` as rows.
 * `after` goes inside the wrapper, below the table.
 */
export function AdminTable({
  testId,
  columns,
  actions,
  children,
  after,
}: {
  testId: string;
  columns: ReactNode[];
  actions?: boolean;
  children: ReactNode;
  after?: ReactNode;
}) {
  const t = useT(m);
  return (
    <div className="table-wrap">
      <table className="table adm-table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="sr-only">{t('actions')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {after}
    </div>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  return <ShellPageHeader title={title} subtitle={subtitle} actions={actions} />;
}

/** A modal dialog (the shell's): focus stays inside, Escape closes it. */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  return (
    <Modal title={title} onClose={onClose} footer={footer} size={wide ? 'lg' : 'md'}>
      <div className="stack adm-dialog" data-testid={testId}>
        {children}
      </div>
    </Modal>
  );
}

/** A dialog holding a form: submit runs `onSubmit`, errors from it are shown under the fields. */
export function FormDialog({
  title,
  submitLabel,
  onSubmit,
  onClose,
  children,
  wide,
  testId,
  submitDisabled,
}: {
  title: string;
  submitLabel?: string;
  onSubmit: () => Promise<void> | void;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  testId?: string;
  submitDisabled?: boolean;
}) {
  const t = useT(m);
  const formId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide={wide}
      testId={testId}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button type="submit" form={formId} variant="primary" loading={busy} disabled={submitDisabled} data-testid="dialog-submit">
            {busy ? t('saving') : (submitLabel ?? t('save'))}
          </Button>
        </>
      }
    >
      <form id={formId} className="stack adm-form" onSubmit={submit} noValidate>
        {children}
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

/** Asks before a destructive action; shows the API error if the action fails. */
export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const t = useT(m);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId="confirm-dialog"
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="danger" onClick={go} loading={busy} data-testid="confirm-yes">
            {confirmLabel}
          </Button>
        </>
      }
    >
      <p>{text}</p>
      <ErrorNote error={error} />
    </Dialog>
  );
}

/** Props a field's control receives so its label, hint and error are tied to it. */
export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/** A labelled form field with an optional hint and validation message. */
export function FormField({
  label,
  hint,
  error,
  children,
  className,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: (p: ControlProps) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const described = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'has-error' : '', className].filter(Boolean).join(' ')}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described })}
      {hint && (
        <small id={hintId} className="field-hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} className="error-text">
          {error}
        </small>
      )}
    </div>
  );
}

export const HEX = /^#[0-9a-fA-F]{6}$/;

/** A colour picker with its `#rrggbb` text beside it. */
export function ColorInput({ value, onChange, label, error }: { value: string; onChange: (v: string) => void; label: string; error?: string }) {
  const t = useT(m);
  return (
    <FormField label={label} error={error} hint={t('colorHint')}>
      {(p) => (
        <div className="row adm-color-row">
          <input
            type="color"
            aria-label={t('colorPicker')}
            value={HEX.test(value) ? value : '#5b8def'}
            onChange={(e) => onChange(e.target.value)}
          />
          <input {...p} className="mono adm-color-text" value={value} maxLength={7} onChange={(e) => onChange(e.target.value.trim())} />
        </div>
      )}
    </FormField>
  );
}

export function Swatch({ color }: { color: string }) {
  return <span className="adm-swatch" style={{ background: color }} aria-hidden="true" />;
}

/** A coloured label, e.g. a tag on a contact. */
export function ColorBadge({ color, children }: { color: string; children: ReactNode }) {
  return (
    <span className="badge adm-color-badge" style={{ borderColor: color }}>
      <Swatch color={color} />
      {children}
    </span>
  );
}

/** Formats timestamps and numbers in the user's language. */
export function useFormat() {
  const { lang } = useLang();
  const dt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const d = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
  const n = new Intl.NumberFormat(lang);
  return {
    dateTime: (s?: string | null) => (s ? dt.format(new Date(s)) : '—'),
    date: (s?: string | null) => (s ? d.format(new Date(s)) : '—'),
    number: (x: number) => n.format(x),
  };
}

/** Shows a short confirmation ("Saved") in the shell's toasts. */
export function useNotice(): (text: string) => void {
  const toast = useToast();
  return useCallback((s: string) => toast.success(s), [toast]);
}

/** Same-content check for two string lists in any order. */
export function sameSet(a: string[], b: string[]) {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

export const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** The server's password policy: 10 to 128 characters, not one repeated character. */
export function passwordProblem(p: string): 'passwordLength' | 'passwordRepeat' | undefined {
  const n = [...p].length;
  if (n < 10 || n > 128) return 'passwordLength';
  if ([...p].every((c) => c === p[0])) return 'passwordRepeat';
  return undefined;
}

export { timeZones } from './places';

/**
 * The request field an API error names (`timezone`, `admin.email`…), when it names one.
 * A form marks that field with it.
 */
export function errorField(e: unknown): string | undefined {
  return e instanceof ApiError ? e.field : undefined;
}
