import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { decodeEntry } from "../ledger/entries";
import { toBase64 } from "../ledger/encoding";
import { authorshipStatement, myReportsStatement, reportContentBytes, reporterIdOf, sha256Hex, textHash, type ReportContent } from "./report-content";
import { hasExifGps, stripLocation } from "./photo-metadata";
import { handleOpen311 } from "./handle-open311";
import { createRequest, listRequests } from "./open311";
import { changeReportStatus } from "./change-report-status";
import { listMyReports } from "./list-my-reports";
import { proveAuthorship } from "./prove-authorship";
import { getReport } from "./get-report";
import { ReportLimiter } from "./report-limiter";
import { listTriageQueue } from "./list-triage-queue";
import { offsetM } from "../grants/area";
import { scopedReportKpis } from "../access/scoped/citizen-reports";
import type { ReadBasis } from "../access/check-read";
import { getMapKpis } from "../map/get-map-kpis";
import { seedCity } from "../server/seed";
import { getCity } from "../city/current-city";
import { getLeaderboard } from "./get-leaderboard";
import { getLayerLatest } from "../map/get-layer-latest";
import { getLayerFrames } from "../map/get-layer-frames";
import { openLiveStream } from "../map/open-live-stream";
import { getBus } from "../events/bus";
import { coarsen } from "./report-content";
import { PNG } from "pngjs";
import { auditCitizen, auditKeyFlags } from "../ledger-store/audit-citizen";
import { appealReporterKey, markReporterKey } from "./key-flags";
import { appealStatement } from "./report-content";
import type { Discrepancy } from "../ledger-store/audit-state";

const targets = await testTargets();
const photo = new Uint8Array(readFileSync(path.join(__dirname, "fixtures/gps-photo.jpg")));
const traffic: Viewer = { kind: "user", userId: "u-traffic", departmentId: "traffic", role: "official" };
const energy: Viewer = { kind: "user", userId: "u-energy", departmentId: "energy", role: "official" };
const CONTACT = { email: "li.wei@example.cn", phone: "+86 535 1234567", first_name: "Wei", last_name: "Li" };
const LON = 121.447123, LAT = 37.463456;

async function reporter(n: number) {
  const k = await webCryptoEd25519().importSeed(new Uint8Array(32).fill(n));
  return { ...k, b64: toBase64(k.publicKey), id: reporterIdOf(k.publicKey) };
}

/** The Open311 form the report page sends: content signed by the reporter's key, photo attached. */
async function signedForm(r: Awaited<ReturnType<typeof reporter>>, o: { service: string; description: string; photo?: Uint8Array; contact?: boolean; tamper?: boolean; at?: { lon: number; lat: number } }) {
  const photos = o.photo ? [sha256Hex(stripLocation(o.photo))] : [];
  const signedAt = new Date().toISOString();
  const { lon, lat } = o.at ?? { lon: LON, lat: LAT };
  const content: ReportContent = { kind: "city-brain-report.v1", serviceCode: o.service, description: o.description, lon, lat, attributes: {}, photos, reporterKey: r.b64, signedAt };
  const sig = await r.sign(reportContentBytes(content));
  const f = new FormData();
  f.set("service_code", o.service);
  f.set("description", o.tamper ? o.description + "!" : o.description);
  f.set("lat", String(lat));
  f.set("long", String(lon));
  f.set("reporter_key", r.b64);
  f.set("signature", toBase64(sig));
  f.set("signed_at", signedAt);
  if (o.photo) f.append("media", new File([Buffer.from(o.photo)], "p.jpg", { type: "image/jpeg" }));
  if (o.contact) for (const [k, v] of Object.entries(CONTACT)) f.set(k, v);
  return { form: f, content, sig };
}

/** Reads a live stream's text as it comes; `waitFor` resolves true once it holds `needle`, false after `ms`. */
function streamText(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  let text = "";
  const waitFor = async (needle: string, ms: number) => {
    const end = Date.now() + ms;
    while (!text.includes(needle)) {
      const left = end - Date.now();
      if (left <= 0) return false;
      const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), left))]);
      if (r && !r.done) text += new TextDecoder().decode(r.value);
    }
    return true;
  };
  return { reader, waitFor, text: () => text };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("citizen reports on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  const limiter = () => new ReportLimiter({ perKey: 100, perAddress: 100, windowMs: 60_000 });

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    // Departments and datasets as the console seeds them (the map's reads check access against them).
    await seedCity(db, getCity());
  });
  afterAll(async () => {
    await db?.drop();
  });

  const leafText = async (i: number) => (await db.sql.query<{ t: string }>(`SELECT convert_from(entry, 'UTF8') AS t FROM ledger_leaf WHERE leaf_index = $1`, [i]))[0].t;

  it("files a signed report with a photo and contact details; the ledger entry commits to hashes and holds no contact, text or exact point", async () => {
    const r = await reporter(7);
    const { form, content } = await signedForm(r, { service: "pothole", description: "Deep pothole outside No. 12", photo, contact: true });
    const { report } = await createRequest({ form, clientAddress: "10.1.1.1", limiter: limiter() });
    expect(report).toMatchObject({ reporter: r.id, department: "traffic", duplicate: false });
    expect(report.contentHash).toBe(sha256Hex(reportContentBytes(content)));

    const [stored] = await db.sql.query<{ sha256: string; bytes: Uint8Array }>(`SELECT sha256, bytes FROM citizen_photo`);
    expect(hasExifGps(photo)).toBe(true);
    expect(hasExifGps(new Uint8Array(stored.bytes))).toBe(false);
    expect(stored.sha256).toBe(sha256Hex(new Uint8Array(stored.bytes)));

    const text = await leafText(report.leafIndex);
    const entry = decodeEntry(new TextEncoder().encode(text));
    expect(entry).toEqual({
      kind: "report.v1", report: report.id, serviceCode: "pothole", locationCell: "37.463,121.447", descriptionHash: textHash("Deep pothole outside No. 12"),
      mediaHashes: [stored.sha256], contentHash: report.contentHash, reporter: r.id, department: "traffic", action: "submit", status: "submitted", at: expect.any(String),
    });
    for (const secret of [...Object.values(CONTACT), "pothole outside", String(LAT), String(LON)]) expect(text).not.toContain(secret);
    const [contact] = await db.sql.query(`SELECT name, email, phone FROM citizen_report_contact WHERE report_id = $1`, [report.id]);
    expect(contact).toEqual({ name: "Wei Li", email: CONTACT.email, phone: CONTACT.phone });

    // The same signed content again is the same report, not a second one.
    const again = await createRequest({ form: (await signedForm(r, { service: "pothole", description: "x" })).form, clientAddress: "10.1.1.1", limiter: limiter() });
    expect(again.report.id).not.toBe(report.id);
    const replay = await createRequest({ form, clientAddress: "10.1.1.1", limiter: limiter() });
    expect(replay.report).toMatchObject({ id: report.id, duplicate: true });
  });

  it("refuses a tampered report, a bad photo and a report outside the city, naming the field; and rate-limits per key", async () => {
    const r = await reporter(8);
    await expect(createRequest({ form: (await signedForm(r, { service: "noise", description: "loud", tamper: true })).form, clientAddress: "10.2.2.2", limiter: limiter() })).rejects.toThrow(/^signature: does not verify/);
    const bad = (await signedForm(r, { service: "noise", description: "loud" })).form;
    bad.set("media", new File([Buffer.from("GIF89a not a photo")], "x.gif"));
    await expect(createRequest({ form: bad, clientAddress: "10.2.2.2", limiter: limiter() })).rejects.toThrow(/^media\[0\]: not a JPEG or PNG/);
    const far = (await signedForm(r, { service: "noise", description: "loud" })).form;
    far.set("lat", "31.2");
    await expect(createRequest({ form: far, clientAddress: "10.2.2.2", limiter: limiter() })).rejects.toThrow(/^lat\/long: .* outside the city/);
    const tight = new ReportLimiter({ perKey: 1, perAddress: 10, windowMs: 60_000 });
    await createRequest({ form: (await signedForm(r, { service: "noise", description: "one" })).form, clientAddress: "10.2.2.3", limiter: tight });
    await expect(createRequest({ form: (await signedForm(r, { service: "noise", description: "two" })).form, clientAddress: "10.2.2.4", limiter: tight })).rejects.toMatchObject({ code: "rate_limited" });
    const body = new URLSearchParams({ service_code: "pothole", description: "d", lat: "north", long: "121.4" }).toString();
    const huge = await handleOpen311(new Request("http://x/open311/v2/requests.json", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(50 * 1024 * 1024) }, body }), ["requests.json"]);
    expect([huge.status, (await huge.json())[0].description]).toEqual([413, expect.stringMatching(/^request body: 52428800 bytes, at most/)]);
    const res = await handleOpen311(new Request("http://x/open311/v2/requests.xml", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) }, body }), ["requests.xml"]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<errors><error><code>400</code><description>lat: must be a decimal number</description></error></errors>");
  });

  it("lists requests with the spec's filters, coarsened and without contact details, in JSON and XML", async () => {
    const r = await reporter(9);
    const { report } = await createRequest({ form: (await signedForm(r, { service: "flooding", description: "Water up to the knee", contact: true })).form, clientAddress: "10.3.3.3", limiter: limiter() });
    const floods = await listRequests({ service_code: "flooding" });
    expect(floods.map((x) => x.service_request_id)).toEqual([report.id]);
    expect(floods[0]).toMatchObject({ status: "open", service_code: "flooding", agency_responsible: "emergency", lat: 37.463, long: 121.447 });
    expect(await listRequests({ service_code: "flooding", status: "closed" })).toEqual([]);
    expect((await listRequests({ service_request_id: `${report.id},nope` })).length).toBe(1);
    expect(await listRequests({ end_date: "2020-01-01T00:00:00Z" })).toEqual([]);
    await expect(listRequests({ service_code: "ufo" })).rejects.toThrow(/service_code: ufo/);

    for (const file of ["requests.json", "requests.xml"]) {
      const res = await handleOpen311(new Request(`http://x/open311/v2/${file}?service_code=flooding`), [file]);
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(body).toContain(report.id);
      for (const secret of [...Object.values(CONTACT), String(LAT), String(LON)]) expect(body).not.toContain(secret);
    }
    const xml = await (await handleOpen311(new Request(`http://x/open311/v2/requests/${report.id}.xml`), ["requests", `${report.id}.xml`])).text();
    expect(xml).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="utf-8"\\?>\\n<service_requests><request><service_request_id>${report.id}</service_request_id><status>open</status><status_notes/>`));
    const token = await (await handleOpen311(new Request(`http://x/open311/v2/tokens/${report.token}.json`), ["tokens", `${report.token}.json`])).json();
    expect(token).toEqual([{ service_request_id: report.id, token: report.token }]);
    const missing = await handleOpen311(new Request(`http://x/open311/v2/requests/nope.json`), ["requests", "nope.json"]);
    expect([missing.status, await missing.json()]).toEqual([404, [{ code: 404, description: "service_request_id nope not found" }]]);
  });

  it("ledgers each status change, shows the history to the reporter's key, and lets only the owner department change it", async () => {
    const r = await reporter(10);
    const { report } = await createRequest({ form: (await signedForm(r, { service: "illegal_parking", description: "Van on the zebra crossing", contact: true })).form, clientAddress: "10.4.4.4", limiter: limiter() });
    await expect(changeReportStatus({ viewer: energy, id: report.id, action: "confirm" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(changeReportStatus({ viewer: traffic, id: report.id, action: "reject" })).rejects.toThrow(/note: a reject needs a reason/);
    const assigned = await changeReportStatus({ viewer: traffic, id: report.id, action: "assign" });
    const rejected = await changeReportStatus({ viewer: traffic, id: report.id, action: "reject", note: "Duplicate of an earlier report" });
    await expect(changeReportStatus({ viewer: traffic, id: report.id, action: "resolve", note: "x" })).rejects.toMatchObject({ code: "conflict" });
    const entry = decodeEntry(new TextEncoder().encode(await leafText(rejected.leafIndex)));
    expect(entry).toMatchObject({ kind: "report.v1", report: report.id, action: "reject", status: "rejected", by: "u-traffic", role: "official", noteHash: textHash("Duplicate of an earlier report"), contentHash: report.contentHash });
    expect(assigned.leafIndex).toBeLessThan(rejected.leafIndex);
    const leaves = await db.sql.query<{ t: string }>(`SELECT convert_from(entry, 'UTF8') AS t FROM ledger_leaf WHERE ref_table = 'citizen_report' AND ref_id = $1 ORDER BY leaf_index`, [report.id]);
    expect(leaves.map((l) => JSON.parse(l.t).action)).toEqual(["submit", "assign", "reject"]);
    for (const l of leaves) for (const secret of Object.values(CONTACT)) expect(l.t).not.toContain(secret);

    const at = new Date().toISOString();
    const mine = await listMyReports({ reporterKey: r.b64, at, signature: toBase64(await r.sign(myReportsStatement(r.b64, at))) });
    expect(mine.reports.map((x) => [x.id, x.status, x.events.map((e) => [e.action, e.role, e.department, e.note])])).toEqual([
      [report.id, "rejected", [["submit", "reporter", "traffic", null], ["assign", "official", "traffic", null], ["reject", "official", "traffic", "Duplicate of an earlier report"]]],
    ]);
    const other = await reporter(11);
    await expect(listMyReports({ reporterKey: r.b64, at, signature: toBase64(await other.sign(myReportsStatement(r.b64, at))) })).rejects.toMatchObject({ code: "forbidden" });
    const pub = await getReport({ id: report.id });
    expect(JSON.stringify(pub)).not.toMatch(/li\.wei|1234567|Wei Li|37\.463456/);
    expect((await listRequests({ service_request_id: report.id }))[0]).toMatchObject({ status: "closed", status_notes: "Duplicate of an earlier report" });

    // The owning department's queue shows the contact details and exact point; another department's is refused.
    const queue = await listTriageQueue({ viewer: traffic, status: "all" });
    expect(queue.find((q) => q.id === report.id)).toMatchObject({ exact: [LON, LAT], contact: { name: "Wei Li", email: CONTACT.email, phone: CONTACT.phone } });
    expect((await listTriageQueue({ viewer: traffic })).some((q) => q.id === report.id)).toBe(false);
    await expect(listTriageQueue({ viewer: energy, department: "traffic" })).rejects.toMatchObject({ code: "forbidden" });
    expect((await listTriageQueue({ viewer: energy })).some((q) => q.id === report.id)).toBe(false);

    const challenge = "follow-up 2026-12-05 #1";
    expect(await proveAuthorship({ id: report.id, challenge, reporterKey: r.b64, signature: toBase64(await r.sign(authorshipStatement(report.id, challenge))) })).toMatchObject({ proven: true });
    expect(await proveAuthorship({ id: report.id, challenge, reporterKey: other.b64, signature: toBase64(await other.sign(authorshipStatement(report.id, challenge))) })).toMatchObject({ proven: false });
  });
  it("suggests duplicates by place, time and category, merges one into the kept report on the ledger, and shows the merge to the public and the reporter", async () => {
    const [a, b, c] = [await reporter(21), await reporter(22), await reporter(23)];
    const file = async (who: typeof a, description: string, east: number, service = "streetlight") =>
      (await createRequest({ form: (await signedForm(who, { service, description, at: offsetM({ lon: LON, lat: LAT }, east, 0) })).form, clientAddress: "10.5.5.5", limiter: limiter() })).report;
    const kept = await file(a, "Lamp out at the corner", 0);
    const dup = await file(b, "Streetlight dark at the corner", 40);
    const far = await file(c, "Lamp out two streets away", 250);
    const outage = await file(c, "No power at the corner", 10, "power_outage");

    const queue = await listTriageQueue({ viewer: energy });
    const of = (id: string) => queue.find((q) => q.id === id)!;
    expect(of(dup.id).duplicates).toEqual([{ id: kept.id, status: "submitted", distanceM: 40, hoursApart: 0 }]);
    expect(of(kept.id).duplicates.map((d) => d.id)).toEqual([dup.id]);
    expect(of(far.id).duplicates).toEqual([]);
    expect(of(outage.id).duplicates).toEqual([]);

    await expect(changeReportStatus({ viewer: energy, id: dup.id, action: "merge" })).rejects.toThrow(/^into: a merge needs the id of the report to keep/);
    await expect(changeReportStatus({ viewer: energy, id: dup.id, action: "merge", into: dup.id })).rejects.toThrow(/^into: report .* cannot be merged into itself/);
    await expect(changeReportStatus({ viewer: energy, id: dup.id, action: "merge", into: "nope" })).rejects.toMatchObject({ code: "not_found" });
    await expect(changeReportStatus({ viewer: traffic, id: dup.id, action: "merge", into: kept.id })).rejects.toMatchObject({ code: "forbidden" });
    await changeReportStatus({ viewer: energy, id: kept.id, action: "confirm" });
    const merged = await changeReportStatus({ viewer: energy, id: dup.id, action: "merge", into: kept.id, note: "Same lamp" });
    expect(merged.status).toBe("merged");
    await expect(changeReportStatus({ viewer: energy, id: far.id, action: "merge", into: dup.id })).rejects.toThrow(/^into: report .* is merged; a report is merged only into an open or confirmed one/);
    await expect(changeReportStatus({ viewer: energy, id: dup.id, action: "confirm" })).rejects.toMatchObject({ code: "conflict" });

    const entry = decodeEntry(new TextEncoder().encode(await leafText(merged.leafIndex)));
    expect(entry).toMatchObject({ kind: "report.v1", report: dup.id, action: "merge", status: "merged", duplicateOf: kept.id, by: "u-energy", noteHash: textHash("Same lamp"), reporter: b.id });

    const pub = await getReport({ id: dup.id });
    expect([pub.status, pub.duplicateOf, pub.events.map((e) => [e.action, e.status, e.note])]).toEqual(["merged", kept.id, [["submit", "submitted", null], ["merge", "merged", "Same lamp"]]]);
    const at = new Date().toISOString();
    const mine = await listMyReports({ reporterKey: b.b64, at, signature: toBase64(await b.sign(myReportsStatement(b.b64, at))) });
    expect(mine.reports.map((x) => [x.id, x.status, x.duplicateOf])).toEqual([[dup.id, "merged", kept.id]]);
    expect((await listRequests({ service_request_id: dup.id }))[0]).toMatchObject({ status: "closed", status_notes: "Same lamp" });
    // The merged report leaves the open queue; the kept one no longer suggests it.
    const after = await listTriageQueue({ viewer: energy });
    expect(after.some((q) => q.id === dup.id)).toBe(false);
    expect(after.find((q) => q.id === kept.id)!.duplicates).toEqual([]);
  });
  it("feeds the KPI strip: open reports and the median time to resolution, through the reports.citizen read basis", async () => {
    const centre: Viewer = { kind: "user", userId: "u-12345", departmentId: "citizen", role: "official" };
    const r = await reporter(31);
    const file = async (d: string) => (await createRequest({ form: (await signedForm(r, { service: "litter", description: d })).form, clientAddress: "10.6.6.6", limiter: limiter() })).report;
    const [a, b, c] = [await file("Bags by the bins"), await file("Sofa dumped"), await file("Overflowing bin")];
    const filed = Date.parse((await getReport({ id: c.id })).createdAt);
    await changeReportStatus({ viewer: centre, id: a.id, action: "confirm" });
    await changeReportStatus({ viewer: centre, id: a.id, action: "resolve", note: "Collected", now: new Date(Date.parse((await getReport({ id: a.id })).createdAt) + 2 * 3_600_000) });
    await changeReportStatus({ viewer: centre, id: b.id, action: "assign" });
    await changeReportStatus({ viewer: centre, id: b.id, action: "resolve", note: "Removed", now: new Date(Date.parse((await getReport({ id: b.id })).createdAt) + 4 * 3_600_000) });
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM citizen_report WHERE status IN ('submitted', 'assigned', 'confirmed')`);
    const raw: ReadBasis = { datasetId: "reports.citizen", ownerDepartmentId: "citizen", basis: "ownership", scope: "raw", fields: null, window: { from: null, until: null }, area: null };
    const later = new Date(filed + 5 * 3_600_000);
    expect(await scopedReportKpis(db.sql, raw, later)).toEqual({ open: n, resolved: 2, medianResolutionH: 3 });
    // Resolutions after `to` do not count yet; a grant's area or window lets through only its reports; aggregates need k.
    expect(await scopedReportKpis(db.sql, raw, new Date(filed + 3 * 3_600_000))).toMatchObject({ resolved: 1, medianResolutionH: 2 });
    expect(await scopedReportKpis(db.sql, { ...raw, basis: "grant", area: { center: [LON + 0.05, LAT], radiusM: 500 } }, later)).toEqual({ open: 0, resolved: 0, medianResolutionH: null });
    expect(await scopedReportKpis(db.sql, { ...raw, basis: "grant", window: { from: new Date(filed + 60_000).toISOString(), until: null } }, later)).toEqual({ open: 0, resolved: 0, medianResolutionH: null });
    expect(await scopedReportKpis(db.sql, { ...raw, basis: "grant", scope: "aggregated" }, later)).toEqual({ open: n, resolved: 2, medianResolutionH: null });

    // The strip (departments and datasets seeded as the console does): the owner (the 12345 centre) sees the count; a department without a grant gets null and a note saying why.
    const mine = await getMapKpis({ viewer: centre, bucket: 300 });
    expect(mine.reports).toMatchObject({ open: n });
    const other = await getMapKpis({ viewer: traffic, bucket: 300 });
    expect(other.reports).toBeNull();
    expect(other.access.find((x) => x.datasetId === "reports.citizen")).toMatchObject({ allowed: false, ownerDepartmentId: "citizen" });
  });
  it("credits confirmed reports (less for duplicates of a confirmed one, nothing for rejected), ledgered as credit.v1, with the balance in My reports and pseudonyms on the leaderboard", async () => {
    const [x, y, z, w] = [await reporter(41), await reporter(42), await reporter(43), await reporter(44)];
    const here = offsetM({ lon: LON, lat: LAT }, 1000, 0);
    const file = async (who: typeof x, description: string) =>
      (await createRequest({ form: (await signedForm(who, { service: "traffic_signal", description, at: here })).form, clientAddress: "10.7.7.7", limiter: limiter() })).report;
    const kept = await file(x, "Signal dark at the junction");
    const early = await file(y, "Traffic light out");
    await changeReportStatus({ viewer: traffic, id: early.id, action: "merge", into: kept.id });
    const credits = async (id: string) => (await db.sql.query<{ reporter: string; amount: number; reason: string; leaf_index: string }>(`SELECT reporter, amount, reason, leaf_index::text FROM citizen_credit WHERE report_id = $1 ORDER BY leaf_index`, [id])).map((c) => [c.reporter, c.amount, c.reason]);
    expect(await credits(early.id)).toEqual([]);
    await changeReportStatus({ viewer: traffic, id: kept.id, action: "confirm" });
    expect(await credits(kept.id)).toEqual([[x.id, 10, "confirmed"]]);
    expect(await credits(early.id)).toEqual([[y.id, 3, "duplicate"]]);
    const late = await file(z, "Lights not working at the crossing");
    await changeReportStatus({ viewer: traffic, id: late.id, action: "merge", into: kept.id });
    expect(await credits(late.id)).toEqual([[z.id, 3, "duplicate"]]);
    const bogus = await file(w, "Signal fine actually");
    await changeReportStatus({ viewer: traffic, id: bogus.id, action: "reject", note: "Working when checked" });
    expect(await credits(bogus.id)).toEqual([]);
    await changeReportStatus({ viewer: traffic, id: kept.id, action: "reject", note: "Signal was switched off for works" });
    expect(await credits(kept.id)).toEqual([[x.id, 10, "confirmed"], [x.id, -10, "revoked"]]);
    // Unsigned Open311 reports earn nothing: no one could claim the points.
    const unsigned = new FormData();
    for (const [k, v] of Object.entries({ service_code: "traffic_signal", description: "Signal flickering", lat: String(LAT), long: String(LON) })) unsigned.set(k, v);
    const { report: anon } = await createRequest({ form: unsigned, clientAddress: "10.7.7.8", limiter: limiter() });
    await changeReportStatus({ viewer: traffic, id: anon.id, action: "confirm" });
    expect(await credits(anon.id)).toEqual([]);

    // Each credit is a credit.v1 leaf naming the key, report, amount and reason, and nothing else.
    const [row] = await db.sql.query<{ leaf_index: string }>(`SELECT leaf_index::text FROM citizen_credit WHERE report_id = $1 AND reason = 'revoked'`, [kept.id]);
    const text = await leafText(Number(row.leaf_index));
    expect(decodeEntry(new TextEncoder().encode(text))).toEqual({ kind: "credit.v1", reporter: x.id, report: kept.id, amount: -10, reason: "revoked", at: expect.any(String) });

    const mine = async (k: typeof x) => {
      const at = new Date().toISOString();
      return (await listMyReports({ reporterKey: k.b64, at, signature: toBase64(await k.sign(myReportsStatement(k.b64, at))) })).credit;
    };
    const xs = await mine(x);
    expect([xs.balance, xs.entries.map((e) => [e.report, e.amount, e.reason])]).toEqual([0, [[kept.id, 10, "confirmed"], [kept.id, -10, "revoked"]]]);
    expect(xs.entries[1].leafIndex).toBe(Number(row.leaf_index));
    expect((await mine(y)).balance).toBe(3);
    expect(await mine(w)).toEqual({ balance: 0, entries: [] });

    const board = (await getLeaderboard()).rows;
    const ours = board.filter((r) => [x.id, y.id, z.id, w.id].includes(r.reporter));
    expect(ours.map((r) => [r.reporter, r.points, r.confirmed, r.duplicates])).toEqual([[y.id, 3, 0, 1], [z.id, 3, 0, 1]]);
    expect(board.every((r) => /^rk-[0-9a-f]{32}$/.test(r.reporter))).toBe(true);
    expect(JSON.stringify(board)).not.toMatch(/Signal|junction|121\.4|37\.4/);
  });
  it("puts confirmed reports of safety categories on the public-safety layer as incidents of source citizen, through the reports.citizen basis", async () => {
    const police: Viewer = { kind: "user", userId: "u-police", departmentId: "safety", role: "official" };
    const emergency: Viewer = { kind: "user", userId: "u-emergency", departmentId: "emergency", role: "official" };
    const r = await reporter(51);
    const at = offsetM({ lon: LON, lat: LAT }, -2000, 500);
    const file = async (service: string, description: string) => (await createRequest({ form: (await signedForm(r, { service, description, at })).form, clientAddress: "10.8.8.8", limiter: limiter() })).report;
    const fire = await file("fire_hazard", "Fire exit chained shut");
    const noise = await file("noise", "Drilling at night");
    const waiting = await file("fire_hazard", "Gas bottles in the stairwell");
    const confirmed = await changeReportStatus({ viewer: emergency, id: fire.id, action: "confirm" });
    await changeReportStatus({ viewer: police, id: noise.id, action: "confirm" });
    const citizenOnes = async () => {
      const l = await getLayerLatest({ viewer: police, layer: "safety" });
      if (l.layer !== "safety") throw new Error("layer");
      const ours = [fire.id, noise.id, waiting.id].map((id) => `citizen-${id}`);
      return { incidents: (l.incidents ?? []).filter((i) => i.source === "citizen" && ours.includes(i.id)), all: (l.incidents ?? []).filter((i) => i.source === "citizen"), note: l.access.find((a) => a.datasetId === "reports.citizen") };
    };
    // The police own the incidents but not the citizen reports: none shown, and the note says why.
    const before = await citizenOnes();
    expect(before.all).toEqual([]);
    expect(before.note).toMatchObject({ allowed: false, ownerDepartmentId: "citizen" });

    const now = Date.now();
    await db.sql.query(
      `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, valid_from, valid_until, status, requested_by)
       VALUES ('g-citizen-police', 'reports.citizen', 'citizen', 'safety', 'raw', '{}', 'citizen incidents on the safety layer', $1, $2, 'active', 'u-test')`,
      [new Date(now - 60_000), new Date(now + 3_600_000)],
    );
    const after = await citizenOnes();
    expect(after.note).toMatchObject({ allowed: true, basis: "grant" });
    expect(after.incidents).toEqual([
      {
        id: `citizen-${fire.id}`, type: "fire", severity: 3, status: "responding", startedAt: expect.any(String), endedAt: expect.any(String),
        segmentId: "", lanesBlocked: 0, position: coarsen(at.lon, at.lat), observedAt: expect.any(String), leafIndex: confirmed.leafIndex, source: "citizen",
      },
    ]);
    // Other confirmed safety reports (the unsigned signal fault confirmed above) are there too; never a noise report's.
    expect(after.all.length).toBeGreaterThan(1);
    expect(after.all.every((i) => i.position.every((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6))).toBe(true);
    await changeReportStatus({ viewer: emergency, id: fire.id, action: "resolve", note: "Chain removed" });
    expect((await citizenOnes()).incidents).toEqual([]);

    // Replay: the report is responding from its confirmation and resolved from its resolution;
    // the one still confirmed is seen responding to the window's end; the noise report never.
    const events = async (id: string) => db.sql.query<{ action: string; at: Date }>(`SELECT action, at FROM citizen_report_event WHERE report_id = $1 ORDER BY at`, [id]);
    const when = (list: { action: string; at: Date }[], action: string) => new Date(list.find((e) => e.action === action)!.at).getTime();
    const fireEvents = await events(fire.id);
    const end = new Date(Date.now() + 60_000);
    const frames = await getLayerFrames({ viewer: police, layer: "safety", from: new Date(Date.now() - 3_600_000).toISOString(), to: end.toISOString(), bucket: 300 });
    const replayed = (frames.incidents ?? []).filter((i) => i.source === "citizen");
    expect(replayed.find((i) => i.id === `citizen-${fire.id}`)?.changes).toEqual([[when(fireEvents, "confirm"), "responding"], [when(fireEvents, "resolve"), "resolved"]]);
    expect(replayed.map((i) => i.id)).not.toContain(`citizen-${noise.id}`);
    expect(replayed.map((i) => i.id)).not.toContain(`citizen-${waiting.id}`);
    const open = replayed.filter((i) => i.changes.length === 2 && i.changes[1][1] === "responding");
    expect(open.length).toBeGreaterThan(0);
    for (const i of open) expect(i.changes[1][0]).toBe(Date.parse(frames.to));
    expect(frames.access.find((a) => a.datasetId === "reports.citizen")).toMatchObject({ allowed: true });
    // Without the grant of reports.citizen, replay carries none, and says why.
    await db.sql.query(`UPDATE data_grant SET status = 'revoked' WHERE id = 'g-citizen-police'`);
    const without = await getLayerFrames({ viewer: police, layer: "safety", from: new Date(Date.now() - 3_600_000).toISOString(), to: end.toISOString(), bucket: 300 });
    expect((without.incidents ?? []).filter((i) => i.source === "citizen")).toEqual([]);
    expect(without.access.find((a) => a.datasetId === "reports.citizen")).toMatchObject({ allowed: false });
  });

  it("the audit rebuilds reports, their histories and credit from their report.v1 and credit.v1 leaves, and names each row changed behind the ledger's back", async () => {
    const audit = async () => {
      const leaves = await db.sql.query<{ leaf_index: string; entry: Uint8Array }>(`SELECT leaf_index, entry FROM ledger_leaf WHERE kind IN ('report.v1', 'credit.v1') ORDER BY ledger_leaf.leaf_index`);
      const entries = leaves.map((l) => ({ index: Number(l.leaf_index), entry: decodeEntry(new Uint8Array(l.entry)) }));
      const found: Discrepancy[] = [];
      await auditCitizen(db.sql, entries.filter((e) => e.entry.kind === "report.v1"), entries.filter((e) => e.entry.kind === "credit.v1"), (d) => found.push(d));
      return { found, reports: entries.filter((e) => e.entry.kind === "report.v1").length, credits: entries.filter((e) => e.entry.kind === "credit.v1").length };
    };
    const clean = await audit();
    expect(clean.reports).toBeGreaterThan(10);
    expect(clean.credits).toBeGreaterThan(2);
    expect(clean.found).toEqual([]);

    // A report edited in the table, a credit inflated, a status change whose history row is gone.
    const r = await reporter(61);
    const filed = (await createRequest({ form: (await signedForm(r, { service: "pothole", description: "Sunken manhole cover" })).form, clientAddress: "10.9.9.9", limiter: limiter() })).report;
    const confirmed = await changeReportStatus({ viewer: traffic, id: filed.id, action: "confirm" });
    const [credit] = await db.sql.query<{ id: string }>(`SELECT id FROM citizen_credit WHERE report_id = $1`, [filed.id]);
    await db.sql.query(`UPDATE citizen_report SET description = 'Sunken manhole cover, fixed already' WHERE id = $1`, [filed.id]);
    await db.sql.query(`UPDATE citizen_credit SET amount = 1000 WHERE id = $1`, [credit.id]);
    await db.sql.query(`DELETE FROM citizen_report_event WHERE leaf_index = $1`, [confirmed.leafIndex]);
    const { found } = await audit();
    const named = found.map((d) => [d.table, d.id, d.field ?? d.what]);
    expect(named).toContainEqual(["citizen_report", filed.id, "description (SHA-256)"]);
    expect(named).toContainEqual(["citizen_report", filed.id, "content (SHA-256 of the stored fields)"]);
    expect(named).toContainEqual(["citizen_report", filed.id, "signature"]);
    expect(named).toContainEqual(["citizen_credit", credit.id, "amount"]);
    expect(found).toContainEqual(expect.objectContaining({ table: "citizen_report_event", leafIndex: confirmed.leafIndex, what: expect.stringMatching(/history row .* is missing/) }));
    expect(found.find((d) => d.field === "amount")).toMatchObject({ ledger: "10", stored: "1000" });
    expect(found.every((d) => [filed.id, credit.id, `leaf ${confirmed.leafIndex}`].includes(d.id))).toBe(true);
  });

  it("finds a photo sent again by its hash: triage names the first report, and another key's photo earns no credit", async () => {
    const a = await reporter(71), b = await reporter(72);
    const at = offsetM({ lon: LON, lat: LAT }, 3000, -400);
    // A photo no earlier test sent: a small PNG with pixels of its own.
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(0).set([71, 72, 73, 255]);
    const photo = new Uint8Array(PNG.sync.write(png));
    const file = async (r: typeof a, description: string) =>
      (await createRequest({ form: (await signedForm(r, { service: "pothole", description, photo, at })).form, clientAddress: "10.7.7.7", limiter: limiter() })).report;
    const first = await file(a, "Crater in the cycle lane");
    const copied = await file(b, "Crater in the cycle lane, seen today");
    const followUp = await file(a, "Crater in the cycle lane, now deeper");
    const queue = await listTriageQueue({ viewer: traffic, status: "all" });
    const reuse = (id: string) => queue.find((q) => q.id === id)!.photoReuse.map((p) => [p.report, p.sameReporter]);
    expect(reuse(first.id)).toEqual([]);
    expect(reuse(copied.id)).toEqual([[first.id, false]]);
    expect(reuse(followUp.id)).toEqual([[first.id, true]]);

    await changeReportStatus({ viewer: traffic, id: copied.id, action: "confirm" });
    await changeReportStatus({ viewer: traffic, id: followUp.id, action: "confirm" });
    const credit = async (id: string) => (await db.sql.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::int AS n FROM citizen_credit WHERE report_id = $1`, [id]))[0].n;
    expect(await credit(copied.id)).toBe(0);
    expect(await credit(followUp.id)).toBe(10);
  });

  it("a department marks a key abusive: its reports still count but earn no credit and it leaves the leaderboard; the holder appeals with the key; the admin decides; all ledgered and audited", async () => {
    const k = await reporter(81);
    const admin: Viewer = { kind: "user", userId: "u-traffic-admin", departmentId: "traffic", role: "dept_admin" };
    const at = offsetM({ lon: LON, lat: LAT }, -1500, -900);
    const file = async (description: string) => (await createRequest({ form: (await signedForm(k, { service: "pothole", description, at })).form, clientAddress: "10.6.6.6", limiter: limiter() })).report;
    const earlier = await file("Loose drain cover");
    await changeReportStatus({ viewer: traffic, id: earlier.id, action: "confirm" });
    expect((await getLeaderboard()).rows.map((r) => r.reporter)).toContain(k.id);

    // Only a department that received one of the key's reports may mark it; a reason is required.
    await expect(markReporterKey({ viewer: energy, reporter: k.id, action: "flag", note: "spam" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(markReporterKey({ viewer: traffic, reporter: k.id, action: "flag", note: " " })).rejects.toMatchObject({ code: "validation" });
    await expect(markReporterKey({ viewer: traffic, reporter: k.id, action: "lift", note: "x" })).rejects.toMatchObject({ code: "conflict" });
    const flagged = await markReporterKey({ viewer: traffic, reporter: k.id, action: "flag", note: "Forty copies of the same report in an hour" });
    expect(flagged).toMatchObject({ reporter: k.id, department: "traffic", status: "flagged", reason: "Forty copies of the same report in an hour" });
    const entry = decodeEntry(new TextEncoder().encode(await leafText(flagged.leafIndex)));
    expect(entry).toMatchObject({ kind: "reporter.v1", reporter: k.id, action: "flag", department: "traffic", by: "u-traffic", role: "official", reasonHash: textHash("Forty copies of the same report in an hour") });
    expect(await leafText(flagged.leafIndex)).not.toContain("Forty");
    await expect(markReporterKey({ viewer: traffic, reporter: k.id, action: "flag", note: "again" })).rejects.toMatchObject({ code: "conflict" });

    // Still taken and triaged, with the mark shown; confirming earns nothing; off the leaderboard.
    const later = await file("Loose drain cover, again");
    const card = (await listTriageQueue({ viewer: traffic })).find((r) => r.id === later.id)!;
    expect(card.keyFlag).toMatchObject({ status: "flagged", reason: "Forty copies of the same report in an hour" });
    await changeReportStatus({ viewer: traffic, id: later.id, action: "confirm" });
    const credit = async (id: string) => (await db.sql.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::int AS n FROM citizen_credit WHERE report_id = $1`, [id]))[0].n;
    expect(await credit(later.id)).toBe(0);
    // Another department's triage sees the mark on the key's report to it, without the reason.
    const toEnergy = (await createRequest({ form: (await signedForm(k, { service: "streetlight", description: "Lamp out", at })).form, clientAddress: "10.6.6.6", limiter: limiter() })).report;
    const energyCard = (await listTriageQueue({ viewer: energy })).find((r) => r.id === toEnergy.id)!;
    expect(energyCard.keyFlag).toMatchObject({ status: "flagged", department: "traffic", reason: null, appeal: null, decisionNote: null });
    expect((await getLeaderboard()).rows.map((r) => r.reporter)).not.toContain(k.id);

    // The holder sees the mark and its reason, and appeals by signing with the key.
    const mineAt = new Date().toISOString();
    const mine = await listMyReports({ reporterKey: k.b64, at: mineAt, signature: toBase64(await k.sign(myReportsStatement(k.b64, mineAt))) });
    expect(mine.flag).toMatchObject({ status: "flagged", reason: "Forty copies of the same report in an hour" });
    const appeal = async (who: typeof k, text: string) => {
      const when = new Date().toISOString();
      return appealReporterKey({ reporter: k.id, reporterKey: who.b64, text, at: when, signature: toBase64(await who.sign(appealStatement(who.b64, text, when))) });
    };
    await expect(appeal(await reporter(82), "Not me")).rejects.toMatchObject({ code: "validation" });
    const when = new Date().toISOString();
    await expect(appealReporterKey({ reporter: k.id, reporterKey: k.b64, text: "Changed text", at: when, signature: toBase64(await k.sign(appealStatement(k.b64, "Signed text", when))) })).rejects.toMatchObject({ code: "forbidden" });
    expect(await appeal(k, "The app resent my report while offline")).toMatchObject({ status: "appealed", appeal: "The app resent my report while offline" });
    await expect(appeal(k, "Again")).rejects.toMatchObject({ code: "conflict" });

    // Only the flagging department's admin decides.
    await expect(markReporterKey({ viewer: traffic, reporter: k.id, action: "lift", note: "ok" })).rejects.toMatchObject({ code: "forbidden" });
    expect(await markReporterKey({ viewer: admin, reporter: k.id, action: "uphold", note: "Copies came from two devices" })).toMatchObject({ status: "upheld" });
    expect(await markReporterKey({ viewer: admin, reporter: k.id, action: "lift", note: "Cleared after a call" })).toMatchObject({ status: "lifted", decisionNote: "Cleared after a call" });
    const third = await file("Loose drain cover, third time");
    await changeReportStatus({ viewer: traffic, id: third.id, action: "confirm" });
    expect(await credit(third.id)).toBe(10);
    expect((await getLeaderboard()).rows.map((r) => r.reporter)).toContain(k.id);

    // The audit rebuilds the mark and its history from the reporter.v1 leaves, and names a changed reason.
    const audit = async () => {
      const leaves = await db.sql.query<{ leaf_index: string; entry: Uint8Array }>(`SELECT leaf_index, entry FROM ledger_leaf WHERE kind = 'reporter.v1' ORDER BY ledger_leaf.leaf_index`);
      const found: Discrepancy[] = [];
      await auditKeyFlags(db.sql, leaves.map((l) => ({ index: Number(l.leaf_index), entry: decodeEntry(new Uint8Array(l.entry)) })), (d) => found.push(d));
      return found;
    };
    expect(await audit()).toEqual([]);
    await db.sql.query(`UPDATE citizen_key_flag SET reason = 'Nothing happened' WHERE reporter = $1`, [k.id]);
    expect((await audit()).map((d) => [d.table, d.id, d.field])).toEqual([["citizen_key_flag", k.id, "reason (SHA-256)"]]);
  });

  it("tells live maps of raw incidents to fetch the safety layer again when a safety report is confirmed or closed, with no data in the message", async () => {
    const police: Viewer = { kind: "user", userId: "u-police-live", departmentId: "safety", role: "official" };
    const emergency: Viewer = { kind: "user", userId: "u-emergency-live", departmentId: "emergency", role: "official" };
    const stop = await getBus().connect(db.sql);
    const abort = new AbortController();
    try {
      const { reader, waitFor, text: streamed } = streamText(await openLiveStream({ viewer: police, signal: abort.signal }));
      expect(await waitFor("event: access", 5000)).toBe(true);
      const r = await reporter(91);
      const filed = (await createRequest({ form: (await signedForm(r, { service: "flooding", description: "Underpass flooded" })).form, clientAddress: "10.5.5.5", limiter: limiter() })).report;
      const t0 = Date.now();
      await changeReportStatus({ viewer: emergency, id: filed.id, action: "confirm" });
      expect(await waitFor('"reload":["safety"]', 5000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      const line = streamed().split("\n").find((l) => l.includes('"reload"'))!;
      expect(JSON.parse(line.slice("data: ".length))).toEqual({ reload: ["safety"] });
      await reader.cancel();
    } finally {
      abort.abort();
      await stop();
    }
  });
  it("puts confirmed reports of other categories on the citizen-reports layer: coarsened, through reports.citizen's basis, recorded in the access log, replayed and reloaded live", async () => {
    const police: Viewer = { kind: "user", userId: "u-police-layer", departmentId: "safety", role: "official" };
    const energyOfficial: Viewer = { kind: "user", userId: "u-energy-layer", departmentId: "energy", role: "official" };
    const trafficOfficial: Viewer = { kind: "user", userId: "u-traffic-layer", departmentId: "traffic", role: "official" };
    const emergency: Viewer = { kind: "user", userId: "u-emergency-layer", departmentId: "emergency", role: "official" };
    const center: Viewer = { kind: "user", userId: "u-12345-layer", departmentId: "citizen", role: "official" };
    const r = await reporter(61);
    const at = offsetM({ lon: LON, lat: LAT }, 3000, -1500);
    const file = async (service: string, description: string) => (await createRequest({ form: (await signedForm(r, { service, description, at })).form, clientAddress: "10.6.6.6", limiter: limiter() })).report;
    const pothole = await file("pothole", "Deep hole in the bus lane");
    const light = await file("streetlight", "Lamp out by the school");
    const noise = await file("noise", "Karaoke at 3 am");
    const litter = await file("litter", "Rubbish bags on the pavement");
    const fire = await file("fire_hazard", "Blocked fire exit");
    const t0 = Date.now();
    const confirmed = await changeReportStatus({ viewer: traffic, id: pothole.id, action: "confirm" });
    await changeReportStatus({ viewer: energy, id: light.id, action: "assign" });
    await changeReportStatus({ viewer: police, id: noise.id, action: "reject", note: "Not a public nuisance" });
    await changeReportStatus({ viewer: center, id: litter.id, action: "confirm" });
    await changeReportStatus({ viewer: center, id: litter.id, action: "resolve", note: "Collected" });
    await changeReportStatus({ viewer: emergency, id: fire.id, action: "confirm" });
    const ours = [pothole.id, light.id, noise.id, litter.id, fire.id];
    const layer = async (viewer: Viewer) => {
      const l = await getLayerLatest({ viewer, layer: "citizen" });
      if (l.layer !== "citizen") throw new Error("layer");
      return { ...l, ours: (l.reports ?? []).filter((x) => ours.includes(x.id)) };
    };
    const logged = async (userId: string, action: string) =>
      Number((await db.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM access_event WHERE user_id = $1 AND dataset_id = 'reports.citizen' AND action = $2`, [userId, action]))[0].n);

    // The 12345 centre owns reports.citizen: only the confirmed pothole, at its coarsened point.
    const own = await layer(center);
    expect(own.access).toEqual([expect.objectContaining({ datasetId: "reports.citizen", allowed: true, basis: "ownership" })]);
    expect(own.ours).toEqual([
      { id: pothole.id, serviceCode: "pothole", department: "traffic", position: coarsen(at.lon, at.lat), createdAt: expect.any(String), confirmedAt: expect.any(String), leafIndex: confirmed.leafIndex },
    ]);
    expect(own.ours[0].position).not.toEqual([at.lon, at.lat]);
    expect(JSON.stringify(own)).not.toContain(String(at.lon));
    expect(Date.parse(own.ours[0].confirmedAt)).toBeGreaterThanOrEqual(t0 - 1000);
    // Every report the layer shows is of a non-safety category and confirmed now.
    const statuses = await db.sql.query<{ id: string; status: string; service_code: string }>(`SELECT id, status, service_code FROM citizen_report WHERE id = ANY($1::text[])`, [(own.reports ?? []).map((x) => x.id)]);
    expect(statuses.every((x) => x.status === "confirmed" && !["fire_hazard", "flooding", "public_order", "traffic_signal", "power_outage"].includes(x.service_code))).toBe(true);
    expect(await logged(center.userId, "map.latest")).toBe(1);

    // The traffic department owns the pothole's category but not reports.citizen: refused, with the reason.
    await expect(getLayerLatest({ viewer: trafficOfficial, layer: "citizen" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(getLayerLatest({ viewer: { kind: "guest" }, layer: "citizen" })).rejects.toMatchObject({ code: "forbidden" });
    expect(await logged(trafficOfficial.userId, "map.latest")).toBe(0);

    // With a raw grant the police see the pothole here and the fire hazard on the safety layer, never the reverse.
    const now = Date.now();
    const grant = async (id: string, dept: string, scope: string) =>
      db.sql.query(
        `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, valid_from, valid_until, status, requested_by)
         VALUES ($1, 'reports.citizen', 'citizen', $2, $3, '{}', 'citizen reports on the map', $4, $5, 'active', 'u-test')`,
        [id, dept, scope, new Date(now - 60_000), new Date(now + 3_600_000)],
      );
    await grant("g-citizen-layer-police", "safety", "raw");
    const granted = await layer(police);
    expect(granted.access).toEqual([expect.objectContaining({ datasetId: "reports.citizen", allowed: true, basis: "grant" })]);
    expect(granted.ours.map((x) => x.id)).toEqual([pothole.id]);
    const safety = await getLayerLatest({ viewer: police, layer: "safety" });
    if (safety.layer !== "safety") throw new Error("layer");
    const onSafety = (safety.incidents ?? []).map((i) => i.id);
    expect(onSafety).toContain(`citizen-${fire.id}`);
    expect(onSafety).not.toContain(`citizen-${pothole.id}`);
    expect(await logged(police.userId, "map.latest")).toBeGreaterThanOrEqual(2);

    // Held aggregated (energy's grant): counts per hexagon over at least k reports, no report, id or category.
    await grant("g-citizen-layer-energy", "energy", "aggregated");
    const agg = await layer(energyOfficial);
    expect(agg.reports).toBeNull();
    expect(agg.scoped).toEqual([expect.objectContaining({ datasetId: "reports.citizen", scope: "aggregated", shape: "hex" })]);
    expect(agg.scoped[0].fields.map((f) => f.key)).toEqual(["reports"]);
    for (const id of ours) expect(JSON.stringify(agg)).not.toContain(id);
    expect(await logged(energyOfficial.userId, "map.latest.cells")).toBe(1);

    // Replay: the pothole from its confirmation on, the litter until it was resolved; never the others.
    const end = new Date(Date.now() + 60_000);
    const frames = await getLayerFrames({ viewer: police, layer: "citizen", from: new Date(t0 - 3_600_000).toISOString(), to: end.toISOString(), bucket: 300 });
    const spans = (frames.reports ?? []).filter((x) => ours.includes(x.id));
    const litterResolved = (await db.sql.query<{ at: Date }>(`SELECT at FROM citizen_report_event WHERE report_id = $1 AND action = 'resolve'`, [litter.id]))[0].at;
    expect(spans.map((x) => [x.id, x.closedAt])).toEqual(
      [[pothole.id, null], [litter.id, new Date(litterResolved).getTime()]].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
    expect(spans.every((x) => x.position[0] === coarsen(at.lon, at.lat)[0] && x.position[1] === coarsen(at.lon, at.lat)[1])).toBe(true);
    expect(await logged(police.userId, "map.frames")).toBeGreaterThanOrEqual(1);
    await expect(getLayerFrames({ viewer: trafficOfficial, layer: "citizen", from: new Date(t0 - 3_600_000).toISOString(), to: end.toISOString(), bucket: 300 })).rejects.toMatchObject({ code: "forbidden" });

    // Live: a confirmation of a non-safety report tells readers of reports.citizen to fetch the citizen layer again.
    const stop = await getBus().connect(db.sql);
    const abort = new AbortController();
    try {
      const { reader, waitFor } = streamText(await openLiveStream({ viewer: center, signal: abort.signal }));
      expect(await waitFor("event: access", 5000)).toBe(true);
      await changeReportStatus({ viewer: energy, id: light.id, action: "confirm" });
      expect(await waitFor('"reload":["citizen"]', 5000)).toBe(true);
      await reader.cancel();
    } finally {
      abort.abort();
      await stop();
    }
    expect((await layer(center)).ours.map((x) => x.id).sort()).toEqual([pothole.id, light.id].sort());
  });
});
