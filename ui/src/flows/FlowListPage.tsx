//! The /flows route: the tenant's flows with their published version and state; create,
//! rename, delete, and open one in the editor.
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useT } from '../i18n';
import { Badge, Button, DataTable, EmptyState, ErrorBox, Modal, PageHeader, useAsync, useConfirm, useFormat, useToast, type Column } from '../shell/ui';
import { hasRole, useAuth } from '../shell/auth';
import { flowsApi, type Flow } from './api';
import { flowText } from './messages';
import './flows.css';

function NameDialog({ title, initial, submitLabel, onSubmit, onClose }: { title: string; initial: string; submitLabel: string; onSubmit: (name: string) => Promise<void>; onClose: () => void }) {
  const t = useT(flowText);
  const [name, setName] = useState(initial);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    try {
      await onSubmit(name.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      size="sm"
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button variant="primary" type="submit" form="flow-name-form" loading={busy} disabled={!name.trim()} data-testid="flow-name-submit">
            {submitLabel}
          </Button>
        </>
      }
    >
      <form id="flow-name-form" onSubmit={submit} className="stack">
        <label className="field">
          <span className="field-label">{t('flowName')}</span>
          <input type="text" value={name} maxLength={120} required autoFocus onChange={(e) => setName(e.target.value)} data-testid="flow-name-input" />
        </label>
      </form>
    </Modal>
  );
}

export function FlowListPage() {
  const t = useT(flowText);
  const f = useFormat();
  const toast = useToast();
  const confirm = useConfirm();
  const navigate = useNavigate();
  const { user } = useAuth();
  const canEdit = hasRole(user, 'admin');
  const flows = useAsync(() => flowsApi.list(), []);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<Flow | null>(null);

  const create = async (name: string) => {
    try {
      const flow = await flowsApi.create(name);
      setCreating(false);
      navigate(`/flows/${flow.id}`);
    } catch (e) {
      toast.error(e);
    }
  };

  const rename = async (name: string) => {
    if (!renaming) return;
    try {
      const updated = await flowsApi.rename(renaming.id, name);
      flows.setData((all) => all?.map((x) => (x.id === updated.id ? updated : x)) ?? null);
      setRenaming(null);
    } catch (e) {
      toast.error(e);
    }
  };

  const remove = async (flow: Flow) => {
    const ok = await confirm({ title: t('deleteFlowTitle', { name: flow.name }), message: t('deleteFlowBody'), confirmLabel: t('delete'), danger: true });
    if (!ok) return;
    try {
      await flowsApi.remove(flow.id);
      flows.setData((all) => all?.filter((x) => x.id !== flow.id) ?? null);
      toast.success(t('flowDeleted'));
    } catch (e) {
      toast.error(e);
    }
  };

  const columns: Column<Flow>[] = [
    {
      key: 'name',
      header: t('name'),
      render: (flow) => (
        <Link to={`/flows/${flow.id}`} data-testid={`flow-link-${flow.id}`} onClick={(e) => e.stopPropagation()}>
          {flow.name}
        </Link>
      ),
    },
    {
      key: 'status',
      header: t('status'),
      render: (flow) =>
        flow.published_version ? (
          <Badge tone="success">{t('publishedVersion', { v: flow.published_version })}</Badge>
        ) : (
          <Badge tone="neutral">{t('draftOnly')}</Badge>
        ),
    },
    { key: 'nodes', header: t('nodes'), align: 'right', render: (flow) => ((flow.document as { nodes?: unknown[] } | null)?.nodes?.length ?? 0) },
    { key: 'updated', header: t('updated'), render: (flow) => <span title={f.dateTime(flow.updated_at)}>{f.relative(flow.updated_at)}</span> },
    {
      key: 'actions',
      header: <span className="sr-only">{t('actions')}</span>,
      align: 'right',
      render: (flow) => (
        <div className="row flow-row-actions" onClick={(e) => e.stopPropagation()}>
          <Link to={`/runs?flow=${flow.id}`} className="btn btn-ghost btn-sm">
            {t('runs')}
          </Link>
          {canEdit ? (
            <>
              <Button size="sm" variant="ghost" onClick={() => setRenaming(flow)} aria-label={t('renameFlowAria', { name: flow.name })} data-testid={`rename-${flow.id}`}>
                {t('rename')}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => remove(flow)} aria-label={t('deleteFlowAria', { name: flow.name })} data-testid={`delete-${flow.id}`}>
                {t('delete')}
              </Button>
            </>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <div className="page" data-testid="flow-list">
      <PageHeader
        title={t('flows')}
        subtitle={t('flowsSubtitle')}
        actions={
          canEdit ? (
            <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-flow">
              {t('newFlow')}
            </Button>
          ) : null
        }
      />
      {flows.error ? <ErrorBox error={flows.error} onRetry={flows.reload} /> : null}
      {flows.data && flows.data.length === 0 ? (
        <EmptyState
          title={t('noFlows')}
          action={
            canEdit ? (
              <Button variant="primary" onClick={() => setCreating(true)}>
                {t('newFlow')}
              </Button>
            ) : null
          }
        >
          {t('noFlowsHint')}
        </EmptyState>
      ) : (
        <DataTable columns={columns} rows={flows.data} rowKey={(x) => x.id} loading={flows.loading} onRowClick={(flow) => navigate(`/flows/${flow.id}`)} />
      )}
      {creating ? <NameDialog title={t('newFlow')} initial="" submitLabel={t('create')} onSubmit={create} onClose={() => setCreating(false)} /> : null}
      {renaming ? <NameDialog title={t('renameFlow')} initial={renaming.name} submitLabel={t('rename')} onSubmit={rename} onClose={() => setRenaming(null)} /> : null}
    </div>
  );
}
