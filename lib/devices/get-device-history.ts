import { getDb } from "../db/client";
import type { Sql } from "../db/sql";
import type { Viewer } from "../access/viewer";
import { requireDepartmentAdmin } from "../access/require-role";
import { AppError, notFound } from "../errors";
import { decodeEntry, type DeviceEntry } from "../ledger/entries";
import { openCommitment } from "../ledger/commitment";
import { sealHasher } from "../ledger-store/seal";
import { keyFingerprint } from "./device-entry";
import { REINSTATED } from "./change-device-key";

/** How a key came in: a first registration, a rotation, or the reinstatement of a revoked device. */
export type KeyStart = "register" | "rotate" | "reinstate";
/** How a key went out: rotated out (a new key), or revoked. */
export type KeyEnd = "rotate" | "revoke";

/** One ledgered key change, linked to its ledger leaf. `reason` is the entry's own words (a reinstatement's without its "reinstated: " prefix). */
export type KeyEvent<A extends string> = { action: A; leaf: number; at: string; reason: string | null };

export type DeviceKeyHistoryItem = {
  fingerprint: string;
  publicKey: string;
  from: KeyEvent<KeyStart>;
  /** Null while it is the device's key. */
  until: KeyEvent<KeyEnd> | null;
};

export type DeviceKeyHistory = { device: string; departmentId: string; total: number; keys: DeviceKeyHistoryItem[] };

type KeyRow = { public_key: Uint8Array; valid_from_leaf: number; registered_at: Date; valid_until_leaf: number | null; retired_at: Date | null; retired_by: string | null };
type LeafRow = { leaf_index: number; kind: string; entry: Uint8Array; salt: Uint8Array | null; inner: Uint8Array | null };

/**
 * The device.v1 entries at these leaves, opened where the public log holds them as salted
 * commitments (a restricted dataset's devices). Throws if a leaf is not a device.v1 entry of
 * this device: the key history and the ledger must agree.
 */
async function deviceEntriesAt(sql: Sql, device: string, leaves: number[]): Promise<Map<number, DeviceEntry>> {
  const rows = leaves.length
    ? await sql.query<LeafRow>(
        `SELECT l.leaf_index, l.kind, l.entry, c.salt, c.entry AS inner
           FROM ledger_leaf l LEFT JOIN ledger_commitment c ON c.leaf_index = l.leaf_index
          WHERE l.leaf_index = ANY($1::int8[])`,
        [leaves],
      )
    : [];
  const out = new Map<number, DeviceEntry>();
  for (const r of rows) {
    const leaf = Number(r.leaf_index);
    const outer = decodeEntry(new Uint8Array(r.entry));
    const e = outer.kind === "commitment.v1" && r.salt && r.inner ? openCommitment(sealHasher, outer, new Uint8Array(r.salt), new Uint8Array(r.inner)) : outer;
    if (e.kind !== "device.v1" || e.device !== device) throw new AppError("internal", `leaf ${leaf} of device ${device}'s key history is not one of its device.v1 entries`);
    out.set(leaf, e);
  }
  for (const l of leaves) if (!out.has(l)) throw new AppError("internal", `leaf ${l} of device ${device}'s key history is not on the ledger`);
  return out;
}

const startOf = (e: DeviceEntry, leaf: number, at: Date): KeyEvent<KeyStart> => {
  const reinstated = e.reason?.startsWith(REINSTATED) ?? false;
  return {
    action: reinstated ? "reinstate" : e.action === "register" ? "register" : "rotate",
    leaf,
    at: at.toISOString(),
    reason: (reinstated ? e.reason!.slice(REINSTATED.length) : e.reason) ?? null,
  };
};

/**
 * Every key a device has had, newest first, a page at a time: its fingerprint, the ledgered
 * change that brought it in (registration, rotation or reinstatement, with the reason the
 * entry carries) and the one that ended it (rotated out, or revoked with its reason), each
 * with its ledger leaf. For the admins of the device's department, sysadmins and auditors.
 */
export async function getDeviceHistory(opts: { viewer: Viewer; device: string; limit?: number; offset?: number }): Promise<DeviceKeyHistory> {
  const { sql } = await getDb();
  const [dev] = await sql.query<{ department_id: string }>(`SELECT department_id FROM device WHERE id = $1`, [opts.device]);
  if (!dev) throw notFound("device", opts.device);
  if (!(opts.viewer.kind === "user" && opts.viewer.role === "auditor")) requireDepartmentAdmin(opts.viewer, dev.department_id);
  const limit = Math.min(200, Math.max(1, opts.limit ?? 20));
  const offset = Math.max(0, opts.offset ?? 0);
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM device_key WHERE device_id = $1`, [opts.device]);
  const rows = await sql.query<KeyRow>(
    `SELECT public_key, valid_from_leaf, registered_at, valid_until_leaf, retired_at, retired_by
       FROM device_key WHERE device_id = $1 ORDER BY valid_from_leaf DESC LIMIT $2 OFFSET $3`,
    [opts.device, limit, offset],
  );
  const leaves = [...new Set(rows.flatMap((r) => [Number(r.valid_from_leaf), ...(r.valid_until_leaf == null ? [] : [Number(r.valid_until_leaf)])]))];
  const entries = await deviceEntriesAt(sql, opts.device, leaves);
  return {
    device: opts.device,
    departmentId: dev.department_id,
    total: Number(n),
    keys: rows.map((r) => {
      const key = new Uint8Array(r.public_key);
      const fromLeaf = Number(r.valid_from_leaf);
      const untilLeaf = r.valid_until_leaf == null ? null : Number(r.valid_until_leaf);
      const end = untilLeaf == null ? null : entries.get(untilLeaf)!;
      return {
        fingerprint: keyFingerprint(key)!,
        publicKey: Buffer.from(key).toString("base64"),
        from: startOf(entries.get(fromLeaf)!, fromLeaf, new Date(r.registered_at)),
        until:
          end && untilLeaf != null
            ? { action: end.action === "revoke" ? "revoke" : "rotate", leaf: untilLeaf, at: new Date(r.retired_at ?? end.at).toISOString(), reason: end.reason ?? null }
            : null,
      };
    }),
  };
}
