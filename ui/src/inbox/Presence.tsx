//! The agent's online switch in the inbox list's head: automatic assignment only hands
//! tickets to online agents.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Schemas } from '../api/client';
import { useT } from '../i18n';
import { useToast } from '../shell/ui';
import { inboxText } from './messages';

const ONLINE_KEY = 'tucan.inbox.online';

/** What `GET /api/inbox/presence` answers: the signed-in user's own presence. */
type Presence = Schemas['Presence'];

/**
 * The agent's online switch (automatic assignment only hands tickets to online agents). It
 * shows the presence saved on the server; the copy on this device only bridges the moment
 * until the server answers, or stands in when it cannot be read.
 */
export function PresenceSwitch() {
  const t = useT(inboxText);
  const toast = useToast();
  const [online, setOnline] = useState(() => localStorage.getItem(ONLINE_KEY) === '1');
  const [busy, setBusy] = useState(false);
  const changed = useRef(false);

  const remember = (value: boolean) => {
    localStorage.setItem(ONLINE_KEY, value ? '1' : '0');
    setOnline(value);
  };

  const set = useCallback(
    async (value: boolean, quiet = false) => {
      changed.current = true;
      setBusy(true);
      try {
        await api('PUT', '/api/inbox/presence', { body: { online: value } });
        remember(value);
      } catch (e) {
        if (!quiet) toast.error(e);
      } finally {
        setBusy(false);
      }
    },
    [toast],
  );

  useEffect(() => {
    let alive = true;
    api<Presence>('GET', '/api/inbox/presence')
      .then((p) => {
        if (alive && !changed.current) remember(p.online);
      })
      .catch(() => {
        // The saved state cannot be read: go back to what this device last chose.
        if (alive && !changed.current && localStorage.getItem(ONLINE_KEY) === '1') void set(true, true);
      });
    return () => {
      alive = false;
    };
  }, [set]);

  return (
    <span className="presence" title={t('presenceHint')}>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={online}
        aria-label={t('online')}
        disabled={busy}
        data-testid="presence"
        onClick={() => void set(!online)}
      />
      <span className={online ? 'strong' : 'muted'}>{online ? t('online') : t('offline')}</span>
    </span>
  );
}
