//! The flow document (schemas/flow.schema.json) and its canvas form. Every field the editor
//! does not edit (`ui`, `label`, variables, settings, anything newer) rides along untouched,
//! so opening and saving a flow gives back the same document.
import type { Edge, Node } from '@xyflow/react';

export interface DocPosition {
  x: number;
  y: number;
}

export interface DocNode {
  id: string;
  type: string;
  config?: unknown;
  position?: DocPosition;
  label?: string | null;
  ui?: unknown;
  [extra: string]: unknown;
}

export interface DocEdge {
  id: string;
  source: string;
  source_port?: string;
  target: string;
  ui?: unknown;
  [extra: string]: unknown;
}

export interface FlowDocument {
  nodes: DocNode[];
  edges?: DocEdge[];
  [extra: string]: unknown;
}

/** What a canvas node carries: the document node as it was, except its position. */
export interface FlowNodeData extends Record<string, unknown> {
  doc: DocNode;
}

export interface FlowEdgeData extends Record<string, unknown> {
  doc: DocEdge;
}

export type CanvasNode = Node<FlowNodeData, 'flow'>;
export type CanvasEdge = Edge<FlowEdgeData>;

export const INPUT_HANDLE = 'in';
export const DEFAULT_PORT = 'out';

export function nodeToCanvas(n: DocNode): CanvasNode {
  return {
    id: n.id,
    type: 'flow',
    position: { x: n.position?.x ?? 0, y: n.position?.y ?? 0 },
    data: { doc: n },
  };
}

export function edgeToCanvas(e: DocEdge): CanvasEdge {
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: e.source_port ?? DEFAULT_PORT,
    targetHandle: INPUT_HANDLE,
    data: { doc: e },
  };
}

export function documentToCanvas(doc: FlowDocument): { nodes: CanvasNode[]; edges: CanvasEdge[]; rest: Omit<FlowDocument, 'nodes' | 'edges'> } {
  const { nodes, edges, ...rest } = doc;
  return {
    nodes: (nodes ?? []).map(nodeToCanvas),
    edges: (edges ?? []).map(edgeToCanvas),
    rest,
  };
}

function canvasNodeToDoc(n: CanvasNode): DocNode {
  const doc = n.data.doc;
  const out: DocNode = { ...doc, id: n.id };
  const p = n.position;
  const unchanged = doc.position ? doc.position.x === p.x && doc.position.y === p.y : p.x === 0 && p.y === 0;
  if (!unchanged) out.position = { x: p.x, y: p.y };
  return out;
}

function canvasEdgeToDoc(e: CanvasEdge): DocEdge {
  const doc = e.data?.doc ?? { id: e.id, source: e.source, target: e.target };
  const out: DocEdge = { ...doc, id: e.id, source: e.source, target: e.target };
  const port = e.sourceHandle ?? DEFAULT_PORT;
  if (doc.source_port !== undefined || port !== DEFAULT_PORT) out.source_port = port;
  return out;
}

export function canvasToDocument(nodes: CanvasNode[], edges: CanvasEdge[], rest: Omit<FlowDocument, 'nodes' | 'edges'>): FlowDocument {
  return { ...rest, nodes: nodes.map(canvasNodeToDoc), edges: edges.map(canvasEdgeToDoc) };
}

/** A node id not used yet, readable: `send_text`, `send_text_2`, … */
export function freshNodeId(kind: string, taken: Set<string>): string {
  const base = (kind.split('.').pop() || 'node').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

export function freshEdgeId(taken: Set<string>): string {
  for (let i = taken.size + 1; ; i++) {
    const id = `e${i}`;
    if (!taken.has(id)) return id;
  }
}

/** A shallow copy of `config` with `key` set, or removed when `value` is undefined. */
export function withConfigValue(config: unknown, key: string, value: unknown): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(isObject(config) ? config : {}) };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
