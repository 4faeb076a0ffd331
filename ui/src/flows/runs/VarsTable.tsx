//! A run's variables as a two-column table (values that are not text shown as JSON).
import { useT } from '../../i18n';
import { isObject } from '../document';
import { flowText } from '../messages';

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

export function VarsTable({ vars }: { vars: unknown }) {
  const t = useT(flowText);
  const entries = isObject(vars) ? Object.entries(vars) : [];
  if (entries.length === 0) return <p className="muted">{t('noVariables')}</p>;
  return (
    <table className="table flow-vars" data-testid="vars-table">
      <thead>
        <tr>
          <th scope="col">{t('variable')}</th>
          <th scope="col">{t('value')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k} data-var={k}>
            <td>
              <code>{k}</code>
            </td>
            <td className="flow-vars-value">{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
