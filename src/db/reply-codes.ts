/**
 * Reply codes: what staff type after OK / XONG / DONE in an SMS reply ("OK 4821"). Four digits are
 * easy to type on any phone; a code names one task while the task is open or acknowledged (a
 * partial unique index, migration 0008_reply_codes, settles two tasks opened at the same instant).
 * A done task keeps its code, so a late reply can be told the task is already done. With
 * thousands of open tasks the codes grow a digit rather than fail.
 */
import { randomInt } from 'node:crypto';
import { ACTIVE_TASK_STATUSES } from './task-rules';

export const REPLY_CODE = /^\d{4,6}$/;
const TRIES_PER_LENGTH = 20;

type TaskTable = {
  task: { findFirst(args: { where: { replyCode: string; status: { in: string[] } }; select: { id: true } }): Promise<unknown> };
};

/** A code no open task holds right now (the caller's insert may still lose a race: see `isReplyCodeClash`). */
export async function freeReplyCode(prisma: TaskTable): Promise<string> {
  for (let digits = 4; ; digits++) {
    for (let i = 0; i < TRIES_PER_LENGTH; i++) {
      const code = String(randomInt(10 ** (digits - 1), 10 ** digits));
      const taken = await prisma.task.findFirst({ where: { replyCode: code, status: { in: ACTIVE_TASK_STATUSES } }, select: { id: true } });
      if (!taken) return code;
    }
  }
}

/** The insert failed on the open-task reply code index: pick another code. */
export function isReplyCodeClash(error: unknown): boolean {
  const e = error as { code?: string; message?: string; meta?: unknown };
  return e?.code === 'P2002' && /replyCode/.test(`${e.message ?? ''} ${JSON.stringify(e.meta ?? {})}`);
}
