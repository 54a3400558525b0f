import type { Sql } from "../db/sql";
import { encodeEntry } from "../ledger/entries";
import { appendEntries } from "../ledger-store/append-entries";
import { AppError } from "../errors";
import { emitDevicesChanged } from "./device-events";
import { recordDeviceKeyChanges } from "./device-keys";
import { toBase64 as b64 } from "../ledger/encoding";

export type DeviceKeyRegistration = { device: string; publicKey: Uint8Array; reason?: string };


/**
 * Registers devices' Ed25519 public keys: one device.v1 "register" ledger entry each, in
 * the same transaction as the registry row change. Devices must exist and have no key yet
 * (a new key for a keyed device is a rotation, not a registration).
 */
export async function registerDeviceKeys(sql: Sql, regs: readonly DeviceKeyRegistration[], at = new Date()): Promise<number> {
  if (regs.length === 0) return 0;
  const n = await sql.transaction(async (tx) => {
    const ids = regs.map((r) => r.device);
    const rows = await tx.query<{ id: string; department_id: string; dataset_id: string; public_key: Uint8Array | null }>(
      `SELECT id, department_id, dataset_id, public_key FROM device WHERE id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const r of regs) {
      const row = byId.get(r.device);
      if (!row) throw new AppError("not_found", `device ${r.device} not found`);
      if (row.public_key) throw new AppError("conflict", `device ${r.device} already has a key; rotate it instead`);
      if (r.publicKey.length !== 32) throw new AppError("validation", `public key of ${r.device} must be 32 bytes, got ${r.publicKey.length}`);
    }
    const iso = at.toISOString();
    const first = await appendEntries(
      tx,
      regs.map((r) => {
        const row = byId.get(r.device)!;
        return {
          kind: "device.v1",
          bytes: encodeEntry({
            kind: "device.v1",
            action: "register",
            device: r.device,
            department: row.department_id,
            dataset: row.dataset_id,
            publicKey: b64(r.publicKey),
            ...(r.reason ? { reason: r.reason } : {}),
            at: iso,
          }),
          refTable: "device",
          refId: r.device,
        };
      }),
    );
    await tx.query(
      `UPDATE device d SET public_key = decode(u.k, 'hex'), status = 'active', updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS u(id, k) WHERE d.id = u.id`,
      [ids, regs.map((r) => Buffer.from(r.publicKey).toString("hex"))],
    );
    await recordDeviceKeyChanges(tx, first, regs.map((r) => ({ action: "register", device: r.device, publicKey: r.publicKey, at })));
    return regs.length;
  });
  emitDevicesChanged(regs.map((r) => r.device));
  return n;
}
