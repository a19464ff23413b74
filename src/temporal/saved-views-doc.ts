/**
 * docs/saved-views.md, generated from SAVED_VIEWS for the default policy: `npm run docs:saved-views`
 * rewrites it, and a test fails while the committed file differs from what this renders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPolicy } from '../policy';
import type { JourneyPolicy } from '../policy/schema';
import { SAVED_VIEWS, viewQueryTemplate, type SavedView } from './saved-views';

export const SAVED_VIEWS_DOC = path.join('docs', 'saved-views.md');

export function savedViewsMarkdown(policy: JourneyPolicy = loadPolicy('default')): string {
  return [
    '# Saved views for managers',
    '',
    `<!-- Generated from src/temporal/saved-views.ts by \`npm run docs:saved-views\`; do not edit. -->`,
    '',
    'Each view is a visibility query over the journeys\' search attributes. In the Temporal Web UI',
    '(http://127.0.0.1:8233 with `npm start`) open **Workflows**, paste the query into the filter and',
    'save it as a view; the same query works with `temporal workflow list --query`. Replace',
    '`{province}` with your province code (e.g. `VN-DN`) and `{stageStartedBefore}` with the moment the',
    'view counts from, in RFC 3339 UTC (the commands below compute it). Stages are those of the',
    `default policy (${policy.id} v${policy.version}); \`viewQuery()\` fills them from the policy in force.`,
    '',
    'Mỗi chế độ xem là một truy vấn trên các thuộc tính tìm kiếm của hồ sơ: dán truy vấn vào ô lọc',
    'của Temporal Web UI rồi lưu lại, hoặc dùng với `temporal workflow list --query`.',
    '',
    ...SAVED_VIEWS.flatMap((view) => section(view, policy)),
  ].join('\n');
}

function section(view: SavedView, policy: JourneyPolicy): string[] {
  const query = viewQueryTemplate(view, policy);
  return [
    `## ${view.title.en} · ${view.title.vi}`,
    '',
    `\`${view.name}\``,
    '',
    `- ${view.description.en}`,
    `- ${view.description.vi}`,
    '',
    '```',
    query,
    '```',
    '',
    '```sh',
    ...cliCommand(view, query),
    '```',
    '',
  ];
}

function cliCommand(view: SavedView, query: string): string[] {
  const shellQuery = query.replace('{province}', '$PROVINCE').replace('{stageStartedBefore}', '$SINCE');
  const setup = [
    ...(query.includes('{province}') ? ['PROVINCE=VN-DN'] : []),
    ...(view.olderThan ? [`SINCE=$(date -u -d '${daysOf(view.olderThan)} days ago' +%Y-%m-%dT%H:%M:%SZ)`] : []),
  ];
  return [...setup, `temporal workflow list --namespace default --query "${shellQuery.replace(/"/g, '\\"')}"`];
}

/** The views' `olderThan` are whole days ("3d"). */
function daysOf(duration: string): number {
  const match = /^(\d+)d$/.exec(duration);
  if (!match) throw new Error(`saved view age ${duration} must be whole days`);
  return Number(match[1]);
}

if (require.main === module) {
  // npm runs scripts from the repository root.
  const file = path.join(process.cwd(), SAVED_VIEWS_DOC);
  fs.writeFileSync(file, savedViewsMarkdown());
  console.log(`wrote ${SAVED_VIEWS_DOC}`);
}
