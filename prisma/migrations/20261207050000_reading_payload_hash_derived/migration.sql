-- Issue 18: a new reading's payload hash is derived, not stored.
--
-- The payload hash is SHA-256 of the canonical (RFC 8785) envelope the device signed, and the
-- envelope is made of the reading row (dataset, device, seq, observed_at, lon, lat, payload):
-- every reader rebuilds it from the row with the one reading encoder
-- (lib/ingest/reading-encoding.ts) and hashes it (lib/ingest/envelope.ts payloadHashOfRow).
-- The intake writes NULL for it; 33 B a reading less.
--
-- Rows stored before keep the hash they were stored with: it is not cleared here. SQL cannot
-- compute it (it is SHA-256 of a text whose numbers are written as ECMAScript writes them, which
-- neither json's nor jsonb's text is), so the migration cannot tell a row whose derived hash
-- would differ from the stored one (a row changed since it was stored) from one whose would
-- not, and it keeps every stored hash rather than lose one. A reader takes the stored hash
-- where there is one, and the audit checks that the row still makes it, as before.
-- No row is rewritten: dropping NOT NULL only changes the catalog (the partitions follow).

ALTER TABLE "reading" ALTER COLUMN "payload_hash" DROP NOT NULL;
