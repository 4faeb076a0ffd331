//! The flow designer area: flow list, editor with simulator, runs and run detail pages.
export { FlowListPage } from './FlowListPage';
export { FlowEditorPage } from './editor/FlowEditorPage';
export { RunsPage } from './runs/RunsPage';
export { RunDetailPage } from './runs/RunDetailPage';
