/**
 * The journey's current details for the Web UI, in Temporal markdown: stage, and each open task
 * with its owner agency, assignee id, due time, how late and escalation step. Ids only.
 */
import { formatDuration } from '../policy/duration';
import type { TaskState } from '../journey/definitions';
import type { Journey } from './journey-state';

export function currentDetails(j: Journey, now: number): string {
  const { stage, round, status, policy, caseCode } = j.state;
  const lines = [
    `**Case** ${caseCode} · **stage** ${stage}${round ? ` (round ${round + 1})` : ''} · **${status}** · policy ${policy.id} v${policy.version}`,
    '',
  ];
  const open = j.openTasks();
  if (!open.length) return [...lines, '_No open task._'].join('\n');
  lines.push('| task | agency | assignee | status | due | late by | escalation step |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const t of open) lines.push(taskRow(t, now));
  return lines.join('\n');
}

function taskRow(t: TaskState, now: number): string {
  const due = t.status === 'open' ? t.acknowledgeDueAt : t.completeDueAt;
  const phase = t.status === 'open' ? 'acknowledge' : 'complete';
  const late = now - Date.parse(due);
  const lateBy = late >= 0 ? formatLate(late) : '—';
  return `| ${t.id} | ${t.agencyId} | ${t.assigneeId ?? '(unassigned)'} | ${t.status} | ${phase} by ${due} | ${lateBy} | ${t.escalationLevel} |`;
}

/** Rounded down to whole hours past a day, minutes below, so the table stays readable. */
function formatLate(ms: number): string {
  if (ms < 60_000) return 'now';
  const unit = ms >= 86_400_000 ? 3_600_000 : 60_000;
  return formatDuration(Math.floor(ms / unit) * unit);
}
