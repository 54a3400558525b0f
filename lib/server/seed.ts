import type { Db } from "../db/client";
import { DATASETS, DEPARTMENTS } from "../city";
import type { CityModel } from "../city/types";

/**
 * Makes the database hold the city's departments, datasets and devices. Idempotent: rows
 * that exist are left as they are (a device's key or status is changed only through the
 * registry's ledgered use cases, never by a re-seed). `installedAt`: when new devices were
 * registered (default now); the simulated city's devices date from before the first start,
 * so the history they backfill is not refused as observed before registration.
 */
export async function seedCity(db: Db, city: CityModel, opts: { installedAt?: Date } = {}): Promise<{ devices: number }> {
  const { sql } = db;
  for (const d of DEPARTMENTS) {
    await sql.query(
      `INSERT INTO department (id, name_zh, name_en) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [d.id, d.nameZh, d.nameEn],
    );
  }
  for (const ds of DATASETS) {
    await sql.query(
      `INSERT INTO dataset (id, department_id, domain, name_zh, name_en, sensitivity, schema)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [ds.id, ds.departmentId, ds.domain, ds.nameZh, ds.nameEn, ds.sensitivity, JSON.stringify(ds.schema)],
    );
  }
  const CHUNK = 1000;
  for (let i = 0; i < city.devices.length; i += CHUNK) {
    const chunk = city.devices.slice(i, i + CHUNK);
    const params: unknown[] = [];
    const rows = chunk.map((d, j) => {
      const segment = "segmentId" in d ? d.segmentId : null;
      params.push(d.id, d.departmentId, d.datasetId, d.kind, d.location[0], d.location[1], segment, opts.installedAt ?? new Date());
      const b = j * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    await sql.query(
      `INSERT INTO device (id, department_id, dataset_id, kind, lon, lat, segment_id, created_at)
       VALUES ${rows.join(", ")} ON CONFLICT (id) DO NOTHING`,
      params,
    );
  }
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM device`);
  return { devices: n };
}
