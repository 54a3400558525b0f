-- Issue 19: traffic devices registered on the console (readings:replay, ngsi:bridge, an admin)
-- are drawn on the map like the city model's own sensors. map_sensor keeps where each came from:
-- 'model' rows are rewritten from the city model (lib/map/rollup.ts ensureCity); 'registry'
-- rows are placed by the rollup when it folds a registered device's first reading on a road
-- segment of the city model (the device's registered segment_id, else its reading's
-- segmentId), with their device's registered place for area grants.
ALTER TABLE "map_sensor" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'model';
ALTER TABLE "map_sensor" ADD CONSTRAINT "map_sensor_origin_check" CHECK ("origin" IN ('model', 'registry'));
ALTER TABLE "map_sensor" ADD COLUMN "lon" DOUBLE PRECISION;
ALTER TABLE "map_sensor" ADD COLUMN "lat" DOUBLE PRECISION;
CREATE INDEX "map_sensor_registry_idx" ON "map_sensor"("device_id") WHERE "origin" = 'registry';
