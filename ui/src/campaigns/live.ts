//! Campaigns heard live: the socket's `campaigns` view sends a campaign with its counts every
//! couple of seconds while it sends and when it ends; a page that shows campaigns keeps them
//! fresh with this, and reads them again now and then in case the socket is down.
import { useEffect, useRef } from 'react';
import { live } from '../shell/live';
import type { CampaignView } from './plan';

function isView(v: unknown): v is CampaignView {
  const c = v as Partial<CampaignView> | null;
  return !!c && typeof c.id === 'string' && typeof c.status === 'string' && !!c.counts && typeof c.counts.total === 'number';
}

/** Calls `onCampaign` with each campaign the socket sends, while the page is shown. */
export function useLiveCampaigns(onCampaign: (c: CampaignView) => void) {
  const ref = useRef(onCampaign);
  ref.current = onCampaign;
  useEffect(
    () =>
      live.subscribe({ view: 'campaigns' }, (ev) => {
        if (ev.kind === 'campaign' && isView(ev.data)) ref.current(ev.data);
      }),
    [],
  );
}

/** Calls `tick` every `ms` while `on` and the tab is visible. */
export function useEvery(ms: number, on: boolean, tick: () => void) {
  const ref = useRef(tick);
  ref.current = tick;
  useEffect(() => {
    if (!on) return;
    const h = window.setInterval(() => {
      if (document.visibilityState === 'visible') ref.current();
    }, ms);
    return () => window.clearInterval(h);
  }, [ms, on]);
}
