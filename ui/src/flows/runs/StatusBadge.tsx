//! A run's status as a coloured badge, in the user's language.
import { useT } from '../../i18n';
import { Badge, type BadgeTone } from '../../shell/ui';
import { flowText, type FlowTextKey } from '../messages';

const TONES: Record<string, BadgeTone> = {
  running: 'info',
  waiting: 'warning',
  completed: 'success',
  failed: 'danger',
  cancelled: 'neutral',
};

export const STATUS_KEYS: Record<string, FlowTextKey> = {
  running: 'statusRunning',
  waiting: 'statusWaiting',
  completed: 'statusCompleted',
  failed: 'statusFailed',
  cancelled: 'statusCancelled',
};

export function StatusBadge({ status, testId = 'run-status' }: { status: string; testId?: string }) {
  const t = useT(flowText);
  return (
    <span data-testid={testId} data-status={status}>
      <Badge tone={TONES[status] ?? 'neutral'}>{STATUS_KEYS[status] ? t(STATUS_KEYS[status]) : status}</Badge>
    </span>
  );
}
