-- Journey policy bodies, stored once by digest; a journey's input carries only the reference.
-- CreateTable
CREATE TABLE "PolicyBody" (
    "digest" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyBody_pkey" PRIMARY KEY ("digest")
);
