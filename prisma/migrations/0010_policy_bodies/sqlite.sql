-- Journey policy bodies, stored once by digest; a journey's input carries only the reference.
-- CreateTable
CREATE TABLE "PolicyBody" (
    "digest" TEXT NOT NULL PRIMARY KEY,
    "policyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
