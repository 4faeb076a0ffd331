//! The palette: every node type of the catalogue by family, with a search box. Items are
//! dragged onto the canvas; a click (or Enter) adds one in the middle of the view.
import { memo, useMemo, useState, type CSSProperties } from 'react';
import { useT } from '../../i18n';
import type { NodeType } from '../api';
import { groupByFamily, nodeColor, type Catalogue } from '../catalogue';
import { iconFor, NodeIcon } from '../canvas/NodeIcon';
import { flowText, type FlowTextKey } from '../messages';

export const NODE_DRAG_TYPE = 'application/x-tucan-node-type';

const FAMILY_KEYS: Record<string, FlowTextKey> = {
  triggers: 'familyTriggers',
  messaging: 'familyMessaging',
  logic: 'familyLogic',
  tickets: 'familyTickets',
  integrations: 'familyIntegrations',
  plugins: 'familyPlugins',
};

interface Props {
  catalogue: Catalogue;
  onAdd: (kind: string) => void;
}

function matches(t: NodeType, q: string) {
  if (!q) return true;
  const hay = `${t.title} ${t.kind} ${t.description} ${t.category}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

export const Palette = memo(function Palette({ catalogue, onAdd }: Props) {
  const t = useT(flowText);
  const [query, setQuery] = useState('');
  const groups = useMemo(
    () => groupByFamily(catalogue.list.filter((x) => matches(x, query.trim()))),
    [catalogue, query],
  );
  return (
    <aside className="flow-palette" aria-label={t('palette')} data-testid="palette">
      <input
        type="search"
        className="flow-palette-search"
        placeholder={t('searchNodes')}
        aria-label={t('searchNodes')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      <p className="muted flow-palette-hint">{t('paletteHint')}</p>
      {groups.length === 0 ? <p className="muted">{t('noNodeTypes')}</p> : null}
      {groups.map((g) => (
        <section key={g.family} className="flow-palette-group">
          <h3>{FAMILY_KEYS[g.family] ? t(FAMILY_KEYS[g.family]) : g.family}</h3>
          <ul>
            {g.types.map((type) => (
              <li key={type.kind}>
                <button
                  type="button"
                  className="flow-palette-item"
                  draggable
                  data-testid={`palette-${type.kind}`}
                  title={type.description}
                  style={{ '--node-color': nodeColor(type) } as CSSProperties}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(NODE_DRAG_TYPE, type.kind);
                    e.dataTransfer.setData('text/plain', type.kind);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => onAdd(type.kind)}
                  aria-label={t('addNodeAria', { title: type.title })}
                >
                  <span className="flow-palette-glyph">
                    <NodeIcon name={iconFor(type, type.kind)} />
                  </span>
                  <span className="flow-palette-title">{type.title}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
});
