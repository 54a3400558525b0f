// Open311 GeoReport v2 over the citizen reports: services, service definitions, requests
// (list with the spec's filters, create), one request, tokens. Each function returns the
// records; open311-http.ts encodes them as JSON or XML and maps errors to the spec's body.
import { z } from "zod";
import { getDb } from "../db/client";
import { AppError, notFound } from "../errors";
import { MAX_PHOTOS } from "./report-input";
import { CLOSED_SQL, CLOSED_STATUSES, publicReports, type PublicReport } from "./report-rows";
import { SERVICES, serviceByCode, type Service } from "./service-catalogue";
import { submitReport } from "./submit-report";
import type { ReportLimiter } from "./report-limiter";
import type { XmlValue } from "./open311-format";

type Lang = "en" | "zh-CN";
const name = (s: Service, lang: Lang) => (lang === "zh-CN" ? s.nameZh : s.nameEn);

export function listServices(lang: Lang): Record<string, XmlValue>[] {
  return SERVICES.map((s) => ({
    service_code: s.code,
    service_name: name(s, lang),
    description: lang === "zh-CN" ? s.descriptionZh : s.descriptionEn,
    metadata: s.attributes.length > 0,
    type: "realtime",
    keywords: s.keywords.join(", "),
    group: s.group,
  }));
}

export function serviceDefinition(code: string, lang: Lang): Record<string, XmlValue> {
  const s = serviceByCode(code);
  if (!s) throw notFound("service_code", code);
  return {
    service_code: s.code,
    attributes: s.attributes.map((a, i) => ({
      variable: true,
      code: a.code,
      datatype: a.datatype,
      required: a.required,
      datatype_description: null,
      order: i + 1,
      description: lang === "zh-CN" ? a.descriptionZh : a.descriptionEn,
      ...(a.values ? { values: a.values.map((v) => ({ key: v.key, name: lang === "zh-CN" ? v.nameZh : v.nameEn })) } : {}),
    })),
  };
}

/** Open311's two statuses: a report is open until the department rejects, resolves or merges it. */
export const open311Status = (status: string) => (CLOSED_STATUSES.includes(status) ? "closed" : "open");

function toRequest(r: PublicReport, lang: Lang): Record<string, XmlValue> {
  const last = r.events[r.events.length - 1];
  return {
    service_request_id: r.id,
    status: open311Status(r.status),
    status_notes: last && last.action !== "submit" ? last.note ?? r.status : null,
    service_name: lang === "zh-CN" ? r.serviceNameZh : r.serviceNameEn,
    service_code: r.serviceCode,
    description: r.description,
    agency_responsible: r.department,
    service_notice: null,
    requested_datetime: r.createdAt,
    updated_datetime: r.updatedAt,
    expected_datetime: null,
    address: null,
    address_id: null,
    zipcode: null,
    lat: r.location[1],
    long: r.location[0],
    media_url: null,
  };
}

const list = (what: string) =>
  z
    .string()
    .max(4096)
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .refine((a) => a.length > 0 && a.length <= 100, `${what}: give 1 to 100 comma-separated values`);

export const RequestsQuery = z.object({
  service_request_id: list("service_request_id").optional(),
  service_code: list("service_code").optional(),
  start_date: z.iso.datetime({ offset: true }).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
  status: list("status").refine((a) => a.every((s) => s === "open" || s === "closed"), "must be open, closed or both").optional(),
  jurisdiction_id: z.string().max(256).optional(),
  locale: z.enum(["en", "zh-CN"]).optional(),
});

const DAY = 86_400_000;

/**
 * GET requests: by service_request_id (the other filters then ignored, as the spec says), or
 * by service_code, status and a date window (default: the last 90 days; at most 90 days; at
 * most 1000 requests, newest first). Locations are coarsened, contact details never included.
 */
export async function listRequests(query: Record<string, string>, now = new Date()): Promise<Record<string, XmlValue>[]> {
  const q = RequestsQuery.parse(query);
  const lang = q.locale ?? "en";
  const { sql } = await getDb();
  if (q.service_request_id) return (await publicReports(sql, "id = ANY($1::text[])", [q.service_request_id])).map((r) => toRequest(r, lang));
  const end = q.end_date ? new Date(q.end_date) : now;
  const start = q.start_date ? new Date(q.start_date) : new Date(end.getTime() - 90 * DAY);
  if (start > end) throw new AppError("validation", "start_date: must not be after end_date");
  if (end.getTime() - start.getTime() > 90 * DAY) throw new AppError("validation", "start_date: the window from start_date to end_date is at most 90 days");
  const where = ["created_at >= $1", "created_at <= $2"];
  const params: unknown[] = [start, end];
  if (q.service_code) {
    const unknown = q.service_code.find((c) => !serviceByCode(c));
    if (unknown) throw new AppError("validation", `service_code: ${unknown} is not a service of this city`);
    params.push(q.service_code);
    where.push(`service_code = ANY($${params.length}::text[])`);
  }
  if (q.status && q.status.length === 1) where.push(q.status[0] === "closed" ? `status IN (${CLOSED_SQL})` : `status NOT IN (${CLOSED_SQL})`);
  return (await publicReports(sql, where.join(" AND "), params, "ORDER BY created_at DESC LIMIT 1000")).map((r) => toRequest(r, lang));
}

export async function getRequest(id: string, lang: Lang): Promise<Record<string, XmlValue>[]> {
  const { sql } = await getDb();
  const [r] = await publicReports(sql, "id = $1", [id]);
  if (!r) throw notFound("service_request_id", id);
  return [toRequest(r, lang)];
}

export async function getToken(token: string): Promise<Record<string, XmlValue>[]> {
  const { sql } = await getDb();
  const [r] = await sql.query<{ id: string }>(`SELECT id FROM citizen_report WHERE token = $1`, [token]);
  if (!r) throw notFound("token", token);
  return [{ service_request_id: r.id, token }];
}

const num = (field: string, v: FormDataEntryValue | null) => {
  if (v === null || v === "") throw new AppError("validation", `${field}: is required (this city locates reports by lat and long)`);
  const n = typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new AppError("validation", `${field}: must be a decimal number`);
  return n;
};
const str = (v: FormDataEntryValue | null) => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * POST requests: a GeoReport v2 form (urlencoded or multipart). Besides the spec's fields it
 * takes photos as `media` file parts, `keep_location`, and the report page's proof of
 * authorship: `reporter_key`, `signature`, `signed_at` (report-content.ts). `media_url` is
 * refused: the console fetches nothing from the network. `api_key` is not required.
 */
export async function createRequest(opts: { form: FormData; clientAddress: string; limiter?: ReportLimiter; now?: Date }) {
  const f = opts.form;
  if (str(f.get("media_url"))) throw new AppError("validation", "media_url: not accepted (the console fetches nothing from the network); attach photos as media parts");
  if (!str(f.get("service_code"))) throw new AppError("validation", "service_code: is required");
  if (!str(f.get("description"))) throw new AppError("validation", "description: is required");
  const attributes: Record<string, string> = {};
  for (const [k, v] of f.entries()) {
    const m = /^attribute\[(.+)\]$/.exec(k);
    if (m && typeof v === "string") attributes[m[1]] = v;
  }
  const media = f.getAll("media").filter((v): v is File => typeof v !== "string");
  if (media.length > MAX_PHOTOS) throw new AppError("validation", `media: at most ${MAX_PHOTOS} photos, got ${media.length}`);
  const photos = await Promise.all(media.map(async (m) => new Uint8Array(await m.arrayBuffer())));
  const keep = str(f.get("keep_location"));
  const fields = {
    service_code: str(f.get("service_code")),
    description: str(f.get("description")),
    lat: num("lat", f.get("lat")),
    long: num("long", f.get("long")),
    address_string: str(f.get("address_string")),
    attributes,
    keep_location: keep === "true" || keep === "1",
    email: str(f.get("email")),
    phone: str(f.get("phone")),
    first_name: str(f.get("first_name")),
    last_name: str(f.get("last_name")),
    reporter_key: str(f.get("reporter_key")),
    signature: str(f.get("signature")),
    signed_at: str(f.get("signed_at")),
  };
  const r = await submitReport({ fields, photos, clientAddress: opts.clientAddress, limiter: opts.limiter, now: opts.now });
  return {
    records: [{ service_request_id: r.id, token: r.token, service_notice: null, account_id: null }] as Record<string, XmlValue>[],
    report: r,
  };
}

export function discovery(base: string): Record<string, XmlValue> {
  return {
    changeset: "2026-12-05T00:00:00Z",
    contact: "12345 Citizen Service Centre",
    key_service: "No API key is needed.",
    endpoints: [{ specification: "http://wiki.open311.org/GeoReport_v2", url: `${base}/open311/v2`, changeset: "2026-12-05T00:00:00Z", type: "production", formats: ["application/json", "text/xml"] }],
  };
}
