/**
 * Saved views for managers in the Temporal Web UI (and `temporal workflow list --query`): data, one
 * entry each, over the journeys' search attributes (src/temporal/search-attributes.ts). Queries
 * name stages through what the policy's tasks count, so a province's own procedure keeps its views;
 * docs/saved-views.md is generated from this list (`npm run docs:saved-views`).
 *
 * Placeholders: {province} (the manager's), {stageStartedBefore} (now minus the view's `olderThan`),
 * {verificationStages}, {supportStages} (from the policy).
 */
import { ProvinceCode } from '../domain/provinces';
import { durationMs } from '../policy/duration';
import type { JourneyPolicy } from '../policy/schema';

export interface SavedView {
  name: string;
  title: { vi: string; en: string };
  description: { vi: string; en: string };
  query: string;
  /** For {stageStartedBefore}: how long the stage has been open. */
  olderThan?: string;
}

const RUNNING = 'ExecutionStatus = "Running"';

export const SAVED_VIEWS: readonly SavedView[] = [
  {
    name: 'overdue-in-my-province',
    title: { vi: 'Quá hạn tại tỉnh tôi', en: 'Overdue in my province' },
    description: {
      vi: 'Hồ sơ đang mở của tỉnh có ít nhất một nhiệm vụ đã quá hạn tiếp nhận hoặc hoàn thành.',
      en: "Open journeys of the manager's province with at least one task past its acknowledge or complete deadline.",
    },
    query: `${RUNNING} AND Overdue = true AND Province = "{province}"`,
  },
  {
    name: 'escalated-step-3',
    title: { vi: 'Đã leo thang từ bước 3', en: 'Escalated to step 3 or higher' },
    description: {
      vi: 'Hồ sơ đang mở có nhiệm vụ đã leo thang tới đầu mối của cơ quan hoặc cao hơn (bước 3 trở lên).',
      en: "Open journeys with a task escalated to its agency's focal point or beyond (ladder step 3 or higher).",
    },
    query: `${RUNNING} AND EscalationLevel >= 3`,
  },
  {
    name: 'verification-open-over-3-days',
    title: { vi: 'Xác minh mở quá 3 ngày', en: 'Verification open for more than 3 days' },
    description: {
      vi: 'Hồ sơ đang ở giai đoạn xác minh ban đầu đã hơn 3 ngày (Điều 27 Luật 53/2024: tối đa 3 ngày).',
      en: 'Journeys in initial verification for more than 3 days (Law 53/2024 Art. 27 allows 3 days).',
    },
    query: `${RUNNING} AND Stage IN ({verificationStages}) AND StageStartedAt < "{stageStartedBefore}"`,
    olderThan: '3d',
  },
  {
    name: 'identified-victims-in-support',
    title: { vi: 'Nạn nhân đang được hỗ trợ', en: 'Identified victims in support' },
    description: {
      vi: 'Người đã được xác định là nạn nhân, đang ở giai đoạn lập kế hoạch hoặc thực hiện hỗ trợ.',
      en: 'People identified as victims whose journey is in support planning or support services.',
    },
    query: `${RUNNING} AND IdentifiedAsVictim = true AND Stage IN ({supportStages})`,
  },
];

/** Stages whose tasks count toward verification; stages that plan support or deliver it. */
export function stagesOf(policy: JourneyPolicy) {
  const keys = (pick: (t: JourneyPolicy['stages'][number]['tasks'][number]) => boolean) =>
    policy.stages.filter((s) => s.tasks.some(pick)).map((s) => s.key);
  return {
    verificationStages: keys((t) => Boolean(t.counts?.includes('verified'))),
    supportStages: keys((t) => Boolean(t.plans) || Boolean(t.counts?.includes('supported'))),
  };
}

export interface ViewParameters {
  policy: JourneyPolicy;
  /** The manager's province (ISO 3166-2, "VN-DN"); for views that name one. */
  province?: string;
  /** The moment the view is asked at; for views with `olderThan`. */
  now?: Date;
}

/** The view's visibility query for one manager at one moment. */
export function viewQuery(view: SavedView, p: ViewParameters): string {
  const stages = stagesOf(p.policy);
  const values: Record<string, string | undefined> = {
    // A known province code only: nothing else can end up inside the query's quotes.
    province: p.province === undefined ? undefined : ProvinceCode.parse(p.province),
    stageStartedBefore: view.olderThan && p.now ? new Date(p.now.getTime() - durationMs(view.olderThan)).toISOString() : undefined,
    verificationStages: quoted(stages.verificationStages),
    supportStages: quoted(stages.supportStages),
  };
  return fillQuery(view, values);
}

/** The query with its policy placeholders filled and the others left as `{name}`, for the docs. */
export function viewQueryTemplate(view: SavedView, policy: JourneyPolicy): string {
  const stages = stagesOf(policy);
  return view.query.replace('{verificationStages}', quoted(stages.verificationStages)).replace('{supportStages}', quoted(stages.supportStages));
}

function fillQuery(view: SavedView, values: Record<string, string | undefined>): string {
  return view.query.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`saved view ${view.name} needs ${name}`);
    return value;
  });
}

const quoted = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');
