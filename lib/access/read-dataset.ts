import { DATASETS } from "../city";
import type { Dataset } from "../city/types";
import { getDb } from "../db/client";
import { badRequest, notFound } from "../errors";
import type { Viewer } from "./viewer";
import { accessInfo, checkRead, type AccessInfo } from "./check-read";
import { recordRead } from "./record-read";
import { scopedDatasetReadings, type AggregateRow, type AnonymizedReading, type RawReading } from "./scoped/dataset-readings";
import type { GridInfo } from "./scoped/grid";

const DEFAULT_WINDOW_MS = 60 * 60_000;

export type { AggregateRow, AnonymizedReading, RawReading };

export type DatasetReadings =
  | { dataset: string; access: AccessInfo; scope: "raw"; readings: RawReading[] }
  | { dataset: string; access: AccessInfo; scope: "anonymized"; grid: GridInfo; readings: AnonymizedReading[] }
  | { dataset: string; access: AccessInfo; scope: "aggregated"; grid: GridInfo; bucketSeconds: number; aggregates: AggregateRow[] };

/**
 * A dataset's readings as the viewer may see them: the one access check gives the basis,
 * and the scoped read (lib/access/scoped/dataset-readings.ts) applies it in the query: raw
 * readings (granted fields only), anonymized ones (coarsened before any filter), or
 * aggregates per 15-minute bucket over at least k devices. The grant's data window and area
 * further restrict the rows. The read is recorded as an access event.
 */
export async function readDataset(opts: {
  viewer: Viewer;
  datasetId: string;
  from?: string;
  until?: string;
  bbox?: [number, number, number, number];
  limit?: number;
}): Promise<DatasetReadings> {
  const dataset: Dataset | undefined = DATASETS.find((d) => d.id === opts.datasetId);
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, opts.datasetId);
  if (!dataset) throw notFound("dataset", opts.datasetId);
  const until = opts.until ? new Date(opts.until) : new Date();
  const from = opts.from ? new Date(opts.from) : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  if (from > until) throw badRequest("from: the time window ends before it starts");
  const out = await scopedDatasetReadings(db.sql, dataset, basis, { from, until, bbox: opts.bbox, limit: opts.limit ?? 1000 });
  const range = out.scope === "raw" ? { from, until } : { from: out.grid.from, until: out.grid.until };
  await recordRead(db.sql, opts.viewer, basis, { action: "readings", count: out.count, ...range });
  const access = accessInfo(basis);
  if (out.scope === "aggregated") return { dataset: dataset.id, access, scope: "aggregated", grid: out.grid, bucketSeconds: out.bucketSeconds, aggregates: out.aggregates };
  if (out.scope === "anonymized") return { dataset: dataset.id, access, scope: "anonymized", grid: out.grid, readings: out.readings };
  return { dataset: dataset.id, access, scope: "raw", readings: out.readings };
}
