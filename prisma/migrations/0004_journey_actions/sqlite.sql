-- CreateTable
CREATE TABLE "JourneyAction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseCode" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "taskId" TEXT,
    "actorId" TEXT,
    "detail" TEXT
);

-- CreateIndex
CREATE INDEX "JourneyAction_caseCode_seq_idx" ON "JourneyAction"("caseCode", "seq");
