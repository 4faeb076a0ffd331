//! Files of messages: a stored file (`/api/media/…`) needs the user's token, so it is fetched
//! through the API client into an object URL (revoked when no longer shown); a file elsewhere
//! (a channel's URL) is used as it is.
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { apiBlob, isApiMedia } from '../api/client';
import { useToast } from './ui';

/** A URL an <img>/<audio>/<video> can load for `url`; `failed` when the file could not be fetched. */
export function useMediaSrc(url: string | undefined | null): { src: string | null; failed: boolean } {
  const api = isApiMedia(url);
  const [loaded, setLoaded] = useState<{ url: string; src: string | null; failed: boolean } | null>(null);
  useEffect(() => {
    if (!url || !api) return;
    let alive = true;
    let made: string | null = null;
    setLoaded(null);
    apiBlob(url)
      .then((blob) => {
        if (!alive) return;
        made = URL.createObjectURL(blob);
        setLoaded({ url, src: made, failed: false });
      })
      .catch(() => alive && setLoaded({ url, src: null, failed: true }));
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url, api]);
  if (!url) return { src: null, failed: false };
  if (!api) return { src: url, failed: false };
  return loaded?.url === url ? { src: loaded.src, failed: loaded.failed } : { src: null, failed: false };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/webm': 'webm',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};

/** Fetches a stored file with the user's token and saves it (as `filename`, or `file.<ext>`). */
export async function saveApiMedia(url: string, filename?: string): Promise<void> {
  const blob = await apiBlob(url);
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename || `file.${EXTENSIONS[blob.type.split(';')[0]] ?? 'bin'}`;
  a.rel = 'noreferrer';
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/**
 * A link to a file: a stored one is fetched with the user's token when clicked and saved,
 * any other opens in a new tab.
 */
export function MediaLink({
  url,
  filename,
  className,
  title,
  children,
}: {
  url: string;
  filename?: string;
  className?: string;
  title?: string;
  children: ReactNode;
}) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!isApiMedia(url)) {
    return (
      <a className={className} href={url} target="_blank" rel="noreferrer" title={title}>
        {children}
      </a>
    );
  }
  const open = async (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      await saveApiMedia(url, filename);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <a className={className} href={url} onClick={(e) => void open(e)} title={title} aria-busy={busy || undefined} data-media-link="">
      {children}
    </a>
  );
}
