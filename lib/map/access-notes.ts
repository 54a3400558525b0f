import type { Sql } from "../db/sql";
import { accessInfo, checkRead, type ReadBasis, type Scope } from "../access/check-read";
import { recordRead, type ReadRecord } from "../access/record-read";
import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { DATASETS } from "../city/datasets";
import type { AccessNote } from "../api/map-specs";
import { AGGREGATE_HEX_RADIUS_M, minGroupDevices, withheldFields } from "../access/scoped/map-basis";

/**
 * What the map may show of each dataset a layer reads, from the one access check: every
 * basis is drawn as its terms allow (lib/access/scoped/map-*): raw values of the devices
 * inside the grant's area, of the granted fields, observed inside its data window;
 * anonymized grid points; aggregated hexagons over at least k devices. The notes carry the
 * terms (scope, fields withheld, window, area, the incident a rule granted it for, k) so the
 * layer panel can say what is drawn and why.
 */
export type LayerAccess = {
  notes: AccessNote[];
  /** The basis of a readable dataset, undefined when the viewer may not read it. */
  basis(datasetId: string): ReadBasis | undefined;
  /** The viewer may see the dataset's per-device values (raw scope, within the grant's terms). */
  can(datasetId: string): boolean;
  /** The scope the viewer holds, null when it may not read the dataset. */
  scope(datasetId: string): Scope | null;
  /** Records the read as an access event (lib/access), for every dataset actually read. */
  record(sql: Sql, datasetId: string, rec: ReadRecord): Promise<void>;
};

const ownerOf = (id: string) => DATASETS.find((d) => d.id === id)?.departmentId ?? "";

/** The incident a rule-made grant was made for (its trigger), when it was. */
async function grantOrigin(sql: Sql, grantId: string): Promise<{ rule: string | null; incident: string | null }> {
  const [row] = await sql.query<{ rule_id: string | null; trigger_ref: string | null }>(`SELECT rule_id, trigger_ref FROM data_grant WHERE id = $1`, [grantId]);
  return { rule: row?.rule_id ?? null, incident: row?.trigger_ref ?? null };
}

/** The note of a readable dataset: the basis's terms, what is withheld, and how the map draws it. */
export async function allowedNote(sql: Sql, b: ReadBasis): Promise<AccessNote> {
  const info = accessInfo(b);
  const origin = b.grantId && b.area ? await grantOrigin(sql, b.grantId) : null;
  const withheld = withheldFields(b);
  return {
    ...info,
    datasetId: b.datasetId,
    allowed: true,
    basis: b.basis,
    level: b.scope,
    ...(withheld.length ? { withheld } : {}),
    ...(b.scope === "aggregated" ? { k: minGroupDevices(), cells: "hex", cellRadiusM: AGGREGATE_HEX_RADIUS_M } : {}),
    ...(b.scope === "anonymized" ? { cells: "grid" } : {}),
    ...(origin?.incident ? { incident: origin.incident } : {}),
    ...(origin?.rule ? { rule: origin.rule } : {}),
  };
}

/**
 * Runs the one access check (lib/access checkRead) for every dataset a map answer reads,
 * keeping its answer for the response's `access` notes. A refusal (403) becomes a note with
 * its code and reason; anything else (unknown dataset, database down) propagates. With
 * `require`, throws the first refusal when the viewer may read none of the datasets.
 */
export async function layerAccess(sql: Sql, viewer: Viewer, datasetIds: readonly string[], opts: { require?: boolean } = {}): Promise<LayerAccess> {
  const bases = new Map<string, ReadBasis>();
  const notes: AccessNote[] = [];
  let firstRefusal: AppError | null = null;
  for (const id of datasetIds) {
    try {
      const basis = await checkRead(sql, viewer, id);
      bases.set(id, basis);
      notes.push(await allowedNote(sql, basis));
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
  if (opts.require && bases.size === 0 && firstRefusal) throw firstRefusal;
  return {
    notes,
    basis: (id) => bases.get(id),
    can: (id) => bases.get(id)?.scope === "raw",
    scope: (id) => bases.get(id)?.scope ?? null,
    async record(s, datasetId, rec) {
      const b = bases.get(datasetId);
      if (b) await recordRead(s, viewer, b, rec);
    },
  };
}
