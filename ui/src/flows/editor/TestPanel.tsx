//! The simulator: a phone where the designer plays a customer and chats with the draft. It
//! starts a test run, sends replies, polls the run while the drawer is open and hands each
//! new state to the editor, which draws the path on the canvas.
import { memo, useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useT } from '../../i18n';
import { useToast } from '../../shell/ui';
import { runIsActive, runsApi, type RunDetail, type TestCustomer } from '../api';
import { flowText } from '../messages';
import { StatusBadge } from '../runs/StatusBadge';
import { VarsTable } from '../runs/VarsTable';

const POLL_MS = 500;

interface Props {
  flowId: string;
  /** Saves the draft if it has changes; false when it could not. */
  ensureSaved: () => Promise<boolean>;
  onRun: (detail: RunDetail | null) => void;
  onClose: () => void;
}

/** A cheap fingerprint of a run's state, to skip re-rendering for identical polls. */
function stamp(d: RunDetail | null) {
  return d ? `${d.run.status}|${d.run.node}|${d.run.updated_at}|${d.steps.length}|${d.transcript.length}` : '';
}

export const TestPanel = memo(function TestPanel({ flowId, ensureSaved, onRun, onClose }: Props) {
  const t = useT(flowText);
  const toast = useToast();
  const [customer, setCustomer] = useState<TestCustomer>({ name: 'Ana Test', phone: '+15550001234', custom_fields: {} });
  const [detail, setDetailState] = useState<RunDetail | null>(null);
  const [text, setText] = useState('');
  // The message that started the run: the run's transcript lists replies, not the trigger.
  const [opening, setOpening] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const seq = useRef(0);
  const bottom = useRef<HTMLDivElement>(null);
  const onRunRef = useRef(onRun);
  onRunRef.current = onRun;

  const setDetail = useCallback((d: RunDetail | null) => {
    setDetailState((old) => (stamp(old) === stamp(d) && old?.run.id === d?.run.id ? old : d));
  }, []);

  useEffect(() => {
    onRunRef.current(detail);
  }, [detail]);
  useEffect(
    () => () => {
      onRunRef.current(null);
    },
    [],
  );
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [detail?.transcript.length]);

  const runId = detail?.run.id;
  const active = detail ? runIsActive(detail.run.status) : false;
  useEffect(() => {
    if (!runId || !active) return;
    const timer = window.setInterval(() => {
      if (busyRef.current) return;
      const mine = ++seq.current;
      runsApi.get(runId).then(
        (d) => mine === seq.current && !busyRef.current && setDetail(d),
        () => {},
      );
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [runId, active, setDetail]);

  const act = async (work: () => Promise<RunDetail | null>) => {
    busyRef.current = true;
    setBusy(true);
    seq.current++;
    try {
      const d = await work();
      if (d) setDetail(d);
      return true;
    } catch (e) {
      toast.error(e);
      return false;
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };

  const start = (message?: string) =>
    act(async () => {
      if (!(await ensureSaved())) return null;
      const d = await runsApi.startTest(flowId, { customer, ...(message ? { message } : {}) });
      setOpening(message ?? null);
      return d;
    });

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const msg = text.trim();
    if (!msg || busy) return;
    const ok = await (detail && active ? act(() => runsApi.reply(detail.run.id, msg)) : start(msg));
    if (ok) setText('');
  };

  const restart = () =>
    act(async () => {
      if (detail && active) await runsApi.cancel(detail.run.id).catch(() => undefined);
      setDetailState(null);
      setOpening(null);
      return null;
    });

  const first = detail?.transcript[0];
  const showOpening = !!detail && !!opening && !(first?.from === 'customer' && first.text === opening);
  const waitingFor = (detail?.run.waiting as { for?: string } | undefined)?.for;

  return (
    <aside className="flow-side flow-test" aria-label={t('testPanel')} data-testid="test-panel">
      <div className="flow-side-head">
        <h2>{t('testPanel')}</h2>
        <button type="button" className="icon-btn" aria-label={t('closePanel')} title={t('closePanel')} onClick={onClose}>
          ×
        </button>
      </div>
      {!detail ? (
        <div className="flow-test-customer">
          <p className="muted">{t('testIntro')}</p>
          <div className="row">
            <label className="field">
              <span className="field-label">{t('customerName')}</span>
              <input type="text" value={customer.name} onChange={(e) => setCustomer({ ...customer, name: e.target.value })} data-testid="test-customer-name" />
            </label>
            <label className="field">
              <span className="field-label">{t('customerPhone')}</span>
              <input type="tel" value={customer.phone} onChange={(e) => setCustomer({ ...customer, phone: e.target.value })} data-testid="test-customer-phone" />
            </label>
          </div>
          <button type="button" className="btn btn-sm" disabled={busy || !customer.name.trim()} onClick={() => start()} data-testid="test-start">
            {t('startWithoutMessage')}
          </button>
        </div>
      ) : (
        <div className="flow-test-status row">
          <StatusBadge status={detail.run.status} testId="test-status" />
          <span className="muted">
            {active && waitingFor === 'reply' ? t('waitingReply') : active ? t('runWorking') : detail.run.error ? detail.run.error : t('runEnded')}
          </span>
          <span className="flow-test-actions">
            <Link to={`/runs/${detail.run.id}`} className="btn btn-ghost btn-sm" data-testid="test-open-run">
              {t('openRun')}
            </Link>
            <button type="button" className="btn btn-sm" onClick={restart} disabled={busy} data-testid="test-restart">
              {t('restart')}
            </button>
          </span>
        </div>
      )}
      <div className="flow-phone" data-testid="phone">
        <div className="flow-phone-top">
          <span className="flow-phone-avatar" aria-hidden="true">
            T
          </span>
          <span>{t('phoneTitle')}</span>
        </div>
        <div className="flow-phone-chat" role="log" aria-live="polite" aria-label={t('conversation')} data-testid="chat">
          {!detail || (detail.transcript.length === 0 && !showOpening) ? <p className="flow-phone-hint">{detail ? t('noMessagesYet') : t('typeToStart')}</p> : null}
          {showOpening ? (
            <div className="flow-bubble from-customer" data-testid="chat-bubble" data-from="customer">
              {opening}
            </div>
          ) : null}
          {detail?.transcript.map((line, i) => (
            <div key={`${line.seq}-${i}`} className={`flow-bubble from-${line.from}`} data-testid="chat-bubble" data-from={line.from}>
              {line.text}
            </div>
          ))}
          <div ref={bottom} />
        </div>
        <form className="flow-phone-input" onSubmit={send}>
          <input
            type="text"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={detail && !active ? t('runEndedPlaceholder') : t('typeMessage')}
            aria-label={t('typeMessage')}
            disabled={busy || (!!detail && !active)}
            data-testid="chat-input"
            maxLength={4096}
          />
          <button type="submit" className="btn btn-primary btn-sm" disabled={busy || !text.trim() || (!!detail && !active)} data-testid="chat-send">
            {t('send')}
          </button>
        </form>
      </div>
      {detail ? (
        <section className="flow-test-vars">
          <h3>{t('variables')}</h3>
          <VarsTable vars={detail.run.vars} />
        </section>
      ) : null}
    </aside>
  );
});
