//! A flow drawn for looking, not editing: the graph of one version with a run's path on it.
//! Used by the run detail page; pans and zooms, and can centre on a node.
import { useEffect, useMemo } from 'react';
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useNodesState, useReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import '../flows.css';
import { CatalogueContext, nodeColor, type Catalogue } from '../catalogue';
import { DecorationContext, DecorationStore } from '../decorations';
import { documentToCanvas, type CanvasNode, type FlowDocument } from '../document';
import { canvasNodeTypes } from './FlowNodeView';
import { decorateEdges, runPath, showPath } from './trace';
import type { RunDetail } from '../api';

interface Props {
  document: FlowDocument;
  catalogue: Catalogue;
  run: RunDetail | null;
  /** A node to centre on (e.g. the step picked in the list). */
  focus?: string | null;
}

function Inner({ document, catalogue, run, focus }: Props) {
  const store = useMemo(() => new DecorationStore(), []);
  const { nodes: docNodes, edges } = useMemo(() => documentToCanvas(document), [document]);
  // Kept in state so the canvas can store the sizes it measures (the overview map needs them).
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(docNodes);
  useEffect(() => {
    setNodes(docNodes);
  }, [docNodes, setNodes]);
  const path = useMemo(() => runPath(run, edges), [run, edges]);
  const shownEdges = useMemo(() => decorateEdges(edges, path.edges, new Set()), [edges, path]);
  const flow = useReactFlow();

  useEffect(() => {
    showPath(store, path);
  }, [store, path]);
  useEffect(() => {
    if (!focus) return;
    const n = nodes.find((x) => x.id === focus);
    if (n) void flow.setCenter(n.position.x + 110, n.position.y + 50, { zoom: 1, duration: 300 });
  }, [focus, nodes, flow]);

  return (
    <CatalogueContext.Provider value={catalogue}>
      <DecorationContext.Provider value={store}>
        <ReactFlow<CanvasNode>
          nodes={nodes}
          onNodesChange={onNodesChange}
          edges={shownEdges}
          nodeTypes={canvasNodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          deleteKeyCode={null}
          fitView
          minZoom={0.1}
        >
          <Background />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => nodeColor(catalogue.byKind.get((n as CanvasNode).data.doc.type))} />
        </ReactFlow>
      </DecorationContext.Provider>
    </CatalogueContext.Provider>
  );
}

export function ReadOnlyCanvas(props: Props) {
  return (
    <div className="flow-canvas flow-canvas-readonly" data-testid="readonly-canvas">
      <ReactFlowProvider>
        <Inner {...props} />
      </ReactFlowProvider>
    </div>
  );
}
