-- The map rollup's value columns get one meaning each (they were v1..v4, m1 and s1..s4,
-- whose meaning changed per dataset and, for energy, per meter kind). A column that does
-- not apply to a row's dataset or meter is NULL. The tables are derived from the readings:
-- they are emptied and the cursor reset, so the rollup backlog (lib/map/rollup.ts) folds
-- every reading again into the new columns.

ALTER TABLE "map_bucket_5m"
    DROP COLUMN "v1", DROP COLUMN "v2", DROP COLUMN "v3", DROP COLUMN "v4", DROP COLUMN "m1",
    -- traffic.flow: sums of speed (km/h), flow (veh/h), occupancy, and speed / free-flow speed
    ADD COLUMN "speed_kmh_sum" DOUBLE PRECISION,
    ADD COLUMN "flow_veh_h_sum" DOUBLE PRECISION,
    ADD COLUMN "occupancy_sum" DOUBLE PRECISION,
    ADD COLUMN "speed_ratio_sum" DOUBLE PRECISION,
    -- energy.load, feeder meters: sums of load (MW), utilisation, head voltage (kV)
    ADD COLUMN "load_mw_sum" DOUBLE PRECISION,
    ADD COLUMN "utilisation_sum" DOUBLE PRECISION,
    ADD COLUMN "voltage_kv_sum" DOUBLE PRECISION,
    -- energy.load, production meters: sums of production (MW), capacity factor, and the
    -- resource: irradiance (W/m², solar) or wind speed (m/s, wind)
    ADD COLUMN "production_mw_sum" DOUBLE PRECISION,
    ADD COLUMN "capacity_factor_sum" DOUBLE PRECISION,
    ADD COLUMN "irradiance_wm2_sum" DOUBLE PRECISION,
    ADD COLUMN "wind_speed_ms_sum" DOUBLE PRECISION,
    -- safety.cameras: sums of vehicles and pedestrians per minute, readings online, readings
    -- raising an alert, and the worst state (0 offline, else 1 + index in CAMERA_STATES)
    ADD COLUMN "vehicles_per_min_sum" DOUBLE PRECISION,
    ADD COLUMN "pedestrians_per_min_sum" DOUBLE PRECISION,
    ADD COLUMN "online_count" INTEGER,
    ADD COLUMN "alerting_count" INTEGER,
    ADD COLUMN "worst_state" INTEGER;

ALTER TABLE "map_bucket_total"
    DROP COLUMN "s1", DROP COLUMN "s2", DROP COLUMN "s3", DROP COLUMN "s4",
    -- traffic.flow: sums of speed / free-flow speed and of speed (km/h); readings under half of free flow
    ADD COLUMN "speed_ratio_sum" DOUBLE PRECISION,
    ADD COLUMN "speed_kmh_sum" DOUBLE PRECISION,
    ADD COLUMN "congested_count" INTEGER,
    -- energy.load: feeder load and production (MW) summed, and the readings of each kind
    ADD COLUMN "load_mw_sum" DOUBLE PRECISION,
    ADD COLUMN "production_mw_sum" DOUBLE PRECISION,
    ADD COLUMN "load_readings" INTEGER,
    ADD COLUMN "production_readings" INTEGER,
    -- safety.cameras: readings online, readings raising an alert
    ADD COLUMN "online_count" INTEGER,
    ADD COLUMN "alerting_count" INTEGER;

DELETE FROM "map_bucket_5m";
DELETE FROM "map_bucket_total";
DELETE FROM "map_latest";
UPDATE "map_rollup_state" SET "last_leaf" = -1, "city_key" = '';
