// The audit against tampering with every table the ledger stands for: for each column it
// commits to, one value changed; one row of each table deleted; two rows swapped. Each must
// be named (table, and the field where there is one), and the database restored must pass.
// Then the checkpoint, cosignature and rollback cases, and a kept checkpoint (--since).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import type { Sql } from "../db/sql";
import { auditLedger, type AuditOptions, type Discrepancy } from "./audit";
import { openKeptCheckpoint } from "./audit-checks";
import { storeReadings } from "../ingest/store-readings";
import { buildAuditFixture, ed25519Pair, fixtureReading, storeGatewayBatch, FIXTURE_GATEWAY, type FixtureKey } from "./testing/audit-fixture";

const targets = await testTargets();

/** Runs statements with triggers and foreign keys off (as someone with the database's keys could). */
async function asOwner(sql: Sql, statements: string) {
  await sql.transaction(async (tx) => {
    await tx.exec(`SET LOCAL session_replication_role = replica; ${statements}`);
  });
}

type Snapshot = { table: string; where: string; rows: unknown[] };
async function snapshot(sql: Sql, table: string, where: string): Promise<Snapshot> {
  const rows = await sql.query<{ j: unknown }>(`SELECT to_jsonb(t) AS j FROM ${table} t WHERE ${where}`);
  return { table, where, rows: rows.map((r) => r.j) };
}
async function restore(sql: Sql, s: Snapshot, whereAfter = s.where) {
  await sql.transaction(async (tx) => {
    await tx.exec(`SET LOCAL session_replication_role = replica; DELETE FROM ${s.table} WHERE ${whereAfter}`);
    await tx.query(`INSERT INTO ${s.table} SELECT * FROM jsonb_populate_recordset(null::${s.table}, $1::jsonb)`, [JSON.stringify(s.rows)]);
  });
}

const bump = {
  text: (c: string) => `${c} || 'x'`,
  bytea: (c: string, at = 0) => `set_byte(${c}, ${at}, (get_byte(${c}, ${at}) + 1) % 256)`,
  ts: (c: string) => `${c} + interval '1 millisecond'`,
  int: (c: string) => `${c} + 1`,
};

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("the audit against tampering on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: AuditOptions;
  let witnessNames: string[];
  let publisher: { round(): Promise<number> };
  let keys: Map<string, FixtureKey[]>;
  const ids: Record<string, string> = {};
  let keysSnapshot: Snapshot;
  let stateDir: string;

  const audit = (extra: Partial<AuditOptions> = {}) => auditLedger(db.sql, { ...opts, threads: 0, ...extra });
  const show = (ds: Discrepancy[]) => ds.map((d) => `${d.table} ${d.id} ${d.field ?? ""}: ${d.what}`).join("\n");

  beforeAll(async () => {
    db = await target.open();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-witnesses-"));
    ({ opts, witnessNames, publisher, keys } = await buildAuditFixture(db.sql, stateDir));
    const one = async (q: string) => String(Object.values((await db.sql.query<Record<string, unknown>>(q))[0])[0]);
    ids.keyB = await one(`SELECT valid_from_leaf FROM device_key WHERE device_id = 'trf-b' AND valid_until_leaf IS NOT NULL`);
    ids.keyD = await one(`SELECT valid_from_leaf FROM device_key WHERE device_id = 'trf-d' AND valid_until_leaf IS NULL`);
    ids.geReq = await one(`SELECT min(id) FROM grant_event WHERE grant_id = 'g-area'`);
    ids.geApp = await one(`SELECT max(id) FROM grant_event WHERE grant_id = 'g-area'`);
    ids.reCreate = await one(`SELECT min(id) FROM rule_event WHERE rule_id = 'r-one'`);
    ids.reUpdate = await one(`SELECT max(id) FROM rule_event WHERE rule_id = 'r-one'`);
    ids.batch1 = await one(`SELECT id FROM access_batch ORDER BY leaf_index LIMIT 1`);
    ids.batch2 = await one(`SELECT id FROM access_batch ORDER BY leaf_index DESC LIMIT 1`);
    ids.ev1 = await one(`SELECT min(id) FROM access_event`);
    ids.ev2 = await one(`SELECT min(id) + 1 FROM access_event`);
    ids.gb1 = await one(`SELECT min(id) FROM gateway_batch`);
    ids.gb2 = await one(`SELECT max(id) FROM gateway_batch`);
    ids.aeCreate = await one(`SELECT min(id) FROM account_event WHERE user_id = 'u-moved'`);
    ids.aeMove = await one(`SELECT min(id) FROM account_event WHERE user_id = 'u-moved' AND action = 'change'`);
    keysSnapshot = await snapshot(db.sql, "device_key", "true");
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("passes the untouched fixture, every entry kind in it", async () => {
    const r = await audit();
    expect(show(r.discrepancies)).toBe("");
    const kinds = await db.sql.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM ledger_leaf_all GROUP BY kind ORDER BY kind`);
    expect(kinds.map((k) => k.kind)).toEqual(["access.v1", "account.v1", "device.v1", "grant.v2", "reading.v1", "rule.v1"]);
    expect(r.checkpoints).toBe(4);
    // The audit with worker threads agrees (by default a ledger this small is checked on this thread).
    expect((await auditLedger(db.sql, { ...opts, threads: 2 })).discrepancies).toEqual([]);
  });

  // [table, row (SQL condition), column, new value (SQL), the table the audit must name (default: the same), the field it names (substring)]
  type Change = [string, string, string, string, string?, string?];
  const changes = (): Change[] => [
    ["device", "id = 'trf-b'", "status", "'revoked'"],
    ["device", "id = 'trf-c'", "status", "'active'"],
    ["device", "id = 'trf-c'", "status_reason", bump.text("status_reason")],
    ["device", "id = 'trf-a'", "public_key", bump.bytea("public_key")],
    ["device", "id = 'trf-a'", "department_id", "'energy'"],
    ["device", "id = 'trf-a'", "dataset_id", "'energy.meters'"],
    ["device", "id = 'gw-a'", "quarantined_at", "NULL"],
    ["device", "id = 'gw-a'", "quarantine_reason", bump.text("quarantine_reason")],
    ["device", "id = 'trf-a'", "quarantined_at", "now()"],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "public_key", bump.bytea("public_key")],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "registered_at", bump.ts("registered_at")],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "valid_until_leaf", bump.int("valid_until_leaf")],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "retired_at", bump.ts("retired_at")],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "retired_by", "'revoke'"],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "valid_from_leaf", bump.int("valid_from_leaf"), "device_key", ""],
    ["device_key", `device_id = 'trf-d' AND valid_from_leaf = ${ids.keyD}`, "valid_until_leaf", "5"],
    ["data_grant", "id = 'g-plain'", "status", "'active'"],
    ["data_grant", "id = 'g-area'", "scope", "'aggregated'"],
    ["data_grant", "id = 'g-area'", "fields", "ARRAY['speedKmh']"],
    ["data_grant", "id = 'g-area'", "purpose", bump.text("purpose"), "data_grant", "purpose"],
    ["data_grant", "id = 'g-area'", "data_from", bump.ts("data_from")],
    ["data_grant", "id = 'g-area'", "data_until", bump.ts("data_until")],
    ["data_grant", "id = 'g-area'", "area_lon", "area_lon + 0.001", "data_grant", "area"],
    ["data_grant", "id = 'g-area'", "area_lat", "area_lat + 0.001", "data_grant", "area"],
    ["data_grant", "id = 'g-area'", "area_radius_m", "area_radius_m + 1", "data_grant", "area"],
    ["data_grant", "id = 'g-area'", "valid_from", bump.ts("valid_from")],
    ["data_grant", "id = 'g-area'", "valid_until", bump.ts("valid_until")],
    ["data_grant", "id = 'g-area'", "dataset_id", "'safety.incidents'"],
    ["data_grant", "id = 'g-area'", "owner_department_id", "'energy'"],
    ["data_grant", "id = 'g-area'", "grantee_department_id", "'citizen'"],
    ["data_grant", "id = 'g-area'", "automatic", "true"],
    ["data_grant", "id = 'g-area'", "rule_id", "'r-one'"],
    ["grant_event", `id = ${ids.geReq}`, "grant_id", "'g-plain'"],
    ["grant_event", `id = ${ids.geReq}`, "action", "'approve'"],
    ["grant_event", `id = ${ids.geReq}`, "by_user", bump.text("by_user")],
    ["grant_event", `id = ${ids.geReq}`, "at", bump.ts("at")],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{scope}', '"aggregated"')`, "grant_event", "terms.scope"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{fields}', '["speedKmh"]')`, "grant_event", "terms.fields"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{validUntil}', '"2030-01-01T00:00:00.000Z"')`, "grant_event", "terms.validUntil"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{dataFrom}', 'null')`, "grant_event", "terms.dataFrom"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{area,radiusM}', '99')`, "grant_event", "terms.area"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{purpose}', '"other"')`, "grant_event", "terms.purpose"],
    ["grant_event", `id = ${ids.geReq}`, "terms", `jsonb_set(terms, '{status}', '"active"')`, "grant_event", "terms.status"],
    ["grant_event", `id = ${ids.geReq}`, "leaf_index", bump.int("leaf_index"), "grant_event", ""],
    ["grant_event", `id = ${ids.geApp}`, "by_department", "'energy'", "grant_event", "by_department"],
    ["auth_user", "id = 'u-moved'", "department_id", "'energy'"],
    ["auth_user", "id = 'u-moved'", "role", "'sysadmin'"],
    ["auth_user", "id = 'u-moved'", "disabled", "false"],
    ["account_event", `id = ${ids.aeMove}`, "user_id", "'u-admin'"],
    ["account_event", `id = ${ids.aeMove}`, "action", "'create'"],
    ["account_event", `id = ${ids.aeMove}`, "department_id", "'energy'"],
    ["account_event", `id = ${ids.aeMove}`, "role", "'dept_admin'"],
    ["account_event", `id = ${ids.aeMove}`, "disabled", "true"],
    ["account_event", `id = ${ids.aeMove}`, "by_user", "'u-admin'"],
    ["account_event", `id = ${ids.aeMove}`, "by_department", "'citizen'"],
    ["account_event", `id = ${ids.aeMove}`, "at", bump.ts("at")],
    ["account_event", `id = ${ids.aeMove}`, "leaf_index", bump.int("leaf_index"), "account_event", ""],
    ["linkage_rule", "id = 'r-one'", "name", bump.text("name")],
    ["linkage_rule", "id = 'r-one'", "enabled", "false"],
    ["linkage_rule", "id = 'r-one'", "definition", `jsonb_set(definition, '{trigger,maxSeverity}', '1')`, "linkage_rule", "definition"],
    ["linkage_rule", "id = 'r-one'", "version", bump.int("version")],
    ["linkage_rule", "id = 'r-one'", "created_by", bump.text("created_by")],
    ["linkage_rule", "id = 'r-one'", "created_at", bump.ts("created_at")],
    ["linkage_rule", "id = 'r-two'", "retired_at", bump.ts("retired_at")],
    ["rule_event", `id = ${ids.reUpdate}`, "rule_id", "'r-two'"],
    ["rule_event", `id = ${ids.reUpdate}`, "action", "'create'"],
    ["rule_event", `id = ${ids.reUpdate}`, "definition", `jsonb_set(definition, '{grant,radiusM}', '2000')`, "rule_event", "definition"],
    ["rule_event", `id = ${ids.reUpdate}`, "by_user", bump.text("by_user")],
    ["rule_event", `id = ${ids.reUpdate}`, "at", bump.ts("at")],
    ["rule_event", `id = ${ids.reUpdate}`, "leaf_index", bump.int("leaf_index"), "rule_event", ""],
    ["access_batch", `id = '${ids.batch1}'`, "count", bump.int("count")],
    ["access_batch", `id = '${ids.batch1}'`, "first_at", bump.ts("first_at")],
    ["access_batch", `id = '${ids.batch1}'`, "last_at", bump.ts("last_at")],
    ["access_batch", `id = '${ids.batch1}'`, "events_hash", `overlay(events_hash placing (CASE WHEN left(events_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1)`],
    ["access_batch", `id = '${ids.batch1}'`, "leaf_index", bump.int("leaf_index")],
    ...["at", "user_id", "department_id", "role", "dataset_id", "owner_department_id", "basis", "grant_id", "scope", "action", "record_count", "range_from", "range_until"].map(
      (c): Change => [
        "access_event",
        `id = ${ids.ev1}`,
        c,
        c === "record_count" ? bump.int(c) : c.startsWith("range") || c === "at" ? bump.ts(c) : c === "grant_id" ? "'g-plain'" : bump.text(c),
        "access_event",
        "events",
      ],
    ),
    ["access_event", `id = ${ids.ev1}`, "batch_id", `'${ids.batch2}'`, "access_event", "number of events"],
    ["gateway_batch", `id = ${ids.gb1}`, "gateway_device_id", "'trf-a'", "gateway_batch", "signature"],
    ["gateway_batch", `id = ${ids.gb1}`, "batch_root", bump.bytea("batch_root")],
    ["gateway_batch", `id = ${ids.gb1}`, "signature", bump.bytea("signature")],
    ["gateway_batch", `id = ${ids.gb1}`, "size", bump.int("size")],
    ["gateway_batch", `id = ${ids.gb1}`, "payload_hashes", bump.bytea("payload_hashes", 40), "gateway_batch", "batch_root"],
    // The leaf range by which provenance finds a batch's readings: one left out of it is named.
    ["gateway_batch", `id = ${ids.gb1}`, "first_leaf", bump.int("first_leaf"), "gateway_batch", "first_leaf"],
    ["ledger_tile", "level = 0 AND index = 1", "hashes", bump.bytea("hashes", 100), "ledger_tile", "hashes"],
    ["ledger_tile", "level = 1 AND index = 0", "hashes", bump.bytea("hashes", 5), "ledger_tile", "hashes"],
  ];

  it("names every changed column, and passes once it is restored", async () => {
    const missed: string[] = [];
    for (const [table, where, column, value, wantTable = table, wantField = column] of changes()) {
      const before = await snapshot(db.sql, table, where);
      expect(before.rows.length, `${table} ${where}`).toBe(1);
      await asOwner(db.sql, `UPDATE ${table} SET ${column} = ${value} WHERE ${where}`);
      const key = Object.fromEntries(Object.entries(before.rows[0] as Record<string, unknown>).filter(([k]) => ["id", "level", "index"].includes(k)));
      const whereAfter = Object.entries(key)
        .map(([k, v]) => `"${k}" = '${v}'`)
        .join(" AND ") || where;
      const r = await audit();
      const hit = r.discrepancies.some((d) => d.table === wantTable && (d.field ?? "").includes(wantField));
      if (!hit) missed.push(`${table}.${column} = ${value}: ${show(r.discrepancies) || "nothing named"}`);
      // device_key's key is what some changes move: the whole table goes back.
      if (table === "device_key") await restore(db.sql, keysSnapshot, "true");
      else await restore(db.sql, before, whereAfter);
    }
    expect(missed).toEqual([]);
    expect(show((await audit()).discrepancies)).toBe("");
  }, 120_000);

  // [table, row (SQL condition), the table the audit must name]
  const deletions = (): [string, string, string][] => [
    ["device", "id = 'trf-b'", "device"],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, "device_key"],
    ["data_grant", "id = 'g-area'", "data_grant"],
    ["grant_event", `id = ${ids.geApp}`, "grant_event"],
    ["auth_user", "id = 'u-admin'", "auth_user"],
    ["account_event", `id = ${ids.aeMove}`, "account_event"],
    ["linkage_rule", "id = 'r-one'", "linkage_rule"],
    ["rule_event", `id = ${ids.reCreate}`, "rule_event"],
    ["access_batch", `id = '${ids.batch1}'`, "access_batch"],
    ["access_event", `id = ${ids.ev1}`, "access_event"],
    ["gateway_batch", `id = ${ids.gb2}`, "reading"],
    ["ledger_tile", "level = 0 AND index = 0", "ledger_tile"],
  ];
  // [table, the two rows, column swapped, the table the audit must name]
  const swaps = (): [string, string, string, string, string][] => [
    ["device", "id = 'trf-a'", "id = 'trf-d'", "public_key", "device"],
    ["device_key", `device_id = 'trf-b' AND valid_from_leaf = ${ids.keyB}`, `device_id = 'trf-d' AND valid_from_leaf = ${ids.keyD}`, "public_key", "device_key"],
    ["data_grant", "id = 'g-plain'", "id = 'g-area'", "status", "data_grant"],
    ["grant_event", `id = ${ids.geReq}`, `id = ${ids.geApp}`, "terms", "grant_event"],
    ["grant_event", `id = ${ids.geReq}`, `id = ${ids.geApp}`, "leaf_index", "grant_event"],
    ["auth_user", "id = 'u-sys'", "id = 'u-admin'", "role", "auth_user"],
    ["account_event", `id = ${ids.aeCreate}`, `id = ${ids.aeMove}`, "department_id", "account_event"],
    ["linkage_rule", "id = 'r-one'", "id = 'r-two'", "definition", "linkage_rule"],
    ["rule_event", `id = ${ids.reCreate}`, `id = ${ids.reUpdate}`, "definition", "rule_event"],
    ["access_batch", `id = '${ids.batch1}'`, `id = '${ids.batch2}'`, "events_hash", "access_batch"],
    ["access_event", `id = ${ids.ev1}`, `id = ${ids.ev2}`, "record_count", "access_event"],
    ["gateway_batch", `id = ${ids.gb1}`, `id = ${ids.gb2}`, "payload_hashes", "gateway_batch"],
    ["ledger_tile", "level = 0 AND index = 0", "level = 0 AND index = 1", "hashes", "ledger_tile"],
  ];

  it("names every deleted row and every swap of two rows, and passes once restored", async () => {
    const missed: string[] = [];
    for (const [table, where, wantTable] of deletions()) {
      const before = await snapshot(db.sql, table, where);
      expect(before.rows.length, `${table} ${where}`).toBe(1);
      await asOwner(db.sql, `DELETE FROM ${table} WHERE ${where}`);
      const r = await audit();
      if (!r.discrepancies.some((d) => d.table === wantTable)) missed.push(`delete ${table} ${where}: ${show(r.discrepancies) || "nothing named"}`);
      await restore(db.sql, before);
    }
    for (const [table, a, b, column, wantTable] of swaps()) {
      const where = `(${a}) OR (${b})`;
      const before = await snapshot(db.sql, table, where);
      expect(before.rows.length, `${table} ${where}`).toBe(2);
      await asOwner(db.sql, `UPDATE ${table} SET ${column} = CASE WHEN ${a} THEN (SELECT ${column} FROM ${table} WHERE ${b}) ELSE (SELECT ${column} FROM ${table} WHERE ${a}) END WHERE ${where}`);
      const r = await audit();
      if (!r.discrepancies.some((d) => d.table === wantTable)) missed.push(`swap ${table}.${column}: ${show(r.discrepancies) || "nothing named"}`);
      await restore(db.sql, before, where);
    }
    expect(missed).toEqual([]);
    expect(show((await audit()).discrepancies)).toBe("");
  }, 120_000);

  it("names a cosignature moved to another checkpoint, the newest checkpoint's cosignatures deleted, and the newest checkpoint deleted", async () => {
    const sizes = (await db.sql.query<{ size: number }>(`SELECT size FROM checkpoint ORDER BY size`)).map((c) => Number(c.size));
    const [a, b] = sizes;
    const newest = sizes[sizes.length - 1];
    const w = witnessNames[0];
    const cos = await snapshot(db.sql, "cosignature", "true");
    const cps = await snapshot(db.sql, "checkpoint", "true");
    const put = async () => {
      await restore(db.sql, cps, "true");
      await restore(db.sql, cos, "true");
    };
    const named = async (want: Partial<Discrepancy>) => {
      const r = await audit();
      expect(r.ok).toBe(false);
      expect(r.discrepancies).toContainEqual(expect.objectContaining(want));
    };

    // Moved: witness 0's cosignature of checkpoint a stored as its cosignature of b.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${b} AND witness = '${w}'; UPDATE cosignature SET checkpoint_size = ${b} WHERE checkpoint_size = ${a} AND witness = '${w}'`);
    await named({ table: "cosignature", id: `${b}/${w}`, what: expect.stringContaining("does not verify for checkpoint") });
    await put();

    // Every cosignature of an older checkpoint deleted: witness 0's history (its own file) names
    // its own; the checkpoint is counted as unwitnessed besides.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${b}`);
    let r = await audit();
    expect(r.unwitnessed).toEqual([b]);
    expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "cosignature", id: `${b}/${w}`, what: expect.stringContaining("witness history") }));
    await put();
    // One witness's cosignature deleted from an older checkpoint.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${a} AND witness = '${w}'`);
    await named({ table: "cosignature", id: `${a}/${w}`, what: expect.stringContaining("witness history") });
    await put();
    // A checkpoint deleted from the middle of the log, with its cosignatures.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${b}; DELETE FROM checkpoint WHERE size = ${b}`);
    r = await audit();
    expect(r.ok).toBe(false);
    expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "checkpoint", id: String(b), field: "size", what: expect.stringContaining("witness history") }));
    await put();
    // One witness's cosignature deleted from the newest checkpoint: its own record names it.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${newest} AND witness = '${witnessNames[2]}'`);
    await named({ table: "cosignature", id: `${newest}/${witnessNames[2]}`, what: expect.stringContaining("not stored") });
    await put();

    // All cosignatures of the newest checkpoint deleted: the witnesses recorded cosigning it.
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${newest}`);
    await named({ table: "cosignature", id: `${newest}/${w}`, what: expect.stringContaining("not stored") });
    await put();

    // The newest checkpoint deleted (with its cosignatures).
    await asOwner(db.sql, `DELETE FROM cosignature WHERE checkpoint_size = ${newest}; DELETE FROM checkpoint WHERE size = ${newest}`);
    await named({ table: "checkpoint", id: String(newest), what: expect.stringContaining("integrated tree") });
    await put();

    expect(show((await audit()).discrepancies)).toBe("");
  }, 120_000);

  it("refuses a log rolled back behind what the console acknowledged, what witnesses cosigned, or a checkpoint an auditor kept", async () => {
    const cps = await db.sql.query<{ size: number; note: string }>(`SELECT size, note FROM checkpoint ORDER BY size DESC`);
    const [newest, previous] = cps.map((c) => ({ size: Number(c.size), note: c.note }));
    const kept = await openKeptCheckpoint(newest.note, opts.logVerifierKey);
    expect(kept.size).toBe(newest.size);
    await expect(openKeptCheckpoint("not a note\n", opts.logVerifierKey)).rejects.toThrow(/not a checkpoint signed by this log's key/);
    await expect(openKeptCheckpoint(previous.note.replace(/\n\n[\s\S]*$/, "\n\n— foo Ym9ndXM=\n"), opts.logVerifierKey)).rejects.toThrow(/not a checkpoint signed by this log's key/);
    expect((await audit({ since: kept })).discrepancies).toEqual([]);

    const saved = await Promise.all(
      [
        ["reading", `leaf_index >= ${previous.size}`],
        ["ledger_leaf", `leaf_index >= ${previous.size}`],
        ["cosignature", `checkpoint_size = ${newest.size}`],
        ["checkpoint", `size = ${newest.size}`],
        ["ledger_tile", "true"],
        ["ledger_state", "true"],
        ["witness_state", "true"],
      ].map(([t, w]) => snapshot(db.sql, t, w)),
    );
    const putBack = async () => {
      for (const s of saved) await restore(db.sql, s);
    };
    try {
      // The newest leaves, their readings, the newest checkpoint and its cosignatures cut away.
      await asOwner(db.sql, `DELETE FROM reading WHERE leaf_index >= ${previous.size}; DELETE FROM ledger_leaf WHERE leaf_index >= ${previous.size};
                             DELETE FROM cosignature WHERE checkpoint_size = ${newest.size}; DELETE FROM checkpoint WHERE size = ${newest.size}`);
      let r = await audit();
      expect(r.leaves).toBe(previous.size);
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "ledger_state", field: "integrated_size", what: expect.stringContaining("rolled back") }));
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "witness_state", id: witnessNames[1], field: "size", what: expect.stringContaining("rolled back") }));

      // The sequencer's state set back too: the witnesses still say it.
      await asOwner(db.sql, `UPDATE ledger_state SET next_index = ${previous.size}, integrated_size = ${previous.size}`);
      r = await audit();
      expect(r.discrepancies.filter((d) => d.table === "ledger_state")).toEqual([]);
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "witness_state", field: "size" }));

      // The whole database as it was then (witness_state and tiles too): witness 0's own files (state and history) still say.
      await asOwner(db.sql, `UPDATE witness_state SET size = ${previous.size}, root_hash = (SELECT root_hash FROM checkpoint WHERE size = ${previous.size});
                             DELETE FROM ledger_tile WHERE index * 256 >= ${previous.size} AND level = 0`);
      r = await audit();
      const file = path.join(stateDir, `${encodeURIComponent(witnessNames[0])}.json`);
      expect(r.discrepancies.filter((d) => d.table !== "ledger_tile")).toEqual([
        expect.objectContaining({ table: "witness file", id: file, field: "size", ledger: String(newest.size), what: expect.stringContaining("rolled back") }),
        expect.objectContaining({ table: "checkpoint", id: String(newest.size), what: expect.stringContaining("witness file") }),
        expect.objectContaining({ table: "witness history", field: "size", ledger: String(newest.size), what: expect.stringContaining("rolled back") }),
      ]);
      // Without that file, only the checkpoint an auditor kept tells.
      r = await audit({ witnessStateDir: undefined });
      expect(r.discrepancies.filter((d) => d.table !== "ledger_tile")).toEqual([]);
      r = await audit({ since: kept });
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "ledger_leaf", id: `kept ${kept.size}`, what: expect.stringContaining("rolled back") }));
    } finally {
      await putBack();
    }
    expect(show((await audit({ since: kept })).discrepancies)).toBe("");

    // A log that differs from the kept one (one leaf's entry replaced): not an extension of it.
    const leaf = await snapshot(db.sql, "ledger_leaf", "leaf_index = 3");
    const row = await snapshot(db.sql, "reading", "leaf_index = 3");
    try {
      await asOwner(db.sql, `UPDATE ledger_leaf SET entry = ${bump.bytea("entry", 30)} WHERE leaf_index = 3`);
      const r = await audit({ since: kept });
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "ledger_leaf", id: `kept ${kept.size}`, what: expect.stringContaining("not an extension") }));
    } finally {
      await restore(db.sql, leaf);
      await restore(db.sql, row);
    }
  }, 120_000);

  // Last: it appends to the log. An insider who can write the database stores readings no
  // device signed through the console's own code (storeReadings, then a publishing round):
  // rows, entries, leaf hashes, tiles, checkpoints and cosignatures all agree, so only the
  // device signature tells. Each must be named, on worker threads and on this thread.
  it("names readings whose device signature does not verify under a key the device held, which every hash check passes", async () => {
    const attacker = ed25519Pair();
    const [bFormer] = keys.get("trf-b")!; // rotated out in the fixture, before these readings
    const a = keys.get("trf-a")!.at(-1)!;
    const elsewhere = fixtureReading("trf-a", 5001, a);
    const altered = fixtureReading("trf-a", 5004, a);
    altered.signature = new Uint8Array(altered.signature);
    altered.signature[10] ^= 0x01;
    const bad: [string, number, string][] = [
      ["trf-a", 5000, `does not verify under any key device trf-a has had`], // signed by another key
      ["trf-a", 5002, `does not verify under any key device trf-a has had`], // the device's signature of other values
      ["trf-b", 5003, `device trf-b had until it was rotated out`], // sent directly, signed with a key retired before it was sequenced
      ["trf-a", 5004, `does not verify under any key device trf-a has had`], // signature bytes altered
      ["trf-a", 5006, `does not verify under any key device trf-a has had`], // carried by the gateway, signed by another key
    ];
    await storeReadings(db.sql, [
      fixtureReading("trf-a", 5000, attacker),
      elsewhere,
      { ...fixtureReading("trf-a", 5002, a), signature: elsewhere.signature },
      fixtureReading("trf-b", 5003, bFormer),
      altered,
      fixtureReading("trf-a", 5005, a),
    ]);
    // The gateway's batch is genuinely its own (its key signs the batch root); one reading in it
    // is the attacker's, and one is signed with trf-b's former key, which a gateway may carry.
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!.at(-1)!, [fixtureReading("trf-a", 5006, attacker), fixtureReading("trf-b", 5007, bFormer)]);
    await publisher.round();
    const rows = await db.sql.query<{ id: number; leaf_index: number; device_id: string; seq: number }>(
      `SELECT leaf_index AS id, leaf_index, device_id, seq FROM reading WHERE seq >= 5000 ORDER BY leaf_index`,
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([5000, 5001, 5002, 5003, 5004, 5005, 5006, 5007]);
    const want = bad.map(([device, seq, what]) => {
      const r = rows.find((x) => x.device_id === device && Number(x.seq) === seq)!;
      return { table: "reading", id: String(r.id), leafIndex: Number(r.leaf_index), field: "signature", what: expect.stringContaining(what) };
    });
    for (const threads of [0, 2]) {
      const r = await audit({ threads });
      // These and nothing else: every other check passes them.
      expect(r.discrepancies, show(r.discrepancies)).toEqual(want);
      expect(r.readings).toBe(Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`))[0].n));
    }
  }, 120_000);

  // A sealed reading's leaf folded into its row (sealed_leaf_hash, 20261207030000): its
  // commitment entry is rebuilt from the salt (the row's seal_salt since 20261207060000) and the
  // row, so a change to any of the three is named: the salt or the row by seal_salt, when the
  // stored hash is the one the tree holds.
  it("names a sealed reading's folded leaf hash, its salt or its row changed, and the hash moved to leaf_hash", async () => {
    const a = keys.get("trf-a")!.at(-1)!;
    const before = show((await audit()).discrepancies);
    await storeReadings(db.sql, [fixtureReading("trf-a", 6000, a, "safety.cameras"), fixtureReading("trf-a", 6001, a, "safety.cameras"), fixtureReading("trf-a", 6002, a)]);
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!.at(-1)!, [fixtureReading("trf-a", 6003, a, "safety.cameras")]);
    await publisher.round();
    const sealed = await db.sql.query<{ leaf_index: number }>(`SELECT leaf_index FROM reading WHERE seq >= 6000 AND sealed_leaf_hash IS NOT NULL ORDER BY leaf_index`);
    expect(sealed).toHaveLength(3);
    expect(await db.sql.query(`SELECT leaf_index FROM ledger_leaf WHERE leaf_index = ANY($1::int8[])`, [sealed.map((r) => r.leaf_index)])).toEqual([]);
    // Its salt is a column of its row: no ledger_commitment row.
    expect(await db.sql.query(`SELECT leaf_index FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`, [sealed.map((r) => r.leaf_index)])).toEqual([]);
    expect(await db.sql.query(`SELECT leaf_index FROM reading WHERE seq >= 6000 AND seq < 6100 AND (seal_salt IS NULL) <> (sealed_leaf_hash IS NULL)`)).toEqual([]);
    const [{ leaf_index: publicAt }] = await db.sql.query<{ leaf_index: number }>(`SELECT leaf_index FROM reading WHERE seq = 6002 AND leaf_hash IS NOT NULL`);
    const kinds = await db.sql.query<{ kind: string }>(`SELECT kind FROM ledger_leaf_all WHERE leaf_index = $1`, [sealed[0].leaf_index]);
    expect(kinds).toEqual([{ kind: "commitment.v1" }]);
    for (const threads of [0, 2]) expect(show((await audit({ threads })).discrepancies)).toBe(before);
    const at = Number(sealed[0].leaf_index);
    const batched = Number(sealed[2].leaf_index);
    const leaves = [at, batched, Number(publicAt)];
    // [what, statements, the table and field (substring) the audit must name]
    const cases: [string, string, string, string][] = [
      ["sealed leaf hash", `UPDATE reading SET sealed_leaf_hash = ${bump.bytea("sealed_leaf_hash", 3)} WHERE leaf_index = ${at}`, "reading", "sealed_leaf_hash"],
      ["salt", `UPDATE reading SET seal_salt = ${bump.bytea("seal_salt")} WHERE leaf_index = ${at}`, "reading", "seal_salt"],
      ["batched row's salt", `UPDATE reading SET seal_salt = ${bump.bytea("seal_salt", 31)} WHERE leaf_index = ${batched}`, "reading", "seal_salt"],
      ["salt deleted", `UPDATE reading SET seal_salt = NULL WHERE leaf_index = ${at}`, "reading", "seal_salt"],
      ["salt moved to ledger_commitment", `INSERT INTO ledger_commitment (leaf_index, salt, entry) SELECT leaf_index, seal_salt, NULL FROM reading WHERE leaf_index = ${at}; UPDATE reading SET seal_salt = NULL WHERE leaf_index = ${at}`, "reading", "seal_salt"],
      ["a second opening in ledger_commitment", `INSERT INTO ledger_commitment (leaf_index, salt, entry) SELECT leaf_index, seal_salt, NULL FROM reading WHERE leaf_index = ${at}`, "ledger_commitment", ""],
      ["a salt put into a public reading's row", `UPDATE reading SET seal_salt = sha256(convert_to('x', 'UTF8')) WHERE leaf_index = ${publicAt}`, "reading", "seal_salt"],
      ["row's seq", `UPDATE reading SET seq = seq + 1 WHERE leaf_index = ${at}`, "reading", "reading row"],
      ["row's payload", `UPDATE reading SET payload = jsonb_set(payload::jsonb, '{occupancy}', '0.5') WHERE leaf_index = ${at}`, "reading", ""], // not in the entry: its payload hash names it
      // The row stores no payload hash (derived since 20261207050000): one put in that differs is named.
      ["row's payload hash", `UPDATE reading SET payload_hash = sha256(convert_to('x', 'UTF8')) WHERE leaf_index = ${at}`, "reading", "reading row"],
      ["batched row's gateway", `UPDATE reading SET gateway_batch_id = NULL WHERE leaf_index = ${batched}`, "reading", "reading row"],
      ["hash moved to leaf_hash", `UPDATE reading SET leaf_hash = sealed_leaf_hash, sealed_leaf_hash = NULL WHERE leaf_index = ${at}`, "reading", "leaf_hash"],
    ];
    const missed: string[] = [];
    for (const [name, change, table, field] of cases) {
      const rows = await snapshot(db.sql, "reading", `leaf_index IN (${leaves.join(", ")})`);
      const openings = await snapshot(db.sql, "ledger_commitment", `leaf_index IN (${leaves.join(", ")})`);
      await asOwner(db.sql, change);
      for (const threads of [0, 2]) {
        const r = await audit({ threads });
        if (!r.discrepancies.some((d) => d.table === table && (d.field ?? "").includes(field) && d.leafIndex !== null && leaves.includes(d.leafIndex))) missed.push(`${name} (threads ${threads}): ${show(r.discrepancies)}`);
      }
      await restore(db.sql, rows);
      await restore(db.sql, openings);
    }
    expect(missed).toEqual([]);
    expect(show((await audit()).discrepancies)).toBe(before);
  }, 120_000);

  // A reading's payload hash is derived from its row since 20261207050000 (rows stored before keep
  // theirs): a changed payload is named by the signature that no longer verifies over the envelope
  // the row makes, by its leaf hash, and for a gateway's reading by its batch's hashes; a row
  // with a stored hash (the shape before) by that hash as before.
  it("names a changed payload of a row that stores no payload hash, of a gateway's reading, and of a row that stores one", async () => {
    const a = keys.get("trf-a")!.at(-1)!;
    const before = show((await audit()).discrepancies);
    await storeReadings(db.sql, [fixtureReading("trf-a", 7000, a), fixtureReading("trf-a", 7001, a)]);
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!.at(-1)!, [fixtureReading("trf-a", 7002, a), fixtureReading("trf-a", 7003, a)]);
    await publisher.round();
    const rows = await db.sql.query<{ leaf_index: number; seq: number; stored: boolean }>(`SELECT leaf_index, seq, payload_hash IS NOT NULL AS stored FROM reading WHERE seq >= 7000 AND seq < 7100 ORDER BY seq`);
    expect(rows.map((r) => r.stored)).toEqual([false, false, false, false]);
    const [direct, old, , batched] = rows.map((r) => Number(r.leaf_index));
    // One row put back in the shape before: its payload hash stored (the one the intake computed, which the row makes).
    const { payloadHashOfRow } = await import("../ingest/envelope");
    const [oldRow] = await db.sql.query<Parameters<typeof payloadHashOfRow>[0]>(`SELECT dataset_id, device_id, seq, observed_at, lon, lat, payload::text AS payload, payload_hash FROM reading WHERE leaf_index = $1`, [old]);
    await asOwner(db.sql, `UPDATE reading SET payload_hash = '\\x${Buffer.from(payloadHashOfRow(oldRow)).toString("hex")}' WHERE leaf_index = ${old}`);
    for (const threads of [0, 2]) expect(show((await audit({ threads })).discrepancies)).toBe(before);
    const changePayload = (at: number) => `UPDATE reading SET payload = jsonb_set(payload::jsonb, '{speedKmh}', '99.5') WHERE leaf_index = ${at}`;
    // [what, statements, leaf, the field (substring) the audit must name, and what it says (substring)]
    const cases: [string, string, number, string, string][] = [
      ["payload, no stored hash: the signature", changePayload(direct), direct, "signature", "differ from what was signed"],
      ["payload, no stored hash: the leaf hash", changePayload(direct), direct, "leaf_hash", ""],
      ["payload of a gateway's reading: its batch's hashes", changePayload(batched), batched, "gateway_batch_id", "not in gateway batch"],
      ["payload of a row that stores its hash", changePayload(old), old, "", "payload hash mismatch"],
      ["stored payload hash", `UPDATE reading SET payload_hash = sha256(convert_to('x', 'UTF8')) WHERE leaf_index = ${old}`, old, "", "payload hash mismatch"],
      ["a payload hash put into a row that stores none", `UPDATE reading SET payload_hash = sha256(convert_to('x', 'UTF8')) WHERE leaf_index = ${direct}`, direct, "", "payload hash mismatch"],
    ];
    const missed: string[] = [];
    for (const [name, change, at, field, what] of cases) {
      const snap = await snapshot(db.sql, "reading", `leaf_index = ${at}`);
      await asOwner(db.sql, change);
      for (const threads of [0, 2]) {
        const r = await audit({ threads });
        if (!r.discrepancies.some((d) => d.table === "reading" && d.leafIndex === at && (d.field ?? "").includes(field) && d.what.includes(what))) missed.push(`${name} (threads ${threads}): ${show(r.discrepancies)}`);
      }
      await restore(db.sql, snap);
    }
    expect(missed).toEqual([]);
    expect(show((await audit()).discrepancies)).toBe(before);
  }, 120_000);
});
