/**
 * What the Temporal Web UI shows of a journey besides its search attributes: the static summary and
 * details set at start, and the one-line summaries of timers and activities. Templates are data, filled
 * from the policy and the journey's ids (case code, province, agency ids and kinds, task keys), never
 * from personal data. Pure, so the workflow and the client share it.
 */
import type { PolicyRef } from './definitions';

export const UI_TEMPLATES = {
  staticSummary: 'Case {caseCode} · {province} · lead agency {leadAgencyId}',
  staticDetails: [
    '**Case** {caseCode} · **province** {province} · **lead agency** {leadAgencyId}',
    '',
    '**Policy** {policyId} v{policyVersion} (`{digest}`)',
    '',
    '**Procedure** {stages}',
  ].join('\n'),
  /** The timer at a task's deadline, and the timers of its ladder's steps. */
  deadlineTimer: 'SLA: {stage} - {agency} - {phase}{within}',
  stepTimer: 'SLA: {stage} - {agency} - {phase}{within} - step {level}',
  escalate: 'Escalate to {roles} - {task} - step {level}',
  openTask: 'Open task {task} - {agency}',
  openStage: 'Open stage {stage}: {tasks}',
  syncJourney: 'Record journey changes',
  placeTask: 'Hand task {task} to the {role}',
  resolvePolicy: 'Resolve policy {policyId} v{policyVersion}',
} as const;

/** The acknowledgement phase is named, the completion phase is the SLA itself ("3 days"). */
export const PHASE_WORDS = { acknowledge: 'acknowledge within ', complete: '' } as const;

export type UiTemplate = keyof typeof UI_TEMPLATES;

/** `{name}` placeholders filled from `values`; a missing value is a bug, so it throws. */
export function fill(template: UiTemplate, values: Record<string, string | number>): string {
  return UI_TEMPLATES[template].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`UI template ${template} needs {${name}}`);
    return String(value);
  });
}

/** "initial-verification" → "initial verification", "health_dept" → "health dept": keys read as words. */
export const words = (key: string) => key.replace(/[-_]+/g, ' ');

const UNITS = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
] as const;

/** "3 days", "4 hours", "1 day 12 hours": the largest unit and the next one, rounded down. */
export function durationWords(ms: number): string {
  let rest = Math.max(1000, ms);
  const first = UNITS.findIndex(([, size]) => rest >= size);
  const parts: string[] = [];
  for (const [unit, size] of UNITS.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}

export interface StartFacts {
  caseCode: string;
  province: string;
  leadAgencyId: string;
  policy: PolicyRef;
  stages: string[];
}

export function staticSummary(f: StartFacts): string {
  return fill('staticSummary', { caseCode: f.caseCode, province: f.province, leadAgencyId: f.leadAgencyId });
}

export function staticDetails(f: StartFacts): string {
  return fill('staticDetails', {
    caseCode: f.caseCode,
    province: f.province,
    leadAgencyId: f.leadAgencyId,
    policyId: f.policy.id,
    policyVersion: f.policy.version,
    digest: f.policy.digest,
    stages: f.stages.map(words).join(' → '),
  });
}
