-- AlterTable
ALTER TABLE "CaseRequest" ADD COLUMN "startToken" TEXT;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN "outcome" TEXT;
