-- CreateTable
CREATE TABLE "JourneyAction" (
    "id" TEXT NOT NULL,
    "caseCode" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "taskId" TEXT,
    "actorId" TEXT,
    "detail" TEXT,

    CONSTRAINT "JourneyAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "JourneyAction_caseCode_seq_idx" ON "JourneyAction"("caseCode", "seq");
