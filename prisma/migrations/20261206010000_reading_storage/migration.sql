-- Issue 18: the bytes a reading costs, and readings partitioned by day.
--
-- 1. A reading's ledger entry is not stored twice. Its reading.v1 entry (dataset, device, seq,
--    observedAt, payloadHash, signature, gateway) is made of the reading row and its gateway
--    batch, so the leaf of a reading keeps only its index, kind and leaf hash: entry, ref_table
--    and ref_id are NULL, and whoever reads the entry rebuilds it from the row with the one
--    reading encoder (lib/ledger-store/leaf-entries.ts; the audit rebuilds it byte for byte and
--    checks its hash against the stored leaf hash and the tree). A sealed reading (a restricted
--    dataset's, commitment.v1) keeps its commitment entry and salt; the opening's inner entry
--    (ledger_commitment.entry) is NULL likewise. Leaves stored before keep their entries.
-- 2. reading has no id of its own (the leaf index names a reading) and no received_at (its
--    leaf's created_at is the same instant, written in the same transaction).
-- 3. reading is partitioned by observed_at, one partition a UTC day (reading_pYYYYMMDD, made
--    ahead by reading_partition(); reading_default takes a reading of a day with no partition),
--    so that days older than READING_RETENTION_DAYS can be exported and detached whole.
-- 4. Indexes, each for the queries that use it: leaf_index (primary key, with observed_at as a
--    partitioned table's key must be; the id index it replaces is gone) for the ledger's joins
--    and cursors; (device_id, seq) for the intake's resend and replay checks (no longer unique:
--    a partitioned table's unique index must hold observed_at; the intake decides under the
--    device's row lock, lib/ingest/commit.ts); (device_id, observed_at) for a device's readings
--    in a time window (provenance, sources, map details, the simulator's backfill at start);
--    (dataset_id, observed_at) for the map and dataset reads; gateway_batch_id for a batch's
--    readings (provenance).

ALTER TABLE "ledger_leaf" ALTER COLUMN "entry" DROP NOT NULL;
ALTER TABLE "ledger_commitment" ALTER COLUMN "entry" DROP NOT NULL;

ALTER TABLE "reading" RENAME TO "reading_unpartitioned";
ALTER INDEX "reading_pkey" RENAME TO "reading_unpartitioned_pkey";
ALTER INDEX "reading_leaf_index_key" RENAME TO "reading_unpartitioned_leaf_index_key";
ALTER INDEX "reading_device_id_seq_key" RENAME TO "reading_unpartitioned_device_id_seq_key";
DROP INDEX "reading_dataset_id_observed_at_idx";
DROP INDEX "reading_device_id_observed_at_idx";
DROP INDEX "reading_gateway_batch_id_idx";

CREATE TABLE "reading" (
    "leaf_index" BIGINT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" BYTEA NOT NULL,
    "signature" BYTEA,
    "gateway_batch_id" BIGINT,

    CONSTRAINT "reading_pkey" PRIMARY KEY ("leaf_index", "observed_at")
) PARTITION BY RANGE ("observed_at");
CREATE INDEX "reading_device_id_seq_idx" ON "reading"("device_id", "seq");
CREATE INDEX "reading_device_id_observed_at_idx" ON "reading"("device_id", "observed_at");
CREATE INDEX "reading_dataset_id_observed_at_idx" ON "reading"("dataset_id", "observed_at");
CREATE INDEX "reading_gateway_batch_id_idx" ON "reading"("gateway_batch_id");

-- The partition of the UTC day `day` falls in, made if missing; returns its name. A day
-- whose readings already went to reading_default is left there (its partition cannot be
-- attached over them): NULL is returned then.
CREATE OR REPLACE FUNCTION reading_partition(day TIMESTAMPTZ) RETURNS TEXT AS $$
DECLARE
  d DATE := (day AT TIME ZONE 'UTC')::date;
  name TEXT := 'reading_p' || to_char(d, 'YYYYMMDD');
  taken BOOLEAN := false;
BEGIN
  IF to_regclass(name) IS NOT NULL THEN RETURN name; END IF;
  IF to_regclass('reading_default') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM reading_default WHERE observed_at >= $1 AND observed_at < $2)'
      INTO taken USING (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC');
    IF taken THEN RETURN NULL; END IF;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF reading FOR VALUES FROM (%L) TO (%L)', name,
    to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
  RETURN name;
END;
$$ LANGUAGE plpgsql;

SELECT reading_partition(day) FROM (SELECT DISTINCT date_trunc('day', observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day FROM "reading_unpartitioned") d;
SELECT reading_partition(now() + make_interval(days => n)) FROM generate_series(-1, 2) AS n;
CREATE TABLE "reading_default" PARTITION OF "reading" DEFAULT;

INSERT INTO "reading" ("leaf_index", "dataset_id", "device_id", "seq", "observed_at", "lon", "lat", "payload", "payload_hash", "signature", "gateway_batch_id")
SELECT "leaf_index", "dataset_id", "device_id", "seq", "observed_at", "lon", "lat", "payload", "payload_hash", "signature", "gateway_batch_id" FROM "reading_unpartitioned";

-- The rule engine's cursor was a reading id; it is now the leaf index of the last reading read.
ALTER TABLE "rule_cursor" RENAME COLUMN "last_reading_id" TO "last_leaf_index";
UPDATE "rule_cursor" c SET "last_leaf_index" = coalesce((SELECT max(r."leaf_index") FROM "reading_unpartitioned" r WHERE r."id" <= c."last_leaf_index"), 0);

DROP TABLE "reading_unpartitioned";

-- Still append-only (row triggers on a partitioned table apply to every partition).
CREATE TRIGGER reading_append_only BEFORE UPDATE OR DELETE ON "reading"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER reading_no_truncate BEFORE TRUNCATE ON "reading"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();

-- What was archived: one row per day exported to a file and detached (lib/ingest/archive-readings.ts).
CREATE TABLE "reading_archive" (
    "day" DATE NOT NULL,
    "file" TEXT NOT NULL,
    "readings" BIGINT NOT NULL,
    "first_leaf" BIGINT,
    "last_leaf" BIGINT,
    "sha256" TEXT NOT NULL,
    "archived_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reading_archive_pkey" PRIMARY KEY ("day")
);
