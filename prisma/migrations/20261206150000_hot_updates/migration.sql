-- Rows the console rewrites in place (lib/db/maintenance.ts): room on each page for a row's
-- next version, so that an update which changes no indexed column stays on its page as a
-- heap-only tuple (HOT): no new index entries, and its dead version is pruned by the next
-- read of the page, without waiting for a VACUUM (PGlite has no autovacuum).
--
-- map_latest: the map's rollup rewrites a device's row on every commit that carries one of
-- its readings. Its index on (dataset_id, observed_at) changed with every such update, so no
-- update was heap-only; the live read (lib/access/scoped/map-latest.ts) takes a dataset's
-- rows by the primary key's dataset_id prefix, in key order as it returns them.
DROP INDEX IF EXISTS "map_latest_dataset_observed_idx";
ALTER TABLE "map_latest" SET (fillfactor = 50);
-- A device's bucket of the hour is updated by every commit in its five minutes; the totals' row
-- of a dataset by every commit.
ALTER TABLE "map_bucket_5m" SET (fillfactor = 70);
ALTER TABLE "map_bucket_total" SET (fillfactor = 50);
-- device.last_seq moves with every commit of the device's readings.
ALTER TABLE "device" SET (fillfactor = 70);
