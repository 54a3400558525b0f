import type { Viewer } from "../access/viewer";
import { checkRead } from "../access/check-read";
import { getDb } from "../db/client";
import type { Sql } from "../db/sql";
import { AppError, notFound } from "../errors";
import { formatProofBundle } from "../ledger/proof-bundle";
import { toHex } from "../ledger/encoding";
import { getLogInfo } from "../log/log-info";
import { inclusionProofAt } from "../log/proofs";
import { nodeSha256 } from "../log/node-hasher";
import { DATUM_FORMAT, type Datum } from "./datum";

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");

/**
 * Who read this reading's dataset (the access log written by lib/access): user, department,
 * the basis (ownership or a grant) and when; reads whose record range covers the reading's
 * time first.
 */
async function listReaders(sql: Sql, datasetId: string, observedAt: Date) {
  const rows = await sql.query<{ user_id: string | null; department_id: string | null; basis: string; grant_id: string | null; at: Date; covers: boolean }>(
    `SELECT user_id, department_id, basis, grant_id, at,
            (range_from IS NULL OR range_from <= $2) AND (range_until IS NULL OR range_until >= $2) AS covers
       FROM access_event WHERE dataset_id = $1 ORDER BY covers DESC, at DESC LIMIT 200`,
    [datasetId, observedAt.toISOString()],
  );
  return rows.map((r) => ({
    user: r.user_id ?? "guest",
    department: r.department_id ?? "—",
    basis: r.grant_id ? `${r.basis} ${r.grant_id}` : r.basis,
    at: new Date(r.at).toISOString(),
    coversReading: r.covers,
  }));
}

type Final = { size: number; note: string; createdAt: Date };

/** The newest checkpoint a quorum of witnesses cosigned, with its cosignatures in the note. */
async function latestFinalCheckpoint(sql: Sql, quorum: number, above: number): Promise<Final | null> {
  const rows = await sql.query<{ size: number; note: string; created_at: Date }>(
    `SELECT c.size, c.note, c.created_at FROM checkpoint c
      WHERE c.size > $1 AND (SELECT count(*) FROM cosignature s WHERE s.checkpoint_size = c.size) >= $2
      ORDER BY c.size DESC LIMIT 1`,
    [above, quorum],
  );
  if (!rows.length) return null;
  const size = Number(rows[0].size);
  const cos = await sql.query<{ line: string }>(`SELECT line FROM cosignature WHERE checkpoint_size = $1 ORDER BY witness`, [size]);
  return { size, note: rows[0].note + cos.map((c) => `${c.line}\n`).join(""), createdAt: rows[0].created_at };
}

async function receiptFor(sql: Sql, index: number, cp: Final): Promise<string> {
  const proof = await inclusionProofAt(sql, index, cp.size);
  return formatProofBundle({ index, proof, checkpoint: cp.note });
}

/**
 * A reading's provenance: the downloadable datum (reading, device key and its registration,
 * gateway batch, ledger entry and receipts, the log's keys) and the trail around it (when it
 * was observed, received, integrated and cosigned). The viewer must be allowed to read the
 * reading's dataset; unknown leaves are 404, leaves that are not readings 400.
 */
export async function getReadingTrail(opts: { viewer: Viewer; leafIndex: number }) {
  const { sql } = await getDb();
  const rows = await sql.query<{
    id: number; dataset_id: string; device_id: string; seq: number; observed_at: Date; received_at: Date;
    lon: number; lat: number; payload: Record<string, number | string | boolean>; signature: Uint8Array;
    gateway_batch_id: number | null; entry: Uint8Array; kind: string;
  }>(
    `SELECT r.id, r.dataset_id, r.device_id, r.seq, r.observed_at, r.received_at, r.lon, r.lat, r.payload, r.signature,
            r.gateway_batch_id, l.entry, l.kind
       FROM ledger_leaf l LEFT JOIN reading r ON r.leaf_index = l.leaf_index WHERE l.leaf_index = $1`,
    [opts.leafIndex],
  );
  if (!rows.length) throw notFound("ledger leaf", opts.leafIndex);
  const r = rows[0];
  if (r.kind !== "reading.v1" || r.id == null) throw new AppError("validation", `leaf ${opts.leafIndex} is a ${r.kind} entry, not a reading`);
  const access = await checkRead(sql, opts.viewer, r.dataset_id);
  const info = getLogInfo();

  const [device] = await sql.query<{ id: string; department_id: string; kind: string; public_key: Uint8Array | null; status: string; status_reason: string | null }>(
    `SELECT id, department_id, kind, public_key, status, status_reason FROM device WHERE id = $1`,
    [r.device_id],
  );
  if (!device) throw new AppError("internal", `reading ${r.id} names unknown device ${r.device_id}`);
  // The key that signed: the latest registration or rotation sequenced before the reading.
  const [reg] = await sql.query<{ leaf_index: number; entry: Uint8Array }>(
    `SELECT leaf_index, entry FROM ledger_leaf WHERE kind = 'device.v1' AND ref_id = $1 AND leaf_index < $2
        AND convert_from(entry, 'UTF8')::jsonb->>'action' IN ('register', 'rotate')
      ORDER BY leaf_index DESC LIMIT 1`,
    [r.device_id, opts.leafIndex],
  );
  if (!reg) throw new AppError("internal", `device ${r.device_id} has no key registration before leaf ${opts.leafIndex}`);
  const regEntry = JSON.parse(text(reg.entry)) as { publicKey: string; at: string };

  const final = await latestFinalCheckpoint(sql, info.quorum, opts.leafIndex);
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
  if (r.gateway_batch_id != null) {
    const [g] = await sql.query<{ gateway_device_id: string; batch_root: Uint8Array; signature: Uint8Array; public_key: Uint8Array }>(
      // The gateway's key when the reading was sequenced (device_key keeps rotated-out keys).
      `SELECT g.gateway_device_id, g.batch_root, g.signature,
              COALESCE((SELECT k.public_key FROM device_key k WHERE k.device_id = g.gateway_device_id AND k.valid_from_leaf < $2
                           AND (k.valid_until_leaf IS NULL OR k.valid_until_leaf > $2) ORDER BY k.valid_from_leaf DESC LIMIT 1), d.public_key) AS public_key
         FROM gateway_batch g JOIN device d ON d.id = g.gateway_device_id WHERE g.id = $1`,
      [r.gateway_batch_id, opts.leafIndex],
    );
    const batch = await sql.query<{ leaf_index: number; payload_hash: Uint8Array }>(
      `SELECT leaf_index, payload_hash FROM reading WHERE gateway_batch_id = $1 ORDER BY leaf_index`,
      [r.gateway_batch_id],
    );
    const index = batch.findIndex((b) => Number(b.leaf_index) === opts.leafIndex);
    gateway = {
      device: g.gateway_device_id,
      publicKey: b64(g.public_key),
      batchRoot: toHex(new Uint8Array(g.batch_root)),
      signature: b64(g.signature),
      index,
      payloadHashes: batch.map((b) => toHex(new Uint8Array(b.payload_hash))),
    };
  }

  const envelope = {
    device: r.device_id,
    dataset: r.dataset_id,
    seq: Number(r.seq),
    observedAt: new Date(r.observed_at).toISOString(),
    location: [r.lon, r.lat] as [number, number],
    values: r.payload,
  };
  const datum: Datum | null = final
    ? {
        format: DATUM_FORMAT,
        reading: { envelope, signature: b64(r.signature) },
        device: {
          id: device.id,
          department: device.department_id,
          publicKey: regEntry.publicKey,
          registration: { leafIndex: Number(reg.leaf_index), entry: text(reg.entry), receipt: await receiptFor(sql, Number(reg.leaf_index), final) },
        },
        ...(gateway ? { gateway } : {}),
        ledger: { leafIndex: opts.leafIndex, entry: text(r.entry), receipt: await receiptFor(sql, opts.leafIndex, final) },
        log: { origin: info.origin, logVerifierKey: info.logVerifierKey, witnessVerifierKeys: info.witnesses.map((w) => w.verifierKey) },
      }
    : null;

  const currentKey = device.public_key ? b64(device.public_key) : null;
  return {
    leafIndex: opts.leafIndex,
    readingId: Number(r.id),
    access,
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
      receivedAt: new Date(r.received_at).toISOString(),
      integratedAt: firstCp ? new Date(firstCp.created_at).toISOString() : null,
      quorumAt: quorumAt?.at ? new Date(quorumAt.at).toISOString() : null,
      firstCheckpointSize: firstCp ? Number(firstCp.size) : null,
    },
    checkpoint: final ? { size: final.size, note: final.note } : null,
    readers: await listReaders(sql, r.dataset_id, new Date(r.observed_at)),
    /** null until a quorum-cosigned checkpoint holds the reading (seconds after ingest). */
    datum,
  };
}
