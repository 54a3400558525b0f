// Typed, versioned ledger entries. An entry's bytes in the log are its RFC
// 8785 canonical JSON; personal or bulky data is committed to by hash, never
// stored in the entry itself. To add a version, add its schema to
// ENTRY_SCHEMAS (and, when it supersedes one, mark the old one read-only).
import { z } from "zod";
import { canonicalJsonBytes, parseCanonicalJson } from "./canonical-json";
import { controlCharIndex, fromBase64 } from "./encoding";
import { LedgerError } from "./errors";
import { leafHash } from "./merkle";
import type { Hasher } from "./sha256";
import type { EntryKindName } from "./entry-kinds";

/** An identifier: 1..256 characters, no control characters. */
export const Id = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => controlCharIndex(s, false) < 0 && !s.includes("\u007f"), "must not contain control characters");

/** Lowercase hex SHA-256 digest. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits (SHA-256)");

/** UTC timestamp, ISO 8601 with a Z suffix, e.g. 2026-05-01T08:00:00.000Z. */
export const Timestamp = z.iso.datetime();

const base64OfLength = (n: number, what: string) =>
  z.string().refine(
    (s) => {
      try {
        return fromBase64(s).length === n;
      } catch {
        return false;
      }
    },
    { message: `must be canonical base64 of a ${n}-byte ${what}` },
  );

/** Base64 of a raw 64-byte Ed25519 signature. */
export const Ed25519SignatureB64 = base64OfLength(64, "Ed25519 signature");
/** Base64 of a raw 32-byte Ed25519 public key. */
export const Ed25519PublicKeyB64 = base64OfLength(32, "Ed25519 public key");

/** A device reading, committed by the hash of its signed envelope. */
export const ReadingV1 = z.strictObject({
  kind: z.literal("reading.v1"),
  dataset: Id,
  device: Id,
  seq: z.number().int().nonnegative(),
  observedAt: Timestamp,
  /** SHA-256 (hex) of the canonical signed envelope bytes. */
  payloadHash: Sha256Hex,
  /** The device's Ed25519 signature over the envelope (base64). */
  signature: Ed25519SignatureB64,
  gateway: z
    .strictObject({
      device: Id,
      /** Root of the batch the gateway signed (hex). */
      batchRoot: Sha256Hex,
      signature: Ed25519SignatureB64,
    })
    .optional(),
});

/**
 * Registration, key rotation or revocation of a device key; or a gateway's quarantine (it
 * carried a reading whose device signature did not verify) and its release by an admin.
 * "quarantine" and "release" name the gateway's current key and change no key.
 */
export const DeviceV1 = z.strictObject({
  kind: z.literal("device.v1"),
  action: z.enum(["register", "rotate", "revoke", "quarantine", "release"]),
  device: Id,
  department: Id,
  dataset: Id,
  publicKey: Ed25519PublicKeyB64,
  reason: z.string().max(1024).optional(),
  at: Timestamp,
});

/** The members every version of a grant entry has. */
const grantMembers = {
  grant: Id,
  action: z.enum(["request", "approve", "reject", "revoke", "expire"]),
  /** Owner department. */
  from: Id,
  /** Receiving department. */
  to: Id,
  dataset: Id,
  scope: z.enum(["raw", "aggregated", "anonymized"]),
  /** SHA-256 (hex) of the stated purpose text. */
  purposeHash: Sha256Hex,
  fields: z.array(Id).max(1024),
  validFrom: Timestamp,
  validUntil: Timestamp,
  by: Id,
  at: Timestamp,
  automatic: z.boolean().optional(),
  rule: Id.optional(),
};
const validityInOrder = (g: { validFrom: string; validUntil: string }) => Date.parse(g.validFrom) <= Date.parse(g.validUntil);
const validityMessage = { message: "validFrom must not be after validUntil", path: ["validUntil"] };

/**
 * A change to a cross-department data grant, without the data window and area (read-only:
 * grant.v2 superseded it, and the ledger keeps the v1 entries written before).
 */
export const GrantV1 = z.strictObject({ kind: z.literal("grant.v1"), ...grantMembers }).refine(validityInOrder, validityMessage);

/**
 * A change to a cross-department data grant, with every term the access check enforces:
 * besides scope, fields and validity, the window of observation times the grant covers
 * (`dataFrom`, `dataUntil`; absent means open) and the area (`area`: centre and radius in
 * metres; absent means the whole city).
 */
export const GrantV2 = z
  .strictObject({
    kind: z.literal("grant.v2"),
    ...grantMembers,
    dataFrom: Timestamp.optional(),
    dataUntil: Timestamp.optional(),
    area: z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), radiusM: z.number().positive().max(1e7) }).optional(),
  })
  .refine(validityInOrder, validityMessage)
  .refine((g) => !g.dataFrom || !g.dataUntil || Date.parse(g.dataFrom) <= Date.parse(g.dataUntil), {
    message: "dataFrom must not be after dataUntil",
    path: ["dataUntil"],
  });

/** A batch of access events, committed by the hash of the events list. */
export const AccessV1 = z.strictObject({
  kind: z.literal("access.v1"),
  batch: Id,
  /** SHA-256 (hex) of the canonical JSON list of events. */
  events: Sha256Hex,
  count: z.number().int().nonnegative(),
  from: Timestamp,
  to: Timestamp,
});

/**
 * A citizen report (Open311) or a change of its status, committed by hashes of its content
 * and photos, never the content itself: no description text, no exact location, no contact.
 * `action` absent or "submit" is the report; the others are status changes made by the owning
 * department (`by`: a user id; `role`: that user's role), with `noteHash` the SHA-256 of the
 * reason or note; a "merge" marks the report a duplicate of the kept report `duplicateOf`. `contentHash` is SHA-256 of the canonical content the reporter signed
 * (lib/citizen/report-content.ts), `mediaHashes` the SHA-256 of each stored photo.
 */
export const ReportV1 = z.strictObject({
  kind: z.literal("report.v1"),
  report: Id,
  serviceCode: Id,
  /** Coarse location cell, not the exact point. */
  locationCell: Id,
  mediaHash: Sha256Hex.optional(),
  descriptionHash: Sha256Hex,
  /** Pseudonymous reporter id. */
  reporter: Id,
  at: Timestamp,
  action: z.enum(["submit", "assign", "confirm", "reject", "resolve", "merge"]).optional(),
  status: z.enum(["submitted", "assigned", "confirmed", "rejected", "resolved", "merged"]).optional(),
  department: Id.optional(),
  contentHash: Sha256Hex.optional(),
  mediaHashes: z.array(Sha256Hex).max(16).optional(),
  by: Id.optional(),
  role: Id.optional(),
  noteHash: Sha256Hex.optional(),
  /** For a merge (status "merged"): the report this one duplicates, which is kept. */
  duplicateOf: Id.optional(),
});

/**
 * Credit awarded to a pseudonymous reporter for a report (lib/citizen/credit-rule.ts):
 * `reason` "confirmed" (the report was confirmed), "duplicate" (merged into a confirmed
 * report), or "revoked" (a negative amount taking back a confirmed report's credit on rejection).
 */
export const CreditV1 = z.strictObject({
  kind: z.literal("credit.v1"),
  reporter: Id,
  report: Id,
  amount: z.number().int(),
  at: Timestamp,
  reason: z.enum(["confirmed", "duplicate", "revoked"]).optional(),
});

/**
 * A department's mark on a pseudonymous reporter key (lib/citizen/key-flags.ts): "flag" marks
 * it abusive (its reports are still taken, but earn no credit and it leaves the leaderboard),
 * "appeal" is the key holder's answer (signed with the key, `by` is the reporter id), "lift"
 * and "uphold" are the flagging department's decision. `reasonHash` is the SHA-256 of the
 * reason, the appeal's text or the decision's note: the text stays off the public log.
 */
export const ReporterV1 = z.strictObject({
  kind: z.literal("reporter.v1"),
  reporter: Id,
  action: z.enum(["flag", "appeal", "lift", "uphold"]),
  department: Id,
  by: Id,
  role: Id,
  reasonHash: Sha256Hex,
  at: Timestamp,
});

/** A change to an automation rule, committed by the hash of its definition. */
export const RuleV1 = z.strictObject({
  kind: z.literal("rule.v1"),
  rule: Id,
  action: z.enum(["create", "update", "retire"]),
  definitionHash: Sha256Hex,
  by: Id,
  at: Timestamp,
});

/**
 * A console account's creation, a change of its role, department or status (disabled or
 * enabled), or its deletion; "baseline" records an account as it stood when account changes
 * began to be ledgered (it existed before). The entry states the account's role, department
 * and status after the change. It names the account by its user id only (a random UUID):
 * no e-mail or name, not even hashed (a hash of an e-mail address is found by hashing the
 * addresses one guesses), so the public log shows who holds which role in which department
 * under a pseudonym; the console maps ids to people for its sysadmins and auditors.
 */
export const AccountV1 = z.strictObject({
  kind: z.literal("account.v1"),
  account: Id,
  action: z.enum(["create", "change", "delete", "baseline"]),
  department: Id,
  role: z.enum(["official", "dept_admin", "auditor", "sysadmin"]),
  disabled: z.boolean(),
  /** Who made the change: a user id, "system" (seed, start-up) or "sso" (first single sign-on). */
  by: Id,
  at: Timestamp,
});

/**
 * A salted commitment to another entry (a reading, a grant change or a device key change of
 * a restricted dataset): `commitment` is SHA-256(salt || the inner entry's canonical JSON) with a random
 * 32-byte salt (see commitment.ts). The public log shows only this; the console keeps the
 * salt and the inner entry for the owner, auditors and the datum download, who open it.
 * Every commitment entry has the same length, so the log does not tell a reading from a
 * grant, or one restricted dataset from another.
 */
export const CommitmentV1 = z.strictObject({
  kind: z.literal("commitment.v1"),
  commitment: Sha256Hex,
});

/**
 * Every entry kind the ledger knows; `writable: false` kinds can be read but not appended.
 * Its keys are exactly ENTRY_KINDS (entry-kinds.ts, the list the browser shows).
 */
export const ENTRY_SCHEMAS = {
  "reading.v1": { schema: ReadingV1, writable: true },
  "device.v1": { schema: DeviceV1, writable: true },
  "grant.v1": { schema: GrantV1, writable: false },
  "grant.v2": { schema: GrantV2, writable: true },
  "access.v1": { schema: AccessV1, writable: true },
  "report.v1": { schema: ReportV1, writable: true },
  "credit.v1": { schema: CreditV1, writable: true },
  "reporter.v1": { schema: ReporterV1, writable: true },
  "rule.v1": { schema: RuleV1, writable: true },
  "commitment.v1": { schema: CommitmentV1, writable: true },
  "account.v1": { schema: AccountV1, writable: true },
} as const satisfies Record<EntryKindName, { schema: z.ZodType; writable: boolean }>;

/** Entry kinds and the TypeScript types of their entries, inferred from the schemas. */
export type EntryKind = keyof typeof ENTRY_SCHEMAS;
export type ReadingEntry = z.infer<typeof ReadingV1>;
export type DeviceEntry = z.infer<typeof DeviceV1>;
export type GrantEntry = z.infer<typeof GrantV2>;
export type GrantV1Entry = z.infer<typeof GrantV1>;
export type AccessEntry = z.infer<typeof AccessV1>;
export type ReportEntry = z.infer<typeof ReportV1>;
export type CreditEntry = z.infer<typeof CreditV1>;
export type ReporterEntry = z.infer<typeof ReporterV1>;
export type RuleEntry = z.infer<typeof RuleV1>;
export type CommitmentEntry = z.infer<typeof CommitmentV1>;
export type AccountEntry = z.infer<typeof AccountV1>;
export type LedgerEntry = { [K in EntryKind]: z.infer<(typeof ENTRY_SCHEMAS)[K]["schema"]> }[EntryKind];

/** True if `kind` names a known entry kind. */
export function isEntryKind(kind: unknown): kind is EntryKind {
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(ENTRY_SCHEMAS, kind);
}

/**
 * Validates an entry against the schema of its kind and returns the parsed
 * value. Requires an object whose `kind` is known; fails with
 * unknown_entry_kind or malformed_entry (naming the field path) otherwise.
 */
export function parseEntry(value: unknown): LedgerEntry {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LedgerError("malformed_entry", `got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}, want an object`);
  }
  const kind = (value as { kind?: unknown }).kind;
  if (!isEntryKind(kind)) {
    throw new LedgerError("unknown_entry_kind", `kind got ${JSON.stringify(kind) ?? "undefined"}, want one of ${Object.keys(ENTRY_SCHEMAS).join(", ")}`);
  }
  const result = ENTRY_SCHEMAS[kind].schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(entry)";
    throw new LedgerError("malformed_entry", `${kind} ${path}: ${issue.message}`);
  }
  return result.data as LedgerEntry;
}

/**
 * The log bytes of an entry: its canonical JSON. Requires a valid entry of a
 * writable kind. Optional fields set to undefined are left out.
 */
export function encodeEntry(entry: LedgerEntry): Uint8Array {
  const parsed = parseEntry(entry);
  if (!ENTRY_SCHEMAS[parsed.kind].writable) {
    throw new LedgerError("entry_kind_read_only", `${parsed.kind} can be read but no longer written`);
  }
  return canonicalJsonBytes(dropUndefined(parsed));
}

/**
 * The entry stored as `bytes`. Requires canonical JSON of a known kind that
 * passes its schema; fails with malformed_utf8, malformed_json,
 * non_canonical_json, unknown_entry_kind or malformed_entry.
 */
export function decodeEntry(bytes: Uint8Array): LedgerEntry {
  const value = parseCanonicalJson(bytes);
  return parseEntry(value);
}

/** Leaf hash of an entry: SHA-256(0x00 || encodeEntry(entry)). */
export function entryLeafHash(hasher: Hasher, entry: LedgerEntry): Uint8Array {
  return leafHash(hasher, encodeEntry(entry));
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
    return out;
  }
  return value;
}
