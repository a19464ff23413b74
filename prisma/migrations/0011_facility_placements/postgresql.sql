-- Shelter placements: a place reserved for a case's placement task, released at exit; and
-- national facilities, which take people of every province.
ALTER TABLE "SupportFacility" ADD COLUMN "national" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "FacilityPlacement" (
    "taskId" TEXT NOT NULL,
    "caseCode" TEXT NOT NULL,
    "facilityId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reservedAt" TIMESTAMP(3) NOT NULL,
    "occupiedAt" TIMESTAMP(3),
    "releasedAt" TIMESTAMP(3),

    CONSTRAINT "FacilityPlacement_pkey" PRIMARY KEY ("taskId")
);

-- CreateIndex
CREATE INDEX "FacilityPlacement_caseCode_status_idx" ON "FacilityPlacement"("caseCode", "status");

-- CreateIndex
CREATE INDEX "FacilityPlacement_facilityId_status_idx" ON "FacilityPlacement"("facilityId", "status");

-- AddForeignKey
ALTER TABLE "FacilityPlacement" ADD CONSTRAINT "FacilityPlacement_facilityId_fkey" FOREIGN KEY ("facilityId") REFERENCES "SupportFacility"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
