import { DATASETS } from "../../city";
import type { Sql, SqlTx } from "../../db/sql";
import { AppError, notFound } from "../../errors";
import { payloadHashOfRow, type EnvelopeRow } from "../../ingest/envelope";
import type { ReadBasis, Scope } from "../check-read";
import { AGGREGATE_BUCKET_S, ANON_TIME_STEP_S, allowedFields, payloadExpr, scopeConditions } from "../scope-sql";

/**
 * How much of one reading a basis discloses on the provenance page and in its downloads:
 * - `full`: raw scope with every field: the reading as the device signed it;
 * - `fields`: raw scope with some payload fields withheld: device, exact time, location and
 *   signature, and only the granted fields (the device's signature then cannot be checked);
 * - `ledger`: anonymized or aggregated scope: nothing of the reading but the bucket of
 *   observed time the scope's grid allows; only the ledger facts (leaf hash, inclusion,
 *   checkpoint, cosignatures) are shown.
 */
export type Disclosure = "full" | "fields" | "ledger";

export type ProvenanceReading =
  | {
      disclosure: "full" | "fields";
      id: number;
      device: string;
      seq: number;
      observedAt: string;
      receivedAt: string;
      location: [number, number];
      /** The payload as stored (full) or its granted fields only (fields). */
      values: Record<string, number | string | boolean>;
      /** Names of the payload fields the basis withholds (empty when full). */
      withheldFields: string[];
      signature: Uint8Array;
      gatewayBatchId: number | null;
    }
  | {
      disclosure: "ledger";
      scope: Exclude<Scope, "raw">;
      /** The scope's time bucket the reading was observed in: from <= observedAt < until. */
      observed: { from: string; until: string };
    };

const iso = (d: Date | string) => new Date(d).toISOString();
const orTrue = (conds: string[]) => (conds.length ? conds.join(" AND ") : "true");

/** What a grant's terms say, in words, for refusal messages. */
export function describeWindow(w: ReadBasis["window"]): string {
  return `data observed from ${w.from ?? "any time"} until ${w.until ?? "any time"}`;
}
export function describeArea(a: NonNullable<ReadBasis["area"]>): string {
  return `within ${Math.round(a.radiusM)} m of ${a.center.map((x) => x.toFixed(5)).join(", ")}`;
}

/**
 * The reading at ledger leaf `leafIndex` of dataset `basis.datasetId`, as the basis lets the
 * viewer see it (see Disclosure). The window and area are tested in the database and a
 * reading outside either is refused with 403 naming the term; under anonymized and
 * aggregated scope no identifying column (device, location, exact time, payload, signature)
 * is selected at all. Throws 404 when the leaf holds no reading of the dataset.
 */
export async function readProvenanceReading(sql: Sql | SqlTx, basis: ReadBasis, leafIndex: number): Promise<ProvenanceReading> {
  const params: unknown[] = [leafIndex, basis.datasetId];
  const inWindow = orTrue(scopeConditions({ window: basis.window, area: null }, params));
  const inArea = orTrue(scopeConditions({ window: { from: null, until: null }, area: basis.area }, params));
  const terms = `(${inWindow}) AS in_window, (${inArea}) AS in_area`;
  const where = `r.leaf_index = $1 AND r.dataset_id = $2`;

  if (basis.scope !== "raw") {
    const step = basis.scope === "aggregated" ? AGGREGATE_BUCKET_S : ANON_TIME_STEP_S;
    const [row] = await sql.query<{ bucket: Date; in_window: boolean; in_area: boolean }>(
      `SELECT to_timestamp(floor(extract(epoch FROM r.observed_at) / ${step}) * ${step}) AS bucket, ${terms} FROM reading r WHERE ${where}`,
      params,
    );
    if (!row) throw notFound(`reading of ${basis.datasetId} at leaf`, leafIndex);
    refuseOutsideTerms(basis, leafIndex, row);
    const from = new Date(row.bucket);
    return { disclosure: "ledger", scope: basis.scope, observed: { from: from.toISOString(), until: new Date(from.getTime() + step * 1000).toISOString() } };
  }

  let values = `r.payload AS values, ARRAY[]::text[] AS withheld`;
  let lateral = "";
  if (basis.fields) {
    const dataset = DATASETS.find((d) => d.id === basis.datasetId);
    if (!dataset) throw new AppError("internal", `dataset ${basis.datasetId} has no schema to project fields with`);
    params.push(allowedFields(dataset, basis));
    lateral = `CROSS JOIN LATERAL (SELECT ARRAY(SELECT k FROM json_object_keys(r.payload) k WHERE k <> ALL($${params.length}::text[]) ORDER BY k) AS withheld) w`;
    // payloadExpr gives the stored payload (json since 20261207040000) when the field list is every field: cast, so both branches are jsonb.
    values = `CASE WHEN cardinality(w.withheld) = 0 THEN r.payload::jsonb ELSE (${payloadExpr(dataset, basis)})::jsonb END AS values, w.withheld`;
  }
  const [row] = await sql.query<{
    id: number; device_id: string; seq: number; observed_at: Date; received_at: Date; lon: number; lat: number; signature: Uint8Array;
    gateway_batch_id: number | null; values: Record<string, number | string | boolean>; withheld: string[]; in_window: boolean; in_area: boolean;
  }>(
    `SELECT r.leaf_index AS id, r.device_id, r.seq, r.observed_at, r.received_at, r.lon, r.lat, r.signature, r.gateway_batch_id, ${values}, ${terms}
       FROM reading r ${lateral} WHERE ${where}`,
    params,
  );
  if (!row) throw notFound(`reading of ${basis.datasetId} at leaf`, leafIndex);
  refuseOutsideTerms(basis, leafIndex, row);
  const withheldFields = row.withheld ?? [];
  return {
    disclosure: withheldFields.length ? "fields" : "full",
    id: Number(row.id),
    device: row.device_id,
    seq: Number(row.seq),
    observedAt: iso(row.observed_at),
    receivedAt: iso(row.received_at),
    location: [row.lon, row.lat],
    values: row.values,
    withheldFields,
    signature: row.signature,
    gatewayBatchId: row.gateway_batch_id == null ? null : Number(row.gateway_batch_id),
  };
}

function refuseOutsideTerms(basis: ReadBasis, leafIndex: number, row: { in_window: boolean; in_area: boolean }): void {
  const grant = basis.grantId ? `grant ${basis.grantId}` : `your ${basis.basis}`;
  if (!row.in_window) {
    throw new AppError(
      "forbidden",
      `reading at leaf ${leafIndex} lies outside the data window of ${grant} (${describeWindow(basis.window)})`,
      `This reading was observed outside the data window of ${grant}, which covers ${describeWindow(basis.window)}.`,
      { term: "window", window: basis.window },
    );
  }
  if (!row.in_area && basis.area) {
    throw new AppError(
      "forbidden",
      `reading at leaf ${leafIndex} lies outside the area of ${grant} (${describeArea(basis.area)})`,
      `This reading lies outside the area of ${grant}, which covers readings ${describeArea(basis.area)}.`,
      { term: "area", area: basis.area },
    );
  }
}

/**
 * The payload hashes of a gateway batch, in leaf order, so a verifier can recompute the
 * batch root the gateway signed. Hashes only (each is also on the public ledger in its
 * reading's entry), and only under raw scope, where the reading's own entry is shown.
 */
export async function readGatewayBatchHashes(sql: Sql | SqlTx, basis: ReadBasis, batchId: number): Promise<{ leafIndex: number; payloadHash: Uint8Array }[]> {
  if (basis.scope !== "raw") throw new AppError("forbidden", `gateway batches of ${basis.datasetId} need raw access; the viewer holds ${basis.scope}`);
  const rows = await sql.query<EnvelopeRow & { leaf_index: number; payload_hash: Uint8Array | null }>(
    // Found in the batch's leaf range (its readings are stored in one transaction): no index on gateway_batch_id.
    // A hash not stored (since migration 20261207050000) is derived from its row, the envelope it makes.
    `SELECT r.leaf_index, r.payload_hash, r.dataset_id, r.device_id, r.seq, r.observed_at, r.lon, r.lat, r.payload::text AS payload FROM gateway_batch g JOIN reading r ON r.leaf_index BETWEEN g.first_leaf AND g.last_leaf AND r.gateway_batch_id = g.id
      WHERE g.id = $1 ORDER BY r.leaf_index`,
    [batchId],
  );
  return rows.map((r) => ({ leafIndex: Number(r.leaf_index), payloadHash: payloadHashOfRow(r) }));
}
