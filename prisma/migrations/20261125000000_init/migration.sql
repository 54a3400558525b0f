-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "department" (
    "id" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "witness_public_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "department_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset" (
    "id" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "sensitivity" TEXT NOT NULL DEFAULT 'internal',
    "schema" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "device" (
    "id" TEXT NOT NULL,
    "department_id" TEXT NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "segment_id" TEXT,
    "public_key" BYTEA,
    "status" TEXT NOT NULL DEFAULT 'active',
    "status_reason" TEXT,
    "last_seq" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reading" (
    "id" BIGSERIAL NOT NULL,
    "dataset_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" BYTEA NOT NULL,
    "signature" BYTEA,
    "gateway_batch_id" BIGINT,
    "leaf_index" BIGINT NOT NULL,

    CONSTRAINT "reading_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_leaf" (
    "leaf_index" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "entry" BYTEA NOT NULL,
    "leaf_hash" BYTEA NOT NULL,
    "ref_table" TEXT,
    "ref_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_leaf_pkey" PRIMARY KEY ("leaf_index")
);

-- CreateTable
CREATE TABLE "ledger_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "next_index" BIGINT NOT NULL DEFAULT 0,
    "integrated_size" BIGINT NOT NULL DEFAULT 0,
    "compact_range" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_tile" (
    "level" INTEGER NOT NULL,
    "index" BIGINT NOT NULL,
    "width" INTEGER NOT NULL,
    "hashes" BYTEA NOT NULL,

    CONSTRAINT "ledger_tile_pkey" PRIMARY KEY ("level","index")
);

-- CreateTable
CREATE TABLE "checkpoint" (
    "size" BIGINT NOT NULL,
    "root_hash" BYTEA NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoint_pkey" PRIMARY KEY ("size")
);

-- CreateTable
CREATE TABLE "cosignature" (
    "checkpoint_size" BIGINT NOT NULL,
    "witness" TEXT NOT NULL,
    "line" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cosignature_pkey" PRIMARY KEY ("checkpoint_size","witness")
);

-- CreateTable
CREATE TABLE "witness_state" (
    "witness" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "root_hash" BYTEA NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "witness_state_pkey" PRIMARY KEY ("witness")
);

-- CreateIndex
CREATE INDEX "device_department_id_idx" ON "device"("department_id");

-- CreateIndex
CREATE INDEX "device_dataset_id_idx" ON "device"("dataset_id");

-- CreateIndex
CREATE UNIQUE INDEX "reading_leaf_index_key" ON "reading"("leaf_index");

-- CreateIndex
CREATE INDEX "reading_dataset_id_observed_at_idx" ON "reading"("dataset_id", "observed_at");

-- CreateIndex
CREATE INDEX "reading_device_id_observed_at_idx" ON "reading"("device_id", "observed_at");

-- CreateIndex
CREATE UNIQUE INDEX "reading_device_id_seq_key" ON "reading"("device_id", "seq");

-- CreateIndex
CREATE INDEX "ledger_leaf_kind_leaf_index_idx" ON "ledger_leaf"("kind", "leaf_index");

-- AddForeignKey
ALTER TABLE "dataset" ADD CONSTRAINT "dataset_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cosignature" ADD CONSTRAINT "cosignature_checkpoint_size_fkey" FOREIGN KEY ("checkpoint_size") REFERENCES "checkpoint"("size") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Ledger tables are append-only: the database refuses UPDATE and DELETE on them.
-- (The audit does not rely on this: a superuser can disable triggers, and the audit
-- recomputes every leaf and root from the rows themselves.)
CREATE OR REPLACE FUNCTION refuse_ledger_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reading_append_only BEFORE UPDATE OR DELETE ON "reading"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER ledger_leaf_append_only BEFORE UPDATE OR DELETE ON "ledger_leaf"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON "checkpoint"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER cosignature_append_only BEFORE UPDATE OR DELETE ON "cosignature"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER reading_no_truncate BEFORE TRUNCATE ON "reading"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER ledger_leaf_no_truncate BEFORE TRUNCATE ON "ledger_leaf"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();

INSERT INTO "ledger_state" ("id") VALUES (1);
