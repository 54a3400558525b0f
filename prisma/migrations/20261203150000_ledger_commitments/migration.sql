-- Salted commitments (issue 13): a reading or grant change of a restricted dataset is
-- appended to the public log as a commitment.v1 entry, SHA-256(salt || inner entry). This
-- table keeps the opening of each: the 32-byte salt and the inner entry's canonical JSON
-- bytes, for the owner, auditors and the datum download. Append-only like the leaves.
CREATE TABLE "ledger_commitment" (
    "leaf_index" BIGINT NOT NULL,
    "salt" BYTEA NOT NULL,
    "entry" BYTEA NOT NULL,

    CONSTRAINT "ledger_commitment_pkey" PRIMARY KEY ("leaf_index")
);

CREATE TRIGGER ledger_commitment_append_only BEFORE UPDATE OR DELETE ON "ledger_commitment"
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER ledger_commitment_no_truncate BEFORE TRUNCATE ON "ledger_commitment"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();

-- Commitments stand mostly for readings (restricted datasets' devices): like reading.v1
-- leaves they stay out of the (kind, leaf_index) index, which the ingest would otherwise
-- maintain for each; a listing of commitment.v1 entries walks the primary key.
DROP INDEX "ledger_leaf_kind_leaf_index_idx";
CREATE INDEX "ledger_leaf_kind_leaf_index_idx" ON "ledger_leaf"("kind", "leaf_index") WHERE "kind" <> 'reading.v1' AND "kind" <> 'commitment.v1';
