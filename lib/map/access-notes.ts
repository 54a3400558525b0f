import type { Sql } from "../db/sql";
import { accessInfo, checkRead, type ReadBasis } from "../access/check-read";
import { recordRead, type ReadRecord } from "../access/record-read";
import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { DATASETS } from "../city/datasets";
import type { AccessNote } from "../api/map-specs";

/**
 * What the map may show of a dataset: "raw" per-feature values (owner, public, or a raw
 * grant over the whole city and every field), "aggregate" only (an aggregated or anonymized
 * grant: city-wide KPIs and the hexagon grid), or nothing. Grants limited to some fields, a
 * data window or an area are not drawn on the map (it cannot honour the limits feature by
 * feature yet); the note says so and where the data can be read instead.
 */
export type MapLevel = "raw" | "aggregate";

export type LayerAccess = {
  notes: AccessNote[];
  /** The viewer may see the dataset's per-feature values. */
  can(datasetId: string): boolean;
  /** The viewer may see aggregates of the dataset over the whole city. */
  canAggregate(datasetId: string): boolean;
  /** Records the read as an access event (lib/access), for every dataset actually read. */
  record(sql: Sql, datasetId: string, rec: ReadRecord): Promise<void>;
};

const ownerOf = (id: string) => DATASETS.find((d) => d.id === id)?.departmentId ?? "";

function levelOf(b: ReadBasis): MapLevel | null {
  const restricted = b.fields !== null || b.window.from !== null || b.window.until !== null || b.area !== null;
  if (restricted) return null;
  return b.scope === "raw" ? "raw" : "aggregate";
}

/**
 * Runs the one access check (lib/access checkRead) for every dataset a map answer reads,
 * keeping its answer for the response's `access` notes. A refusal (403) becomes a note with
 * its code and reason; anything else (unknown dataset, database down) propagates. With
 * `require`, throws when the viewer may read none of the datasets at the needed level.
 */
export async function layerAccess(
  sql: Sql,
  viewer: Viewer,
  datasetIds: readonly string[],
  opts: { require?: boolean; level?: MapLevel } = {},
): Promise<LayerAccess> {
  const bases = new Map<string, ReadBasis>();
  const levels = new Map<string, MapLevel>();
  const notes: AccessNote[] = [];
  let firstRefusal: AppError | null = null;
  for (const id of datasetIds) {
    try {
      const basis = await checkRead(sql, viewer, id);
      const level = levelOf(basis);
      const info = accessInfo(basis);
      if (level) {
        bases.set(id, basis);
        levels.set(id, level);
        notes.push({ ...info, datasetId: id, allowed: true, basis: basis.basis, level });
      } else {
        const reason = `${info.reason ?? "limited access"}: the map draws whole datasets only; read it at /api/datasets/${id}/readings`;
        firstRefusal ??= new AppError("forbidden", `map cannot honour the limits of grant ${basis.grantId} on ${id}`, reason);
        notes.push({ datasetId: id, allowed: false, ownerDepartmentId: basis.ownerDepartmentId || ownerOf(id), code: "limited", reason });
      }
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "forbidden") throw e;
      firstRefusal ??= e;
      const details = e.details as { code?: unknown } | undefined;
      notes.push({
        datasetId: id,
        allowed: false,
        ownerDepartmentId: ownerOf(id),
        ...(typeof details?.code === "string" ? { code: details.code } : {}),
        reason: e.userMessage,
      });
    }
  }
  const need = opts.level ?? "raw";
  const ok = (id: string) => (need === "raw" ? levels.get(id) === "raw" : levels.has(id));
  if (opts.require && !datasetIds.some(ok)) {
    const aggregateOnly = datasetIds.find((id) => levels.get(id) === "aggregate");
    if (aggregateOnly && need === "raw") {
      const b = bases.get(aggregateOnly)!;
      throw new AppError(
        "forbidden",
        `the map's per-feature view needs raw access to ${aggregateOnly}; the viewer holds ${b.scope}`,
        `this view shows per-feature values; your department holds ${b.scope} access to ${aggregateOnly}${b.grantId ? ` (grant ${b.grantId})` : ""}: the map shows its aggregates`,
      );
    }
    if (firstRefusal) throw firstRefusal;
  }
  return {
    notes,
    can: (id) => levels.get(id) === "raw",
    canAggregate: (id) => levels.has(id),
    async record(s, datasetId, rec) {
      const b = bases.get(datasetId);
      if (b) await recordRead(s, viewer, b, rec);
    },
  };
}
