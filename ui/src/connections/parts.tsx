//! Pieces the connections list and a connection's page share: the status and type badges,
//! the "needs attention" note of a number that stopped (with the reason from its status
//! history), the status history, a read-only value with a copy button, and how a live
//! event's connection is merged into what the page holds.
import { useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Badge, Button, EmptyState, ErrorBox, Spinner, useAsync, useFormat, type BadgeTone } from '../shell/ui';
import { connText } from './messages';

export type Connection = Schemas['Connection'];
export type StatusChange = Schemas['StatusChange'];

/** The status of a connection as a coloured badge. */
export function StatusBadge({ status }: { status: Schemas['ConnectionStatus'] }) {
  const t = useT(connText);
  const map: Record<string, [BadgeTone, string, string]> = {
    connected: ['success', 'dot-success', t('statusConnected')],
    connecting: ['warning', 'dot-warning', t('statusConnecting')],
    pairing: ['info', 'dot-warning', t('statusPairing')],
    disconnected: ['danger', 'dot-danger', t('statusDisconnected')],
  };
  const [tone, dot, label] = map[status] ?? ['neutral', 'dot-neutral', status];
  return (
    <Badge tone={tone}>
      <span className={`dot ${dot}`} />
      <span data-testid="connection-status">{label}</span>
    </Badge>
  );
}

/** What carries a connection's messages, as a badge. */
export function KindBadge({ kind }: { kind: Schemas['ChannelKind'] }) {
  const t = useT(connText);
  return (
    <Badge tone={kind === 'cloud_api' ? 'info' : 'accent'}>
      <span data-testid="connection-kind" data-kind={kind}>
        {kind === 'cloud_api' ? t('kindCloudApi') : kind === 'simulator' ? t('kindSimulator') : kind}
      </span>
    </Badge>
  );
}

/** The detail of a stop that someone asked for, which needs nobody's attention. */
const PLAIN_STOP = 'disconnected';

/**
 * While a connection is disconnected for a reason other than someone disconnecting it (Meta
 * refused the number, the access token was revoked…), a note saying so with the reason: the
 * newest entry of its status history. `onFix` adds a button (e.g. to edit the settings).
 */
export function AttentionNote({ connection, onFix }: { connection: Connection; onFix?: () => void }) {
  const t = useT(connText);
  const fmt = useFormat();
  const stopped = connection.status === 'disconnected';
  const latest = useAsync<StatusChange | null>(
    async () => (stopped ? ((await api<StatusChange[]>('GET', `/api/connections/${connection.id}/history`))[0] ?? null) : null),
    [connection.id, stopped, connection.updated_at],
  );
  const s = latest.data;
  if (!stopped || !s || s.status !== 'disconnected' || !s.detail || s.detail === PLAIN_STOP) return null;
  return (
    <div className="conn-attention" role="alert" data-testid="needs-attention">
      <div className="strong">⚠ {t('needsAttention')}</div>
      <div className="small conn-attention-detail" data-testid="attention-detail">
        {s.detail}
      </div>
      <div className="row wrap small muted">
        <time dateTime={s.at}>{fmt.dateTime(s.at)}</time>
        {onFix ? (
          <>
            <span className="spacer" />
            <Button size="sm" onClick={onFix} data-testid="fix-connection">
              {t('fixSettings')}
            </Button>
          </>
        ) : null}
      </div>
    </div>
  );
}

/** A connection's status changes, newest first; `version` reloads them when it changes. */
export function HistoryList({ connectionId, version }: { connectionId: string; version?: string }) {
  const t = useT(connText);
  const fmt = useFormat();
  const h = useAsync(() => api<StatusChange[]>('GET', `/api/connections/${connectionId}/history`), [connectionId, version]);
  if (h.error) return <ErrorBox error={h.error} onRetry={h.reload} />;
  if (!h.data) return <Spinner />;
  if (h.data.length === 0) return <EmptyState title={t('historyEmpty')} />;
  return (
    <ul className="history" data-testid="connection-history">
      {h.data.map((s, i) => (
        <li key={i}>
          <StatusBadge status={s.status} />
          <span className="grow small conn-history-detail">{s.detail}</span>
          <time className="small muted" dateTime={s.at}>
            {fmt.dateTime(s.at)}
          </time>
        </li>
      ))}
    </ul>
  );
}

/** A value to paste elsewhere (into Meta's console): read-only, with a copy button. */
export function CopyField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const t = useT(connText);
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      input.current?.select();
      setCopied(document.execCommand?.('copy') ? 'yes' : 'no');
    }
  };
  return (
    <div className="field">
      <span className="field-label">{label}</span>
      <div className="conn-copy-row">
        <input
          ref={input}
          readOnly
          className="input mono"
          aria-label={label}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          data-testid={testId}
        />
        <Button onClick={() => void copy()} data-testid={`copy-${testId}`}>
          {copied === 'yes' ? t('copied') : t('copy')}
        </Button>
      </div>
      <span role="status" className="field-hint">
        {copied === 'no' ? t('copyFailed') : ''}
      </span>
    </div>
  );
}

/**
 * A connection from a live event merged into the one the page holds: the event carries the
 * stored record, so the settings shown (and anything beyond the API's view) stay as the API
 * last answered them.
 */
export function mergeLive(old: Connection | undefined, data: unknown): Connection {
  const { cloud_api: _view, cloud: _stored, ...rest } = data as Connection & { cloud?: unknown };
  const merged = { ...old, ...rest } as Connection;
  if (old?.cloud_api) merged.cloud_api = old.cloud_api;
  else delete merged.cloud_api;
  return merged;
}

/** True when `next` is not older than `prev` (live events may arrive after an answer). */
export function isNewer(prev: Connection | undefined, next: Connection): boolean {
  return !prev || Date.parse(prev.updated_at) <= Date.parse(next.updated_at);
}
