import { randomBytes, randomUUID } from "node:crypto";
import { getDb } from "../db/client";
import { loadConfig } from "../config";
import type { Sql } from "../db/sql";
import { AppError } from "../errors";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { fromBase64 } from "../ledger/encoding";
import { appendEntries } from "../ledger-store/append-entries";
import { cityBounds } from "../city/bounds";
import { getCity } from "../city/current-city";
import { PhotoFormatError, sniffPhoto, stripLocation } from "./photo-metadata";
import { MAX_PHOTO_BYTES, MAX_PHOTOS, NewReportFields } from "./report-input";
import { ReportLimiter } from "./report-limiter";
import { reportEntry } from "./report-entry";
import { locationCell, reportContentBytes, reporterIdOf, sha256Hex, UNSIGNED_REPORTER, type ReportContent } from "./report-content";
import { serviceByCode } from "./service-catalogue";

/** The process's limiter, from REPORT_LIMIT_PER_KEY, REPORT_LIMIT_PER_ADDRESS and REPORT_LIMIT_WINDOW_MINUTES (10 and 30 an hour by default). */
const LIMITER_KEY = Symbol.for("city-brain.report-limiter");
function defaultLimiter(): ReportLimiter {
  const g = globalThis as { [LIMITER_KEY]?: ReportLimiter };
  if (g[LIMITER_KEY]) return g[LIMITER_KEY];
  const c = loadConfig();
  return (g[LIMITER_KEY] = new ReportLimiter({ perKey: c.REPORT_LIMIT_PER_KEY, perAddress: c.REPORT_LIMIT_PER_ADDRESS, windowMs: c.REPORT_LIMIT_WINDOW_MINUTES * 60_000 }));
}

/** How far a signed report's signed_at may lie from the server's clock. */
const SIGNED_AT_SKEW_MS = 15 * 60_000;

export type SubmittedReport = { id: string; token: string; leafIndex: number; reporter: string; contentHash: string; photos: string[]; department: string; duplicate: boolean };

/**
 * Files a citizen report: checks its fields (400 naming the field), the service code against
 * the catalogue, the location against the city, the photos (JPEG or PNG, at most 3 of 5 MiB;
 * location metadata stripped unless `keep_location`) and, when a reporter key is given, the
 * reporter's Ed25519 signature over the content (report-content.ts). Then, in one
 * transaction, stores the photos by SHA-256, the report, its contact details (kept apart,
 * for the owning department) and its "submit" event, and appends its report.v1 entry, which
 * commits to hashes only. The same signed content sent again returns the first report.
 */
export async function submitReport(opts: {
  fields: unknown;
  photos?: Uint8Array[];
  clientAddress: string;
  limiter?: ReportLimiter;
  sql?: Sql;
  now?: Date;
}): Promise<SubmittedReport> {
  const f = NewReportFields.parse(opts.fields);
  const service = serviceByCode(f.service_code);
  if (!service) throw new AppError("validation", `service_code: ${f.service_code} is not a service of this city (see services.json)`);
  const [w, s, e, n] = cityBounds(getCity());
  if (f.long < w - 0.1 || f.long > e + 0.1 || f.lat < s - 0.1 || f.lat > n + 0.1)
    throw new AppError("validation", `lat/long: ${f.lat},${f.long} lies outside the city (${s}..${n} N, ${w}..${e} E)`);
  for (const a of service.attributes) if (a.required && !f.attributes[a.code]) throw new AppError("validation", `attribute[${a.code}]: is required for ${service.code}`);
  for (const [k, v] of Object.entries(f.attributes)) {
    const a = service.attributes.find((x) => x.code === k);
    if (!a) throw new AppError("validation", `attribute[${k}]: ${service.code} has no such attribute`);
    if (a.values && !a.values.some((x) => x.key === v)) throw new AppError("validation", `attribute[${k}]: must be one of ${a.values.map((x) => x.key).join(", ")}`);
  }

  const photos = opts.photos ?? [];
  if (photos.length > MAX_PHOTOS) throw new AppError("validation", `media: at most ${MAX_PHOTOS} photos, got ${photos.length}`);
  const stored: { sha256: string; mime: string; bytes: Uint8Array }[] = [];
  photos.forEach((p, i) => {
    if (p.length > MAX_PHOTO_BYTES) throw new AppError("payload_too_large", `media[${i}]: ${p.length} bytes, at most ${MAX_PHOTO_BYTES}`);
    const mime = sniffPhoto(p);
    if (!mime) throw new AppError("validation", `media[${i}]: not a JPEG or PNG photo`);
    let bytes: Uint8Array;
    try {
      bytes = f.keep_location ? p : stripLocation(p);
    } catch (err) {
      throw new AppError("validation", `media[${i}]: ${err instanceof PhotoFormatError ? err.message : "unreadable photo"}`);
    }
    stored.push({ sha256: sha256Hex(bytes), mime, bytes });
  });

  const now = opts.now ?? new Date();
  let reporter = UNSIGNED_REPORTER;
  let key: Uint8Array | null = null;
  let signature: Uint8Array | null = null;
  const signedAt = f.reporter_key ? f.signed_at : now.toISOString();
  if (f.reporter_key) {
    if (!f.signature) throw new AppError("validation", "signature: is required with reporter_key");
    if (!f.signed_at) throw new AppError("validation", "signed_at: is required with reporter_key");
    if (Math.abs(Date.parse(f.signed_at) - now.getTime()) > SIGNED_AT_SKEW_MS) throw new AppError("validation", `signed_at: ${f.signed_at} is more than 15 minutes from the server's clock`);
    try {
      key = fromBase64(f.reporter_key);
      signature = fromBase64(f.signature);
    } catch {
      throw new AppError("validation", "reporter_key/signature: must be base64");
    }
    if (key.length !== 32) throw new AppError("validation", `reporter_key: must be a 32-byte Ed25519 public key, got ${key.length} bytes`);
    if (signature.length !== 64) throw new AppError("validation", `signature: must be a 64-byte Ed25519 signature, got ${signature.length} bytes`);
    reporter = reporterIdOf(key);
  }
  const content: ReportContent = {
    kind: "city-brain-report.v1",
    serviceCode: service.code,
    description: f.description,
    lon: f.long,
    lat: f.lat,
    ...(f.address_string ? { address: f.address_string } : {}),
    attributes: f.attributes,
    photos: stored.map((p) => p.sha256),
    ...(f.reporter_key ? { reporterKey: f.reporter_key } : {}),
    signedAt: signedAt!,
  };
  const bytes = reportContentBytes(content);
  if (key && signature) {
    let ok = false;
    try {
      ok = await (await webCryptoEd25519().importPublicKey(key))(bytes, signature);
    } catch {
      throw new AppError("validation", "reporter_key: not a valid Ed25519 public key");
    }
    if (!ok) throw new AppError("validation", "signature: does not verify over the report's content with reporter_key");
  }
  const contentHash = sha256Hex(bytes);
  const sql = opts.sql ?? (await getDb()).sql;

  if (key) {
    const [again] = await sql.query<{ id: string; token: string; leaf_index: string; department_id: string }>(
      `SELECT id, token, leaf_index::text, department_id FROM citizen_report WHERE content_hash = $1 AND reporter = $2`,
      [contentHash, reporter],
    );
    if (again) return { id: again.id, token: again.token, leafIndex: Number(again.leaf_index), reporter, contentHash, photos: content.photos, department: again.department_id, duplicate: true };
  }
  const limiter = opts.limiter ?? defaultLimiter();
  const wait = limiter.retryAfter(key ? reporter : null, opts.clientAddress);
  if (wait > 0) throw new AppError("rate_limited", `too many reports from this ${key ? "key or " : ""}address; retry in ${wait} s`, `too many reports; retry in ${wait} s`, { retryAfter: wait });
  limiter.record(key ? reporter : null, opts.clientAddress);

  const id = randomUUID();
  const token = randomBytes(16).toString("hex");
  const leafIndex = await sql.transaction(async (tx) => {
    const leaf = await appendEntries(tx, [
      reportEntry({ report: id, serviceCode: service.code, department: service.department, cell: locationCell(f.long, f.lat), description: f.description, photos: content.photos, contentHash, reporter, action: "submit", status: "submitted", at: now }),
    ]);
    for (const p of stored) {
      await tx.query(`INSERT INTO citizen_photo (sha256, mime, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`, [p.sha256, p.mime, Buffer.from(p.bytes)]);
    }
    await tx.query(
      `INSERT INTO citizen_report (id, service_code, department_id, status, description, lon, lat, location_cell, address, attributes, photo_hashes,
         reporter, reporter_key, signature, signed_at, content_hash, token, leaf_index, created_at, updated_at)
       VALUES ($1, $2, $3, 'submitted', $4, $5, $6, $7, $8, $9::jsonb, $10::text[], $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
      [id, service.code, service.department, f.description, f.long, f.lat, locationCell(f.long, f.lat), f.address_string ?? null, JSON.stringify(f.attributes), content.photos,
        reporter, key ? Buffer.from(key) : null, signature ? Buffer.from(signature) : null, signedAt, contentHash, token, leaf, now],
    );
    if (f.email || f.phone || f.first_name || f.last_name) {
      const name = [f.first_name, f.last_name].filter(Boolean).join(" ") || null;
      await tx.query(`INSERT INTO citizen_report_contact (report_id, name, email, phone) VALUES ($1, $2, $3, $4)`, [id, name, f.email ?? null, f.phone ?? null]);
    }
    await tx.query(
      `INSERT INTO citizen_report_event (id, report_id, action, status, by_id, role, department_id, note, at, leaf_index) VALUES ($1, $2, 'submit', 'submitted', $3, 'reporter', $4, NULL, $5, $6)`,
      [randomUUID(), id, reporter, service.department, now, leaf],
    );
    return leaf;
  });
  return { id, token, leafIndex, reporter, contentHash, photos: content.photos, department: service.department, duplicate: false };
}
