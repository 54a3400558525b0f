import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { requireDepartmentAdmin } from "../access/require-role";
import { AppError } from "../errors";
import { appendEntries } from "../ledger-store/append-entries";
import { decodePublicKey, deviceEntry, requireEd25519PublicKey } from "./device-entry";
import { emitDevicesChanged } from "./device-events";
import { recordDeviceKeyChanges } from "./device-keys";

import { GATEWAY_DATASET, type DeviceKindName } from "./device-kinds";
export { DEVICE_KINDS, GATEWAY_DATASET } from "./device-kinds";

export type NewDevice = {
  id: string;
  departmentId: string;
  /** The dataset the device writes; "*" for a gateway. */
  datasetId: string;
  kind: DeviceKindName;
  location: [number, number];
  /** The road segment a traffic sensor measures (lib/map/registry-sensors draws it there when the city model has it). */
  segmentId?: string | null;
  publicKey: Uint8Array;
  reason?: string;
};

/**
 * Registers devices with their Ed25519 public keys: creates each row and appends its
 * device.v1 "register" entry in the same transaction. Refuses an id that exists (409), an
 * unknown department or dataset, a dataset of another department, or a key that is not a
 * valid Ed25519 point (400).
 */
export async function unsafeRegisterNewDevices(sql: Sql, devices: readonly NewDevice[], at = new Date()): Promise<void> {
  if (devices.length === 0) return;
  for (const d of devices) requireEd25519PublicKey(d.id, d.publicKey);
  await sql.transaction(async (tx) => {
    const ids = devices.map((d) => d.id);
    const taken = await tx.query<{ id: string }>(`SELECT id FROM device WHERE id = ANY($1::text[])`, [ids]);
    if (taken.length) throw new AppError("conflict", `device ${taken[0].id} is already registered`);
    const depts = new Set((await tx.query<{ id: string }>(`SELECT id FROM department`)).map((r) => r.id));
    const datasets = new Map((await tx.query<{ id: string; department_id: string }>(`SELECT id, department_id FROM dataset`)).map((r) => [r.id, r.department_id]));
    for (const d of devices) {
      if (!depts.has(d.departmentId)) throw new AppError("validation", `department ${d.departmentId} does not exist`);
      if (d.kind === "gateway") {
        if (d.datasetId !== GATEWAY_DATASET) throw new AppError("validation", `a gateway's dataset must be "${GATEWAY_DATASET}" (it forwards its department's datasets)`);
      } else {
        const owner = datasets.get(d.datasetId);
        if (!owner) throw new AppError("validation", `dataset ${d.datasetId} does not exist`);
        if (owner !== d.departmentId) throw new AppError("validation", `dataset ${d.datasetId} belongs to department ${owner}, not ${d.departmentId}`);
      }
    }
    const first = await appendEntries(
      tx,
      devices.map((d) => deviceEntry({ action: "register", device: d.id, department: d.departmentId, dataset: d.datasetId, publicKey: d.publicKey, reason: d.reason, at })),
    );
    await tx.query(
      `INSERT INTO device (id, department_id, dataset_id, kind, lon, lat, public_key, status, segment_id)
       SELECT id, dp, ds, k, lo, la, decode(pk, 'hex'), 'active', seg
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[]) AS u(id, dp, ds, k, lo, la, pk, seg)`,
      [
        ids,
        devices.map((d) => d.departmentId),
        devices.map((d) => d.datasetId),
        devices.map((d) => d.kind),
        devices.map((d) => d.location[0]),
        devices.map((d) => d.location[1]),
        devices.map((d) => Buffer.from(d.publicKey).toString("hex")),
        devices.map((d) => d.segmentId ?? null),
      ],
    );
    await recordDeviceKeyChanges(tx, first, devices.map((d) => ({ action: "register", device: d.id, publicKey: d.publicKey, at })));
  });
  emitDevicesChanged(devices.map((d) => d.id));
}

/** A department admin registers a device of their department (or a key for a seeded device without one). */
export async function registerDevice(opts: { viewer: Viewer; device: Omit<NewDevice, "publicKey"> & { publicKey: string } }): Promise<{ id: string }> {
  requireDepartmentAdmin(opts.viewer, opts.device.departmentId);
  const publicKey = decodePublicKey(opts.device.id, opts.device.publicKey);
  const db = await getDb();
  await unsafeRegisterNewDevices(db.sql, [{ ...opts.device, publicKey }]);
  return { id: opts.device.id };
}
