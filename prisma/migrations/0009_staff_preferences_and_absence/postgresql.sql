-- A staff member's preferred channel, and an absence with the deputy who covers it.
-- All nullable: existing staff keep today's behaviour (the ladder's channels, no absence).
ALTER TABLE "StaffMember" ADD COLUMN "preferredChannel" TEXT;
ALTER TABLE "StaffMember" ADD COLUMN "absentFrom" TIMESTAMP(3);
ALTER TABLE "StaffMember" ADD COLUMN "absentUntil" TIMESTAMP(3);
ALTER TABLE "StaffMember" ADD COLUMN "absenceReason" TEXT;
ALTER TABLE "StaffMember" ADD COLUMN "deputyId" TEXT;
