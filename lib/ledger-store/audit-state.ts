// The audit's check of the tables the console acts on against the ledger entries that stand
// for them. Every non-reading entry is folded, in log order, into the state it implies (each
// device's status and keys, each grant's terms, status and history, each rule's versions,
// each access batch's events), and that state is compared with the stored rows field by
// field. Readings are checked row by row in verify-range.ts / audit.ts; this file covers the
// rest. Plain queries: these tables hold a few rows per thousand readings.
import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import type { EntryKind, LedgerEntry } from "../ledger/entries";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { toBase64 } from "../ledger/encoding";
import { datasetById } from "../city";
import type { DatasetId } from "../city/types";
import { definitionHash } from "../rules/definition";
import type { RuleDefinition } from "../rules/definition";
import { accessEventJson } from "../access/ledger-access-events";
import { openCommitment } from "../ledger/commitment";
import { nodeSha256 } from "./node-hasher";
import { auditCitizen, auditKeyFlags } from "./audit-citizen";

export type Discrepancy = {
  table: string;
  id: string;
  leafIndex: number | null;
  what: string;
  /** The column (or derived value) that differs, when one does. */
  field?: string;
  /** What the ledger says it must be (JSON text; absent when the ledger has no such row). */
  ledger?: string;
  /** What is stored (JSON text; absent when the row is missing). */
  stored?: string;
};
export type Report = (d: Discrepancy) => void;

/** A decoded non-reading entry at its leaf. */
export type StateEntry = { index: number; entry: LedgerEntry };

/**
 * What the audit compares for each entry kind the ledger codec knows. A kind without an
 * entry here fails to compile; audit-state.test.ts also enumerates ENTRY_SCHEMAS.
 */
export const STATE_CHECKS: Record<EntryKind, string> = {
  "reading.v1": "reading rows, byte for byte and by payload hash (verify-range.ts, audit.ts); gateway batches (audit-checks.ts)",
  "device.v1": "device (status, status_reason, public_key, department_id, dataset_id, quarantined_at, quarantine_reason) and device_key (every key: public_key, valid_from_leaf, registered_at, valid_until_leaf, retired_at, retired_by)",
  "grant.v2": "grant_event (one row per entry: grant, action, by, at, terms, purpose, status) and data_grant (the latest entry's terms, parties, purpose, status, automatic, rule)",
  "grant.v1": "as grant.v2, without the data window and area (which v1 did not have)",
  "rule.v1": "rule_event (rule, action, by, at, definition hashed with its version) and linkage_rule (latest definition, version, name, retired_at, created_by, created_at)",
  "access.v1": "access_batch (count, first_at, last_at, events_hash, leaf_index) and access_event (the events hash recomputed from the batch's rows, their count)",
  "report.v1": "citizen_report_event (one row per entry: report, action, status, by, role, department, note by its hash, at) and citizen_report (the latest entry's status, department, duplicate_of; the submit entry's service, cell, description by its hash, photos, reporter and leaf; the content SHA-256 recomputed from the row's fields, and the reporter's signature over it) (audit-citizen.ts)",
  "reporter.v1": "citizen_key_flag_event (one row per entry: reporter, action, status, by, role, department, the text by its hash, at) and citizen_key_flag (the status, department, reason, appeal and decision note the latest entries imply, by their hashes) (audit-citizen.ts)",
  "credit.v1": "citizen_credit (one row per entry: reporter, report, amount, reason, at; a row no entry stands for is named) (audit-citizen.ts)",
  "commitment.v1": "ledger_commitment, or for a sealed reading whose leaf is folded into its row the row's salt (seal_salt) and the entry the row makes (the salt and inner entry must open the commitment; a row without a commitment leaf, or a second opening of a reading whose row holds its salt, is named); the opened reading.v1 entry is checked against its reading row as a reading.v1 leaf is, the opened grant.v2 and device.v1 entries are folded with the others in log order",
  "account.v1": "account_event (one row per entry: user, action, department, role, disabled, by, at, and by_department: the actor's own department as their account.v1 entries say) and auth_user (role, department_id, disabled as the latest entry says; an account no entry stands for, or one deleted, is named); grant_event.by_department against the actor's ledgered department",
};

/** Kinds no table of the console stands for yet (none since citizen reports and credit have theirs). */
export const KINDS_WITHOUT_TABLE: readonly EntryKind[] = [];

export const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const b64 = (b: Uint8Array | null) => (b ? toBase64(new Uint8Array(b)) : null);
const sha256Hex = (s: string) => crypto.hash("sha256", s, "hex");
/** JSON text with object keys sorted (jsonb reorders them), for comparing and showing values. */
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys) : v && typeof v === "object" && !(v instanceof Date) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
const j = (v: unknown) => (v === undefined ? "null" : JSON.stringify(sortKeys(v)));
const same = (a: unknown, b: unknown) => j(a) === j(b);

/** Compares named fields of what the ledger implies with what is stored; each difference is reported. */
export function compare(report: Report, table: string, id: string, leafIndex: number | null, fields: [string, unknown, unknown][]) {
  for (const [field, ledger, stored] of fields) {
    if (!same(ledger, stored)) {
      report({ table, id, leafIndex, field, ledger: j(ledger), stored: j(stored), what: `${field}: the ledger says ${j(ledger)}, stored ${j(stored)}` });
    }
  }
}

type HistoryRow = { id: number | string; leaf_index: number | string };

/**
 * Matches the rows of a history table (one row per ledger entry, by leaf_index) with the
 * entries: `check` compares the rows at an entry's leaf (reporting a missing row, or several
 * rows at one leaf), `unmatched` then reports every row no entry's leaf named.
 */
export function historyTable<R extends HistoryRow>(table: string, rows: readonly R[], report: Report) {
  const byLeaf = new Map<number, R[]>();
  for (const ev of rows) byLeaf.set(Number(ev.leaf_index), [...(byLeaf.get(Number(ev.leaf_index)) ?? []), ev]);
  const used = new Set<string>();
  return {
    /** `entry` names the entry in a missing-row report ("grant.v2 entry (grant g, approve)"); `ledger` is what it says. */
    check(index: number, missing: { entry: string; ledger: unknown }, fields: (row: R) => [string, unknown, unknown][]) {
      const at = byLeaf.get(index) ?? [];
      if (at.length === 0) report({ table, id: `leaf ${index}`, leafIndex: index, ledger: j(missing.ledger), what: `the history row of this ${missing.entry} is missing` });
      for (const ev of at) {
        used.add(String(ev.id));
        compare(report, table, String(ev.id), index, fields(ev));
      }
      if (at.length > 1) report({ table, id: at.map((r) => String(r.id)).join(","), leafIndex: index, what: "several history rows point at this leaf" });
    },
    /** Reports the rows no checked entry stood at (`kind`: the entry kind expected there). */
    unmatched(kind: string, stored: (row: R) => unknown) {
      for (const ev of rows) {
        if (!used.has(String(ev.id))) report({ table, id: String(ev.id), leafIndex: Number(ev.leaf_index), stored: j(stored(ev)), what: `no ${kind} entry at this row's leaf_index` });
      }
    },
  };
}

/**
 * Matches the rows of a table that holds current state with the state the entries imply, by
 * id: `check` gets a row and its state, `orphan` a row no entry stands for, `missing` a state
 * no row holds.
 */
export function matchState<R extends { id: string }, S>(rows: readonly R[], state: ReadonlyMap<string, S>, on: { check(row: R, s: S): void; orphan(row: R): void; missing(id: string, s: S): void }) {
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(r.id);
    const s = state.get(r.id);
    if (s) on.check(r, s);
    else on.orphan(r);
  }
  for (const [id, s] of state) if (!seen.has(id)) on.missing(id, s);
}

function allFields(dataset: string): string[] | null {
  try {
    return Object.keys(datasetById(dataset as DatasetId).schema.fields);
  } catch {
    return null;
  }
}
const sortedFields = (fields: string[] | null | undefined, dataset: string) => {
  const f = fields ?? allFields(dataset);
  return f ? [...f].sort() : null;
};

const GRANT_STATUS: Record<string, string> = { request: "requested", approve: "active", reject: "rejected", revoke: "revoked", expire: "expired" };

/**
 * Folds `entries` (non-reading entries in log order) into the state they imply and reports
 * every difference from the stored device, device_key, data_grant, grant_event,
 * linkage_rule, rule_event, access_batch and access_event rows.
 */
export async function auditState(
  sql: Pick<Sql, "query">,
  given: readonly StateEntry[],
  report: Report,
  /** Called with each commitment that opens to a reading.v1 entry (its inner bytes), to check it against its reading row. */
  onSealedReading?: (index: number, inner: Uint8Array) => Promise<void>,
  /** The inner reading.v1 entry a sealed reading's row makes (its opening stores none), or null. */
  rebuildInner?: (index: number) => Uint8Array | null,
  /** True for a leaf in a range archived with its day (READING_RETENTION_DAYS): its reading row is gone on purpose. */
  archived?: (index: number) => boolean,
): Promise<Record<string, number>> {
  const opened = await openCommitments(sql, given, report, onSealedReading, rebuildInner, archived);
  const entries = opened.length ? [...given, ...opened].sort((a, b) => a.index - b.index) : given;
  const byKind = (k: EntryKind) => entries.filter((e) => e.entry.kind === k);
  await auditDevices(sql, byKind("device.v1"), report);
  await auditGrants(sql, [...byKind("grant.v1"), ...byKind("grant.v2")].sort((a, b) => a.index - b.index), report);
  await auditRules(sql, byKind("rule.v1"), report);
  await auditAccess(sql, byKind("access.v1"), report);
  const accounts = await auditAccounts(sql, byKind("account.v1"), report);
  await auditActorDepartments(sql, accounts, report);
  await auditCitizen(sql, byKind("report.v1"), byKind("credit.v1"), report);
  await auditKeyFlags(sql, byKind("reporter.v1"), report);
  const withoutTable: Record<string, number> = {};
  for (const k of KINDS_WITHOUT_TABLE) if (byKind(k).length) withoutTable[k] = byKind(k).length;
  return withoutTable;
}

/**
 * Opens every commitment.v1 entry with its ledger_commitment row (a sealed reading's leaf folded
 * into its row is opened with the row's salt, seal_salt, in audit.ts): SHA-256(salt || entry)
 * must be the commitment, and the entry a reading.v1 or grant.v2 entry. Reports a missing
 * or non-opening row (a changed salt or inner entry) and rows no commitment leaf stands for;
 * hands opened readings to `onSealedReading` and returns the opened other entries at their
 * leaves, to be folded with the rest.
 */
async function openCommitments(
  sql: Pick<Sql, "query">,
  entries: readonly StateEntry[],
  report: Report,
  onSealedReading?: (index: number, inner: Uint8Array) => Promise<void>,
  rebuildInner?: (index: number) => Uint8Array | null,
  archived?: (index: number) => boolean,
): Promise<StateEntry[]> {
  const sealed = entries.filter((e) => e.entry.kind === "commitment.v1");
  const out: StateEntry[] = [];
  const CHUNK = 10_000;
  for (let i = 0; i < sealed.length; i += CHUNK) {
    const part = sealed.slice(i, i + CHUNK);
    const rows = await sql.query<{ leaf_index: number; salt: Uint8Array; entry: Uint8Array | null }>(
      `SELECT leaf_index, salt, entry FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`,
      [part.map((e) => e.index)],
    );
    const byLeaf = new Map(rows.map((r) => [Number(r.leaf_index), r]));
    for (const { index, entry } of part) {
      const row = byLeaf.get(index);
      if (!row) {
        report({ table: "ledger_commitment", id: String(index), leafIndex: index, what: "the opening (salt and entry) of this commitment leaf is missing" });
        continue;
      }
      let inner: LedgerEntry;
      // A sealed reading's inner entry is not stored: the one its reading row makes must open it.
      const innerBytes = row.entry ? new Uint8Array(row.entry) : rebuildInner?.(index) ?? null;
      if (!innerBytes) {
        // An archived sealed reading: its leaf and opening stay, its row is in the archive file (ledger:audit --archive).
        if (archived?.(index)) continue;
        report({ table: "reading", id: String(index), leafIndex: index, what: "the reading of this sealed leaf is missing (its opening stores no entry)" });
        continue;
      }
      try {
        inner = openCommitment(nodeSha256, entry, new Uint8Array(row.salt), innerBytes);
      } catch (e) {
        if (!row.entry) {
          report({ table: "ledger_commitment", id: String(index), leafIndex: index, field: "salt, reading row", what: `does not open the commitment with the entry its reading row makes (the row differs from what was sealed, or the salt changed): ${(e as Error).message}` });
          continue;
        }
        const field = (e as { code?: string }).code === "commitment_mismatch" ? "salt, entry" : "entry";
        report({ table: "ledger_commitment", id: String(index), leafIndex: index, field, what: `does not open the commitment: ${(e as Error).message}` });
        continue;
      }
      if (inner.kind === "reading.v1") await onSealedReading?.(index, innerBytes);
      else out.push({ index, entry: inner });
    }
  }
  const strays = await sql.query<{ leaf_index: number; kind: string | null }>(
    `SELECT c.leaf_index, l.kind FROM ledger_commitment c LEFT JOIN ledger_leaf_all l ON l.leaf_index = c.leaf_index
      WHERE l.kind IS DISTINCT FROM 'commitment.v1' ORDER BY c.leaf_index LIMIT 100`,
  );
  for (const r of strays) {
    const index = Number(r.leaf_index);
    report({ table: "ledger_commitment", id: String(index), leafIndex: index, what: r.kind ? `an opening is stored for leaf ${index}, a ${r.kind} entry, not a commitment` : `an opening is stored for leaf ${index}, which does not exist` });
  }
  // A sealed reading's opening is its row's salt (seal_salt, 20261207060000_reading_seal_salt): a ledger_commitment row beside it is a second one.
  const doubled = await sql.query<{ leaf_index: number }>(
    `SELECT c.leaf_index FROM ledger_commitment c JOIN reading r ON r.leaf_index = c.leaf_index WHERE r.seal_salt IS NOT NULL ORDER BY c.leaf_index LIMIT 100`,
  );
  for (const r of doubled) {
    const index = Number(r.leaf_index);
    report({ table: "ledger_commitment", id: String(index), leafIndex: index, what: `an opening is stored for leaf ${index}, whose reading row holds its salt (seal_salt): a second opening` });
  }
  return out;
}

type Key = { publicKey: string; fromLeaf: number; registeredAt: string; untilLeaf: number | null; retiredAt: string | null; retiredBy: string | null };

async function auditDevices(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report) {
  type DeviceState = { leaf: number; department: string; dataset: string; status: string; reason: string | null; publicKey: string; keys: Key[]; quarantinedAt: string | null; quarantineReason: string | null };
  const state = new Map<string, DeviceState>();
  for (const { index, entry: e } of entries) {
    if (e.kind !== "device.v1") continue;
    const s: DeviceState = state.get(e.device) ?? { leaf: index, department: e.department, dataset: e.dataset, status: "active", reason: null, publicKey: e.publicKey, keys: [], quarantinedAt: null, quarantineReason: null };
    state.set(e.device, s);
    // A gateway's quarantine and release change no key and no status.
    if (e.action === "quarantine" || e.action === "release") {
      Object.assign(s, { leaf: index, quarantinedAt: e.action === "quarantine" ? e.at : null, quarantineReason: e.action === "quarantine" ? (e.reason ?? null) : null });
      continue;
    }
    const open = s.keys.find((k) => k.untilLeaf === null);
    if (open) Object.assign(open, { untilLeaf: index, retiredAt: e.at, retiredBy: e.action });
    if (e.action !== "revoke") s.keys.push({ publicKey: e.publicKey, fromLeaf: index, registeredAt: e.at, untilLeaf: null, retiredAt: null, retiredBy: null });
    Object.assign(s, { leaf: index, department: e.department, dataset: e.dataset, publicKey: e.publicKey, status: e.action === "revoke" ? "revoked" : "active", reason: e.action === "revoke" ? (e.reason ?? null) : null });
  }
  const rows = await sql.query<{ id: string; department_id: string; dataset_id: string; public_key: Uint8Array | null; status: string; status_reason: string | null; quarantined_at: Date | null; quarantine_reason: string | null }>(
    `SELECT id, department_id, dataset_id, public_key, status, status_reason, quarantined_at, quarantine_reason FROM device ORDER BY id`,
  );
  matchState(rows, state, {
    orphan: (r) => {
      if (r.public_key) report({ table: "device", id: r.id, leafIndex: null, field: "public_key", stored: j(b64(r.public_key)), what: "the device has a key, but no device.v1 entry registered one" });
      if (r.quarantined_at) report({ table: "device", id: r.id, leafIndex: null, field: "quarantined_at", stored: j(iso(r.quarantined_at)), what: "the device is quarantined, but no device.v1 entry quarantined it" });
    },
    check: (r, s) => compare(report, "device", r.id, s.leaf, [
      ["status", s.status, r.status],
      ["public_key", s.publicKey, b64(r.public_key)],
      ["department_id", s.department, r.department_id],
      ["dataset_id", s.dataset, r.dataset_id],
      ["quarantined_at", s.quarantinedAt, iso(r.quarantined_at)],
      ["quarantine_reason", s.quarantineReason, r.quarantine_reason],
      // A registration or rotation leaves the reason as it was; a revocation states it.
      ...(s.status === "revoked" ? ([["status_reason", s.reason, r.status_reason]] as [string, unknown, unknown][]) : []),
    ]),
    missing: (id, s) => report({ table: "device", id, leafIndex: s.leaf, what: "the device row is missing" }),
  });

  const keyRows = await sql.query<{ device_id: string; valid_from_leaf: number; public_key: Uint8Array; registered_at: Date; valid_until_leaf: number | null; retired_at: Date | null; retired_by: string | null }>(
    `SELECT device_id, valid_from_leaf, public_key, registered_at, valid_until_leaf, retired_at, retired_by FROM device_key ORDER BY device_id, valid_from_leaf`,
  );
  const want = new Map<string, Key>();
  for (const [device, s] of state) for (const k of s.keys) want.set(`${device}@${k.fromLeaf}`, k);
  const stored = new Set<string>();
  for (const r of keyRows) {
    const id = `${r.device_id}@${Number(r.valid_from_leaf)}`;
    if (stored.has(id)) {
      report({ table: "device_key", id, leafIndex: Number(r.valid_from_leaf), what: "a second row for this key" });
      continue;
    }
    stored.add(id);
    const k = want.get(id);
    if (!k) {
      report({ table: "device_key", id, leafIndex: Number(r.valid_from_leaf), stored: j(b64(r.public_key)), what: "no device.v1 entry at this leaf put this key in" });
      continue;
    }
    compare(report, "device_key", id, k.fromLeaf, [
      ["public_key", k.publicKey, b64(r.public_key)],
      ["registered_at", k.registeredAt, iso(r.registered_at)],
      ["valid_until_leaf", k.untilLeaf, r.valid_until_leaf === null ? null : Number(r.valid_until_leaf)],
      ["retired_at", k.retiredAt, iso(r.retired_at)],
      ["retired_by", k.retiredBy, r.retired_by],
    ]);
  }
  for (const [id, k] of want) if (!stored.has(id)) report({ table: "device_key", id, leafIndex: k.fromLeaf, ledger: j(k.publicKey), what: "the key's row is missing" });
}

type GrantJson = {
  scope?: string;
  fields?: string[] | null;
  dataFrom?: string | null;
  dataUntil?: string | null;
  area?: { lon: number; lat: number; radiusM: number } | null;
  validFrom?: string;
  validUntil?: string;
  purpose?: string;
  status?: string;
};

async function auditGrants(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report) {
  const events = await sql.query<{ id: number; grant_id: string; action: string; by_user: string; at: Date; terms: GrantJson; leaf_index: number }>(
    `SELECT id, grant_id, action, by_user, at, terms, leaf_index FROM grant_event ORDER BY id`,
  );
  const history = historyTable("grant_event", events, report);
  const latest = new Map<string, { index: number; e: Extract<LedgerEntry, { kind: "grant.v1" | "grant.v2" }> }>();
  for (const { index, entry: e } of entries) {
    if (e.kind !== "grant.v1" && e.kind !== "grant.v2") continue;
    latest.set(e.grant, { index, e });
    const v2 = e.kind === "grant.v2" ? e : null;
    history.check(index, { entry: `${e.kind} entry (grant ${e.grant}, ${e.action})`, ledger: { grant: e.grant, action: e.action } }, (ev) => {
      const t = ev.terms ?? {};
      return [
        ["grant_id", e.grant, ev.grant_id],
        ["action", e.action, ev.action],
        ["by_user", e.by, ev.by_user],
        ["at", e.at, iso(ev.at)],
        ["terms.status", GRANT_STATUS[e.action], t.status],
        ["terms.scope", e.scope, t.scope],
        ["terms.fields", e.fields, sortedFields(t.fields, e.dataset)],
        ["terms.validFrom", e.validFrom, t.validFrom],
        ["terms.validUntil", e.validUntil, t.validUntil],
        ["terms.purpose (SHA-256)", e.purposeHash, typeof t.purpose === "string" ? sha256Hex(t.purpose) : null],
        ...(v2
          ? ([
              ["terms.dataFrom", v2.dataFrom ?? null, t.dataFrom ?? null],
              ["terms.dataUntil", v2.dataUntil ?? null, t.dataUntil ?? null],
              ["terms.area", v2.area ?? null, t.area ?? null],
            ] as [string, unknown, unknown][])
          : []),
      ];
    });
  }
  history.unmatched("grant", (ev) => ({ grant: ev.grant_id, action: ev.action }));

  const grants = await sql.query<{
    id: string; dataset_id: string; owner_department_id: string; grantee_department_id: string; scope: string; fields: string[] | null; purpose: string;
    data_from: Date | null; data_until: Date | null; area_lon: number | null; area_lat: number | null; area_radius_m: number | null;
    valid_from: Date; valid_until: Date; status: string; automatic: boolean; rule_id: string | null;
  }>(
    `SELECT id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, data_from, data_until, area_lon, area_lat, area_radius_m,
            valid_from, valid_until, status, automatic, rule_id FROM data_grant ORDER BY id`,
  );
  matchState(grants, latest, {
    orphan: (g) => report({ table: "data_grant", id: g.id, leafIndex: null, stored: j(g.status), what: "no grant entry stands for this grant" }),
    check: (g, l) => {
      const e = l.e;
      const v2 = e.kind === "grant.v2" ? e : null;
      const area = g.area_radius_m === null && g.area_lon === null && g.area_lat === null ? null : { lon: g.area_lon, lat: g.area_lat, radiusM: g.area_radius_m };
      compare(report, "data_grant", g.id, l.index, [
        ["status", GRANT_STATUS[e.action], g.status],
        ["dataset_id", e.dataset, g.dataset_id],
        ["owner_department_id", e.from, g.owner_department_id],
        ["grantee_department_id", e.to, g.grantee_department_id],
        ["scope", e.scope, g.scope],
        ["fields", e.fields, sortedFields(g.fields, g.dataset_id)],
        ["purpose (SHA-256)", e.purposeHash, sha256Hex(g.purpose)],
        ["valid_from", e.validFrom, iso(g.valid_from)],
        ["valid_until", e.validUntil, iso(g.valid_until)],
        ["automatic", e.automatic ?? false, g.automatic],
        ["rule_id", e.rule ?? null, g.rule_id],
        ...(v2
          ? ([
              ["data_from", v2.dataFrom ?? null, iso(g.data_from)],
              ["data_until", v2.dataUntil ?? null, iso(g.data_until)],
              ["area", v2.area ?? null, area],
            ] as [string, unknown, unknown][])
          : []),
      ]);
    },
    missing: (id, l) => report({ table: "data_grant", id, leafIndex: l.index, ledger: j(GRANT_STATUS[l.e.action]), what: "the grant row is missing" }),
  });
}

async function auditRules(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report) {
  const events = await sql.query<{ id: number; rule_id: string; action: string; definition: RuleDefinition; by_user: string; at: Date; leaf_index: number }>(
    `SELECT id, rule_id, action, definition, by_user, at, leaf_index FROM rule_event ORDER BY id`,
  );
  const history = historyTable("rule_event", events, report);
  const hashOf = (id: string, version: number, d: RuleDefinition) => {
    try {
      return definitionHash(id, version, d);
    } catch {
      return null;
    }
  };
  const state = new Map<string, { index: number; version: number; hash: string; retiredAt: string | null; createdBy: string | null; createdAt: string | null }>();
  for (const { index, entry: e } of entries) {
    if (e.kind !== "rule.v1") continue;
    const prev = state.get(e.rule);
    // create makes version 1, update the next one; retire keeps the version.
    const version = e.action === "create" ? 1 : e.action === "update" ? (prev?.version ?? 0) + 1 : (prev?.version ?? 1);
    state.set(e.rule, {
      index,
      version,
      hash: e.definitionHash,
      retiredAt: e.action === "retire" ? e.at : null,
      createdBy: e.action === "create" ? e.by : (prev?.createdBy ?? null),
      createdAt: e.action === "create" ? e.at : (prev?.createdAt ?? null),
    });
    history.check(index, { entry: `rule.v1 entry (rule ${e.rule}, ${e.action})`, ledger: { rule: e.rule, action: e.action } }, (ev) => [
      ["rule_id", e.rule, ev.rule_id],
      ["action", e.action, ev.action],
      ["by_user", e.by, ev.by_user],
      ["at", e.at, iso(ev.at)],
      [`definition (SHA-256 with id and version ${version})`, e.definitionHash, hashOf(ev.rule_id, version, ev.definition)],
    ]);
  }
  history.unmatched("rule.v1", (ev) => ({ rule: ev.rule_id, action: ev.action }));
  const rules = await sql.query<{ id: string; name: string; enabled: boolean; definition: RuleDefinition; version: number; created_by: string; created_at: Date; retired_at: Date | null }>(
    `SELECT id, name, enabled, definition, version, created_by, created_at, retired_at FROM linkage_rule ORDER BY id`,
  );
  matchState(rules, state, {
    orphan: (r) => report({ table: "linkage_rule", id: r.id, leafIndex: null, what: "no rule.v1 entry stands for this rule" }),
    check: (r, s) => {
      const def = (r.definition ?? {}) as Partial<RuleDefinition>;
      compare(report, "linkage_rule", r.id, s.index, [
        ["version", s.version, Number(r.version)],
        [`definition (SHA-256 with id and version ${Number(r.version)})`, s.hash, hashOf(r.id, Number(r.version), r.definition)],
        ["name", def.name ?? null, r.name],
        ["enabled", s.retiredAt ? false : (def.enabled ?? null), r.enabled],
        ["retired_at", s.retiredAt, iso(r.retired_at)],
        ["created_by", s.createdBy, r.created_by],
        ["created_at", s.createdAt, iso(r.created_at)],
      ]);
    },
    missing: (id, s) => report({ table: "linkage_rule", id, leafIndex: s.index, what: "the rule row is missing" }),
  });
}

type AccessRow = Parameters<typeof accessEventJson>[0] & { batch_id: string | null };

async function auditAccess(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report) {
  const batches = await sql.query<{ id: string; count: number; first_at: Date; last_at: Date; events_hash: string; leaf_index: number }>(
    `SELECT id, count, first_at, last_at, events_hash, leaf_index FROM access_batch ORDER BY id`,
  );
  const events = await sql.query<AccessRow>(
    `SELECT id, at, user_id, department_id, role, dataset_id, owner_department_id, basis, grant_id, scope, action, record_count, range_from, range_until, batch_id
       FROM access_event WHERE batch_id IS NOT NULL ORDER BY id`,
  );
  const byBatch = new Map<string, AccessRow[]>();
  for (const ev of events) byBatch.set(ev.batch_id!, [...(byBatch.get(ev.batch_id!) ?? []), ev]);
  const rowById = new Map(batches.map((b) => [b.id, b]));
  const ledgered = new Map<string, number>();
  for (const { index, entry: e } of entries) {
    if (e.kind !== "access.v1") continue;
    if (ledgered.has(e.batch)) report({ table: "access_batch", id: e.batch, leafIndex: index, what: `a second access.v1 entry for this batch (the first at leaf ${ledgered.get(e.batch)})` });
    ledgered.set(e.batch, index);
    const b = rowById.get(e.batch);
    if (!b) report({ table: "access_batch", id: e.batch, leafIndex: index, ledger: j(e.events), what: "the batch row is missing" });
    else {
      compare(report, "access_batch", e.batch, index, [
        ["count", e.count, Number(b.count)],
        ["first_at", e.from, iso(b.first_at)],
        ["last_at", e.to, iso(b.last_at)],
        ["events_hash", e.events, b.events_hash],
        ["leaf_index", index, Number(b.leaf_index)],
      ]);
    }
    const rows = byBatch.get(e.batch) ?? [];
    let recomputed: string | null = null;
    try {
      recomputed = crypto.hash("sha256", canonicalJsonBytes(rows.map(accessEventJson)), "hex");
    } catch {
      recomputed = null;
    }
    compare(report, "access_event", `batch ${e.batch}`, index, [
      ["events (SHA-256 of the batch's rows)", e.events, recomputed],
      ["number of events", e.count, rows.length],
    ]);
  }
  for (const b of batches) if (!ledgered.has(b.id)) report({ table: "access_batch", id: b.id, leafIndex: Number(b.leaf_index), stored: j(b.events_hash), what: "no access.v1 entry stands for this batch" });
  for (const [id, rows] of byBatch) {
    if (!ledgered.has(id)) report({ table: "access_event", id: rows.map((r) => String(r.id)).slice(0, 10).join(","), leafIndex: null, stored: j(id), what: `events marked with batch ${id}, which no access.v1 entry stands for` });
  }
}

/** Each account's department after each of its account.v1 entries, in log order (null: deleted). */
export type AccountTimeline = Map<string, { index: number; department: string | null }[]>;

/** The department the timeline says `user` held just before leaf `index`; undefined when it says nothing yet. */
function departmentBefore(timeline: AccountTimeline, user: string, index: number): string | null | undefined {
  let found: string | null | undefined;
  for (const t of timeline.get(user) ?? []) {
    if (t.index >= index) break;
    found = t.department;
  }
  return found;
}

async function auditAccounts(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report): Promise<AccountTimeline> {
  const events = await sql.query<{ id: number; user_id: string; action: string; department_id: string; role: string; disabled: boolean; by_user: string; by_department: string | null; at: Date; leaf_index: number }>(
    `SELECT id, user_id, action, department_id, role, disabled, by_user, by_department, at, leaf_index FROM account_event ORDER BY id`,
  );
  const history = historyTable("account_event", events, report);
  const state = new Map<string, { index: number; department: string; role: string; disabled: boolean; deleted: boolean }>();
  const timeline: AccountTimeline = new Map();
  for (const { index, entry: e } of entries) {
    if (e.kind !== "account.v1") continue;
    // The actor's department when they acted: what their own entries said just before (when they say anything).
    const actorDepartment = e.by === "system" || e.by === "sso" ? null : departmentBefore(timeline, e.by, index);
    history.check(index, { entry: `account.v1 entry (account ${e.account}, ${e.action})`, ledger: { account: e.account, action: e.action } }, (ev) => [
      ["user_id", e.account, ev.user_id],
      ["action", e.action, ev.action],
      ["department_id", e.department, ev.department_id],
      ["role", e.role, ev.role],
      ["disabled", e.disabled, ev.disabled],
      ["by_user", e.by, ev.by_user],
      ["at", e.at, iso(ev.at)],
      ...(actorDepartment !== undefined ? ([["by_department", actorDepartment, ev.by_department]] as [string, unknown, unknown][]) : []),
    ]);
    state.set(e.account, { index, department: e.department, role: e.role, disabled: e.disabled, deleted: e.action === "delete" });
    timeline.set(e.account, [...(timeline.get(e.account) ?? []), { index, department: e.action === "delete" ? null : e.department }]);
  }
  history.unmatched("account.v1", (ev) => ({ account: ev.user_id, action: ev.action }));
  const users = await sql.query<{ id: string; department_id: string; role: string; disabled: boolean }>(`SELECT id, department_id, role, disabled FROM auth_user ORDER BY id`);
  matchState(users, state, {
    orphan: (u) => report({ table: "auth_user", id: u.id, leafIndex: null, stored: j({ department: u.department_id, role: u.role, disabled: u.disabled }), what: "no account.v1 entry stands for this account" }),
    check: (u, s) => {
      if (s.deleted) {
        report({ table: "auth_user", id: u.id, leafIndex: s.index, stored: j({ department: u.department_id, role: u.role }), what: "the account.v1 entries say this account was deleted" });
        return;
      }
      compare(report, "auth_user", u.id, s.index, [
        ["role", s.role, u.role],
        ["department_id", s.department, u.department_id],
        ["disabled", s.disabled, u.disabled],
      ]);
    },
    missing: (id, s) => {
      if (!s.deleted) report({ table: "auth_user", id, leafIndex: s.index, ledger: j({ department: s.department, role: s.role }), what: "the account row is missing" });
    },
  });
  return timeline;
}

/**
 * Each grant change's actor department (grant_event.by_department, shown in the grant's
 * history) against the department the actor's account.v1 entries say they held when they
 * acted. Actors the account entries say nothing about yet (the system, rules, accounts from
 * before account changes were ledgered) are not checked.
 */
async function auditActorDepartments(sql: Pick<Sql, "query">, timeline: AccountTimeline, report: Report) {
  if (timeline.size === 0) return;
  const rows = await sql.query<{ id: number; by_user: string; by_department: string | null; leaf_index: number }>(`SELECT id, by_user, by_department, leaf_index FROM grant_event ORDER BY id`);
  for (const r of rows) {
    const want = departmentBefore(timeline, r.by_user, Number(r.leaf_index));
    if (want === undefined) continue;
    compare(report, "grant_event", String(r.id), Number(r.leaf_index), [["by_department (the actor's department by their account.v1 entries)", want, r.by_department]]);
  }
}
