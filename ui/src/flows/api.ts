//! Calls to the flows and runs API used by the designer, the simulator and the runs pages.
import { api, ApiError, type Schemas } from '../api/client';
import type { FlowDocument } from './document';

export type Flow = Schemas['Flow'];
export type NodeType = Schemas['NodeType'];
export type FlowProblem = Schemas['FlowProblem'];
export type Validation = Schemas['Validation'];
export type FlowVersion = Schemas['FlowVersion'];
export type FlowDiff = Schemas['FlowDiff'];
export type Run = Schemas['Run'];
export type RunDetail = Schemas['RunDetail'];
export type RunStep = Schemas['RunStep'];
export type RunPage = Schemas['RunPage'];
export type TestCustomer = Schemas['TestCustomer'];

const flowPath = (id: string) => `/api/flows/${encodeURIComponent(id)}`;
const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

export const flowsApi = {
  list: () => api<Flow[]>('GET', '/api/flows'),
  create: (name: string, document?: FlowDocument) =>
    api<Flow>('POST', '/api/flows', { body: { name, description: '', ...(document ? { document } : {}) } }),
  get: (id: string) => api<Flow>('GET', flowPath(id)),
  rename: (id: string, name: string) => api<Flow>('PATCH', flowPath(id), { body: { name } }),
  saveDraft: (id: string, document: FlowDocument) => api<Flow>('PATCH', flowPath(id), { body: { document } }),
  remove: (id: string) => api<void>('DELETE', flowPath(id)),
  validate: (id: string) => api<Validation>('POST', `${flowPath(id)}/validate`),
  /** Publishes the draft; while it has problems, answers `{ ok: false, problems }`. */
  async publish(id: string): Promise<{ ok: true; version: number; created: boolean } | { ok: false; problems: FlowProblem[] }> {
    try {
      const p = await api<Schemas['Published']>('POST', `${flowPath(id)}/publish`);
      return { ok: true, version: p.version.version, created: p.created };
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        // The 422 body is the same check as `validate`; ask for it to get the problems.
        const v = await flowsApi.validate(id);
        return { ok: false, problems: v.problems };
      }
      throw e;
    }
  },
  versions: (id: string) => api<FlowVersion[]>('GET', `${flowPath(id)}/versions`),
  version: (id: string, v: number) => api<FlowVersion>('GET', `${flowPath(id)}/versions/${v}`),
  diff: (id: string, v: number, against?: number) =>
    api<FlowDiff>('GET', `${flowPath(id)}/versions/${v}/diff`, { query: { against } }),
  restore: (id: string, v: number) => api<Flow>('POST', `${flowPath(id)}/versions/${v}/restore`),
  nodeTypes: () => api<NodeType[]>('GET', '/api/node-types'),
};

export interface RunFilters {
  flow_id?: string;
  status?: string;
  test?: boolean;
  cursor?: string;
  limit?: number;
}

export const runsApi = {
  startTest: (flowId: string, body: { customer: TestCustomer; message?: string }) =>
    api<RunDetail>('POST', `${flowPath(flowId)}/test-runs`, { body }),
  reply: (runId: string, text: string) => api<RunDetail>('POST', `${runPath(runId)}/reply`, { body: { text } }),
  get: (runId: string) => api<RunDetail>('GET', runPath(runId)),
  cancel: (runId: string) => api<RunDetail>('POST', `${runPath(runId)}/cancel`),
  list: (f: RunFilters) => api<RunPage>('GET', '/api/runs', { query: { ...f } }),
};

export const RUN_STATUSES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** True while a run can still move on. */
export function runIsActive(status: string) {
  return status === 'running' || status === 'waiting';
}
