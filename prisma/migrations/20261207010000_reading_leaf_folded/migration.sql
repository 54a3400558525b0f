-- Issue 18: a reading's leaf is folded into its reading row.
--
-- 1. A reading.v1 leaf stores no entry since 20261206010000_reading_storage: its ledger_leaf
--    row held only leaf_index, kind, leaf_hash and created_at. The leaf hash and the received
--    time are now columns of reading (leaf_hash, received_at), and such a leaf has no
--    ledger_leaf row. A sealed reading's leaf (commitment.v1, whose commitment entry is kept)
--    stays in ledger_leaf and its reading's leaf_hash is NULL; so do leaves stored with their
--    entries before, and the leaves of readings already archived.
-- 2. Every leaf, wherever it is stored, is read through the view ledger_leaf_all (the log's
--    tiles, proofs, entry bundles, search, the integrator and the audit); ledger_leaf alone
--    still serves the queries by kind of the other entries.
-- 3. Retention (lib/ingest/archive-readings.ts) copies the leaf hashes of a day's readings
--    into ledger_leaf before it drops the day's partition: the tree, proofs and the audit of
--    an archived range read them there, as before.
-- 4. reading's columns are ordered fixed-width first, so that no row pays alignment padding
--    between a text and an int8 column. The table is rebuilt (with its partitions) and the
--    moved leaves deleted from ledger_leaf.

ALTER TABLE "reading" DROP CONSTRAINT "reading_pkey";
DROP INDEX "reading_device_id_seq_idx";
DROP INDEX "reading_device_id_observed_at_idx";
DROP INDEX "reading_dataset_id_observed_at_idx";
DROP INDEX "reading_gateway_batch_id_idx";
DROP TRIGGER reading_append_only ON "reading";
DROP TRIGGER reading_no_truncate ON "reading";
DO $$
DECLARE p RECORD;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'reading'::regclass LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', p.relname, p.relname || '_old');
  END LOOP;
END $$;
ALTER TABLE "reading" RENAME TO "reading_old";

CREATE TABLE "reading" (
    "leaf_index" BIGINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "gateway_batch_id" BIGINT,
    "dataset_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" BYTEA NOT NULL,
    "signature" BYTEA,
    "leaf_hash" BYTEA,

    CONSTRAINT "reading_pkey" PRIMARY KEY ("leaf_index", "observed_at")
) PARTITION BY RANGE ("observed_at");
CREATE INDEX "reading_device_id_seq_idx" ON "reading"("device_id", "seq");
CREATE INDEX "reading_device_id_observed_at_idx" ON "reading"("device_id", "observed_at");
CREATE INDEX "reading_dataset_id_observed_at_idx" ON "reading"("dataset_id", "observed_at");
CREATE INDEX "reading_gateway_batch_id_idx" ON "reading"("gateway_batch_id");

SELECT reading_partition(day) FROM (SELECT DISTINCT date_trunc('day', observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day FROM "reading_old") d;
SELECT reading_partition(now() + make_interval(days => n)) FROM generate_series(-1, 2) AS n;
CREATE TABLE "reading_default" PARTITION OF "reading" DEFAULT;

INSERT INTO "reading" ("leaf_index", "seq", "observed_at", "received_at", "lon", "lat", "gateway_batch_id", "dataset_id", "device_id", "payload", "payload_hash", "signature", "leaf_hash")
SELECT r."leaf_index", r."seq", r."observed_at", coalesce(l."created_at", CURRENT_TIMESTAMP), r."lon", r."lat", r."gateway_batch_id", r."dataset_id", r."device_id", r."payload", r."payload_hash", r."signature",
       CASE WHEN l."kind" = 'reading.v1' AND l."entry" IS NULL THEN l."leaf_hash" END
  FROM "reading_old" r LEFT JOIN "ledger_leaf" l ON l."leaf_index" = r."leaf_index";

ALTER TABLE "ledger_leaf" DISABLE TRIGGER ledger_leaf_append_only;
DELETE FROM "ledger_leaf" l USING "reading" r WHERE r."leaf_index" = l."leaf_index" AND r."leaf_hash" IS NOT NULL;
ALTER TABLE "ledger_leaf" ENABLE TRIGGER ledger_leaf_append_only;

DROP TABLE "reading_old";

CREATE TRIGGER reading_append_only BEFORE UPDATE OR DELETE ON "reading"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER reading_no_truncate BEFORE TRUNCATE ON "reading"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();

-- Every leaf of the log: ledger_leaf's rows and the readings' folded leaves (entry, ref_table
-- and ref_id NULL: the entry is rebuilt from the row, lib/ledger-store/leaf-entries.ts).
CREATE VIEW "ledger_leaf_all" AS
  SELECT "leaf_index", "kind", "entry", "leaf_hash", "ref_table", "ref_id", "created_at" FROM "ledger_leaf"
  UNION ALL
  SELECT "leaf_index", 'reading.v1'::text, NULL::bytea, "leaf_hash", NULL::text, NULL::text, "received_at" FROM "reading" WHERE "leaf_hash" IS NOT NULL;
