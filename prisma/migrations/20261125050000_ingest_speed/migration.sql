-- Signed ingest (issue 4): device key history.

-- Every key a device has had. A rotation or revocation closes the key's interval instead of
-- forgetting the key, so a reading sequenced while an older key was valid can still be
-- checked with that key (provenance shows the key at the reading's time). valid_from_leaf
-- is the leaf of the device.v1 entry that registered or rotated the key in, valid_until_leaf
-- the leaf of the entry that rotated it out or revoked it (NULL while it is the device's key):
-- the key of a reading at leaf L is the one with valid_from_leaf < L and
-- (valid_until_leaf IS NULL OR L < valid_until_leaf). The ledger's device.v1 entries say the
-- same; this table is the index for readers (rebuilt below from those entries).
CREATE TABLE "device_key" (
    "device_id" TEXT NOT NULL,
    "valid_from_leaf" BIGINT NOT NULL,
    "public_key" BYTEA NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL,
    "valid_until_leaf" BIGINT,
    "retired_at" TIMESTAMPTZ(3),
    "retired_by" TEXT,

    CONSTRAINT "device_key_pkey" PRIMARY KEY ("device_id", "valid_from_leaf")
);

WITH e AS (
  SELECT leaf_index, ref_id AS device_id, j->>'action' AS action, j->>'publicKey' AS pk, (j->>'at')::timestamptz AS at
    FROM (SELECT leaf_index, ref_id, convert_from(entry, 'UTF8')::jsonb AS j FROM "ledger_leaf" WHERE kind = 'device.v1') x
), n AS (
  SELECT e.*, lead(leaf_index) OVER w AS next_leaf, lead(action) OVER w AS next_action, lead(at) OVER w AS next_at
    FROM e WINDOW w AS (PARTITION BY device_id ORDER BY leaf_index)
)
INSERT INTO "device_key" ("device_id", "valid_from_leaf", "public_key", "registered_at", "valid_until_leaf", "retired_at", "retired_by")
SELECT device_id, leaf_index, decode(pk, 'base64'), at, next_leaf, next_at, next_action
  FROM n WHERE action IN ('register', 'rotate');
