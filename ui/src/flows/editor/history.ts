//! Undo and redo for the editor: snapshots of the canvas (node and edge arrays, which are
//! immutable, so a snapshot costs two references). Typing in one field is one step.
import { useCallback, useReducer, useRef } from 'react';
import type { CanvasEdge, CanvasNode } from '../document';

export interface Snapshot {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

const LIMIT = 200;
/** Changes with the same key closer than this are one undo step. */
const COALESCE_MS = 1200;

export interface History {
  /** Saves the state before a change; `key` joins quick repeats (typing) into one step. */
  record: (key?: string) => void;
  undo: () => void;
  redo: () => void;
  reset: () => void;
  canUndo: boolean;
  canRedo: boolean;
}

export function useHistory(current: () => Snapshot, restore: (s: Snapshot) => void): History {
  const past = useRef<Snapshot[]>([]);
  const future = useRef<Snapshot[]>([]);
  const last = useRef<{ key?: string; at: number }>({ at: 0 });
  const [, changed] = useReducer((n: number) => n + 1, 0);
  const currentRef = useRef(current);
  currentRef.current = current;
  const restoreRef = useRef(restore);
  restoreRef.current = restore;

  const record = useCallback((key?: string) => {
    const now = Date.now();
    if (key && last.current.key === key && now - last.current.at < COALESCE_MS) {
      last.current.at = now;
      return;
    }
    past.current.push(currentRef.current());
    if (past.current.length > LIMIT) past.current.shift();
    future.current = [];
    last.current = { key, at: now };
    changed();
  }, []);

  const undo = useCallback(() => {
    const s = past.current.pop();
    if (!s) return;
    future.current.push(currentRef.current());
    last.current = { at: 0 };
    restoreRef.current(s);
    changed();
  }, []);

  const redo = useCallback(() => {
    const s = future.current.pop();
    if (!s) return;
    past.current.push(currentRef.current());
    last.current = { at: 0 };
    restoreRef.current(s);
    changed();
  }, []);

  const reset = useCallback(() => {
    past.current = [];
    future.current = [];
    last.current = { at: 0 };
    changed();
  }, []);

  return { record, undo, redo, reset, canUndo: past.current.length > 0, canRedo: future.current.length > 0 };
}
