-- Gateway quarantine (issue 13): a gateway caught carrying a reading whose device signature
-- does not verify is quarantined until an admin releases it; then suspect until suspect_until.
ALTER TABLE "device" ADD COLUMN     "quarantine_reason" TEXT,
ADD COLUMN     "quarantined_at" TIMESTAMPTZ(3),
ADD COLUMN     "suspect_until" TIMESTAMPTZ(3);
