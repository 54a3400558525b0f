import type { Sql, SqlTx } from "../db/sql";

/** One key a device has had, valid for the readings sequenced between its two leaves. */
export type DeviceKey = {
  device: string;
  publicKey: Uint8Array;
  /** Leaf of the device.v1 entry that registered or rotated this key in. */
  validFromLeaf: number;
  registeredAt: Date;
  /** Leaf of the entry that rotated it out or revoked it; null while it is the device's key. */
  validUntilLeaf: number | null;
  retiredAt: Date | null;
  retiredBy: "rotate" | "revoke" | "register" | null;
};

export type KeyChange = { action: "register" | "rotate" | "revoke"; device: string; publicKey: Uint8Array; at: Date };

type Row = { device_id: string; public_key: Uint8Array; valid_from_leaf: number; registered_at: Date; valid_until_leaf: number | null; retired_at: Date | null; retired_by: string | null };

const toKey = (r: Row): DeviceKey => ({
  device: r.device_id,
  publicKey: new Uint8Array(r.public_key),
  validFromLeaf: Number(r.valid_from_leaf),
  registeredAt: new Date(r.registered_at),
  validUntilLeaf: r.valid_until_leaf == null ? null : Number(r.valid_until_leaf),
  retiredAt: r.retired_at ? new Date(r.retired_at) : null,
  retiredBy: r.retired_by as DeviceKey["retiredBy"],
});

/**
 * Records key changes in the key history, inside the transaction that appended their
 * device.v1 entries (the i-th change at leaf first + i): every change closes the device's
 * open key at its leaf, and a registration or rotation opens the new key there. Devices
 * may repeat; changes apply in order.
 */
export async function recordDeviceKeyChanges(tx: SqlTx, first: number, changes: readonly KeyChange[]): Promise<void> {
  // Rounds in which each device appears at most once, so the set-based statements below apply in order.
  let rest = changes.map((c, i) => ({ ...c, leaf: first + i }));
  while (rest.length) {
    const seen = new Set<string>();
    const round = rest.filter((c) => !seen.has(c.device) && (seen.add(c.device), true));
    rest = rest.filter((c) => !round.includes(c));
    await tx.query(
      `UPDATE device_key k SET valid_until_leaf = u.l, retired_at = u.at, retired_by = u.a
         FROM unnest($1::text[], $2::int8[], $3::timestamptz[], $4::text[]) AS u(d, l, at, a)
        WHERE k.device_id = u.d AND k.valid_until_leaf IS NULL`,
      [round.map((c) => c.device), round.map((c) => c.leaf), round.map((c) => c.at.toISOString()), round.map((c) => c.action)],
    );
    const opened = round.filter((c) => c.action !== "revoke");
    if (opened.length) {
      await tx.query(
        `INSERT INTO device_key (device_id, valid_from_leaf, public_key, registered_at)
         SELECT d, l, decode(k, 'hex'), at FROM unnest($1::text[], $2::int8[], $3::text[], $4::timestamptz[]) AS u(d, l, k, at)`,
        [opened.map((c) => c.device), opened.map((c) => c.leaf), opened.map((c) => Buffer.from(c.publicKey).toString("hex")), opened.map((c) => c.at.toISOString())],
      );
    }
  }
}

/** The key a device had for an entry sequenced at `leafIndex` (e.g. its reading), or null if it had none. */
export async function deviceKeyAt(sql: Pick<Sql, "query">, device: string, leafIndex: number): Promise<DeviceKey | null> {
  const rows = await sql.query<Row>(
    `SELECT * FROM device_key WHERE device_id = $1 AND valid_from_leaf < $2 AND (valid_until_leaf IS NULL OR valid_until_leaf > $2)
      ORDER BY valid_from_leaf DESC LIMIT 1`,
    [device, leafIndex],
  );
  return rows.length ? toKey(rows[0]) : null;
}

/** Every key a device has had, newest first. */
export async function deviceKeyHistory(sql: Pick<Sql, "query">, device: string): Promise<DeviceKey[]> {
  const rows = await sql.query<Row>(`SELECT * FROM device_key WHERE device_id = $1 ORDER BY valid_from_leaf DESC`, [device]);
  return rows.map(toKey);
}
