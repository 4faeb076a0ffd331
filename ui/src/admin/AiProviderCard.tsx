//! The company's AI provider (`/api/integrations/ai`), which flows' `ai.chat` steps ask: an
//! OpenAI-compatible API's base URL, the default model and a key. The key is never shown: the
//! card says whether one is set, a new one replaces it, and "Remove the key" takes it away.
//! A transcription model (e.g. whisper-1) makes the provider transcribe customers' voice notes;
//! every save sends it, since the API takes an absent one as "do not transcribe".
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { Badge, Button } from '../shell/ui';
import { ConfirmDialog, ErrorNote, FormField, Loading, useLoad, useNotice } from './common';
import { aiText } from './aiText';
import { m } from './messages';

type Ai = Schemas['AiSettings'];
type AiUpdate = Schemas['AiSettingsUpdate'];

const PATH = '/api/integrations/ai';
/** What the server takes: an http(s) address with a host. */
const HTTP_URL = /^https?:\/\/[^/?#\s]+/;

export function AiProviderCard() {
  const t = useT(m);
  const a = useT(aiText);
  const say = useNotice();
  const ai = useLoad(() => api<Ai>('GET', PATH), []);
  const [saved, setSaved] = useState<Ai | undefined>(undefined);
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [key, setKey] = useState('');
  const [transcription, setTranscription] = useState('');
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [removing, setRemoving] = useState(false);

  const fill = (s: Ai) => {
    setBaseUrl(s.base_url);
    setModel(s.model);
    setKey('');
    setTranscription(s.transcription_model ?? '');
    setTried(false);
    setSaveError(undefined);
  };

  useEffect(() => {
    if (!ai.data) return;
    setSaved(ai.data);
    fill(ai.data);
  }, [ai.data]);

  const url = baseUrl.trim();
  const urlProblem = url === '' ? a('baseUrlRequired') : HTTP_URL.test(url) ? undefined : a('baseUrlInvalid');
  const modelProblem = model.trim() === '' ? a('modelRequired') : undefined;
  const dirty =
    saved !== undefined &&
    (url !== saved.base_url || model.trim() !== saved.model || key.trim() !== '' || transcription.trim() !== (saved.transcription_model ?? ''));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!dirty || urlProblem || modelProblem) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const body: AiUpdate = { base_url: url, model: model.trim(), transcription_model: transcription.trim() };
      if (key.trim() !== '') body.api_key = key.trim();
      const fresh = await api<Ai>('PUT', PATH, { body });
      setSaved(fresh);
      fill(fresh);
      say(a('saved'));
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  };

  const removeKey = async () => {
    if (!saved) return;
    const body: AiUpdate = { base_url: saved.base_url, model: saved.model, api_key: '', transcription_model: saved.transcription_model ?? '' };
    const fresh = await api<Ai>('PUT', PATH, { body });
    setSaved(fresh);
    say(a('keyRemoved'));
  };

  return (
    <section className="card adm-section adm-ai" aria-labelledby="adm-ai-title" data-testid="ai-settings">
      <div className="adm-section-head">
        <h2 id="adm-ai-title">{a('title')}</h2>
        {saved && (
          <span data-testid="ai-key-state" data-set={saved.api_key_set}>
            <Badge tone={saved.api_key_set ? 'success' : 'neutral'}>{saved.api_key_set ? a('keySet') : a('noKey')}</Badge>
          </span>
        )}
      </div>
      <p className="adm-hint-box small">{a('help')}</p>
      <ErrorNote error={ai.error} onRetry={ai.reload} />
      {ai.loading && !saved ? (
        <Loading />
      ) : saved ? (
        <form className="stack" onSubmit={save} noValidate>
          {saved.base_url === '' && (
            <p className="muted small" data-testid="ai-not-set">
              {a('notSetUp')}
            </p>
          )}
          <div className="grid-2">
            <FormField label={a('baseUrl')} hint={a('baseUrlHint')} error={tried ? urlProblem : undefined}>
              {(p) => (
                <input
                  {...p}
                  type="url"
                  inputMode="url"
                  spellCheck={false}
                  autoComplete="off"
                  maxLength={2048}
                  placeholder="https://api.openai.com/v1"
                  value={baseUrl}
                  onChange={(e) => setBaseUrl(e.target.value)}
                  data-testid="ai-base-url"
                />
              )}
            </FormField>
            <FormField label={a('model')} hint={a('modelHint')} error={tried ? modelProblem : undefined}>
              {(p) => (
                <input
                  {...p}
                  spellCheck={false}
                  autoComplete="off"
                  maxLength={200}
                  placeholder="gpt-4o-mini"
                  value={model}
                  onChange={(e) => setModel(e.target.value)}
                  data-testid="ai-model"
                />
              )}
            </FormField>
          </div>
          <div className="grid-2">
            <FormField label={a('newKey')} hint={saved.api_key_set ? a('newKeyHintSet') : a('newKeyHintNone')}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  spellCheck={false}
                  autoComplete="new-password"
                  maxLength={500}
                  value={key}
                  onChange={(e) => setKey(e.target.value)}
                  data-testid="ai-key"
                />
              )}
            </FormField>
            <FormField label={a('transcriptionModel')} hint={a('transcriptionModelHint')}>
              {(p) => (
                <input
                  {...p}
                  spellCheck={false}
                  autoComplete="off"
                  maxLength={200}
                  placeholder="whisper-1"
                  value={transcription}
                  onChange={(e) => setTranscription(e.target.value)}
                  data-testid="ai-transcription-model"
                />
              )}
            </FormField>
          </div>
          <ErrorNote error={saveError} />
          <div className="row wrap">
            {saved.api_key_set && (
              <Button variant="danger" onClick={() => setRemoving(true)} disabled={saving} data-testid="ai-remove-key">
                {a('removeKey')}
              </Button>
            )}
            <span className="spacer" />
            <Button onClick={() => fill(saved)} disabled={!dirty || saving}>
              {t('discard')}
            </Button>
            <Button type="submit" variant="primary" loading={saving} disabled={!dirty} data-testid="ai-save">
              {saving ? t('saving') : t('save')}
            </Button>
          </div>
        </form>
      ) : null}
      {removing && <ConfirmDialog title={a('removeTitle')} text={a('removeText')} confirmLabel={a('removeKey')} onConfirm={removeKey} onClose={() => setRemoving(false)} />}
    </section>
  );
}
