//! Copy and paste of nodes: the selected nodes and the edges between them, pasted with new
//! ids and shifted so the copy does not hide the original. Kept for the session, so nodes
//! can be pasted into another flow too.
import { freshEdgeId, freshNodeId, type CanvasEdge, type CanvasNode, type DocEdge, type DocNode } from '../document';

interface Clip {
  nodes: { doc: DocNode; x: number; y: number }[];
  edges: DocEdge[];
}

const KEY = 'tucan.flows.clipboard';
const OFFSET = 40;
let pasteCount = 0;

export function copyNodes(nodes: CanvasNode[], edges: CanvasEdge[]): number {
  const chosen = nodes.filter((n) => n.selected);
  if (chosen.length === 0) return 0;
  const ids = new Set(chosen.map((n) => n.id));
  const clip: Clip = {
    nodes: chosen.map((n) => ({ doc: n.data.doc, x: n.position.x, y: n.position.y })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ ...(e.data?.doc ?? {}), id: e.id, source: e.source, target: e.target, source_port: e.sourceHandle ?? 'out' })),
  };
  sessionStorage.setItem(KEY, JSON.stringify(clip));
  pasteCount = 0;
  return chosen.length;
}

/** The clipboard's nodes and edges with fresh ids, selected, or null when it is empty. */
export function pasteNodes(existing: CanvasNode[], existingEdges: CanvasEdge[]): { nodes: CanvasNode[]; edges: CanvasEdge[] } | null {
  let clip: Clip;
  try {
    clip = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
  if (!clip?.nodes?.length) return null;
  pasteCount += 1;
  const shift = OFFSET * pasteCount;
  const taken = new Set(existing.map((n) => n.id));
  const rename = new Map<string, string>();
  const nodes: CanvasNode[] = clip.nodes.map(({ doc, x, y }) => {
    const id = freshNodeId(doc.type, taken);
    taken.add(id);
    rename.set(doc.id, id);
    const { position: _old, ...rest } = doc;
    void _old;
    return {
      id,
      type: 'flow',
      position: { x: x + shift, y: y + shift },
      data: { doc: { ...rest, id, position: { x: x + shift, y: y + shift } } },
      selected: true,
    };
  });
  const edgeIds = new Set(existingEdges.map((e) => e.id));
  const edges: CanvasEdge[] = clip.edges.map((e) => {
    const id = freshEdgeId(edgeIds);
    edgeIds.add(id);
    const doc: DocEdge = { ...e, id, source: rename.get(e.source)!, target: rename.get(e.target)! };
    return { id, source: doc.source, target: doc.target, sourceHandle: e.source_port ?? 'out', targetHandle: 'in', data: { doc } };
  });
  return { nodes, edges };
}
