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

type UniqueViolation = {
  code?: string;
  meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } } };
};

/**
 * The insert failed on the open-task reply code index: pick another code. Read from the
 * constraint the driver names (SQLite: its fields; PostgreSQL: the index), never from the
 * message, which quotes the calling source.
 */
export function isReplyCodeClash(error: unknown): boolean {
  const e = error as UniqueViolation | undefined;
  if (e?.code !== 'P2002') return false;
  const constraint = e.meta?.driverAdapterError?.cause?.constraint;
  const names = [...(constraint?.fields ?? []), constraint?.index ?? '', ...(Array.isArray(e.meta?.target) ? e.meta.target : [String(e.meta?.target ?? '')])];
  return names.some((n) => /replyCode/.test(String(n)));
}
