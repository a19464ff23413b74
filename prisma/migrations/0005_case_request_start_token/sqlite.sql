-- AlterTable
ALTER TABLE "CaseRequest" ADD COLUMN "startToken" TEXT;
