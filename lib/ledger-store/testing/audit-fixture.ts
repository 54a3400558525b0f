// A small ledger with every kind of entry the console writes, for the audit's tamper tests:
// readings signed by their devices' keys (some through a signed gateway batch), device keys registered, rotated and
// revoked, accounts created, moved, disabled and deleted, grants requested, approved, revoked (one with a data window and area), two rules
// (created, updated, retired) and two access batches, integrated into checkpoints cosigned
// by three in-process witnesses.
import crypto from "node:crypto";
import type { Sql } from "../../db/sql";
import { DATASETS, DEPARTMENTS } from "../../city";
import { storeReadings, type AcceptedReading } from "../../ingest/store-readings";
import { batchRootOf, gatewayStatementBytes } from "../../ingest/gateway";
import { registerDeviceKeys } from "../../devices/register-devices";
import { unsafeRevokeDeviceKey, unsafeRotateDeviceKey } from "../../devices/change-device-key";
import { unsafeQuarantineGateway, unsafeReleaseGateway } from "../../devices/quarantine-gateway";
import { recordGrantChange, SYSTEM_ACTOR } from "../../grants/record-grant-change";
import { selectGrant } from "../../grants/grant-row";
import { recordAccountChange, SYSTEM_ACCOUNT_ACTOR, type AccountActor } from "../../auth/record-account-change";
import { definitionHash } from "../../rules/definition";
import { ledgerAccessEvents } from "../../access/ledger-access-events";
import { appendEntries } from "../append-entries";
import { encodeEntry } from "../../ledger/entries";
import { canonicalJsonBytes } from "../../ledger/canonical-json";
import { webCryptoEd25519 } from "../../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../../ledger/cosignature";
import { createLogPublisher } from "../log-service";
import { inProcessWitness } from "../witnesses";
import type { AuditOptions } from "../audit";

export const AUDIT_ORIGIN = "audit.city-brain.example/ledger";
const T0 = 1_790_000_000_000;
const at = (s: number) => new Date(T0 + s * 1000);

/** An Ed25519 key pair: the raw 32-byte public key and a signer. */
export type FixtureKey = { publicKey: Uint8Array; privateKey: crypto.KeyObject; sign(message: Uint8Array): Uint8Array };
export const ed25519Pair = (): FixtureKey => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  return { publicKey: new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(12)), privateKey, sign: (m) => new Uint8Array(crypto.sign(null, m, privateKey)) };
};

export const FIXTURE_DEVICES = ["trf-a", "trf-b", "trf-c", "trf-d"];
export const FIXTURE_GATEWAY = "gw-a";

/**
 * A reading of `device` as intake accepts it: its envelope signed with `key` (the device's key,
 * or any other). `dataset`: a restricted one ("safety.cameras") makes a sealed reading.
 */
export function fixtureReading(device: string, seq: number, key: Pick<FixtureKey, "sign">, dataset = "traffic.flow"): AcceptedReading {
  const envelope = {
    device,
    dataset,
    seq,
    observedAt: at(seq).toISOString(),
    location: [121.4 + seq / 1e5, 37.45] as [number, number],
    values: { segmentId: `seg-${seq % 7}`, speedKmh: 30 + (seq % 17) * 1.5, flowVehH: 400 + seq, occupancy: 0.125 },
  };
  const bytes = canonicalJsonBytes(envelope);
  return { ...envelope, payloadHash: crypto.createHash("sha256").update(bytes).digest(), signature: key.sign(bytes) };
}

/** Stores `readings` as one batch of the gateway whose key is `gw`. */
export async function storeGatewayBatch(sql: Sql, gw: Pick<FixtureKey, "privateKey">, readings: AcceptedReading[]) {
  const root = batchRootOf(readings.map((r) => r.payloadHash));
  const signature = new Uint8Array(crypto.sign(null, gatewayStatementBytes(FIXTURE_GATEWAY, root), gw.privateKey));
  const [{ id }] = await sql.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('gateway_batch', 'id'))::int8 AS id`);
  const leaves = await storeReadings(sql, readings.map((r) => ({ ...r, gatewayBatchId: Number(id), gateway: { device: FIXTURE_GATEWAY, batchRoot: root, signature } })));
  await sql.query(
    `INSERT INTO gateway_batch (id, gateway_device_id, batch_root, signature, size, payload_hashes, first_leaf, last_leaf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, FIXTURE_GATEWAY, Buffer.from(root), Buffer.from(signature), readings.length, Buffer.concat(readings.map((r) => r.payloadHash)), leaves[0] ?? null, leaves.at(-1) ?? null],
  );
}

async function grantChange(sql: Sql, id: string, set: string, action: "request" | "approve" | "revoke" | "expire", s: number, by = "u-admin") {
  await sql.transaction(async (tx) => {
    await tx.query(`UPDATE data_grant SET ${set}, updated_at = $2 WHERE id = $1`, [id, at(s).toISOString()]);
    const g = await selectGrant(tx, id, true);
    await recordGrantChange(tx, g, action, action === "expire" ? SYSTEM_ACTOR : { userId: by, departmentId: g.owner_department_id }, at(s), action === "revoke" ? "no longer needed" : null);
  });
}

type AccountChange = { departmentId: string; role: "official" | "dept_admin" | "auditor" | "sysadmin"; disabled: boolean };
async function accountChange(sql: Sql, id: string, action: "create" | "change" | "delete", a: AccountChange, by: AccountActor, s: number) {
  await sql.transaction(async (tx) => {
    const iso = at(s).toISOString();
    if (action === "create") {
      await tx.query(`INSERT INTO auth_user (id, name, email, department_id, role, disabled, created_at, updated_at) VALUES ($1, $1, $1 || '@audit.test', $2, $3, $4, $5, $5)`, [id, a.departmentId, a.role, a.disabled, iso]);
    } else if (action === "change") {
      await tx.query(`UPDATE auth_user SET department_id = $2, role = $3, disabled = $4, updated_at = $5 WHERE id = $1`, [id, a.departmentId, a.role, a.disabled, iso]);
    } else {
      await tx.query(`DELETE FROM auth_user WHERE id = $1`, [id]);
    }
    await recordAccountChange(tx, { userId: id, ...a }, action, by, at(s));
  });
}

async function ruleChange(sql: Sql, id: string, action: "create" | "update" | "retire", s: number, definition: Record<string, unknown>) {
  await sql.transaction(async (tx) => {
    const iso = at(s).toISOString();
    if (action === "create") {
      await tx.query(`INSERT INTO linkage_rule (id, name, enabled, definition, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, 'u-sys', $5, $5)`, [id, definition.name, definition.enabled, JSON.stringify(definition), iso]);
    } else if (action === "update") {
      await tx.query(`UPDATE linkage_rule SET name = $2, enabled = $3, definition = $4, version = version + 1, updated_at = $5 WHERE id = $1`, [id, definition.name, definition.enabled, JSON.stringify(definition), iso]);
    } else {
      await tx.query(`UPDATE linkage_rule SET enabled = false, retired_at = $2, updated_at = $2 WHERE id = $1`, [id, iso]);
    }
    const [r] = await tx.query<{ version: number; definition: never }>(`SELECT version, definition FROM linkage_rule WHERE id = $1`, [id]);
    const [{ eid }] = await tx.query<{ eid: number }>(`SELECT nextval(pg_get_serial_sequence('rule_event', 'id'))::int8 AS eid`);
    const bytes = encodeEntry({ kind: "rule.v1", rule: id, action, definitionHash: definitionHash(id, Number(r.version), r.definition), by: "u-sys", at: iso });
    const leaf = await appendEntries(tx, [{ kind: "rule.v1", bytes, refTable: "rule_event", refId: String(eid) }]);
    await tx.query(`INSERT INTO rule_event (id, rule_id, action, definition, by_user, at, leaf_index) VALUES ($1, $2, $3, $4, 'u-sys', $5, $6)`, [eid, id, action, JSON.stringify(r.definition), iso, leaf]);
  });
}

async function accessEvents(sql: Sql, s: number, n: number, grant: string | null) {
  for (let i = 0; i < n; i++) {
    await sql.query(
      `INSERT INTO access_event (at, user_id, department_id, role, dataset_id, owner_department_id, basis, grant_id, scope, action, record_count, range_from, range_until)
       VALUES ($1, $2, 'energy', 'official', 'traffic.flow', 'traffic', $3, $4, 'raw', 'readings', $5, $6, $7)`,
      [at(s + i).toISOString(), `u-${i}`, grant ? "grant" : "ownership", grant, 10 + i, at(i).toISOString(), at(i + 60).toISOString()],
    );
  }
  await ledgerAccessEvents(sql);
}

/**
 * Builds the ledger in `sql` (a fresh, migrated database) and returns the audit options to
 * check it with. About 700 leaves in 4 checkpoints.
 */
/** The city's departments and datasets, as the seed writes them (devices refer to both). */
export async function seedCityTables(sql: Sql): Promise<void> {
  for (const d of DEPARTMENTS) await sql.query(`INSERT INTO department (id, name_zh, name_en) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [d.id, d.nameZh, d.nameEn]);
  for (const ds of DATASETS) {
    await sql.query(`INSERT INTO dataset (id, department_id, domain, name_zh, name_en, sensitivity, schema) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`, [
      ds.id, ds.departmentId, ds.domain, ds.nameZh, ds.nameEn, ds.sensitivity, JSON.stringify(ds.schema),
    ]);
  }
}

/** Traffic sensors `ids` added and their keys registered (device.v1 entries): a key each, to sign their readings with. */
export async function registeredSensors(sql: Sql, ids: readonly string[], registeredAt = at(0)): Promise<Map<string, FixtureKey>> {
  await seedCityTables(sql);
  await sql.query(`INSERT INTO device (id, department_id, dataset_id, kind, lon, lat) SELECT d, 'traffic', 'traffic.flow', 'traffic-sensor', 121.45, 37.46 FROM unnest($1::text[]) d`, [ids]);
  const keys = new Map(ids.map((d) => [d, ed25519Pair()]));
  await registerDeviceKeys(sql, ids.map((device) => ({ device, publicKey: keys.get(device)!.publicKey })), registeredAt);
  return keys;
}

/**
 * A log with three in-process witnesses (quorum 2) on `sql`, its publisher, and the audit's
 * options for it. Witness 0 keeps its state in its own file when a directory is given (the
 * others in witness_state).
 */
export async function fixtureLog(sql: Sql, origin: string, witnessStateDir?: string): Promise<{ publisher: { round(): Promise<number> }; opts: Pick<AuditOptions, "logVerifierKey" | "witnessVerifierKeys" | "quorum"> }> {
  const ed = webCryptoEd25519();
  const log = await generateNoteKey(ed, origin, SIG_TYPE_ED25519);
  const wk = await Promise.all([0, 1, 2].map((i) => generateNoteKey(ed, `audit/witness/${i}`, SIG_TYPE_COSIGNATURE_V1)));
  const witnesses = await Promise.all(
    wk.map((k, i) => inProcessWitness({ sql, department: `d${i}`, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin, verifierKey: log.verifierKey }, stateDir: i === 0 ? witnessStateDir : undefined })),
  );
  const publisher = await createLogPublisher({ sql, origin, logSignerKey: log.signerKey, witnesses, intervalMs: 1000 });
  return { publisher, opts: { logVerifierKey: log.verifierKey, witnessVerifierKeys: wk.map((k) => k.verifierKey), quorum: 2 } };
}

export async function buildAuditFixture(
  sql: Sql,
  witnessStateDir?: string,
): Promise<{ opts: AuditOptions; publisher: { round(): Promise<number> }; witnessNames: string[]; keys: Map<string, FixtureKey[]> }> {
  await seedCityTables(sql);
  await sql.query(
    `INSERT INTO device (id, department_id, dataset_id, kind, lon, lat) SELECT d, 'traffic', 'traffic.flow', CASE WHEN d = $2 THEN 'gateway' ELSE 'traffic-sensor' END, 121.45, 37.46 FROM unnest($1::text[]) d`,
    [[...FIXTURE_DEVICES, FIXTURE_GATEWAY], FIXTURE_GATEWAY],
  );
  const { publisher, opts: logOpts } = await fixtureLog(sql, AUDIT_ORIGIN, witnessStateDir);

  // Devices: four sensors and a gateway registered; trf-b rotated, trf-c revoked, trf-d rotated
  // twice. Every key each has had, the current one last; readings are signed with the current one.
  const keys = new Map([...FIXTURE_DEVICES, FIXTURE_GATEWAY].map((d) => [d, [ed25519Pair()]]));
  const key = (d: string) => keys.get(d)!.at(-1)!;
  const reading = (device: string, seq: number) => fixtureReading(device, seq, key(device));
  const rotate = async (device: string, s: number, reason?: string) => {
    const next = ed25519Pair();
    keys.get(device)!.push(next);
    await unsafeRotateDeviceKey(sql, { device, publicKey: next.publicKey, ...(reason ? { reason } : {}), at: at(s) });
  };
  const gw = key(FIXTURE_GATEWAY);
  await registerDeviceKeys(sql, [...FIXTURE_DEVICES, FIXTURE_GATEWAY].map((device) => ({ device, publicKey: key(device).publicKey })), at(0));
  await storeReadings(sql, Array.from({ length: 200 }, (_, i) => reading(FIXTURE_DEVICES[i % 4], i + 1)));
  await rotate("trf-b", 300, "scheduled");
  await unsafeRevokeDeviceKey(sql, { device: "trf-c", reason: "stolen", at: at(301) });
  await rotate("trf-d", 302);
  await rotate("trf-d", 303);
  await publisher.round();

  // A gateway batch of 40 readings, and one of 24; the gateway quarantined, released, quarantined again.
  await storeGatewayBatch(sql, gw, Array.from({ length: 40 }, (_, i) => reading(FIXTURE_DEVICES[i % 2], 1000 + i)));
  await storeGatewayBatch(sql, gw, Array.from({ length: 24 }, (_, i) => reading("trf-a", 2000 + i)));
  await unsafeQuarantineGateway(sql, { gateway: FIXTURE_GATEWAY, reason: "a sampled signature failed", at: at(350) });
  await unsafeReleaseGateway(sql, { gateway: FIXTURE_GATEWAY, reason: "checked", suspectHours: 1, at: at(351) });
  await unsafeQuarantineGateway(sql, { gateway: FIXTURE_GATEWAY, reason: "again", at: at(352) });

  // Accounts: u-sys made by the seed; u-admin (traffic's admin, who approves below), u-moved and
  // u-gone made by u-sys; u-moved moved to citizen and disabled; u-gone deleted.
  const sys: AccountActor = { userId: "u-sys", departmentId: "emergency" };
  await accountChange(sql, "u-sys", "create", { departmentId: "emergency", role: "sysadmin", disabled: false }, SYSTEM_ACCOUNT_ACTOR, 390);
  await accountChange(sql, "u-admin", "create", { departmentId: "traffic", role: "dept_admin", disabled: false }, sys, 391);
  await accountChange(sql, "u-moved", "create", { departmentId: "energy", role: "official", disabled: false }, sys, 392);
  await accountChange(sql, "u-moved", "change", { departmentId: "citizen", role: "official", disabled: false }, sys, 393);
  await accountChange(sql, "u-moved", "change", { departmentId: "citizen", role: "official", disabled: true }, sys, 394);
  await accountChange(sql, "u-gone", "create", { departmentId: "safety", role: "auditor", disabled: false }, sys, 395);
  await accountChange(sql, "u-gone", "delete", { departmentId: "safety", role: "auditor", disabled: false }, sys, 396);

  // Grants: g-area requested with a window and an area, approved; g-plain requested, approved, revoked; g-exp approved then expired.
  const insert = `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, data_from, data_until, area_lon, area_lat, area_radius_m, valid_from, valid_until, status, requested_by, created_at, updated_at)
                  VALUES ($1, 'traffic.flow', 'traffic', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'requested', 'u-req', $11, $11)`;
  const grants: [string, string, string, string[] | null, string, Date | null, Date | null, number | null, number | null, number | null][] = [
    ["g-area", "energy", "raw", ["speedKmh", "flowVehH"], "grid planning near the port", at(0), at(5000), 121.4, 37.45, 2500],
    ["g-plain", "safety", "aggregated", null, "incident response", null, null, null, null, null],
    ["g-exp", "emergency", "anonymized", ["occupancy"], "drill", null, at(100), null, null, null],
  ];
  for (const [id, to, scope, fields, purpose, df, du, lon, lat, r] of grants) {
    await sql.transaction(async (tx) => {
      await tx.query(insert, [id, to, scope, fields, purpose, df?.toISOString() ?? null, du?.toISOString() ?? null, lon, lat, r, at(400).toISOString(), at(90_000).toISOString()]);
      await recordGrantChange(tx, await selectGrant(tx, id, true), "request", { userId: "u-req", departmentId: to }, at(400));
    });
    await grantChange(sql, id, `status = 'active', decided_by = 'u-admin', decided_at = $2`, "approve", 401);
  }
  await grantChange(sql, "g-plain", `status = 'revoked', ended_by = 'u-admin', ended_at = $2, reason = 'no longer needed'`, "revoke", 402);
  await grantChange(sql, "g-exp", `status = 'expired', ended_by = 'system', ended_at = valid_until`, "expire", 403);

  // Rules: r-one created and updated, r-two created and retired.
  const def = (name: string, maxSeverity: number) => ({
    name,
    enabled: true,
    trigger: { dataset: "safety.incidents", maxSeverity, statuses: ["reported", "responding"] },
    grant: { granteeDepartmentId: "emergency", datasets: ["traffic.flow"], scope: "raw", radiusM: 1000, durationSeconds: 3600 },
  });
  await ruleChange(sql, "r-one", "create", 500, def("major incidents", 2));
  await ruleChange(sql, "r-two", "create", 501, def("fires", 1));
  await ruleChange(sql, "r-one", "update", 502, def("major incidents, wider", 3));
  await ruleChange(sql, "r-two", "retire", 503, def("fires", 1));
  await publisher.round();

  // Access: two batches of events.
  await accessEvents(sql, 600, 3, "g-area");
  await accessEvents(sql, 700, 4, null);
  await storeReadings(sql, Array.from({ length: 400 }, (_, i) => reading(FIXTURE_DEVICES[i % 4 === 2 ? 0 : i % 4], 3000 + i)));
  await publisher.round();
  await storeReadings(sql, Array.from({ length: 5 }, (_, i) => reading("trf-a", 4000 + i)));
  await publisher.round();

  return {
    opts: { ...logOpts, chunk: 256, witnessStateDir },
    publisher,
    witnessNames: logOpts.witnessVerifierKeys.map((k) => k.split("+")[0]),
    keys,
  };
}
