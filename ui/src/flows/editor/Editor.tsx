//! The flow designer: the canvas with its palette, config panel, toolbar, versions and test
//! drawers. It owns the canvas state (nodes and edges), the undo history, saving, validating
//! and publishing, and puts validation problems and test-run paths on the nodes.
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import '../flows.css';
import { useT } from '../../i18n';
import { useToast } from '../../shell/ui';
import { flowsApi, type Flow, type FlowDiff, type FlowProblem, type RunDetail } from '../api';
import { CatalogueContext, nodeColor, outputPorts, type Catalogue } from '../catalogue';
import { canvasNodeTypes } from '../canvas/FlowNodeView';
import { decorateEdges, runPath, showPath } from '../canvas/trace';
import { DecorationContext, DecorationStore, type DiffMark } from '../decorations';
import {
  canvasToDocument,
  documentToCanvas,
  freshEdgeId,
  freshNodeId,
  INPUT_HANDLE,
  nodeToCanvas,
  type CanvasEdge,
  type CanvasNode,
  type DocNode,
  type FlowDocument,
} from '../document';
import { initialConfig, type JsonSchema } from '../form/schema';
import { flowText } from '../messages';
import { benchDocument } from './bench';
import { copyNodes, pasteNodes } from './clipboard';
import { ConfigPanel } from './ConfigPanel';
import { useHistory } from './history';
import { layoutLeftToRight } from './layout';
import { NODE_DRAG_TYPE, Palette } from './Palette';
import { ProblemsBar } from './ProblemsBar';
import { TestPanel } from './TestPanel';
import { Toolbar, type SidePanel } from './Toolbar';
import { useShortcuts } from './useShortcuts';
import { VersionsPanel } from './VersionsPanel';

const NODE_WIDTH = 220;
const NO_PROBLEMS: FlowProblem[] = [];
const DELETE_KEYS = ['Delete', 'Backspace'];

interface Props {
  flow: Flow;
  catalogue: Catalogue;
  /** Show a made-up flow of this many nodes instead (never saved). */
  bench: number | null;
  /** Supervisors look at flows; only admins change them. */
  readOnly: boolean;
}

/** The point nearest `centre` (on a grid around it) where a new node covers no other. */
function freeSpot(centre: { x: number; y: number }, nodes: CanvasNode[]): { x: number; y: number } {
  const w = NODE_WIDTH + 30;
  const h = 130;
  const busy = (x: number, y: number) =>
    nodes.some((n) => {
      const nw = n.measured?.width ?? NODE_WIDTH;
      const nh = n.measured?.height ?? 100;
      const left = x - NODE_WIDTH / 2;
      const top = y - 30;
      return left < n.position.x + nw && left + NODE_WIDTH > n.position.x && top < n.position.y + nh && top + 100 > n.position.y;
    });
  for (let ring = 0; ring < 12; ring++) {
    for (let dy = -ring; dy <= ring; dy++) {
      for (let dx = -ring; dx <= ring; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        const x = centre.x + dx * w;
        const y = centre.y + dy * h;
        if (!busy(x, y)) return { x, y };
      }
    }
  }
  return centre;
}

function emptyDocument(): FlowDocument {
  return { nodes: [], edges: [] };
}

export function Editor({ flow: loaded, catalogue, bench, readOnly }: Props) {
  const t = useT(flowText);
  const toast = useToast();
  const rf = useReactFlow<CanvasNode, CanvasEdge>();
  const [flow, setFlow] = useState(loaded);
  // Built once: a later document (a restored version) is loaded by `onRestored`.
  const [initial] = useState(() =>
    documentToCanvas(bench ? benchDocument(bench) : ((loaded.document as FlowDocument | null) ?? emptyDocument())),
  );
  const [nodes, setNodes] = useState<CanvasNode[]>(initial.nodes);
  const [edges, setEdges] = useState<CanvasEdge[]>(initial.edges);
  const rest = useRef(initial.rest);
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const edgesRef = useRef(edges);
  edgesRef.current = edges;
  const store = useMemo(() => new DecorationStore(), []);
  const wrapper = useRef<HTMLDivElement>(null);

  const [dirty, setDirty] = useState(false);
  const dirtyRef = useRef(false);
  dirtyRef.current = dirty;
  const changes = useRef(0);
  const touch = useCallback(() => {
    changes.current += 1;
    setDirty(true);
  }, []);

  const [problems, setProblems] = useState<FlowProblem[] | null>(null);
  const [panel, setPanel] = useState<SidePanel>('none');
  const [help, setHelp] = useState(false);
  const [saving, setSaving] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [validating, setValidating] = useState(false);
  const [versionsKey, setVersionsKey] = useState(0);
  const [run, setRun] = useState<RunDetail | null>(null);

  const history = useHistory(
    () => ({ nodes: nodesRef.current, edges: edgesRef.current }),
    (s) => {
      setNodes(s.nodes);
      setEdges(s.edges);
      touch();
    },
  );
  const { record } = history;

  /* ------------------------------------------------------------ canvas changes */

  const onNodesChange = useCallback(
    (cs: NodeChange<CanvasNode>[]) => {
      if (cs.some((c) => c.type === 'position' || c.type === 'remove' || c.type === 'add' || c.type === 'replace')) touch();
      setNodes((ns) => applyNodeChanges(cs, ns));
    },
    [touch],
  );

  const onEdgesChange = useCallback(
    (cs: EdgeChange<CanvasEdge>[]) => {
      if (cs.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')) touch();
      setEdges((es) => applyEdgeChanges(cs, es));
    },
    [touch],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (readOnly) return;
      const port = c.sourceHandle ?? 'out';
      record();
      touch();
      setEdges((es) => {
        // An output port leads to one node: a new connection replaces the old one.
        const kept = es.filter((e) => !(e.source === c.source && (e.sourceHandle ?? 'out') === port));
        const id = freshEdgeId(new Set(es.map((e) => e.id)));
        const doc = { id, source: c.source, source_port: port, target: c.target };
        return [...kept, { id, source: c.source, target: c.target, sourceHandle: port, targetHandle: INPUT_HANDLE, data: { doc } }];
      });
    },
    [readOnly, record, touch],
  );

  const isValidConnection = useCallback<IsValidConnection<CanvasEdge>>(
    (c) => {
      if (!c.source || !c.target || c.targetHandle !== INPUT_HANDLE) return false;
      const target = nodesRef.current.find((n) => n.id === c.target);
      return !!target && !catalogue.byKind.get(target.data.doc.type)?.trigger;
    },
    [catalogue],
  );

  const onDragStartRecord = useCallback(() => record(), [record]);
  const onBeforeDelete = useCallback(async () => {
    record();
    return true;
  }, [record]);

  /* ------------------------------------------------------------ adding nodes */

  const addNode = useCallback(
    (kind: string, at: { x: number; y: number }) => {
      const type = catalogue.byKind.get(kind);
      if (!type || readOnly) return;
      const id = freshNodeId(kind, new Set(nodesRef.current.map((n) => n.id)));
      const schema = (type.config_schema ?? {}) as JsonSchema;
      const position = { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - 30) };
      const doc: DocNode = { id, type: kind, config: initialConfig(schema), position };
      record();
      touch();
      setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...nodeToCanvas(doc), selected: true }]);
    },
    [catalogue, readOnly, record, touch],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(NODE_DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(NODE_DRAG_TYPE);
      if (!kind) return;
      e.preventDefault();
      addNode(kind, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addNode, rf],
  );

  const addAtCentre = useCallback(
    (kind: string) => {
      const box = wrapper.current?.getBoundingClientRect();
      if (!box) return;
      const centre = rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
      addNode(kind, freeSpot(centre, nodesRef.current));
    },
    [addNode, rf],
  );

  /* ------------------------------------------------------------ selection and config */

  const selected = useMemo(() => {
    let found: CanvasNode | null = null;
    for (const n of nodes) {
      if (!n.selected) continue;
      if (found) return null;
      found = n;
    }
    return found;
  }, [nodes]);
  const selectedId = selected?.id ?? null;
  const selectedDoc = selected?.data.doc ?? null;

  const selectedProblems = useMemo(
    () => (selectedId && problems ? problems.filter((p) => p.node_id === selectedId) : NO_PROBLEMS),
    [problems, selectedId],
  );

  const onConfigChange = useCallback(
    (id: string, next: DocNode, key: string) => {
      if (readOnly) return;
      record(`${id}:${key}`);
      touch();
      setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { doc: next } } : n)));
    },
    [readOnly, record, touch],
  );

  const deleteNode = useCallback(
    (id: string) => {
      if (readOnly) return;
      record();
      touch();
      setNodes((ns) => ns.filter((n) => n.id !== id));
      setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
    },
    [readOnly, record, touch],
  );

  const deselect = useCallback(() => setNodes((ns) => ns.map((n) => (n.selected ? { ...n, selected: false } : n))), []);

  const focusNode = useCallback(
    (id: string) => {
      const n = nodesRef.current.find((x) => x.id === id);
      if (!n) return;
      setNodes((ns) => ns.map((x) => (x.id === id ? (x.selected ? x : { ...x, selected: true }) : x.selected ? { ...x, selected: false } : x)));
      void rf.setCenter(n.position.x + NODE_WIDTH / 2, n.position.y + 50, { zoom: Math.max(rf.getZoom(), 0.9), duration: 300 });
    },
    [rf],
  );

  /* ------------------------------------------------------------ decorations */

  useEffect(() => {
    const byNode = new Map<string, string[]>();
    for (const p of problems ?? []) if (p.node_id) byNode.set(p.node_id, [...(byNode.get(p.node_id) ?? []), p.message]);
    store.replace('problems', byNode);
  }, [problems, store]);

  const brokenEdges = useMemo(() => new Set((problems ?? []).flatMap((p) => (p.edge_id ? [p.edge_id] : []))), [problems]);

  // Ports left over from edges; recomputed only when a node's data or the edges change,
  // not on every frame of a drag.
  const portsBasis = useRef<{ data: unknown[]; edges: CanvasEdge[] }>({ data: [], edges: [] });
  useEffect(() => {
    const basis = portsBasis.current;
    if (basis.edges === edges && basis.data.length === nodes.length && nodes.every((n, i) => n.data === basis.data[i])) return;
    portsBasis.current = { data: nodes.map((n) => n.data), edges };
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const extra = new Map<string, string[]>();
    for (const e of edges) {
      const n = byId.get(e.source);
      if (!n) continue;
      const port = e.sourceHandle ?? 'out';
      const own = outputPorts(catalogue.byKind.get(n.data.doc.type), n.data.doc.type, n.data.doc.config);
      if (!own.some((p) => p.id === port)) extra.set(n.id, [...(extra.get(n.id) ?? []), port]);
    }
    store.replace('extraPorts', extra);
  }, [nodes, edges, catalogue, store]);

  const path = useMemo(() => runPath(run, edges), [run, edges]);
  useEffect(() => {
    showPath(store, path);
  }, [store, path]);
  const shownEdges = useMemo(() => decorateEdges(edges, path.edges, brokenEdges), [edges, path, brokenEdges]);

  const onDiff = useCallback(
    (diff: FlowDiff | null) => {
      const marks = new Map<string, DiffMark>();
      diff?.added.forEach((id) => marks.set(id, 'added'));
      diff?.changed.forEach((id) => marks.set(id, 'changed'));
      diff?.moved.forEach((id) => marks.set(id, 'moved'));
      store.replace('diff', marks);
    },
    [store],
  );

  /* ------------------------------------------------------------ server actions */

  const validate = useCallback(async () => {
    if (bench) return null;
    setValidating(true);
    try {
      const v = await flowsApi.validate(flow.id);
      setProblems(v.problems);
      return v;
    } catch (e) {
      toast.error(e);
      return null;
    } finally {
      setValidating(false);
    }
  }, [bench, flow.id, toast]);

  const save = useCallback(
    async (thenValidate = true): Promise<boolean> => {
      if (bench || readOnly) return false;
      const at = changes.current;
      setSaving(true);
      try {
        const doc = canvasToDocument(nodesRef.current, edgesRef.current, rest.current);
        const saved = await flowsApi.saveDraft(flow.id, doc);
        setFlow(saved);
        if (changes.current === at) setDirty(false);
        if (thenValidate) void validate();
        return true;
      } catch (e) {
        toast.error(e);
        return false;
      } finally {
        setSaving(false);
      }
    },
    [bench, readOnly, flow.id, toast, validate],
  );

  const ensureSaved = useCallback(async () => (dirtyRef.current ? save() : true), [save]);

  const onValidate = useCallback(async () => {
    if (dirtyRef.current) await save();
    else await validate();
  }, [save, validate]);

  const onSave = useCallback(() => void save(), [save]);

  const onPublish = useCallback(async () => {
    if (dirtyRef.current && !(await save(false))) return;
    setPublishing(true);
    try {
      const r = await flowsApi.publish(flow.id);
      if (r.ok) {
        setProblems([]);
        setFlow((f) => ({ ...f, published_version: r.version }));
        setVersionsKey((k) => k + 1);
        toast.success(r.created ? t('publishedToast', { v: r.version }) : t('publishedSame', { v: r.version }));
      } else {
        setProblems(r.problems);
        toast.error(new Error(t('publishBlocked', { n: r.problems.length })));
      }
    } catch (e) {
      toast.error(e);
    } finally {
      setPublishing(false);
    }
  }, [flow.id, save, t, toast]);

  const onRestored = useCallback(
    (restored: Flow) => {
      record();
      const c = documentToCanvas((restored.document as FlowDocument | null) ?? emptyDocument());
      rest.current = c.rest;
      setNodes(c.nodes);
      setEdges(c.edges);
      setFlow(restored);
      changes.current += 1;
      setDirty(false);
      void validate();
      requestAnimationFrame(() => void rf.fitView({ duration: 300 }));
    },
    [record, rf, validate],
  );

  /* ------------------------------------------------------------ toolbar and keys */

  const onLayout = useCallback(() => {
    if (readOnly) return;
    record();
    touch();
    setNodes((ns) => layoutLeftToRight(ns, edgesRef.current));
    requestAnimationFrame(() => void rf.fitView({ duration: 300 }));
  }, [readOnly, record, rf, touch]);

  const copy = useCallback(() => {
    const n = copyNodes(nodesRef.current, edgesRef.current);
    if (n) toast.info(t('copied', { n }));
  }, [t, toast]);

  const paste = useCallback(() => {
    const clip = readOnly ? null : pasteNodes(nodesRef.current, edgesRef.current);
    if (!clip) return;
    record();
    touch();
    setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), ...clip.nodes]);
    setEdges((es) => [...es, ...clip.edges]);
  }, [readOnly, record, touch]);

  useShortcuts({
    undo: readOnly ? () => {} : history.undo,
    redo: readOnly ? () => {} : history.redo,
    copy,
    paste,
    save: onSave,
    help: () => setHelp((h) => !h),
  });

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirtyRef.current && !bench) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [bench]);

  useEffect(() => {
    if (!bench) void validate();
  }, [bench, validate]);

  const closePanel = useCallback(() => setPanel('none'), []);
  const miniMapColor = useCallback((n: CanvasNode) => nodeColor(catalogue.byKind.get(n.data.doc.type)), [catalogue]);
  const problemCount = problems ? problems.length : null;

  return (
    <CatalogueContext.Provider value={catalogue}>
      <DecorationContext.Provider value={store}>
        <div className="flow-editor" data-testid="flow-editor">
          <Toolbar
            name={flow.name}
            publishedVersion={flow.published_version}
            dirty={dirty}
            saving={saving}
            publishing={publishing}
            validating={validating}
            problemCount={problemCount}
            canUndo={history.canUndo}
            canRedo={history.canRedo}
            bench={!!bench}
            readOnly={readOnly}
            panel={panel}
            help={help}
            onHelp={setHelp}
            onUndo={history.undo}
            onRedo={history.redo}
            onLayout={onLayout}
            onValidate={onValidate}
            onSave={onSave}
            onPublish={onPublish}
            onPanel={setPanel}
          />
          <div className="flow-editor-body">
            {readOnly ? null : <Palette catalogue={catalogue} onAdd={addAtCentre} />}
            <div className="flow-canvas" ref={wrapper} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
              <ReactFlow<CanvasNode, CanvasEdge>
                nodes={nodes}
                edges={shownEdges}
                nodeTypes={canvasNodeTypes}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onConnect={onConnect}
                isValidConnection={isValidConnection}
                onNodeDragStart={onDragStartRecord}
                onSelectionDragStart={onDragStartRecord}
                onBeforeDelete={onBeforeDelete}
                nodesDraggable={!readOnly}
                nodesConnectable={!readOnly}
                deleteKeyCode={readOnly ? null : DELETE_KEYS}
                multiSelectionKeyCode={['Meta', 'Control']}
                onlyRenderVisibleElements={nodes.length > 150}
                fitView={initial.nodes.length > 0}
                fitViewOptions={{ maxZoom: 1 }}
                minZoom={0.1}
                maxZoom={2}
              >
                <Background />
                <Controls />
                <MiniMap pannable zoomable nodeColor={miniMapColor} ariaLabel={t('minimap')} />
              </ReactFlow>
              {nodes.length === 0 ? <div className="flow-canvas-empty muted">{t('emptyCanvas')}</div> : null}
              <ProblemsBar problems={problems} onFocusNode={focusNode} />
            </div>
            {selectedId && selectedDoc ? (
              <ConfigPanel
                nodeId={selectedId}
                doc={selectedDoc}
                type={catalogue.byKind.get(selectedDoc.type)}
                problems={selectedProblems}
                readOnly={readOnly}
                onChange={onConfigChange}
                onDelete={deleteNode}
                onClose={deselect}
              />
            ) : null}
            {panel === 'versions' ? (
              <VersionsPanel flowId={flow.id} refreshKey={`${versionsKey}:${flow.updated_at}`} dirty={dirty} readOnly={readOnly} onDiff={onDiff} onRestored={onRestored} onClose={closePanel} />
            ) : null}
            {panel === 'test' ? <TestPanel flowId={flow.id} ensureSaved={ensureSaved} onRun={setRun} onClose={closePanel} /> : null}
          </div>
        </div>
      </DecorationContext.Provider>
    </CatalogueContext.Provider>
  );
}
