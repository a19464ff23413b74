/**
 * Four eyes on closure (policy `closureApproval`): a manager of the province who did not ask for
 * the closure approves it (the case closes) or rejects it (the request is withdrawn). The manager's
 * credential must name their staff member, so the journey can tell them from the requester.
 */
import { z } from 'zod';
import { approveClosureUpdate, ClosureRejectionReason, rejectClosureUpdate } from '../../journey/definitions';
import type { ApiContext } from '../context';
import { addAction } from '../journey-actions';
import { ClosedView } from '../schemas';

export function closureRoutes(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'closure/approve',
    operationId: 'approveClosure',
    summary: 'Approve the closure someone else asked for: the case closes with the reason asked',
    description: 'Refused (403, `SameApprover`) to the person who asked; 409 when no closure waits for approval.',
    permission: 'case.close-approve',
    response: ClosedView,
    update: approveClosureUpdate,
    args: async (_i, actor) => ({ ...actor }),
  });
  addAction(ctx, {
    level: 'case',
    path: 'closure/reject',
    operationId: 'rejectClosure',
    summary: 'Reject a closure request: the case and its closure task stay open',
    permission: 'case.close-approve',
    body: z.strictObject({ reason: ClosureRejectionReason }),
    response: ClosedView,
    update: rejectClosureUpdate,
    args: async ({ body }, actor) => ({ ...actor, reason: body.reason }),
  });
}
