-- Signed device ingest (issue 4): gateway batches, dead letters, device registry indexes.

-- A batch an edge gateway signed: the RFC 9162 root over its readings' payload hashes.
-- payload_hashes keeps every hash of the batch in order (32 bytes each), including those
-- of readings the console refused, so the root can be recomputed and any reading's place
-- in the batch proven. Append-only, like the readings that point at it.
CREATE TABLE "gateway_batch" (
    "id" BIGSERIAL NOT NULL,
    "gateway_device_id" TEXT NOT NULL,
    "batch_root" BYTEA NOT NULL,
    "signature" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "payload_hashes" BYTEA NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_batch_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "gateway_batch_gateway_device_id_received_at_idx" ON "gateway_batch"("gateway_device_id", "received_at");
CREATE INDEX "reading_gateway_batch_id_idx" ON "reading"("gateway_batch_id");

CREATE TRIGGER gateway_batch_append_only BEFORE UPDATE OR DELETE ON "gateway_batch"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER gateway_batch_no_truncate BEFORE TRUNCATE ON "gateway_batch"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();

-- Every message the intake refused, with its raw bytes (truncated to the size limit when
-- it was oversize; raw_size is the size received), where it came from and why.
CREATE TABLE "dead_letter" (
    "id" BIGSERIAL NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "source_detail" TEXT,
    "raw" BYTEA NOT NULL,
    "raw_size" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "reason_text" TEXT NOT NULL,
    "field_path" TEXT,
    "device_id" TEXT,
    "department_id" TEXT,
    "gateway_device_id" TEXT,

    CONSTRAINT "dead_letter_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "dead_letter_received_at_idx" ON "dead_letter"("received_at");
CREATE INDEX "dead_letter_department_id_received_at_idx" ON "dead_letter"("department_id", "received_at");
CREATE INDEX "dead_letter_reason_idx" ON "dead_letter"("reason");

-- The intake refreshes its device cache from rows changed since its last look.
CREATE INDEX "device_updated_at_idx" ON "device"("updated_at");
CREATE INDEX "device_status_idx" ON "device"("status");
