//! What a campaign sends: a message (1 to 5 variants, one picked per recipient, each with
//! `{{contact.name}}` and `{{contact.custom_fields.…}}` filled in, and an optional file
//! uploaded with `POST /api/media` that goes with it as its caption), or a flow of the
//! company, run for each recipient from its "Campaign start" trigger.
import { useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { ErrorNote, FormField } from '../admin/common';
import { Icons } from '../shell/icons';
import { CloseIcon, IconButton, Spinner } from '../shell/ui';
import { cText, type CKey } from './messages';
import type { Flow } from './parts';
import { MAX_TEXT, MAX_VARIANTS, type Draft, type ContentKind } from './plan';

const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,application/pdf,audio/ogg,audio/mpeg,video/mp4,video/webm,audio/webm';

export function ContentFields({
  draft,
  change,
  flows,
  problem,
}: {
  draft: Draft;
  change: (patch: Partial<Draft>) => void;
  /** The company's flows (null while they load). */
  flows: Flow[] | null;
  problem?: CKey;
}) {
  const t = useT(cText);
  const setVariant = (i: number, v: string) => change({ variants: draft.variants.map((x, j) => (j === i ? v : x)) });
  const picked = flows?.find((f) => f.id === draft.flowId);

  return (
    <fieldset className="adm-fieldset" data-testid="campaign-content" data-kind={draft.kind}>
      <legend>{t('content')}</legend>
      <div className="adm-radio-cards">
        {(['message', 'flow'] as ContentKind[]).map((k) => (
          <label key={k} className={draft.kind === k ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
            <input type="radio" name="campaign-kind" value={k} checked={draft.kind === k} onChange={() => change({ kind: k })} data-testid={`campaign-kind-${k}`} />
            <span className="adm-radio-title">{t(k === 'message' ? 'kindMessage' : 'kindFlow')}</span>
            <span className="muted">{t(k === 'message' ? 'kindMessageHint' : 'kindFlowHint')}</span>
          </label>
        ))}
      </div>
      {draft.kind === 'message' ? (
        <>
          <p className="muted small">{t('variantsHint')}</p>
          <ol className="cmp-variants">
            {draft.variants.map((v, i) => (
              <li key={i} className="cmp-variant" data-testid="campaign-variant">
                <FormField
                  label={t('variantN', { n: i + 1 })}
                  hint={t('charsOf', { n: v.length, max: MAX_TEXT })}
                  error={v.length > MAX_TEXT ? t('variantTooLong') : undefined}
                >
                  {(p) => <textarea {...p} rows={3} value={v} onChange={(e) => setVariant(i, e.target.value)} data-testid={`campaign-variant-${i + 1}`} />}
                </FormField>
                {draft.variants.length > 1 && (
                  <button
                    type="button"
                    className="btn btn-sm adm-btn-danger-ghost"
                    onClick={() => change({ variants: draft.variants.filter((_, j) => j !== i) })}
                    aria-label={t('variantRemoveN', { n: i + 1 })}
                    data-testid="campaign-variant-remove"
                  >
                    {t('variantRemove')}
                  </button>
                )}
              </li>
            ))}
          </ol>
          <div className="row">
            <button
              type="button"
              className="btn"
              disabled={draft.variants.length >= MAX_VARIANTS}
              onClick={() => change({ variants: [...draft.variants, ''] })}
              data-testid="campaign-variant-add"
            >
              {t('variantAdd')}
            </button>
            <span className="muted small">{t('variantsCount', { n: draft.variants.length, max: MAX_VARIANTS })}</span>
          </div>
          <MediaField mediaId={draft.mediaId} onChange={(mediaId) => change({ mediaId })} />
        </>
      ) : flows && flows.length === 0 ? (
        <p className="muted small" data-testid="campaign-no-flows">
          {t('noFlows')}
        </p>
      ) : (
        <FormField label={t('flow')} hint={picked && picked.published_version == null ? t('flowUnpublishedNote') : t('flowHint')}>
          {(p) => (
            <select {...p} value={draft.flowId} onChange={(e) => change({ flowId: e.target.value })} data-testid="campaign-flow">
              <option value="">{t('flowPick')}</option>
              {(flows ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.published_version == null ? t('flowUnpublished', { name: f.name }) : f.name}
                </option>
              ))}
              {draft.flowId && flows && !picked ? <option value={draft.flowId}>{t('flowGone')}</option> : null}
            </select>
          )}
        </FormField>
      )}
      {problem ? (
        <small className="error-text" role="alert" data-testid="campaign-content-problem">
          {t(problem)}
        </small>
      ) : null}
    </fieldset>
  );
}

/** The optional file: upload one, see its name, replace or remove it. */
function MediaField({ mediaId, onChange }: { mediaId: string | null; onChange: (id: string | null) => void }) {
  const t = useT(cText);
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState<{ id: string; name: string; mime: string } | null>(null);

  const upload = async (f: File) => {
    setUploading(true);
    setError(null);
    try {
      const media = await api<Schemas['MediaView']>('POST', '/api/media', { query: { filename: f.name }, body: f, contentType: f.type || 'application/octet-stream' });
      setName({ id: media.id, name: media.filename ?? f.name, mime: media.mime });
      onChange(media.id);
    } catch (e) {
      setError(e);
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  };

  const known = mediaId && name?.id === mediaId ? name : null;
  return (
    <div className="field">
      <span className="field-label">{t('file')}</span>
      <div className="row wrap">
        {uploading ? (
          <span className="chip">
            <Spinner inline /> {t('uploadingFile')}
          </span>
        ) : mediaId ? (
          <span className="chip" data-testid="campaign-file" data-media-id={mediaId}>
            <Icons.file />
            <span className="strong truncate">{known?.name ?? t('savedFile')}</span>
            {known ? <span className="muted small">{known.mime}</span> : null}
            <IconButton label={t('fileRemove')} onClick={() => onChange(null)} data-testid="campaign-file-remove">
              <CloseIcon />
            </IconButton>
          </span>
        ) : null}
        <button type="button" className="btn btn-sm" onClick={() => input.current?.click()} disabled={uploading} data-testid="campaign-attach">
          <Icons.attach /> {mediaId ? t('fileReplace') : t('fileAttach')}
        </button>
        <input
          ref={input}
          type="file"
          hidden
          accept={ACCEPT}
          data-testid="campaign-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void upload(f);
          }}
        />
      </div>
      <small className="field-hint">{t('fileHint')}</small>
      <ErrorNote error={error} />
    </div>
  );
}
