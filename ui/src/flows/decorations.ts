//! What is drawn on a canvas node besides its document data: validation problems, the path
//! of a run, ports left over from edges, diff marks. Kept outside the node objects so that a
//! change re-renders only the nodes it touches, never the whole canvas.
import { createContext, useContext, useSyncExternalStore } from 'react';

export type TraceMark = 'visited' | 'current' | 'failed';
export type DiffMark = 'added' | 'changed' | 'moved';

export interface NodeDecoration {
  problems: readonly string[];
  trace?: TraceMark;
  /** Ports that edges leave by but the node does not have (kept so nothing is hidden). */
  extraPorts: readonly string[];
  diff?: DiffMark;
}

const EMPTY: NodeDecoration = Object.freeze({ problems: [], extraPorts: [] });

type Field = keyof NodeDecoration;

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

export class DecorationStore {
  private byId = new Map<string, NodeDecoration>();
  private listeners = new Set<() => void>();

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  get = (id: string): NodeDecoration => this.byId.get(id) ?? EMPTY;

  /** Sets one field for every node: `values` names the nodes that have it, the rest lose it. */
  replace<F extends Field>(field: F, values: Map<string, NodeDecoration[F]>) {
    let changed = false;
    const ids = new Set([...this.byId.keys(), ...values.keys()]);
    for (const id of ids) {
      const current = this.get(id);
      const fallback = EMPTY[field];
      const next = values.has(id) ? values.get(id) : fallback;
      if (same(current[field], next)) continue;
      this.byId.set(id, { ...current, [field]: next });
      changed = true;
    }
    if (changed) this.listeners.forEach((l) => l());
  }
}

export const DecorationContext = createContext<DecorationStore>(new DecorationStore());

/** The decoration of one node; re-renders the caller only when that node's changes. */
export function useNodeDecoration(id: string): NodeDecoration {
  const store = useContext(DecorationContext);
  return useSyncExternalStore(store.subscribe, () => store.get(id));
}
