-- Precomputed replay chunks (issue 15, speed): per dataset, bucket size and two-hour chunk,
-- the whole city's replay series of that chunk, quantised, so that a restarted console's
-- first replay reads them instead of aggregating a day of map_bucket_5m. Derived like the
-- other map tables (lib/map/frame-chunks.ts writes, lib/access/scoped/map-frames.ts reads,
-- only for a viewer whose grant covers the whole dataset unlimited); they can be dropped and
-- recomputed at any time. `version` is the largest ledger leaf the rollup had folded into the
-- chunk's buckets (max map_bucket_total.last_leaf) when it was computed: a reading arriving
-- late in the chunk raises it, and the chunk is computed and rewritten again.
-- `series`: [{"name", "width", "scale"}] in order; `data`: per series count × width
-- little-endian int16 values (value = q × scale, -32768 = missing), concatenated.
CREATE TABLE "map_frame_chunk" (
    "dataset_id" TEXT NOT NULL,
    "bucket_s" INTEGER NOT NULL,
    "chunk_start" TIMESTAMPTZ(3) NOT NULL,
    "city_key" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "series" JSONB NOT NULL,
    "data" BYTEA NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "map_frame_chunk_pkey" PRIMARY KEY ("dataset_id", "bucket_s", "chunk_start")
);
