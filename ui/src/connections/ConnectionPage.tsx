//! One connection's page: its status live (with what went wrong when it stopped by itself),
//! its type and status history; for a WhatsApp Cloud API number (admins) the webhook URL and
//! verify token to paste into Meta's console, the settings saved (never the secrets), a check
//! of the number with Meta, and editing the settings.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { hasRole, useAuth } from '../shell/auth';
import { Icons } from '../shell/icons';
import { live } from '../shell/live';
import { Badge, Button, EmptyState, ErrorBox, ErrorMessage, PageHeader, Spinner, useAsync, useFormat, useToast, type BadgeTone } from '../shell/ui';
import { ConnectionForm, useFormChoices } from './ConnectionForm';
import { connText } from './messages';
import { AttentionNote, CopyField, HistoryList, isNewer, KindBadge, mergeLive, StatusBadge, type Connection } from './parts';

type NumberCheck = Schemas['NumberCheck'];

export function ConnectionPage() {
  const t = useT(connText);
  const toast = useToast();
  const fmt = useFormat();
  const { id = '' } = useParams();
  const { user } = useAuth();
  const admin = hasRole(user, 'admin');
  const conn = useAsync(() => api<Connection>('GET', `/api/connections/${id}`), [id]);
  const { queues, flows } = useFormChoices();
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const setConn = conn.setData;

  useEffect(
    () =>
      live.subscribe({ view: 'connections' }, (ev) => {
        if (ev.kind !== 'connection' || !ev.data || (ev.data as Connection).id !== id) return;
        setConn((old) => {
          if (!old) return old;
          const next = mergeLive(old, ev.data);
          return isNewer(old, next) ? next : old;
        });
      }),
    [id, setConn],
  );

  const toggle = async (c: Connection) => {
    setBusy(true);
    try {
      setConn(await api<Connection>('POST', `/api/connections/${c.id}/${c.status === 'disconnected' ? 'connect' : 'disconnect'}`));
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  const back = (
    <Link className="btn btn-ghost" to="/connections" data-testid="back-to-connections">
      <span className="btn-icon" aria-hidden="true">
        <Icons.back />
      </span>
      {t('backToConnections')}
    </Link>
  );

  if (conn.error) {
    const gone = conn.error instanceof ApiError && conn.error.status === 404;
    return (
      <div className="page">
        <PageHeader title={t('title')} actions={back} />
        {gone ? <EmptyState title={t('notFoundConnection')} /> : <ErrorBox error={conn.error} onRetry={conn.reload} />}
      </div>
    );
  }
  const c = conn.data;
  if (!c) return <Spinner />;
  const cloud = c.kind === 'cloud_api';

  return (
    <div className="page" data-testid="connection-page" data-connection-id={c.id} data-status={c.status}>
      <PageHeader
        title={c.name}
        subtitle={c.phone}
        actions={
          <>
            {back}
            {c.kind === 'simulator' ? (
              <Link className="btn btn-primary" to={`/connections/${c.id}/phone`} data-testid="open-phone">
                {t('openPhone')}
              </Link>
            ) : null}
            {admin ? (
              <>
                <Button loading={busy} onClick={() => void toggle(c)} data-testid="toggle-connection">
                  {c.status === 'disconnected' ? t('connect') : t('disconnect')}
                </Button>
                <Button onClick={() => setEditing(true)} data-testid="edit-connection">
                  {t('edit')}
                </Button>
              </>
            ) : null}
          </>
        }
      />
      <div className="conn-detail">
        <div className="stack">
          <section className="card">
            <div className="card-header">
              <h2 className="grow">{t('statusTitle')}</h2>
              <StatusBadge status={c.status} />
            </div>
            <div className="card-body stack">
              <div className="row wrap">
                <KindBadge kind={c.kind} />
                <span className="small muted">{t('updated', { when: fmt.relative(c.updated_at) })}</span>
              </div>
              {c.status === 'pairing' && c.pairing ? (
                <div className="pairing" data-testid="pairing">
                  <div className="strong">{t('pairingTitle')}</div>
                  <code>{c.pairing}</code>
                  <div className="small muted">{t('pairingHint')}</div>
                </div>
              ) : null}
              <AttentionNote connection={c} onFix={admin ? () => setEditing(true) : undefined} />
            </div>
          </section>
          {cloud && c.cloud_api ? (
            <>
              <WebhookCard view={c.cloud_api} />
              <MetaCard connection={c} view={c.cloud_api} />
            </>
          ) : cloud ? (
            <p className="notice">{t('adminOnlySettings')}</p>
          ) : null}
        </div>
        <section className="card">
          <div className="card-header">
            <h2>{t('history')}</h2>
          </div>
          <div className="card-body">
            <HistoryList connectionId={c.id} version={`${c.status}@${c.updated_at}`} />
          </div>
        </section>
      </div>
      {editing ? (
        <ConnectionForm
          connection={c}
          queues={queues}
          flows={flows}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setConn(saved);
            setEditing(false);
            toast.success(t('saved'));
          }}
        />
      ) : null}
    </div>
  );
}

/** What to paste into Meta's console to have the number's messages sent here. */
function WebhookCard({ view }: { view: Schemas['CloudApiView'] }) {
  const t = useT(connText);
  return (
    <section className="card" data-testid="webhook-card">
      <div className="card-header">
        <h2>{t('webhookTitle')}</h2>
      </div>
      <div className="card-body stack">
        <p className="small muted">{t('webhookIntro')}</p>
        {view.webhook_url ? (
          <CopyField label={t('webhookUrl')} value={view.webhook_url} testId="webhook-url" />
        ) : (
          <p className="notice">{t('webhookUrlUnknown')}</p>
        )}
        <CopyField label={t('verifyToken')} value={view.verify_token} testId="verify-token" />
      </div>
    </section>
  );
}

const QUALITY: Record<string, [BadgeTone, 'qualityGreen' | 'qualityYellow' | 'qualityRed']> = {
  GREEN: ['success', 'qualityGreen'],
  YELLOW: ['warning', 'qualityYellow'],
  RED: ['danger', 'qualityRed'],
};

/** The settings saved for the number (secrets only as saved or missing), and the check with Meta. */
function MetaCard({ connection, view }: { connection: Connection; view: Schemas['CloudApiView'] }) {
  const t = useT(connText);
  const [check, setCheck] = useState<NumberCheck | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  useEffect(() => {
    setCheck(null);
    setFailed(null);
  }, [connection.id, view]);

  const run = async () => {
    setChecking(true);
    setFailed(null);
    try {
      setCheck(await api<NumberCheck>('POST', `/api/connections/${connection.id}/verify`));
    } catch (e) {
      setCheck(null);
      setFailed(e);
    } finally {
      setChecking(false);
    }
  };

  const secret = (set: boolean) => <Badge tone={set ? 'success' : 'danger'}>{set ? t('secretSet') : t('secretMissing')}</Badge>;
  const quality = check?.quality_rating ?? '';
  const [tone, label] = QUALITY[quality] ?? (['neutral', null] as const);

  return (
    <section className="card" data-testid="meta-card">
      <div className="card-header">
        <h2>{t('cloudSection')}</h2>
      </div>
      <div className="card-body stack">
        <dl className="kv">
          <dt>{t('phoneNumberId')}</dt>
          <dd className="mono">{view.phone_number_id}</dd>
          <dt>{t('wabaId')}</dt>
          <dd className="mono">{view.waba_id}</dd>
          <dt>{t('graphUrl')}</dt>
          <dd className="mono">{view.graph_url}</dd>
          <dt>{t('accessToken')}</dt>
          <dd>{secret(view.access_token_set)}</dd>
          <dt>{t('appSecret')}</dt>
          <dd>{secret(view.app_secret_set)}</dd>
        </dl>
        <div className="row wrap">
          <Button variant="primary" loading={checking} onClick={() => void run()} data-testid="check-meta">
            {t('checkMeta')}
          </Button>
          <span className="small muted grow">{t('checkHint')}</span>
        </div>
        <div aria-live="polite">
          {check?.ok ? (
            <div className="conn-check conn-check-ok" data-testid="meta-check" data-ok="true">
              <div className="strong">✓ {t('checkOk')}</div>
              <dl className="kv">
                <dt>{t('verifiedName')}</dt>
                <dd className="strong" data-testid="verified-name">
                  {check.verified_name}
                </dd>
                <dt>{t('displayNumber')}</dt>
                <dd>{check.display_phone_number}</dd>
                <dt>{t('quality')}</dt>
                <dd>
                  <Badge tone={tone} title={quality}>
                    <span data-testid="quality-rating" data-quality={quality}>
                      {label ? t(label) : quality && quality !== 'UNKNOWN' ? quality : t('qualityUnknown')}
                    </span>
                  </Badge>
                </dd>
              </dl>
            </div>
          ) : check ? (
            <div className="conn-check conn-check-error" role="alert" data-testid="meta-check" data-ok="false">
              <div className="strong">{t('checkFailed')}</div>
              <div className="mono conn-check-said" data-testid="meta-error">
                {check.error}
              </div>
            </div>
          ) : failed ? (
            <div className="conn-check conn-check-error" role="alert" data-testid="meta-check" data-ok="false">
              <ErrorMessage error={failed} />
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}
