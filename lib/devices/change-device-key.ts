import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { requireDepartmentAdmin } from "../access/require-role";
import { AppError, notFound } from "../errors";
import { appendEntries } from "../ledger-store/append-entries";
import { decodePublicKey, deviceEntry, requireEd25519PublicKey } from "./device-entry";
import { emitDevicesChanged } from "./device-events";
import { recordDeviceKeyChanges } from "./device-keys";

type Row = { id: string; department_id: string; dataset_id: string; public_key: Uint8Array | null; status: string };

async function lockDevice(tx: Pick<Sql, "query">, id: string): Promise<Row> {
  const rows = await tx.query<Row>(`SELECT id, department_id, dataset_id, public_key, status FROM device WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows.length) throw notFound("device", id);
  return rows[0];
}

async function departmentOf(sql: Sql, id: string): Promise<string> {
  const rows = await sql.query<{ department_id: string }>(`SELECT department_id FROM device WHERE id = $1`, [id]);
  if (!rows.length) throw notFound("device", id);
  return rows[0].department_id;
}

/** The reason a reinstatement's device.v1 entry carries: it says so on the public log. */
export const REINSTATED = "reinstated: ";

/**
 * Gives a device a new Ed25519 key: a device.v1 "rotate" entry and the row change in one
 * transaction. Readings signed with the old key are refused from then on (revoked_key).
 * A device without a key gets its first one (a "register" entry). A revoked device (its key
 * stolen, say) stays revoked: a new key is refused unless `reinstate` is set with a reason,
 * and then the entry's reason says "reinstated: …", so the reinstatement is on the ledger.
 */
export async function unsafeRotateDeviceKey(
  sql: Sql,
  opts: { device: string; publicKey: Uint8Array; reason?: string; reinstate?: boolean; at?: Date },
): Promise<{ action: "register" | "rotate"; reinstated: boolean }> {
  requireEd25519PublicKey(opts.device, opts.publicKey);
  const reason = opts.reason?.trim() || undefined;
  if (opts.reinstate && !reason) throw new AppError("validation", "reason: a reinstatement of a revoked device needs a reason");
  let reinstated = false;
  const action = await sql.transaction(async (tx) => {
    const row = await lockDevice(tx, opts.device);
    if (row.public_key && Buffer.from(row.public_key).equals(Buffer.from(opts.publicKey))) {
      throw new AppError("conflict", `device ${opts.device} already has this key`);
    }
    if (row.status === "revoked") {
      if (!opts.reinstate) {
        throw new AppError(
          "conflict",
          `device ${opts.device} is revoked: a revoked device stays revoked. To put it back into service with a new key, reinstate it (reinstate: true) with a reason`,
        );
      }
      reinstated = true;
    }
    const act = row.public_key ? ("rotate" as const) : ("register" as const);
    const at = opts.at ?? new Date();
    const leaf = await appendEntries(tx, [
      deviceEntry({ action: act, device: row.id, department: row.department_id, dataset: row.dataset_id, publicKey: opts.publicKey, reason: reinstated ? `${REINSTATED}${reason}` : reason, at }),
    ]);
    // The old key stays in the history: readings it signed can still be checked with it.
    await recordDeviceKeyChanges(tx, leaf, [{ action: act, device: row.id, publicKey: opts.publicKey, at }]);
    await tx.query(`UPDATE device SET public_key = $2, status = 'active', status_reason = NULL, updated_at = now() WHERE id = $1`, [row.id, Buffer.from(opts.publicKey)]);
    return act;
  });
  emitDevicesChanged([opts.device]);
  return { action, reinstated };
}

/**
 * Revokes a device's key with a reason: a device.v1 "revoke" entry naming the revoked key
 * and the row change in one transaction. Its readings are refused from then on.
 */
export async function unsafeRevokeDeviceKey(sql: Sql, opts: { device: string; reason: string; at?: Date }): Promise<void> {
  const reason = opts.reason.trim();
  if (!reason) throw new AppError("validation", "a revocation needs a reason");
  await sql.transaction(async (tx) => {
    const row = await lockDevice(tx, opts.device);
    if (!row.public_key) throw new AppError("conflict", `device ${opts.device} has no key to revoke`);
    if (row.status === "revoked") throw new AppError("conflict", `the key of device ${opts.device} is already revoked`);
    const at = opts.at ?? new Date();
    const leaf = await appendEntries(tx, [
      deviceEntry({ action: "revoke", device: row.id, department: row.department_id, dataset: row.dataset_id, publicKey: new Uint8Array(row.public_key), reason, at }),
    ]);
    await recordDeviceKeyChanges(tx, leaf, [{ action: "revoke", device: row.id, publicKey: new Uint8Array(row.public_key), at }]);
    await tx.query(`UPDATE device SET status = 'revoked', status_reason = $2, updated_at = now() WHERE id = $1`, [row.id, reason]);
  });
  emitDevicesChanged([opts.device]);
}

/** A department admin rotates the key of one of their department's devices (or reinstates a revoked one, with a reason). */
export async function rotateDeviceKey(opts: { viewer: Viewer; device: string; publicKey: string; reason?: string; reinstate?: boolean }) {
  const db = await getDb();
  requireDepartmentAdmin(opts.viewer, await departmentOf(db.sql, opts.device));
  return unsafeRotateDeviceKey(db.sql, { device: opts.device, publicKey: decodePublicKey(opts.device, opts.publicKey), reason: opts.reason, reinstate: opts.reinstate });
}

/** A department admin revokes the key of one of their department's devices, with a reason. */
export async function revokeDevice(opts: { viewer: Viewer; device: string; reason: string }) {
  const db = await getDb();
  requireDepartmentAdmin(opts.viewer, await departmentOf(db.sql, opts.device));
  await unsafeRevokeDeviceKey(db.sql, opts);
  return { device: opts.device, status: "revoked" as const };
}
