//! The node-type catalogue (GET /api/node-types): loaded and shared briefly, grouped by family
//! for the palette, and the output ports a node has given its type and config.
import { createContext, useContext, useEffect, useState } from 'react';
import { flowsApi, type NodeType } from './api';
import { isObject } from './document';

let cached: { at: number; list: Promise<NodeType[]> } | null = null;
/** Plugins installed meanwhile show up after this long. */
const FRESH_MS = 30_000;

/** The catalogue, shared for a short while (a failed fetch is retried next time). */
export function loadCatalogue(): Promise<NodeType[]> {
  if (!cached || Date.now() - cached.at > FRESH_MS) {
    const list = flowsApi.nodeTypes().catch((e) => {
      cached = null;
      throw e;
    });
    cached = { at: Date.now(), list };
  }
  return cached.list;
}

export interface Catalogue {
  list: NodeType[];
  byKind: Map<string, NodeType>;
}

export const EMPTY_CATALOGUE: Catalogue = { list: [], byKind: new Map() };

export function makeCatalogue(list: NodeType[]): Catalogue {
  return { list, byKind: new Map(list.map((t) => [t.kind, t])) };
}

export function useCatalogue(): { catalogue: Catalogue; error: Error | null; loading: boolean } {
  const [state, setState] = useState<{ catalogue: Catalogue; error: Error | null; loading: boolean }>({
    catalogue: EMPTY_CATALOGUE,
    error: null,
    loading: true,
  });
  useEffect(() => {
    let live = true;
    loadCatalogue().then(
      (list) => live && setState({ catalogue: makeCatalogue(list), error: null, loading: false }),
      (error: Error) => live && setState({ catalogue: EMPTY_CATALOGUE, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export const CatalogueContext = createContext<Catalogue>(EMPTY_CATALOGUE);
export const useCatalogueContext = () => useContext(CatalogueContext);

/** The families in palette order; unknown ones follow, by name. */
export const FAMILY_ORDER = ['triggers', 'messaging', 'logic', 'tickets', 'integrations', 'plugins'];

export function groupByFamily(list: NodeType[]): { family: string; types: NodeType[] }[] {
  const groups = new Map<string, NodeType[]>();
  for (const t of list) {
    const g = groups.get(t.category) ?? [];
    g.push(t);
    groups.set(t.category, g);
  }
  const rank = (f: string) => {
    const i = FAMILY_ORDER.indexOf(f);
    return i < 0 ? FAMILY_ORDER.length : i;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([family, types]) => ({ family, types: types.sort((a, b) => a.title.localeCompare(b.title)) }));
}

const FAMILY_COLORS: Record<string, string> = {
  triggers: '#16a34a',
  messaging: '#2563eb',
  logic: '#9333ea',
  tickets: '#ea580c',
  integrations: '#0891b2',
  plugins: '#db2777',
};

export function nodeColor(t: NodeType | undefined): string {
  if (t?.color && /^#[0-9a-fA-F]{6}$/.test(t.color)) return t.color;
  return FAMILY_COLORS[t?.category ?? ''] ?? '#64748b';
}

export interface Port {
  id: string;
  label: string;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The output ports of a node: the type's fixed ones plus those its config adds. */
export function outputPorts(type: NodeType | undefined, kind: string, config: unknown): Port[] {
  const c = isObject(config) ? config : {};
  const fixed = (type?.outputs ?? []).map((id) => ({ id, label: id }));
  switch (kind) {
    case 'messaging.menu':
      return [...strings(c.options).map((o, i) => ({ id: String(i + 1), label: `${i + 1} · ${o}` })), ...fixed];
    case 'logic.switch': {
      const cases = strings(c.cases).filter((k) => !fixed.some((f) => f.id === k));
      return [...cases.map((id) => ({ id, label: id })), ...fixed];
    }
    case 'logic.random_split': {
      const branches = Array.isArray(c.branches) ? c.branches : [];
      const ports = branches
        .map((b) => (isObject(b) && typeof b.port === 'string' ? b.port : ''))
        .filter((p, i, all) => p && all.indexOf(p) === i);
      return [...ports.map((id) => ({ id, label: id })), ...fixed.filter((f) => !ports.includes(f.id))];
    }
    default:
      return fixed;
  }
}
