//! Import of contacts from CSV or Excel (XLSX): pick a file (a CSV's header is checked and
//! its rows counted here; a workbook's first sheet is read by the server), upload it with a
//! progress bar (then an indeterminate one while the server imports the rows) and show the
//! import report (created, updated, failed rows with their line and the problem). A static
//! contact list imports the same file into itself (`path` and `title` say where).
import { useRef, useState } from 'react';
import { ApiError, api, tokens, type Schemas } from '../api/client';
import { describeErrorCode } from '../api/messages';
import { useLang, useT } from '../i18n';
import { Dialog, ErrorNote, useFormat } from './common';
import { m } from './messages';

type ImportReport = Schemas['ImportReport'];

/** The MIME type of an XLSX workbook, as the API takes it. */
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Kind = 'csv' | 'xlsx';

interface Picked {
  file: File;
  kind: Kind;
  /** What is sent: a CSV as the text read (UTF-8), a workbook as it is. */
  body: Blob;
  /** A CSV's header (lower-cased) and rows; a workbook's are read by the server. */
  columns: string[];
  rows: number;
}

/** What a file is, by its extension (or its type when the name says nothing); null when neither. */
function kindOf(file: File): Kind | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.xlsx') || file.type === XLSX_MIME) return 'xlsx';
  if (name.endsWith('.csv') || file.type === 'text/csv' || file.type === 'text/plain' || (!file.type && !/\.[a-z0-9]+$/.test(name))) return 'csv';
  return null;
}

/** Splits the first line of a CSV into lower-cased column names (quotes allowed). */
function headerOf(text: string): string[] {
  const line = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const cols: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cols.push(cur.trim().toLowerCase());
      cur = '';
    } else cur += c;
  }
  cols.push(cur.trim().toLowerCase());
  return cols.filter((c, i) => c !== '' || i < cols.length - 1);
}

/** Sends the file with XMLHttpRequest so the upload progress can be shown. */
function upload(path: string, body: Blob, kind: Kind, onProgress: (fraction: number) => void): Promise<ImportReport> {
  const type = kind === 'xlsx' ? XLSX_MIME : 'text/csv';
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('content-type', type);
    const access = tokens.access();
    if (access) xhr.setRequestHeader('authorization', `Bearer ${access}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => onProgress(1);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error'));
    xhr.onload = () => {
      let body: unknown = undefined;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportReport);
      else {
        const b = (body ?? {}) as { code?: string; message?: string };
        reject(new ApiError(xhr.status, b.code ?? `HTTP_${xhr.status}`, b.message ?? xhr.statusText));
      }
    };
    xhr.send(new Blob([body], { type }));
  });
}

/** A file's size in words (KB or MB). */
function sizeText(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const TEMPLATE = 'name,phone,email,tags,city\nAna Souza,+5511987654321,ana@example.com,vip;lead,São Paulo\n';

export function ImportDialog({
  onClose,
  onImported,
  path = '/api/contacts/import',
  title,
}: {
  onClose: () => void;
  onImported: (r: ImportReport) => void;
  /** Where the file goes (the contacts import unless told otherwise). */
  path?: string;
  /** The dialog's title ("Import contacts" unless told otherwise). */
  title?: string;
}) {
  const t = useT(m);
  const { lang } = useLang();
  const fmt = useFormat();
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [pickError, setPickError] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [dragOver, setDragOver] = useState(false);

  const pick = async (file: File | undefined) => {
    setPickError('');
    setReport(null);
    setError(undefined);
    setPicked(null);
    if (!file) return;
    if (file.size > 20 * 1024 * 1024) {
      setPickError(t('fileTooBig', { max: '20 MB' }));
      return;
    }
    const kind = kindOf(file);
    if (!kind) {
      setPickError(t('fileNotSheet'));
      return;
    }
    if (kind === 'xlsx') {
      // A workbook is a ZIP archive: it starts with "PK".
      const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
      if (head[0] !== 0x50 || head[1] !== 0x4b) {
        setPickError(t('fileNotSheet'));
        return;
      }
      setPicked({ file, kind, body: file, columns: [], rows: 0 });
      return;
    }
    const text = await file.text();
    const columns = headerOf(text);
    const missing = ['name', 'phone'].filter((c) => !columns.includes(c));
    if (missing.length) {
      setPickError(t('csvMissingColumns', { cols: missing.join(', ') }));
      return;
    }
    const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '').length - 1;
    setPicked({ file, kind, body: new Blob([text]), columns, rows: Math.max(rows, 0) });
  };

  const start = async () => {
    if (!picked) return;
    setError(undefined);
    setProgress(0);
    try {
      await api('GET', '/api/auth/me');
      const r = await upload(path, picked.body, picked.kind, setProgress);
      setReport(r);
      onImported(r);
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };

  const templateUrl = () => URL.createObjectURL(new Blob([TEMPLATE], { type: 'text/csv;charset=utf-8' }));
  const busy = progress !== null;
  const pct = Math.round((progress ?? 0) * 100);
  /** The file is up: the server is importing its rows. */
  const processing = busy && pct >= 100;

  return (
    <Dialog
      title={title ?? t('importTitle')}
      onClose={onClose}
      wide
      testId="import-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} data-testid="import-close">
            {report ? t('close') : t('cancel')}
          </button>
          {!report && (
            <button type="button" className="btn btn-primary" onClick={start} disabled={!picked || busy} data-testid="import-start">
              {busy ? t('uploading') : t('importStart')}
            </button>
          )}
          {report && (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setReport(null);
                setPicked(null);
                if (input.current) input.current.value = '';
              }}
            >
              {t('importAnother')}
            </button>
          )}
        </>
      }
    >
      <p className="muted">{t('importHelp')}</p>
      <div
        className={dragOver ? 'adm-drop adm-drop-over' : 'adm-drop'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragOver(true);
        }}
        onDragLeave={() => setDragOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragOver(false);
          void pick(e.dataTransfer.files[0]);
        }}
      >
        <label className="btn" htmlFor="adm-import-file">
          {t('chooseFile')}
        </label>
        <input
          id="adm-import-file"
          ref={input}
          className="adm-file"
          type="file"
          accept={`.csv,.xlsx,text/csv,${XLSX_MIME}`}
          disabled={busy}
          onChange={(e) => void pick(e.target.files?.[0])}
          data-testid="import-file"
        />
        <span className="muted">{picked ? picked.file.name : t('orDropHere')}</span>
        <a
          className="adm-link"
          href="#template"
          download="contacts-template.csv"
          onClick={(e) => {
            e.currentTarget.href = templateUrl();
          }}
        >
          {t('downloadTemplate')}
        </a>
      </div>
      {pickError && (
        <p className="error-text" role="alert">
          {pickError}
        </p>
      )}
      {picked && !report && (
        <div className="adm-import-summary" data-testid="import-summary" data-kind={picked.kind}>
          {picked.kind === 'xlsx' ? (
            <span>{t('xlsxPicked', { size: sizeText(picked.file.size) })}</span>
          ) : (
            <>
              <span>{t('csvRows', { n: fmt.number(picked.rows) })}</span>
              <span className="muted">{t('csvColumns', { cols: picked.columns.join(', ') })}</span>
            </>
          )}
        </div>
      )}
      {busy && (
        <div className="adm-progress-wrap">
          <div
            className={processing ? 'adm-progress adm-progress-indeterminate' : 'adm-progress'}
            role="progressbar"
            aria-label={processing ? t('processing') : t('uploading')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={processing ? undefined : pct}
            data-testid="import-progress"
            data-phase={processing ? 'processing' : 'uploading'}
          >
            <div className="adm-progress-bar" style={processing ? undefined : { width: `${pct}%` }} />
          </div>
          <span className="small" aria-live="polite">
            {processing ? t('processing') : t('uploadingPct', { pct })}
          </span>
        </div>
      )}
      <ErrorNote error={error} />
      {report && (
        <section className="adm-report" data-testid="import-report" aria-live="polite">
          <h3>{t('importDone')}</h3>
          <div className="adm-report-stats">
            <div className="adm-stat adm-stat-ok">
              <span className="adm-stat-n" data-testid="import-created">
                {report.created}
              </span>
              <span>{t('created')}</span>
            </div>
            <div className="adm-stat">
              <span className="adm-stat-n" data-testid="import-updated">
                {report.updated}
              </span>
              <span>{t('updated')}</span>
            </div>
            <div className={report.failed ? 'adm-stat adm-stat-bad' : 'adm-stat'}>
              <span className="adm-stat-n" data-testid="import-failed">
                {report.failed}
              </span>
              <span>{t('failed')}</span>
            </div>
          </div>
          {report.errors.length > 0 && (
            <div className="table-wrap adm-report-errors">
              <table className="table adm-table">
                <caption className="sr-only">{t('rowErrors')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('line')}</th>
                    <th scope="col">{t('problem')}</th>
                    <th scope="col">{t('details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.errors.map((er, i) => (
                    <tr key={i} data-code={er.code}>
                      <td>{er.line}</td>
                      <td>{describeErrorCode(er.code, undefined, lang).text}</td>
                      <td>{er.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </Dialog>
  );
}
