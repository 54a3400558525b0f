-- Photo re-use by hash (issue 20): reports carrying a given photo are found with `photo_hashes && $1`,
-- which this GIN index answers without reading every report.
CREATE INDEX "citizen_report_photo_hashes_idx" ON "citizen_report" USING GIN ("photo_hashes");
