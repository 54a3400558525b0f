import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { requireDepartmentAdmin } from "../access/require-role";
import { AppError, notFound } from "../errors";
import { appendEntries } from "../ledger-store/append-entries";
import { loadConfig } from "../config";
import { deviceEntry } from "./device-entry";
import { emitDevicesChanged } from "./device-events";

type Row = { id: string; kind: string; department_id: string; dataset_id: string; public_key: Uint8Array | null; quarantined_at: Date | null };

async function lockGateway(tx: Pick<Sql, "query">, id: string): Promise<Row> {
  const rows = await tx.query<Row>(`SELECT id, kind, department_id, dataset_id, public_key, quarantined_at FROM device WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows.length) throw notFound("device", id);
  if (rows[0].kind !== "gateway") throw new AppError("validation", `device ${id} is a ${rows[0].kind}, not a gateway`);
  if (!rows[0].public_key) throw new AppError("conflict", `gateway ${id} has no key`);
  return rows[0];
}

/**
 * Quarantines a gateway that carried a reading whose device signature did not verify: a
 * device.v1 "quarantine" entry (naming its current key and the reason) and the row change in
 * one transaction. Its batches are refused (gateway_quarantined) from then on, and its
 * department's admins see it in the header until one of them releases it. Returns false when
 * the gateway was already quarantined (nothing is written).
 */
export async function unsafeQuarantineGateway(sql: Sql, opts: { gateway: string; reason: string; at?: Date }): Promise<boolean> {
  const done = await sql.transaction(async (tx) => {
    const row = await lockGateway(tx, opts.gateway);
    if (row.quarantined_at) return false;
    const at = opts.at ?? new Date();
    const reason = opts.reason.slice(0, 1024);
    await appendEntries(tx, [
      deviceEntry({ action: "quarantine", device: row.id, department: row.department_id, dataset: row.dataset_id, publicKey: new Uint8Array(row.public_key!), reason, at }),
    ]);
    await tx.query(`UPDATE device SET quarantined_at = $2, quarantine_reason = $3, updated_at = now() WHERE id = $1`, [row.id, at.toISOString(), reason]);
    return true;
  });
  if (done) emitDevicesChanged([opts.gateway]);
  return done;
}

/**
 * Releases a quarantined gateway with a reason: a device.v1 "release" entry and the row change
 * in one transaction. For `suspectHours` afterwards every reading it carries has its device
 * signature checked.
 */
export async function unsafeReleaseGateway(sql: Sql, opts: { gateway: string; reason: string; suspectHours: number; at?: Date }): Promise<{ suspectUntil: string }> {
  const reason = opts.reason.trim();
  if (!reason) throw new AppError("validation", "a release needs a reason");
  const out = await sql.transaction(async (tx) => {
    const row = await lockGateway(tx, opts.gateway);
    if (!row.quarantined_at) throw new AppError("conflict", `gateway ${opts.gateway} is not quarantined`);
    const at = opts.at ?? new Date();
    const suspectUntil = new Date(at.getTime() + opts.suspectHours * 3_600_000);
    await appendEntries(tx, [
      deviceEntry({ action: "release", device: row.id, department: row.department_id, dataset: row.dataset_id, publicKey: new Uint8Array(row.public_key!), reason, at }),
    ]);
    await tx.query(`UPDATE device SET quarantined_at = NULL, quarantine_reason = NULL, suspect_until = $2, updated_at = now() WHERE id = $1`, [row.id, suspectUntil.toISOString()]);
    return { suspectUntil: suspectUntil.toISOString() };
  });
  emitDevicesChanged([opts.gateway]);
  return out;
}

/** A department admin releases one of their department's quarantined gateways, with a reason. */
export async function releaseGateway(opts: { viewer: Viewer; device: string; reason: string }) {
  const db = await getDb();
  const [row] = await db.sql.query<{ department_id: string }>(`SELECT department_id FROM device WHERE id = $1`, [opts.device]);
  if (!row) throw notFound("device", opts.device);
  requireDepartmentAdmin(opts.viewer, row.department_id);
  const { suspectUntil } = await unsafeReleaseGateway(db.sql, { gateway: opts.device, reason: opts.reason, suspectHours: loadConfig().GATEWAY_SUSPECT_HOURS });
  return { device: opts.device, quarantined: false as const, suspectUntil };
}

/** Quarantined gateways of the admin's department (as with grant notifications, a sysadmin sees their own department's): what the header shows. */
export async function quarantinedGateways(opts: { viewer: Viewer }): Promise<{ gateways: { id: string; departmentId: string; reason: string | null; since: string }[] }> {
  if (opts.viewer.kind !== "user") throw new AppError("unauthenticated", "sign in to see notifications", "sign in to see notifications");
  const v = opts.viewer;
  if (v.role !== "dept_admin" && v.role !== "sysadmin") return { gateways: [] };
  const db = await getDb();
  const rows = await db.sql.query<{ id: string; department_id: string; quarantine_reason: string | null; quarantined_at: Date }>(
    `SELECT id, department_id, quarantine_reason, quarantined_at FROM device
      WHERE quarantined_at IS NOT NULL AND department_id = $1 ORDER BY quarantined_at DESC LIMIT 50`,
    [v.departmentId],
  );
  return { gateways: rows.map((r) => ({ id: r.id, departmentId: r.department_id, reason: r.quarantine_reason, since: new Date(r.quarantined_at).toISOString() })) };
}
