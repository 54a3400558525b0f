-- Issue 18: a sealed reading's opening (its salt) is a column of its reading row.
--
-- 1. A sealed reading (a restricted dataset's, e.g. a camera's) is appended as a commitment.v1
--    entry, SHA-256(salt || its reading.v1 entry) (lib/ledger-store/seal.ts). Since
--    20261207030000_sealed_reading_leaf_folded its leaf hash is a column of the reading row
--    (sealed_leaf_hash) and its inner entry is made of the row; only the 32-byte salt was left in
--    ledger_commitment (a row and an index entry of its own). The salt is now a column of the
--    reading row, seal_salt, and such a reading has no ledger_commitment row. A public reading's
--    row leaves it NULL (no byte: the row's null bitmap has room for it).
-- 2. Every reader of a sealed reading's opening reads the salt there: the log's entry bundles, the
--    entry viewer, search, provenance and the datum download (leaf-entries.ts, search-entries.ts),
--    the audit (audit.ts: the reading rows it reads carry it), and retention.
-- 3. Only the salts of folded sealed readings whose opening stores no inner entry are moved (the
--    inner entry is the one the row makes). Other openings stay ledger_commitment rows: sealed
--    device.v1 and grant.v2 entries, openings stored with their inner entry before
--    20261206010000_reading_storage, and archived sealed readings' (retention,
--    lib/ingest/archive-readings.ts, writes a day's salts back into ledger_commitment with the
--    day's leaves before it drops the day's partition).
-- The column is added at the end of the row (no rewrite of the table); the moved salts' rows
-- are updated in place, their openings deleted.

ALTER TABLE "reading" ADD COLUMN "seal_salt" BYTEA;

ALTER TABLE "reading" DISABLE TRIGGER reading_append_only;
UPDATE "reading" r SET "seal_salt" = c."salt"
  FROM "ledger_commitment" c
 WHERE c."leaf_index" = r."leaf_index" AND c."entry" IS NULL AND r."sealed_leaf_hash" IS NOT NULL;
ALTER TABLE "reading" ENABLE TRIGGER reading_append_only;

ALTER TABLE "ledger_commitment" DISABLE TRIGGER ledger_commitment_append_only;
DELETE FROM "ledger_commitment" c USING "reading" r WHERE r."leaf_index" = c."leaf_index" AND r."seal_salt" IS NOT NULL;
ALTER TABLE "ledger_commitment" ENABLE TRIGGER ledger_commitment_append_only;
