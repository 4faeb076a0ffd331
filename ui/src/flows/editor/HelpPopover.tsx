//! The keyboard shortcuts of the editor, in a small popover opened from the toolbar (or `?`).
import { useEffect, useId, useRef } from 'react';
import { useT } from '../../i18n';
import { flowText, type FlowTextKey } from '../messages';

const SHORTCUTS: { keys: string[]; what: FlowTextKey }[] = [
  { keys: ['Ctrl', 'S'], what: 'kbSave' },
  { keys: ['Ctrl', 'Z'], what: 'kbUndo' },
  { keys: ['Ctrl', 'Shift', 'Z'], what: 'kbRedo' },
  { keys: ['Ctrl', 'Y'], what: 'kbRedo' },
  { keys: ['Ctrl', 'C'], what: 'kbCopy' },
  { keys: ['Ctrl', 'V'], what: 'kbPaste' },
  { keys: ['Delete'], what: 'kbDelete' },
  { keys: ['Shift', 'drag'], what: 'kbSelectBox' },
  { keys: ['Ctrl', 'click'], what: 'kbMultiSelect' },
  { keys: ['?'], what: 'kbHelp' },
];

export function HelpPopover({ open, onToggle }: { open: boolean; onToggle: (open: boolean) => void }) {
  const t = useT(flowText);
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onToggle(false);
    };
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onToggle(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onDown);
    };
  }, [open, onToggle]);
  return (
    <div className="flow-help" ref={box}>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('shortcuts')}
        title={t('shortcuts')}
        aria-expanded={open}
        aria-controls={id}
        data-testid="help-button"
        onClick={() => onToggle(!open)}
      >
        ?
      </button>
      {open ? (
        <div className="flow-help-popover" id={id} role="dialog" aria-label={t('shortcuts')} data-testid="help-popover">
          <h3>{t('shortcuts')}</h3>
          <dl>
            {SHORTCUTS.map((s, i) => (
              <div key={i} className="flow-help-row">
                <dt>
                  {s.keys.map((k, j) => (
                    <span key={j}>
                      {j > 0 ? ' + ' : null}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </dt>
                <dd>{t(s.what)}</dd>
              </div>
            ))}
          </dl>
          <p className="muted">{t('kbMac')}</p>
        </div>
      ) : null}
    </div>
  );
}
