-- The city maps (issue 5): derived tables that keep map queries proportional to the number
-- of devices and time buckets instead of the number of readings. They hold nothing that is
-- not in "reading": lib/map/rollup.ts folds readings in, in ledger order, and they can be
-- dropped and rebuilt from the readings at any time (the readings themselves stay
-- append-only and are never touched).

-- Traffic sensors of the city model with what the map needs to derive values in SQL:
-- the segment's free-flow speed (congestion index = speed / free flow) and its road.
-- Rewritten when the city model changes (city_key in map_rollup_state).
CREATE TABLE "map_sensor" (
    "device_id" TEXT NOT NULL,
    "segment_id" TEXT NOT NULL,
    "road_id" TEXT NOT NULL,
    "free_flow_kmh" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "map_sensor_pkey" PRIMARY KEY ("device_id")
);

-- Sums per device and 5-minute bucket (bucket = observed_at floored to 300 s since the epoch).
-- v1..v4 by dataset (see lib/map/rollup.ts):
--   traffic.flow:   speedKmh, flowVehH, occupancy, speed/free-flow
--   energy.load:    loadMw | productionMw, utilisation | capacityFactor, voltageKv | irradiance | wind speed, 0
--   safety.cameras: vehiclesPerMin, pedestriansPerMin, online (0/1), alert (0/1)
-- m1 is the largest camera state code in the bucket (0 offline, 1 + index of the alert).
CREATE TABLE "map_bucket_5m" (
    "dataset_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "n" INTEGER NOT NULL,
    "v1" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "v2" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "v3" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "v4" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "m1" INTEGER,
    "last_leaf" BIGINT NOT NULL,
    CONSTRAINT "map_bucket_5m_pkey" PRIMARY KEY ("dataset_id", "bucket", "device_id")
);
CREATE INDEX "map_bucket_5m_device_bucket_idx" ON "map_bucket_5m"("device_id", "bucket");

-- Sums per dataset and 5-minute bucket over all its devices, for the KPI strip, and the
-- largest leaf folded into each bucket (a version: it changes whenever the bucket does).
--   traffic.flow:   n readings, s1 sum of speed/free-flow, s2 sum of speed, s3 readings under 0.5 of free flow
--   energy.load:    n readings, s1 feeder load, s2 production, s3 feeder readings, s4 production readings
--   safety.cameras: n readings, s1 online, s2 raising an alert
CREATE TABLE "map_bucket_total" (
    "dataset_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "n" INTEGER NOT NULL,
    "s1" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "s2" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "s3" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "s4" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "last_leaf" BIGINT NOT NULL,
    CONSTRAINT "map_bucket_total_pkey" PRIMARY KEY ("dataset_id", "bucket")
);

-- The latest reading per device (per incident for safety.incidents: key = incidentId).
CREATE TABLE "map_latest" (
    "dataset_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "leaf_index" BIGINT NOT NULL,
    "lon" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "payload" JSONB NOT NULL,
    CONSTRAINT "map_latest_pkey" PRIMARY KEY ("dataset_id", "key")
);
CREATE INDEX "map_latest_dataset_observed_idx" ON "map_latest"("dataset_id", "observed_at");

-- How far the tables above have read: every reading with leaf_index <= last_leaf is folded in.
-- Leaf indexes are assigned in commit order (lib/log/append-entries.ts), so nothing can
-- later appear below the cursor.
CREATE TABLE "map_rollup_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_leaf" BIGINT NOT NULL DEFAULT -1,
    "city_key" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "map_rollup_state_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "map_rollup_state_single_row" CHECK ("id" = 1)
);
INSERT INTO "map_rollup_state" ("id") VALUES (1);
