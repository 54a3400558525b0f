-- Issue 18: a gateway batch's readings are found by its leaf range, not by an index on
-- reading.gateway_batch_id.
--
-- A batch's readings are stored in one transaction (lib/ingest/commit.ts), so their leaves lie
-- in [first_leaf, last_leaf] (not necessarily contiguous: readings of other batches and devices
-- may be sequenced between them). gateway_batch keeps that range, written with the batch after
-- its readings' leaves are taken; provenance reads a batch's readings by the primary key range
-- with gateway_batch_id as a filter. NULL for a batch none of whose readings was stored.
-- The audit checks the range against the readings (lib/ledger-store/audit-checks.ts).

ALTER TABLE "gateway_batch" ADD COLUMN "first_leaf" BIGINT, ADD COLUMN "last_leaf" BIGINT;

ALTER TABLE "gateway_batch" DISABLE TRIGGER gateway_batch_append_only;
UPDATE "gateway_batch" g SET "first_leaf" = m.a, "last_leaf" = m.b
  FROM (SELECT "gateway_batch_id" AS id, min("leaf_index") AS a, max("leaf_index") AS b FROM "reading" WHERE "gateway_batch_id" IS NOT NULL GROUP BY 1) m
 WHERE g."id" = m.id;
ALTER TABLE "gateway_batch" ENABLE TRIGGER gateway_batch_append_only;

DROP INDEX "reading_gateway_batch_id_idx";
