import { getCity } from "../city/current-city";
import type { Device } from "../city/types";
import type { Sql } from "../db/sql";
import { tryCheckRead, type ReadBasis } from "../access/check-read";
import { recordRead, type AccessAction } from "../access/record-read";
import { scopedLatestCells, scopedLatestRows } from "../access/scoped/map-latest";
import { visibleDevices } from "../access/scoped/map-basis";
import type { Viewer } from "../access/viewer";
import { DEVICE_DATASETS, deviceEntity, entitiesFromCells, entityFromRow, TYPE_DATASET, type Entity, type EntityType } from "./entities";

/** How far back the newest reading of a device still makes an entity (older ones are stale). */
export const LATEST_WINDOW_MS = 24 * 3600_000;

/** The datasets of the types asked for, each with the types it yields. */
function datasetsOf(types: readonly EntityType[]): Map<string, EntityType[]> {
  const out = new Map<string, EntityType[]>();
  for (const t of types) {
    const ids = t === "Device" ? [...DEVICE_DATASETS] : [TYPE_DATASET[t]];
    for (const d of ids) out.set(d, [...(out.get(d) ?? []), t]);
  }
  return out;
}

const devicesById = () => {
  const city = getCity() as ReturnType<typeof getCity> & { [BY_ID]?: Map<string, Device> };
  city[BY_ID] ??= new Map(city.devices.map((d) => [d.id, d]));
  return city[BY_ID];
};
const BY_ID = Symbol("ngsi-devices-by-id");

/**
 * Every entity of the given types the viewer may read, each dataset through the one access
 * check (a dataset never granted, revoked or expired yields nothing) and the one scoped read
 * (raw: the newest reading per device in the last 24 h with the granted fields only, inside
 * the grant's window and area; anonymized or aggregated: the cells of the scoped read).
 * Returns the entities and the basis of each dataset read; the caller records the reads.
 */
export async function readEntities(sql: Sql, viewer: Viewer, types: readonly EntityType[], now = new Date()): Promise<{ entities: Entity[]; bases: Map<string, ReadBasis> }> {
  const entities: Entity[] = [];
  const bases = new Map<string, ReadBasis>();
  const w = { from: new Date(now.getTime() - LATEST_WINDOW_MS), to: now };
  const byId = devicesById();
  for (const [datasetId, ts] of datasetsOf(types)) {
    const basis = await tryCheckRead(sql, viewer, datasetId);
    if ("denied" in basis) continue;
    bases.set(datasetId, basis);
    const owner = basis.ownerDepartmentId;
    if (basis.scope === "raw") {
      const rows = await scopedLatestRows(sql, basis, w, { live: true });
      for (const t of ts) {
        if (t === "Device") continue;
        for (const r of rows) {
          const e = entityFromRow(t, r, owner, byId.get(r.device_id));
          if (e) entities.push(e);
        }
      }
      if (ts.includes("Device")) {
        const last = new Map<string, Date>();
        for (const r of rows) if (!last.has(r.device_id) || last.get(r.device_id)! < r.observed_at) last.set(r.device_id, r.observed_at);
        const status = new Map((await sql.query<{ id: string; status: string }>(`SELECT id, status FROM device WHERE dataset_id = $1`, [datasetId])).map((r) => [r.id, r.status]));
        const all = getCity().devices.filter((d) => d.datasetId === datasetId);
        const visible = visibleDevices(basis, all.map((d) => d.id));
        const keep = visible ? new Set(visible) : null;
        for (const d of all) if (!keep || keep.has(d.id)) entities.push(deviceEntity(d, { status: status.get(d.id), lastReported: last.get(d.id) }));
      }
    } else {
      const cellTypes = ts.filter((t): t is "TrafficFlowObserved" | "ACMeasurement" | "Camera" => t === "TrafficFlowObserved" || t === "ACMeasurement" || t === "Camera");
      if (!cellTypes.length) continue;
      const cells = await scopedLatestCells(sql, basis, w, { live: true });
      for (const t of cellTypes) entities.push(...entitiesFromCells(t, cells, now, owner));
    }
  }
  return { entities, bases };
}

/** Records one access event per dataset the answer holds entities of (before it is sent). */
export async function recordEntityReads(sql: Sql, viewer: Viewer, bases: Map<string, ReadBasis>, sent: readonly Entity[], action: AccessAction, now = new Date()): Promise<void> {
  const counts = new Map<string, number>();
  for (const e of sent) counts.set(e.datasetId, (counts.get(e.datasetId) ?? 0) + 1);
  for (const [datasetId, basis] of bases) {
    await recordRead(sql, viewer, basis, { action, count: counts.get(datasetId) ?? 0, from: new Date(now.getTime() - LATEST_WINDOW_MS), until: now });
  }
}
