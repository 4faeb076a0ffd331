//! "Typing…" both ways, as WhatsApp shows it: `useTypingSignal` tells the other side while
//! someone writes (`composing` again at most every 4 s, `paused` once when the text is
//! cleared or sent, after 5 s without a key, or when the writer leaves), and `useTypingShown`
//! holds what the other side said for 6 s unless news comes sooner.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Schemas } from '../api/client';

/** WhatsApp's chat state of someone in a chat: `composing`, `recording` or `paused`. */
export type ChatState = Schemas['ChatState'];

/** How often `composing` is said again while the text keeps changing. */
const REPEAT_MS = 4000;
/** No change of the text for this long is a pause. */
const IDLE_MS = 5000;
/** A state heard is shown this long without a new one. */
const SHOWN_MS = 6000;

type Send = (state: 'composing' | 'paused') => void;

/**
 * Says `composing` through `send` while `text` changes in the chat `chat` (when `enabled`),
 * and `paused` when it stops. `send` must swallow its own errors: typing is never worth a
 * failure. The `paused` of a chat left behind goes through the `send` that said `composing`.
 */
export function useTypingSignal(chat: string, text: string, enabled: boolean, send: Send) {
  const sendRef = useRef(send);
  sendRef.current = send;
  /** The `send` that said `composing` last, until it says `paused`. */
  const active = useRef<Send | null>(null);
  const lastComposing = useRef(0);
  const idle = useRef<number | undefined>(undefined);

  const pause = useCallback(() => {
    window.clearTimeout(idle.current);
    const said = active.current;
    if (!said) return;
    active.current = null;
    lastComposing.current = 0;
    said('paused');
  }, []);

  // Another chat, or the writer goes: what was said in the old one ends there.
  useEffect(() => pause, [chat, pause]);

  useEffect(() => {
    if (!enabled || !text.trim()) {
      pause();
      return;
    }
    const now = Date.now();
    if (!active.current || now - lastComposing.current >= REPEAT_MS) {
      active.current = sendRef.current;
      lastComposing.current = now;
      active.current('composing');
    }
    window.clearTimeout(idle.current);
    idle.current = window.setTimeout(pause, IDLE_MS);
  }, [text, enabled, pause]);
}

/**
 * What the other side of a chat is doing, as last heard: `show(v)` sets it (a `paused` state
 * or null clears it), and it clears by itself 6 s after the last `show`.
 */
export function useTypingShown<T extends { state: ChatState }>(): [T | null, (v: T | null) => void] {
  const [shown, setShown] = useState<T | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const show = useCallback((v: T | null) => {
    window.clearTimeout(timer.current);
    if (!v || v.state === 'paused') {
      setShown(null);
      return;
    }
    setShown(v);
    timer.current = window.setTimeout(() => setShown(null), SHOWN_MS);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return [shown, show];
}
