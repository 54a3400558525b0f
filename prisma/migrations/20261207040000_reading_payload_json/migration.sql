-- Issue 18: a reading's payload is stored as json (its text), not jsonb.
--
-- jsonb keeps a binary tree of the values (a number a varlena numeric, offsets per key): about
-- 107 B for a traffic sensor's four values, against about 70 B for their text. The values are
-- written once and read whole, or a few fields at a time by the map's rollup and the scoped
-- reads (->> works on json as on jsonb); the signed bytes are not these (the audit rebuilds
-- the canonical envelope from the values: it reads payload::jsonb, as before).
-- Readers that need jsonb (jsonb_object_keys, jsonb_set, a CASE with a jsonb projection)
-- cast payload::jsonb. Existing rows keep jsonb's text form ({"k": v, ...}, keys in jsonb's
-- order); new rows hold the text the intake wrote (JSON.stringify of the checked values).
-- The table and its partitions are rewritten.

ALTER TABLE "reading" ALTER COLUMN "payload" TYPE JSON USING "payload"::text::json;
