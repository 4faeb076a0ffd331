//! Notices to the company's admins (`GET /api/notices`): what the platform did on its own that
//! they should know, such as a webhook endpoint it turned off. The shell reads them for an
//! admin on start and hears of new ones on the websocket's `notices` view; dismissing one
//! (`POST /api/notices/{id}/dismiss`) takes it away for every admin. The list is read again
//! each time the panel opens, so a notice another admin dismissed goes too.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, type Schemas } from '../api/client';
import { live, type LiveEvent } from './live';
import { withNotice, withoutNotice } from './noticeList';

export type Notice = Schemas['Notice'];

export interface Notices {
  /** The notices no admin has dismissed, newest first; null until first read. */
  list: Notice[] | null;
  /** Why the last read failed, if it did. */
  error: unknown;
  /** Reads them again. */
  reload: () => void;
  /** Dismisses `id` for every admin; throws the `ApiError` of a refusal. */
  dismiss: (id: string) => Promise<void>;
}

function isNotice(v: unknown): v is Notice {
  const n = v as Partial<Notice> | null;
  return !!n && typeof n.id === 'string' && typeof n.kind === 'string' && typeof n.created_at === 'string';
}

/** The notices of the signed-in admin's company; nothing is read while `enabled` is false. */
export function useNotices(enabled: boolean): Notices {
  const [list, setList] = useState<Notice[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);
  /** Notices heard on the socket while a read runs: its answer may not hold them yet. */
  const heard = useRef<Notice[]>([]);
  /** Notices dismissed here: one the socket delivers again stays away. */
  const gone = useRef(new Set<string>());

  const reload = useCallback(() => {
    if (!enabled) return;
    const n = ++seq.current;
    heard.current = [];
    api<Notice[]>('GET', '/api/notices').then(
      (read) => {
        if (n !== seq.current) return;
        let fresh: Notice[] = [];
        for (const x of [...read, ...heard.current]) if (!gone.current.has(x.id)) fresh = withNotice(fresh, x);
        setList(fresh);
        setError(null);
      },
      (e) => {
        if (n === seq.current) setError(e);
      },
    );
  }, [enabled]);

  useEffect(() => {
    if (!enabled) {
      seq.current++;
      setList(null);
      setError(null);
      return;
    }
    reload();
    return live.subscribe({ view: 'notices' }, (ev: LiveEvent) => {
      if (ev.kind !== 'notice' || !isNotice(ev.data)) return;
      const notice = ev.data;
      if (gone.current.has(notice.id)) return;
      heard.current = withNotice(heard.current, notice);
      setList((old) => withNotice(old ?? [], notice));
    });
  }, [enabled, reload]);

  const dismiss = useCallback(async (id: string) => {
    try {
      await api('POST', `/api/notices/${encodeURIComponent(id)}/dismiss`);
    } catch (e) {
      // Gone already (dismissed and cleared elsewhere): it goes from the list all the same.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    gone.current.add(id);
    heard.current = withoutNotice(heard.current, id);
    setList((old) => (old ? withoutNotice(old, id) : old));
  }, []);

  return { list, error, reload, dismiss };
}
