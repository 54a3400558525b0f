-- Issue 18: a sealed reading's leaf is folded into its reading row too.
--
-- 1. A sealed reading (a restricted dataset's, e.g. a camera's) is appended as a commitment.v1
--    entry, SHA-256(salt || its reading.v1 entry) (lib/ledger-store/seal.ts). The salt is kept
--    in ledger_commitment and the inner entry is made of the reading row
--    (20261206010000_reading_storage), so the commitment entry can be rebuilt too: its leaf hash
--    is now a column of the reading row, sealed_leaf_hash, and the leaf has no ledger_leaf row.
--    A reading row holds at most one of leaf_hash (its reading.v1 leaf) and sealed_leaf_hash
--    (its commitment.v1 leaf); both NULL: its leaf is a ledger_leaf row (stored with its entry
--    before, or archived). The new column costs no byte in a row that leaves it NULL (the row's
--    null bitmap has room) and none in a sealed row, whose leaf_hash is NULL.
-- 2. The view ledger_leaf_all gives such a leaf with kind commitment.v1 and a NULL entry:
--    readers rebuild the commitment entry from the salt and the row (leaf-entries.ts), and the
--    audit rebuilds it before hashing it (audit.ts).
-- 3. Only the leaves whose opening stores no inner entry are moved (the inner entry is the one
--    the row makes); others stay ledger_leaf rows, as do the leaves of archived readings.
--    Retention (lib/ingest/archive-readings.ts) writes a day's sealed leaves back into
--    ledger_leaf with their commitment entries before it drops the day's partition.

ALTER TABLE "reading" ADD COLUMN "sealed_leaf_hash" BYTEA;

ALTER TABLE "reading" DISABLE TRIGGER reading_append_only;
UPDATE "reading" r SET "sealed_leaf_hash" = l."leaf_hash"
  FROM "ledger_leaf" l JOIN "ledger_commitment" c ON c."leaf_index" = l."leaf_index"
 WHERE l."leaf_index" = r."leaf_index" AND l."kind" = 'commitment.v1' AND l."entry" IS NOT NULL AND c."entry" IS NULL AND r."leaf_hash" IS NULL;
ALTER TABLE "reading" ENABLE TRIGGER reading_append_only;

ALTER TABLE "ledger_leaf" DISABLE TRIGGER ledger_leaf_append_only;
DELETE FROM "ledger_leaf" l USING "reading" r WHERE r."leaf_index" = l."leaf_index" AND r."sealed_leaf_hash" IS NOT NULL;
ALTER TABLE "ledger_leaf" ENABLE TRIGGER ledger_leaf_append_only;

-- Every leaf of the log: ledger_leaf's rows and the readings' folded leaves (entry, ref_table
-- and ref_id NULL: the entry is rebuilt from the row, and for a commitment from its salt too).
CREATE OR REPLACE VIEW "ledger_leaf_all" AS
  SELECT "leaf_index", "kind", "entry", "leaf_hash", "ref_table", "ref_id", "created_at" FROM "ledger_leaf"
  UNION ALL
  SELECT "leaf_index", CASE WHEN "leaf_hash" IS NOT NULL THEN 'reading.v1' ELSE 'commitment.v1' END::text, NULL::bytea, coalesce("leaf_hash", "sealed_leaf_hash"), NULL::text, NULL::text, "received_at"
    FROM "reading" WHERE "leaf_hash" IS NOT NULL OR "sealed_leaf_hash" IS NOT NULL;
