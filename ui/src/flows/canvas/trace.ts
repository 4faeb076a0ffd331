//! The path a run took through a flow, from its step trace: the nodes it visited, the one it
//! is at (or failed on), and the edges it went along, ready to be drawn on a canvas.
import type { RunDetail } from '../api';
import { runIsActive } from '../api';
import type { DecorationStore, TraceMark } from '../decorations';
import { DEFAULT_PORT, type CanvasEdge } from '../document';

export interface RunPath {
  /** Node ids in the order they ran (repeats kept). */
  order: string[];
  marks: Map<string, TraceMark>;
  edges: Set<string>;
  current?: string;
}

export const EMPTY_PATH: RunPath = { order: [], marks: new Map(), edges: new Set() };

export function runPath(detail: RunDetail | null | undefined, edges: readonly CanvasEdge[]): RunPath {
  if (!detail) return EMPTY_PATH;
  const steps = [...detail.steps].sort((a, b) => a.seq - b.seq);
  const marks = new Map<string, TraceMark>();
  const traversed = new Set<string>();
  const byPort = new Map<string, string>();
  for (const e of edges) byPort.set(`${e.source}\u0000${e.sourceHandle ?? DEFAULT_PORT}`, e.id);
  for (const s of steps) {
    marks.set(s.node, 'visited');
    if (s.port) {
      const edge = byPort.get(`${s.node}\u0000${s.port}`);
      if (edge) traversed.add(edge);
    }
  }
  const { status, node } = detail.run;
  let current: string | undefined;
  if (runIsActive(status) && node) {
    marks.set(node, 'current');
    current = node;
  } else if (status === 'failed' && node) {
    marks.set(node, 'failed');
    current = node;
  }
  return { order: steps.map((s) => s.node), marks, edges: traversed, current };
}

/** Puts the path's marks on the canvas nodes (only the nodes whose mark changes re-render). */
export function showPath(store: DecorationStore, path: RunPath) {
  store.replace('trace', path.marks);
}

/** The edges with the path's ones animated and marked; the same array when nothing is marked. */
export function decorateEdges(edges: CanvasEdge[], traversed: ReadonlySet<string>, broken: ReadonlySet<string>): CanvasEdge[] {
  if (traversed.size === 0 && broken.size === 0) return edges;
  return edges.map((e) => {
    const on = traversed.has(e.id);
    const bad = broken.has(e.id);
    if (!on && !bad) return e;
    return {
      ...e,
      animated: on,
      className: [on ? 'is-traversed' : '', bad ? 'has-error' : ''].filter(Boolean).join(' '),
    };
  });
}
