//! Adding or editing a connection (admins): its type (simulator or WhatsApp Cloud API), name,
//! number, queue and flow for new tickets, greeting, farewell and pacing, and for the Cloud
//! API the ids and secrets from Meta. Saved secrets are never shown: their inputs start
//! empty, and an empty one keeps what is saved.
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Button, Field, Modal, useToast } from '../shell/ui';
import { connText } from './messages';
import type { Connection } from './parts';

type Queue = Schemas['Queue'];
type Flow = Schemas['Flow'];
type Kind = Schemas['ChannelKind'];

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com/v21.0';

const isDigits = (v: string) => /^\d{1,40}$/.test(v);

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}

/** The company's queues and flows, to pick from in the form (empty when they cannot be read). */
export function useFormChoices(): { queues: Queue[]; flows: Flow[] } {
  const [queues, setQueues] = useState<Queue[]>([]);
  const [flows, setFlows] = useState<Flow[]>([]);
  useEffect(() => {
    void orEmpty(api<Queue[]>('GET', '/api/queues')).then(setQueues);
    void orEmpty(api<Flow[]>('GET', '/api/flows')).then(setFlows);
  }, []);
  return { queues, flows };
}

export function ConnectionForm({
  connection,
  queues,
  flows,
  onClose,
  onSaved,
}: {
  connection: Connection | null;
  queues: Queue[];
  flows: Flow[];
  onClose: () => void;
  onSaved: (c: Connection) => void;
}) {
  const t = useT(connText);
  const toast = useToast();
  const saved = connection?.cloud_api;
  const [kind, setKind] = useState<Kind>(connection?.kind ?? 'simulator');
  const [name, setName] = useState(connection?.name ?? '');
  const [phone, setPhone] = useState(connection?.phone ?? '');
  const [queueId, setQueueId] = useState(connection?.default_queue_id ?? '');
  const [flowId, setFlowId] = useState(connection?.default_flow_id ?? '');
  const [greeting, setGreeting] = useState(connection?.greeting ?? '');
  const [farewell, setFarewell] = useState(connection?.farewell ?? '');
  const [pace, setPace] = useState(connection?.messages_per_minute ?? 60);
  const [numberId, setNumberId] = useState(saved?.phone_number_id ?? '');
  const [wabaId, setWabaId] = useState(saved?.waba_id ?? '');
  const [accessToken, setAccessToken] = useState('');
  const [appSecret, setAppSecret] = useState('');
  const [verifyToken, setVerifyToken] = useState(saved?.verify_token ?? '');
  const [graphUrl, setGraphUrl] = useState(saved?.graph_url ?? DEFAULT_GRAPH_URL);
  const [busy, setBusy] = useState(false);

  const cloud = kind === 'cloud_api';
  const tokenSaved = !!saved?.access_token_set;
  const secretSaved = !!saved?.app_secret_set;
  const errors = cloud
    ? {
        numberId: numberId.trim() && !isDigits(numberId.trim()) ? t('digitsOnly') : undefined,
        wabaId: wabaId.trim() && !isDigits(wabaId.trim()) ? t('digitsOnly') : undefined,
        verifyToken: verifyToken.trim() && verifyToken.trim().length < 8 ? t('verifyTokenShort') : undefined,
      }
    : {};
  const cloudReady =
    !cloud ||
    (isDigits(numberId.trim()) &&
      isDigits(wabaId.trim()) &&
      (tokenSaved || !!accessToken.trim()) &&
      (secretSaved || !!appSecret.trim()) &&
      !errors.verifyToken);
  const ready = !!name.trim() && (!!connection || !!phone.trim()) && cloudReady;

  /** The Cloud API settings to send: secrets and the optional values only when typed. */
  const cloudSettings = (): Schemas['CloudApiSettings'] => {
    const s: Schemas['CloudApiSettings'] = { phone_number_id: numberId.trim(), waba_id: wabaId.trim() };
    if (accessToken.trim()) s.access_token = accessToken.trim();
    if (appSecret.trim()) s.app_secret = appSecret.trim();
    if (verifyToken.trim()) s.verify_token = verifyToken.trim();
    if (graphUrl.trim()) s.graph_url = graphUrl.trim();
    return s;
  };

  const cloudChanged = () =>
    !saved ||
    numberId.trim() !== saved.phone_number_id ||
    wabaId.trim() !== saved.waba_id ||
    !!accessToken.trim() ||
    !!appSecret.trim() ||
    (!!verifyToken.trim() && verifyToken.trim() !== saved.verify_token) ||
    (!!graphUrl.trim() && graphUrl.trim().replace(/\/+$/, '') !== saved.graph_url);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!ready) return;
    setBusy(true);
    try {
      let result: Connection;
      if (connection) {
        const patch: Schemas['ConnectionPatch'] = {
          name: name.trim(),
          default_queue_id: queueId,
          default_flow_id: flowId,
          greeting,
          farewell,
          messages_per_minute: pace,
        };
        if (cloud && cloudChanged()) patch.cloud_api = cloudSettings();
        result = await api<Connection>('PATCH', `/api/connections/${connection.id}`, { body: patch });
      } else {
        const body: Schemas['NewConnection'] = {
          name: name.trim(),
          kind,
          phone: phone.trim(),
          greeting,
          farewell,
          messages_per_minute: pace,
        };
        if (queueId) body.default_queue_id = queueId;
        if (flowId) body.default_flow_id = flowId;
        if (cloud) body.cloud_api = cloudSettings();
        result = await api<Connection>('POST', '/api/connections', { body });
      }
      onSaved(result);
    } catch (err) {
      toast.error(err);
      setBusy(false);
    }
  };

  const secretHint = (isSaved: boolean, help: string) =>
    connection ? (
      <>
        <span className="conn-secret-state" data-saved={isSaved}>
          {isSaved ? t('secretSaved') : t('secretNotSaved')}
        </span>{' '}
        {help}
      </>
    ) : (
      help
    );

  return (
    <Modal
      title={connection ? t('editTitle', { name: connection.name }) : t('newTitle')}
      onClose={onClose}
      size={cloud ? 'lg' : 'md'}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" loading={busy} disabled={!ready} onClick={() => void submit()} data-testid="save-connection">
            {connection ? t('save') : t('create')}
          </Button>
        </>
      }
    >
      <form className="stack" onSubmit={submit} autoComplete="off" data-testid="connection-form">
        <div className="grid-2">
          <Field label={t('name')}>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required autoFocus />
          </Field>
          <Field label={t('kind')} hint={connection ? t('kindFixed') : t('kindHint')}>
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)} disabled={!!connection} data-testid="connection-kind-select">
              <option value="simulator">{t('kindSimulator')}</option>
              <option value="cloud_api">{t('kindCloudApi')}</option>
            </select>
          </Field>
        </div>
        <Field label={t('phone')} hint={connection ? undefined : cloud ? t('cloudPhoneHint') : t('phoneHint')}>
          <input name="phone" value={phone} onChange={(e) => setPhone(e.target.value)} disabled={!!connection} inputMode="tel" required />
        </Field>
        {cloud ? (
          <fieldset className="conn-cloud" data-testid="cloud-settings">
            <legend className="strong">{t('cloudSection')}</legend>
            <p className="small muted">{t('cloudIntro')}</p>
            <div className="grid-2">
              <Field label={t('phoneNumberId')} hint={t('phoneNumberIdHint')} error={errors.numberId}>
                <input name="phone_number_id" value={numberId} onChange={(e) => setNumberId(e.target.value)} inputMode="numeric" maxLength={40} required />
              </Field>
              <Field label={t('wabaId')} hint={t('wabaIdHint')} error={errors.wabaId}>
                <input name="waba_id" value={wabaId} onChange={(e) => setWabaId(e.target.value)} inputMode="numeric" maxLength={40} required />
              </Field>
            </div>
            <div className="grid-2">
              <Field label={t('accessToken')} hint={secretHint(tokenSaved, t('accessTokenHint'))}>
                <input
                  type="password"
                  name="access_token"
                  value={accessToken}
                  onChange={(e) => setAccessToken(e.target.value)}
                  placeholder={tokenSaved ? '••••••••' : undefined}
                  autoComplete="new-password"
                  spellCheck={false}
                  maxLength={1024}
                  required={!tokenSaved}
                />
              </Field>
              <Field label={t('appSecret')} hint={secretHint(secretSaved, t('appSecretHint'))}>
                <input
                  type="password"
                  name="app_secret"
                  value={appSecret}
                  onChange={(e) => setAppSecret(e.target.value)}
                  placeholder={secretSaved ? '••••••••' : undefined}
                  autoComplete="new-password"
                  spellCheck={false}
                  maxLength={256}
                  required={!secretSaved}
                />
              </Field>
            </div>
            <div className="grid-2">
              <Field label={t('verifyToken')} hint={connection ? t('verifyTokenEditHint') : t('verifyTokenHint')} error={errors.verifyToken}>
                <input name="verify_token" value={verifyToken} onChange={(e) => setVerifyToken(e.target.value)} maxLength={128} spellCheck={false} autoComplete="off" />
              </Field>
              <Field label={t('graphUrl')} hint={t('graphUrlHint')}>
                <input name="graph_url" type="url" value={graphUrl} onChange={(e) => setGraphUrl(e.target.value)} maxLength={300} spellCheck={false} placeholder={DEFAULT_GRAPH_URL} />
              </Field>
            </div>
          </fieldset>
        ) : null}
        <div className="grid-2">
          <Field label={t('defaultQueue')}>
            <select name="queue" value={queueId} onChange={(e) => setQueueId(e.target.value)}>
              <option value="">{t('noneQueue')}</option>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('defaultFlow')}>
            <select name="flow" value={flowId} onChange={(e) => setFlowId(e.target.value)}>
              <option value="">{t('noneFlow')}</option>
              {flows.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label={t('greeting')} hint={t('greetingHint')}>
          <textarea value={greeting} onChange={(e) => setGreeting(e.target.value)} maxLength={4096} rows={2} />
        </Field>
        <Field label={t('farewell')} hint={t('farewellHint')}>
          <textarea value={farewell} onChange={(e) => setFarewell(e.target.value)} maxLength={4096} rows={2} />
        </Field>
        <Field label={t('pacing')} hint={t('pacingHint')}>
          <input type="number" min={1} max={1200} value={pace} onChange={(e) => setPace(Math.max(1, Math.min(1200, Number(e.target.value) || 1)))} />
        </Field>
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}
