-- One vocabulary for a task: the columns take the names the journey and the API use.
ALTER TABLE "Task" RENAME COLUMN "taskKey" TO "key";
ALTER TABLE "Task" RENAME COLUMN "ackDueAt" TO "acknowledgeDueAt";
ALTER TABLE "Task" RENAME COLUMN "doneDueAt" TO "completeDueAt";

-- The policy a case follows, as a column instead of text in its history.
ALTER TABLE "Case" ADD COLUMN "policyId" TEXT;
ALTER TABLE "Case" ADD COLUMN "policyVersion" INTEGER;

-- Cases recorded before: the policy named when the case opened ("vn-default v1"), and the
-- version of its last policy change ("v1→v2"), if any.
UPDATE "Case" SET
  "policyId" = (
    SELECT substr(a."detail", 1, instr(a."detail", ' v') - 1) FROM "JourneyAction" a
    WHERE a."caseCode" = "Case"."code" AND a."action" = 'case-opened' AND instr(a."detail", ' v') > 0
  ),
  "policyVersion" = COALESCE(
    (SELECT CAST(substr(a."detail", instr(a."detail", '→v') + 2) AS INTEGER) FROM "JourneyAction" a
     WHERE a."caseCode" = "Case"."code" AND a."action" = 'policy-changed' AND instr(a."detail", '→v') > 0
     ORDER BY a."seq" DESC LIMIT 1),
    (SELECT CAST(substr(a."detail", instr(a."detail", ' v') + 2) AS INTEGER) FROM "JourneyAction" a
     WHERE a."caseCode" = "Case"."code" AND a."action" = 'case-opened' AND instr(a."detail", ' v') > 0)
  );
