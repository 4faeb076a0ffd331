//! The editor's keyboard shortcuts (listed in HelpPopover). Typing in a field keeps its own
//! keys: only Ctrl+S works there. Delete is handled by the canvas itself.
import { useEffect, useRef } from 'react';

export interface ShortcutActions {
  undo: () => void;
  redo: () => void;
  copy: () => void;
  paste: () => void;
  save: () => void;
  help: () => void;
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function useShortcuts(actions: ShortcutActions) {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector('.modal-backdrop')) return;
      const a = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        a.save();
        return;
      }
      if (isTyping(e.target)) return;
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) a.redo();
        else a.undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        a.redo();
      } else if (mod && key === 'c') {
        if (window.getSelection()?.toString()) return;
        e.preventDefault();
        a.copy();
      } else if (mod && key === 'v') {
        e.preventDefault();
        a.paste();
      } else if (!mod && e.key === '?') {
        e.preventDefault();
        a.help();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
