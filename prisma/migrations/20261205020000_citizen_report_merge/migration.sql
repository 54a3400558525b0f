-- Citizen report merges (issue 20): a report the owning department marked a duplicate points
-- at the report that is kept (status "merged"; the merge is a report.v1 leaf with duplicateOf).
ALTER TABLE "citizen_report" ADD COLUMN "duplicate_of" TEXT;
CREATE INDEX "citizen_report_duplicate_of_idx" ON "citizen_report"("duplicate_of");
