//! A queue's bot (`bot` of `/api/queues`): none, a flow of the company (started at its manual
//! trigger when a ticket enters the queue; the ticket goes to the queue's agents when its run
//! ends), or an outside endpoint (n8n, Typebot, the company's own service) called with each
//! customer message. While the bot holds a ticket its status is `bot`, out of agents' sight.
//! A patch sends `{ "kind": "none" }` to take the bot away.
import { useState } from 'react';
import type { Schemas } from '../api/client';
import { useT } from '../i18n';
import { Badge } from '../shell/ui';
import { FormField } from './common';
import { botText } from './queueBotText';

type QueueBot = Schemas['QueueBot'];
type Flow = Schemas['Flow'];

export type BotKind = 'none' | 'flow' | 'endpoint';

const KINDS: BotKind[] = ['none', 'flow', 'endpoint'];

/** What the server takes: an http(s) address with a host. */
const HTTP_URL = /^https?:\/\/[^/?#\s]+/;

/** What the form's bot fields hold, their problem if any, and the bot they send. */
export function useBotDraft(bot: QueueBot | null | undefined) {
  const [kind, setKind] = useState<BotKind>(bot?.kind === 'flow' || bot?.kind === 'endpoint' ? bot.kind : 'none');
  const [flowId, setFlowId] = useState(bot?.flow_id ?? '');
  const [url, setUrl] = useState(bot?.url ?? '');
  const address = url.trim();
  const problem: 'flowRequired' | 'urlRequired' | 'urlInvalid' | undefined =
    kind === 'flow' && !flowId ? 'flowRequired' : kind === 'endpoint' ? (address === '' ? 'urlRequired' : HTTP_URL.test(address) ? undefined : 'urlInvalid') : undefined;
  const value: QueueBot = kind === 'flow' ? { kind, flow_id: flowId } : kind === 'endpoint' ? { kind, url: address } : { kind: 'none' };
  return {
    kind,
    setKind,
    flowId,
    setFlowId,
    url,
    setUrl,
    problem,
    /** The bot to send; `{ kind: 'none' }` takes it away in a patch. */
    value,
    /** Whether the queue is to have a bot. */
    any: kind !== 'none',
  };
}

export type BotDraft = ReturnType<typeof useBotDraft>;

/**
 * The queue form's "Bot" section; `flows` are the company's (null while they load), `tried`
 * shows the draft's problem, `refused` the server's word on the bot.
 */
export function BotFields({ draft, flows, tried, refused }: { draft: BotDraft; flows: Flow[] | null; tried: boolean; refused?: string }) {
  const b = useT(botText);
  const picked = flows?.find((f) => f.id === draft.flowId);
  const problem = tried && draft.problem ? b(draft.problem) : undefined;
  return (
    <fieldset className="adm-fieldset" data-testid="queue-bot" data-kind={draft.kind}>
      <legend>{b('bot')}</legend>
      <p className="adm-hint-box small">{b('note')}</p>
      <div className="adm-radio-cards">
        {KINDS.map((k) => (
          <label key={k} className={draft.kind === k ? 'adm-radio-card adm-radio-card-on' : 'adm-radio-card'}>
            <input type="radio" name="queue-bot" value={k} checked={draft.kind === k} onChange={() => draft.setKind(k)} data-testid={`queue-bot-${k}`} />
            <span className="adm-radio-title">{b(k)}</span>
            <span className="muted">{b(`${k}Hint` as 'noneHint')}</span>
          </label>
        ))}
      </div>
      {draft.kind === 'flow' ? (
        flows && flows.length === 0 ? (
          <p className="muted small" data-testid="queue-bot-no-flows">
            {b('noFlows')}
          </p>
        ) : (
          <FormField label={b('flowField')} error={problem} hint={picked && picked.published_version == null ? b('flowUnpublishedNote') : undefined}>
            {(p) => (
              <select {...p} value={draft.flowId} onChange={(e) => draft.setFlowId(e.target.value)} data-testid="queue-bot-flow">
                <option value="">{b('flowPick')}</option>
                {(flows ?? []).map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.published_version == null ? b('flowUnpublished', { name: f.name }) : f.name}
                  </option>
                ))}
                {draft.flowId && flows && !picked ? <option value={draft.flowId}>{b('flowGone')}</option> : null}
              </select>
            )}
          </FormField>
        )
      ) : draft.kind === 'endpoint' ? (
        <FormField label={b('url')} hint={b('urlHint')} error={problem}>
          {(p) => (
            <input
              {...p}
              type="url"
              inputMode="url"
              spellCheck={false}
              autoComplete="off"
              maxLength={2048}
              placeholder="https://n8n.example.com/webhook/bot"
              value={draft.url}
              onChange={(e) => draft.setUrl(e.target.value)}
              data-testid="queue-bot-url"
            />
          )}
        </FormField>
      ) : null}
      {refused ? (
        <small className="error-text" role="alert" data-testid="queue-bot-refused">
          {refused}
        </small>
      ) : null}
    </fieldset>
  );
}

/** The queue card's "Bot" badge, naming the flow or the address in its tooltip. */
export function QueueBotBadge({ bot, flows }: { bot: QueueBot | null | undefined; flows: Flow[] | null }) {
  const b = useT(botText);
  if (!bot || (bot.kind !== 'flow' && bot.kind !== 'endpoint')) return null;
  const title =
    bot.kind === 'flow'
      ? b('badgeFlow', { name: flows?.find((f) => f.id === bot.flow_id)?.name ?? b('flowGone') })
      : b('badgeEndpoint', { url: bot.url ?? '' });
  return (
    <span data-testid="queue-bot-badge" data-kind={bot.kind}>
      <Badge tone="accent" title={title}>
        {b('bot')}
      </Badge>
    </span>
  );
}
