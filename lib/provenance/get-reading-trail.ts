import { readLeafEntry } from "../ledger-store/leaf-entries";
import type { Viewer } from "../access/viewer";
import { accessInfo, checkRead, type ReadBasis, type Scope } from "../access/check-read";
import { recordRead, type AccessAction } from "../access/record-read";
import { readGatewayBatchHashes, readProvenanceReading, type Disclosure, type ProvenanceReading } from "../access/scoped/provenance-reading";
import { getDb } from "../db/client";
import type { Sql } from "../db/sql";
import { AppError, notFound } from "../errors";
import { toBase64 as b64, toHex } from "../ledger/encoding";
import { leafHash } from "../ledger/merkle";
import { getLogInfo } from "../ledger-store/log-info";
import { latestFinalCheckpoint, receiptFor } from "../ledger-store/receipts";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { DATUM_FORMAT, type Datum } from "./datum";
import { openCommitment } from "../ledger/commitment";
import { decodeEntry, type LedgerEntry } from "../ledger/entries";

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");

export type Reader = { user: string; department: string; basis: string; at: string; coversReading: boolean };
/** Who read the dataset: always how many reads were recorded; names only for those who may see them (mayNameReaders). */
export type Readers = { count: number; names: Reader[] | null };

/**
 * Who may see the names in a dataset's readers list: auditors, and the admins (dept_admin
 * or sysadmin) of the department that owns it, the same people who see these reads in the
 * access log. Everyone else, guests and the owner's officials included, sees a count.
 */
export function mayNameReaders(viewer: Viewer, ownerDepartmentId: string): boolean {
  if (viewer.kind !== "user") return false;
  if (viewer.role === "auditor") return true;
  return (viewer.role === "dept_admin" || viewer.role === "sysadmin") && viewer.departmentId === ownerDepartmentId;
}

/**
 * Who read this reading's dataset (the access log written by lib/access): user, department,
 * the basis (ownership or a grant) and when; reads whose record range covers the reading's
 * time first. Names only when `named`.
 */
async function listReaders(sql: Sql, datasetId: string, observedAt: string, named: boolean): Promise<Readers> {
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM access_event WHERE dataset_id = $1`, [datasetId]);
  if (!named) return { count: Number(n), names: null };
  const rows = await sql.query<{ user_id: string | null; department_id: string | null; basis: string; grant_id: string | null; at: Date; covers: boolean }>(
    `SELECT user_id, department_id, basis, grant_id, at,
            (range_from IS NULL OR range_from <= $2) AND (range_until IS NULL OR range_until >= $2) AS covers
       FROM access_event WHERE dataset_id = $1 ORDER BY covers DESC, at DESC LIMIT 200`,
    [datasetId, observedAt],
  );
  return {
    count: Number(n),
    names: rows.map((r) => ({
      user: r.user_id ?? "guest",
      department: r.department_id ?? "—",
      basis: r.grant_id ? `${r.basis} ${r.grant_id}` : r.basis,
      at: new Date(r.at).toISOString(),
      coversReading: r.covers,
    })),
  };
}


/** Parts of a reading the anonymized and aggregated scopes withhold from its trail. */
export const LEDGER_ONLY_WITHHELD = ["payload", "device", "location", "exactTime", "signature", "entry"] as const;

/** What the trail discloses under the viewer's basis, why, and which downloads are refused and why. */
export type TrailDisclosure = {
  level: Disclosure;
  scope: Scope;
  /** Payload fields withheld (level fields). */
  withheldFields: string[];
  /** Parts of the reading withheld (level ledger). */
  withheld: (typeof LEDGER_ONLY_WITHHELD)[number][];
  /** Why the trail is partial, in words (English); null when it is whole. */
  reason: string | null;
  /** Downloads refused under this basis, each with the reason its 403 gives. */
  refused: { datum?: string; prov?: string };
};

function disclosureOf(basis: ReadBasis, r: ProvenanceReading): TrailDisclosure {
  const grant = `grant ${basis.grantId}`;
  if (r.disclosure !== "ledger") {
    if (r.disclosure === "full") return { level: "full", scope: basis.scope, withheldFields: [], withheld: [], reason: null, refused: {} };
    const w = r.withheldFields.join(", ");
    return {
      level: "fields",
      scope: basis.scope,
      withheldFields: r.withheldFields,
      withheld: [],
      reason: `${grant} covers fields ${(basis.fields ?? []).join(", ") || "(none)"} only: ${w} withheld`,
      refused: {
        datum: `No datum under ${grant}: the device's signature covers every field of the reading, and ${grant} withholds ${w}, so a datum without them could not be verified. The receipt (.tlog-proof) and the PROV-JSON trail (granted fields only) can be downloaded.`,
      },
    };
  }
  const s = r.scope;
  return {
    level: "ledger",
    scope: s,
    withheldFields: [],
    withheld: [...LEDGER_ONLY_WITHHELD],
    reason: `${s} scope under ${grant}: the reading's values, device, exact location and time, signature and ledger entry are withheld; its ledger facts (leaf hash, inclusion proof, checkpoint signature, witness cosignatures) still verify`,
    refused: {
      datum: `No datum under ${s} ${grant}: a datum holds the device, exact location, time and values of the reading, which the ${s} scope withholds. The receipt (.tlog-proof), which holds only the ledger proof, can be downloaded.`,
      prov: `No PROV-JSON trail under ${s} ${grant}: it names the device and the exact times, which the ${s} scope withholds. The receipt (.tlog-proof) can be downloaded.`,
    },
  };
}

/** The ledger proof of a leaf, which every scope may see: its hash and a receipt to a quorum-cosigned checkpoint. */
export type LedgerProof = { leafIndex: number; leafHash: string; receipt: string };

/**
 * A reading's provenance as the viewer's basis allows it (no read is recorded; see
 * getReadingTrail). The leaf's dataset comes from its ledger entry; the viewer must be
 * allowed to read that dataset, and the reading must lie inside the grant's window and
 * area (403 naming the term otherwise). Unknown leaves are 404, leaves that are not
 * readings 400.
 */
export async function assembleTrail(opts: { viewer: Viewer; leafIndex: number }) {
  const { sql } = await getDb();
  const stored = await readLeafEntry(sql, opts.leafIndex);
  if (!stored) throw notFound("ledger leaf", opts.leafIndex);
  if (!stored.entry || (stored.kind === "commitment.v1" && !stored.inner)) throw notFound("reading (archived)", opts.leafIndex);
  const leaf = { kind: stored.kind, entry: stored.entry, salt: stored.salt, inner: stored.inner };
  // A reading of a restricted dataset is on the public log as a commitment: opened here with
  // its stored salt (its reading row's seal_salt), and refused without naming its dataset to anyone who may not read it.
  const opening = leaf.kind === "commitment.v1" ? openLeaf(opts.leafIndex, leaf) : null;
  const sealedRefusal = () => new AppError("forbidden", `leaf ${opts.leafIndex} is a commitment of a restricted dataset`, `Leaf ${opts.leafIndex} is a salted commitment: it stands for a reading or grant change of a restricted dataset, which only its owner, auditors and grantees may open.`);
  if (opening && opening.kind !== "reading.v1") throw opts.viewer.kind === "user" && opts.viewer.role === "auditor" ? new AppError("validation", `leaf ${opts.leafIndex} is a commitment to a ${opening.kind} entry, not a reading`) : sealedRefusal();
  if (!opening && leaf.kind !== "reading.v1") throw new AppError("validation", `leaf ${opts.leafIndex} is a ${leaf.kind} entry, not a reading`);
  const entryText = opening ? text(leaf.inner!) : text(leaf.entry);
  const datasetId = (JSON.parse(entryText) as { dataset?: unknown }).dataset;
  if (typeof datasetId !== "string") throw new AppError("internal", `reading entry at leaf ${opts.leafIndex} names no dataset`);
  let basis: ReadBasis;
  try {
    basis = await checkRead(sql, opts.viewer, datasetId);
  } catch (e) {
    throw opening && e instanceof AppError && e.code === "forbidden" ? sealedRefusal() : e;
  }
  const reading = await readProvenanceReading(sql, basis, opts.leafIndex);
  const info = getLogInfo();
  const final = await latestFinalCheckpoint(sql, info.quorum, opts.leafIndex);
  const ledgerProof: LedgerProof | null = final
    ? { leafIndex: opts.leafIndex, leafHash: toHex(leafHash(nodeSha256, leaf.entry)), receipt: await receiptFor(sql, opts.leafIndex, final) }
    : null;
  const observedAt = reading.disclosure === "ledger" ? reading.observed.from : reading.observedAt;
  const common = {
    leafIndex: opts.leafIndex,
    dataset: { id: datasetId, owner: basis.ownerDepartmentId },
    access: accessInfo(basis),
    disclosure: disclosureOf(basis, reading),
    checkpoint: final ? { size: final.size, note: final.note } : null,
    readers: await listReaders(sql, datasetId, observedAt, mayNameReaders(opts.viewer, basis.ownerDepartmentId)),
    ledgerProof,
  };
  if (reading.disclosure === "ledger") {
    return {
      ...common,
      readingId: null,
      device: null,
      timeline: { observedAt: null, observedWithin: reading.observed, receivedAt: null, integratedAt: null, quorumAt: null, firstCheckpointSize: null },
      datum: null,
      partialDatum: null,
      /** For recording the read: no reading content is returned. */
      returned: { basis, count: 0, from: reading.observed.from, until: reading.observed.until },
    };
  }

  const [device] = await sql.query<{ id: string; department_id: string; kind: string; public_key: Uint8Array | null; status: string; status_reason: string | null }>(
    `SELECT id, department_id, kind, public_key, status, status_reason FROM device WHERE id = $1`,
    [reading.device],
  );
  if (!device) throw new AppError("internal", `reading ${reading.id} names unknown device ${reading.device}`);
  // The key that signed: the latest registration or rotation sequenced before the reading.
  // That leaf is the device_key row's valid_from_leaf (the audit checks device_key against the
  // ledger). A restricted dataset's device has its device.v1 entries sealed: opened with the salt.
  const [reg] = await sql.query<{ leaf_index: number; entry: Uint8Array; salt: Uint8Array | null; inner: Uint8Array | null }>(
    `SELECT l.leaf_index, l.entry, c.salt, c.entry AS inner
       FROM (SELECT valid_from_leaf FROM device_key WHERE device_id = $1 AND valid_from_leaf < $2 ORDER BY valid_from_leaf DESC LIMIT 1) k
       JOIN ledger_leaf l ON l.leaf_index = k.valid_from_leaf
       LEFT JOIN ledger_commitment c ON c.leaf_index = l.leaf_index`,
    [reading.device, opts.leafIndex],
  );
  if (!reg) throw new AppError("internal", `device ${reading.device} has no key registration before leaf ${opts.leafIndex}`);
  const regOpening = reg.inner ? openLeaf(Number(reg.leaf_index), reg) : decodeEntry(new Uint8Array(reg.entry));
  if (regOpening.kind !== "device.v1" || regOpening.device !== reading.device || (regOpening.action !== "register" && regOpening.action !== "rotate")) {
    throw new AppError("internal", `leaf ${reg.leaf_index} is not a key registration of device ${reading.device}`);
  }
  const regEntry = JSON.parse(text(reg.inner ?? reg.entry)) as { publicKey: string; at: string };

  const [firstCp] = await sql.query<{ size: number; created_at: Date }>(
    `SELECT size, created_at FROM checkpoint WHERE size > $1 ORDER BY size LIMIT 1`,
    [opts.leafIndex],
  );
  const [quorumAt] = firstCp
    ? await sql.query<{ at: Date | null }>(
        `SELECT (array_agg(created_at ORDER BY created_at))[$2] AS at FROM cosignature WHERE checkpoint_size = $1`,
        [firstCp.size, info.quorum],
      )
    : [{ at: null }];

  let gateway: Datum["gateway"];
  if (reading.gatewayBatchId != null) {
    const [g] = await sql.query<{ gateway_device_id: string; batch_root: Uint8Array; signature: Uint8Array; public_key: Uint8Array }>(
      // The gateway's key when the reading was sequenced (device_key keeps rotated-out keys).
      `SELECT g.gateway_device_id, g.batch_root, g.signature,
              COALESCE((SELECT k.public_key FROM device_key k WHERE k.device_id = g.gateway_device_id AND k.valid_from_leaf < $2
                           AND (k.valid_until_leaf IS NULL OR k.valid_until_leaf > $2) ORDER BY k.valid_from_leaf DESC LIMIT 1), d.public_key) AS public_key
         FROM gateway_batch g JOIN device d ON d.id = g.gateway_device_id WHERE g.id = $1`,
      [reading.gatewayBatchId, opts.leafIndex],
    );
    const batch = await readGatewayBatchHashes(sql, basis, reading.gatewayBatchId);
    gateway = {
      device: g.gateway_device_id,
      publicKey: b64(g.public_key),
      batchRoot: toHex(new Uint8Array(g.batch_root)),
      signature: b64(g.signature),
      index: batch.findIndex((b) => b.leafIndex === opts.leafIndex),
      payloadHashes: batch.map((b) => toHex(new Uint8Array(b.payloadHash))),
    };
  }

  const envelope = {
    device: reading.device,
    dataset: datasetId,
    seq: reading.seq,
    observedAt: reading.observedAt,
    location: reading.location,
    values: reading.values,
  };
  const datumShaped: Datum | null = final
    ? {
        format: DATUM_FORMAT,
        reading: { envelope, signature: b64(reading.signature) },
        device: {
          id: device.id,
          department: device.department_id,
          publicKey: regEntry.publicKey,
          registration: {
            leafIndex: Number(reg.leaf_index),
            entry: text(reg.entry),
            receipt: await receiptFor(sql, Number(reg.leaf_index), final),
            ...(reg.inner ? { opening: { salt: toHex(new Uint8Array(reg.salt!)), entry: text(reg.inner) } } : {}),
          },
        },
        ...(gateway ? { gateway } : {}),
        ledger: {
          leafIndex: opts.leafIndex,
          entry: text(leaf.entry),
          receipt: ledgerProof!.receipt,
          ...(opening ? { opening: { salt: toHex(new Uint8Array(leaf.salt!)), entry: entryText } } : {}),
        },
        log: { origin: info.origin, logVerifierKey: info.logVerifierKey, witnessVerifierKeys: info.witnesses.map((w) => w.verifierKey) },
      }
    : null;

  const currentKey = device.public_key ? b64(device.public_key) : null;
  return {
    ...common,
    readingId: reading.id,
    device: {
      id: device.id,
      department: device.department_id,
      kind: device.kind,
      status: device.status,
      statusReason: device.status_reason,
      keyFingerprint: toHex(nodeSha256(Buffer.from(regEntry.publicKey, "base64"))).slice(0, 16),
      keyStillActive: device.status === "active" && currentKey === regEntry.publicKey,
      registrationLeaf: Number(reg.leaf_index),
      registeredAt: regEntry.at,
    },
    timeline: {
      observedAt: envelope.observedAt,
      observedWithin: null,
      receivedAt: reading.receivedAt,
      integratedAt: firstCp ? new Date(firstCp.created_at).toISOString() : null,
      quorumAt: quorumAt?.at ? new Date(quorumAt.at).toISOString() : null,
      firstCheckpointSize: firstCp ? Number(firstCp.size) : null,
    },
    /** The downloadable datum: the whole reading (level full), null until a quorum-cosigned checkpoint holds it (seconds after ingest). */
    datum: reading.disclosure === "full" ? datumShaped : null,
    /** Level fields: the datum's shape with only the granted fields in its values; not a verifiable datum (the signature covers every field). */
    partialDatum: reading.disclosure === "fields" ? datumShaped : null,
    returned: { basis, count: 1, from: reading.observedAt, until: reading.observedAt },
  };
}

/** The entry a commitment leaf opens to with its stored salt (500 if the opening is missing or does not open: the audit names it). */
function openLeaf(leafIndex: number, leaf: { entry: Uint8Array; salt: Uint8Array | null; inner: Uint8Array | null }): LedgerEntry {
  if (!leaf.salt || !leaf.inner) throw new AppError("internal", `commitment leaf ${leafIndex} has no stored opening`);
  try {
    return openCommitment(nodeSha256, decodeEntry(new Uint8Array(leaf.entry)), new Uint8Array(leaf.salt), new Uint8Array(leaf.inner));
  } catch (e) {
    throw new AppError("internal", `commitment leaf ${leafIndex} does not open with its stored salt: ${(e as Error).message}`);
  }
}

export type AssembledTrail = Awaited<ReturnType<typeof assembleTrail>>;
export type ReadingTrail = Omit<AssembledTrail, "returned">;

/**
 * A reading's provenance as the viewer may see it: under raw scope with every field the
 * downloadable datum (reading, device key and its registration, gateway batch, ledger entry
 * and receipts, the log's keys) and the trail around it (observed, received, integrated,
 * cosigned); under raw scope with some fields, the same with the other fields withheld and
 * no datum; under anonymized or aggregated scope only the ledger facts (leaf hash and
 * receipt) and the time bucket. `disclosure` says which and why. The read is recorded.
 */
export async function getReadingTrail(opts: { viewer: Viewer; leafIndex: number }): Promise<ReadingTrail> {
  const { returned, ...trail } = await assembleTrail(opts);
  await recordProvenanceRead(opts.viewer, "provenance", returned);
  return trail;
}

/** Records what a provenance response returned (one reading, or none when only ledger facts were). */
export async function recordProvenanceRead(viewer: Viewer, action: AccessAction, rec: AssembledTrail["returned"]): Promise<void> {
  const { basis, ...counted } = rec;
  const { sql } = await getDb();
  await recordRead(sql, viewer, basis, { action, ...counted });
}
