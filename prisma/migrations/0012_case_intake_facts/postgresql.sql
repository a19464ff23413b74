-- Intake facts of a case: when and through whom the health department was notified, a child's
-- case, and the family its linked cases share. Null for cases recorded before.
ALTER TABLE "Case" ADD COLUMN "notifiedAt" TIMESTAMP(3);
ALTER TABLE "Case" ADD COLUMN "notifiedBy" TEXT;
ALTER TABLE "Case" ADD COLUMN "isChild" BOOLEAN;
ALTER TABLE "Case" ADD COLUMN "familyId" TEXT;

-- CreateIndex
CREATE INDEX "Case_familyId_idx" ON "Case"("familyId");
