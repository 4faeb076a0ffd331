//! A large flow made up in memory to measure the canvas (`?bench=200` on the editor): a
//! trigger and a chain of messages laid out in rows. It is never saved.
import type { FlowDocument } from '../document';

export function benchDocument(count: number): FlowDocument {
  const n = Math.max(2, Math.min(count, 2000));
  const perRow = 10;
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: i === 0 ? 'start' : `step_${i}`,
    type: i === 0 ? 'trigger.manual' : 'messaging.send_text',
    config: i === 0 ? {} : { text: `Message ${i}` },
    position: { x: (i % perRow) * 280, y: Math.floor(i / perRow) * 170 },
  }));
  const edges = nodes.slice(1).map((node, i) => ({ id: `e${i + 1}`, source: nodes[i].id, target: node.id }));
  return { nodes, edges };
}
