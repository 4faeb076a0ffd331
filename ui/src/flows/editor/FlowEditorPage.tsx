//! The /flows/:id route: loads the flow and the node-type catalogue, then opens the editor.
//! `?bench=N` opens a made-up flow of N nodes instead, to measure the canvas.
import { ReactFlowProvider } from '@xyflow/react';
import { useParams, useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import { hasRole, useAuth } from '../../shell/auth';
import { ErrorBox, Spinner, useAsync } from '../../shell/ui';
import { flowsApi } from '../api';
import { useCatalogue } from '../catalogue';
import { flowText } from '../messages';
import { Editor } from './Editor';

export function FlowEditorPage() {
  const t = useT(flowText);
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const benchParam = Number(params.get('bench'));
  const bench = Number.isInteger(benchParam) && benchParam > 0 ? benchParam : null;
  const flow = useAsync(() => flowsApi.get(id), [id]);
  const { catalogue, error: catalogueError, loading: catalogueLoading } = useCatalogue();
  const { user } = useAuth();

  if (flow.error || catalogueError) {
    return (
      <div className="page">
        <ErrorBox error={flow.error ?? catalogueError} onRetry={flow.reload} />
      </div>
    );
  }
  if (!flow.data || flow.data.id !== id || catalogueLoading) return <Spinner label={t('loadingFlow')} />;
  return (
    <ReactFlowProvider key={`${id}:${bench ?? ''}`}>
      <Editor flow={flow.data} catalogue={catalogue} bench={bench} readOnly={!hasRole(user, 'admin')} />
    </ReactFlowProvider>
  );
}
