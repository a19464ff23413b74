-- SMS reply keywords: a reply code per task, unique among open tasks, and the inbound messages.
-- AlterTable
ALTER TABLE "Task" ADD COLUMN "replyCode" TEXT;

-- CreateTable
CREATE TABLE "InboundSms" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "staffId" TEXT,
    "taskId" TEXT,
    "command" TEXT,
    "result" TEXT,
    "answer" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answeredAt" DATETIME
);

-- CreateIndex
CREATE INDEX "Task_replyCode_idx" ON "Task"("replyCode");

-- A code names one task while it is still to do; done tasks keep theirs, so a late reply is told so.
CREATE UNIQUE INDEX "Task_replyCode_active_key" ON "Task"("replyCode") WHERE "status" IN ('open', 'acknowledged');
