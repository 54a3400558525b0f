import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { checkRead } from "../access/check-read";
import { readDataset } from "../access/read-dataset";
import { listDatasets } from "../access/list-datasets";
import { ledgerAccessEvents, eventsHash } from "../access/ledger-access-events";
import { exportAccessEventsCsv, groupAccessEvents, listAccessEvents } from "../access/list-access-events";
import { decodeEntry } from "../ledger/entries";
import { openCommitment } from "../ledger/commitment";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { requestGrant } from "./request-grant";
import { approveGrant, rejectGrant, revokeGrant } from "./decide-grant";
import { expireGrants } from "./expire-grants";
import { getGrant, grantNotifications, listGrants } from "./list-grants";
import { createRule, listRules, retireRule } from "../rules/manage-rules";
import { previewRule } from "../rules/preview-rule";
import { runRules } from "../rules/run-rules";
import { AppError } from "../errors";

const targets = await testTargets();
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.userMessage };
    if (e instanceof Error && e.name === "ZodError") return { code: "validation", message: e.message };
    throw e;
  }
  throw new Error("expected a refusal");
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("grants, rules and access events on %s", (_n, target) => {
  let fx: AccessFixture;
  const feeder: [number, number] = [121.45, 37.46];

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    // All six inside one 15-minute aggregate bucket (the previous one), whatever the clock: spread
    // over the last six minutes, a bucket boundary among them left one feeder alone in a bucket,
    // suppressed at k = 2 (a fresh-clone CI run counted 5 of 6).
    const bucket = 15 * 60_000;
    const start = Math.floor(Date.now() / bucket) * bucket - bucket;
    await fx.addReadings(
      "energy.load",
      Array.from({ length: 6 }, (_, i) => ({
        device: `fdr-${i % 2}`,
        at: new Date(start + (i + 1) * 60_000),
        location: [feeder[0] + i * 0.001, feeder[1]] as [number, number],
        values: { meter: "feeder", loadMw: 10 + i, utilisation: 0.5, voltageKv: 10.2 },
      })),
    );
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("request, narrower approval, scoped reads, revocation with the reason, all ledgered with history", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const trafficOfficial = await fx.viewer("traffic", "official");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    await expect(checkRead(fx.db.sql, trafficOfficial, "energy.load")).rejects.toMatchObject({ code: "forbidden" });

    const { grant } = await requestGrant({
      viewer: trafficAdmin,
      request: { datasetId: "energy.load", scope: "raw", purpose: "signal timing near substations", validUntil: inHours(24), fields: ["loadMw", "utilisation"] },
    });
    expect(grant).toMatchObject({ status: "requested", ownerDepartmentId: "energy", granteeDepartmentId: "traffic", scope: "raw" });
    expect((await grantNotifications({ viewer: energyAdmin })).incoming.map((g) => g.id)).toContain(grant.id);
    expect((await refusal(checkRead(fx.db.sql, trafficOfficial, "energy.load"))).message).toMatch(/requested/);

    // Wider than asked is refused with the term named; narrower is accepted.
    expect(await refusal(approveGrant({ viewer: energyAdmin, grantId: grant.id, terms: { fields: ["loadMw", "voltageKv"] } }))).toMatchObject({ code: "validation", message: expect.stringMatching(/voltageKv was not requested/) });
    expect(await refusal(approveGrant({ viewer: energyAdmin, grantId: grant.id, terms: { validUntil: inHours(48) } }))).toMatchObject({ message: expect.stringMatching(/outlast/) });
    const approved = await approveGrant({ viewer: energyAdmin, grantId: grant.id, terms: { scope: "aggregated", fields: ["loadMw"], validUntil: inHours(12) } });
    expect(approved.grant).toMatchObject({ status: "active", scope: "aggregated", fields: ["loadMw"] });

    const basis = await checkRead(fx.db.sql, trafficOfficial, "energy.load");
    expect(basis).toMatchObject({ basis: "grant", grantId: grant.id, scope: "aggregated", fields: ["loadMw"] });
    const read = await readDataset({ viewer: trafficOfficial, datasetId: "energy.load" });
    expect(read.scope).toBe("aggregated");
    if (read.scope !== "aggregated") throw new Error("unreachable");
    // Two feeders are fewer than k = 5 devices: every bucket is suppressed, with no figures.
    expect(read.aggregates.length).toBeGreaterThan(0);
    expect(read.aggregates.every((a) => a.suppressed && a.count === null && a.stats === null)).toBe(true);
    expect(read.grid).toMatchObject({ minGroupDevices: 5, timeSeconds: 900 });
    // With k = 2 the same buckets carry their figures.
    process.env.ACCESS_MIN_GROUP_DEVICES = "2";
    const k2 = await readDataset({ viewer: trafficOfficial, datasetId: "energy.load" }).finally(() => delete process.env.ACCESS_MIN_GROUP_DEVICES);
    if (k2.scope !== "aggregated") throw new Error("unreachable");
    expect(k2.aggregates.reduce((s, a) => s + (a.count ?? 0), 0)).toBe(6);
    expect(k2.aggregates.every((a) => !a.suppressed && a.devices! >= 2)).toBe(true);
    expect(Object.keys(k2.aggregates[0].stats!)).toEqual(["loadMw"]); // utilisation was not granted
    expect(JSON.stringify([read, k2])).not.toMatch(/fdr-/); // no device ids in aggregates
    expect(read.access).toMatchObject({ basis: "grant", scope: "aggregated", grantId: grant.id });
    // The owner still reads raw.
    const own = await readDataset({ viewer: energyAdmin, datasetId: "energy.load" });
    expect(own.scope).toBe("raw");

    const { datasets } = await listDatasets({ viewer: trafficOfficial });
    expect(datasets.find((d) => d.id === "energy.load")).toMatchObject({ readable: true, access: { basis: "grant", scope: "aggregated" } });
    expect(datasets.find((d) => d.id === "safety.cameras")).toMatchObject({ readable: false, denied: { code: "no_grant" } });

    // Only the owner's admins decide: the grantee's admin and another department's sysadmin may not revoke... except sysadmins (emergency stop).
    expect((await refusal(revokeGrant({ viewer: trafficAdmin, grantId: grant.id, reason: "x" }))).code).toBe("forbidden");
    await revokeGrant({ viewer: energyAdmin, grantId: grant.id, reason: "maintenance window over" });
    const denied = await refusal(readDataset({ viewer: trafficOfficial, datasetId: "energy.load" }));
    expect(denied).toMatchObject({ code: "forbidden", message: expect.stringMatching(/revoked by energy .*maintenance window over/) });
    expect((await listDatasets({ viewer: trafficOfficial })).datasets.find((d) => d.id === "energy.load")).toMatchObject({ readable: false, denied: { code: "revoked", grantId: grant.id } });
    expect((await refusal(revokeGrant({ viewer: energyAdmin, grantId: grant.id, reason: "again" }))).code).toBe("conflict");

    const { history } = await getGrant({ viewer: trafficAdmin, grantId: grant.id });
    expect(history.map((h) => h.action)).toEqual(["request", "approve", "revoke"]);
    expect(history[2].reason).toBe("maintenance window over");
    for (const h of history) {
      const [leaf] = await fx.db.sql.query<{ entry: Uint8Array; kind: string; ref_table: string }>(`SELECT entry, kind, ref_table FROM ledger_leaf WHERE leaf_index = $1`, [h.leafIndex]);
      const entry = decodeEntry(new Uint8Array(leaf.entry));
      expect(entry).toMatchObject({ kind: "grant.v2", grant: grant.id, action: h.action, from: "energy", to: "traffic", dataset: "energy.load" });
      // No data window or area was asked for: the entry says so by leaving them out.
      expect(entry).not.toHaveProperty("dataFrom");
      expect(entry).not.toHaveProperty("area");
      expect(leaf.ref_table).toBe("grant_event");
    }
    expect(decodeEntry(new Uint8Array((await fx.db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE leaf_index = $1`, [history[1].leafIndex]))[0].entry))).toMatchObject({
      scope: "aggregated",
      fields: ["loadMw"],
      purposeHash: crypto.hash("sha256", "signal timing near substations", "hex"),
    });
    // History rows cannot be rewritten.
    await expect(fx.db.sql.query(`UPDATE grant_event SET reason = 'x' WHERE grant_id = $1`, [grant.id])).rejects.toThrow(/append-only/);
  });

  it("refuses bad requests with the reason", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const trafficOfficial = await fx.viewer("traffic", "official");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const ok = { datasetId: "energy.load", scope: "raw" as const, purpose: "p", validUntil: inHours(1) };
    expect(await refusal(requestGrant({ viewer: trafficAdmin, request: { ...ok, validUntil: new Date(Date.now() - 1000).toISOString() } }))).toMatchObject({ code: "validation", message: expect.stringMatching(/not in the future/) });
    expect(await refusal(requestGrant({ viewer: trafficAdmin, request: { ...ok, dataFrom: inHours(-1), dataUntil: inHours(-2) } }))).toMatchObject({ code: "validation", message: expect.stringMatching(/ends before it starts/) });
    expect(await refusal(requestGrant({ viewer: trafficAdmin, request: { ...ok, datasetId: "nope.nothing" } }))).toMatchObject({ code: "not_found" });
    expect(await refusal(requestGrant({ viewer: trafficAdmin, request: { ...ok, fields: ["secret"] } }))).toMatchObject({ code: "validation", message: expect.stringMatching(/no field secret/) });
    expect(await refusal(requestGrant({ viewer: trafficOfficial, request: ok }))).toMatchObject({ code: "forbidden" });
    expect(await refusal(requestGrant({ viewer: { kind: "guest" }, request: ok }))).toMatchObject({ code: "unauthenticated" });
    expect(await refusal(requestGrant({ viewer: energyAdmin, request: ok }))).toMatchObject({ code: "validation", message: expect.stringMatching(/already owns/) });
    // Approving another department's dataset: 403, even for a sysadmin of that other department.
    const { grant } = await requestGrant({ viewer: trafficAdmin, request: ok });
    expect((await refusal(approveGrant({ viewer: trafficAdmin, grantId: grant.id }))).code).toBe("forbidden");
    expect((await refusal(approveGrant({ viewer: await fx.viewer("safety", "sysadmin"), grantId: grant.id }))).code).toBe("forbidden");
    expect((await refusal(approveGrant({ viewer: energyAdmin, grantId: "grt_missing" }))).code).toBe("not_found");
    await rejectGrant({ viewer: energyAdmin, grantId: grant.id, reason: "use the public feed" });
    expect((await refusal(checkRead(fx.db.sql, trafficOfficial, "energy.load"))).message).toMatch(/rejected by energy \(dept_admin\): use the public feed/);
    expect((await listGrants({ viewer: trafficAdmin, direction: "outgoing", status: "rejected" })).grants.map((g) => g.id)).toContain(grant.id);
  });

  it("grants expire by themselves, with an expire entry", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const safetyAdmin = await fx.viewer("safety", "dept_admin");
    const { grant } = await requestGrant({ viewer: trafficAdmin, request: { datasetId: "safety.incidents", scope: "anonymized", purpose: "diversions", validUntil: new Date(Date.now() + 1500).toISOString() } });
    await approveGrant({ viewer: safetyAdmin, grantId: grant.id });
    expect(await checkRead(fx.db.sql, trafficAdmin, "safety.incidents")).toMatchObject({ basis: "grant", scope: "anonymized" });
    // Granted for 1.5 s, well inside the warning window: its end was the decision, nothing to act on.
    expect((await grantNotifications({ viewer: safetyAdmin })).expiringSoon.map((g) => g.id)).not.toContain(grant.id);
    await new Promise((r) => setTimeout(r, 1600));
    // Refused at once, before the expiry job has run...
    expect((await refusal(checkRead(fx.db.sql, trafficAdmin, "safety.incidents"))).message).toMatch(/not in force|expired/);
    // ...which then ends it on the ledger.
    expect(await expireGrants(fx.db.sql)).toContain(grant.id);
    expect(await expireGrants(fx.db.sql)).not.toContain(grant.id);
    const { grant: g, history } = await getGrant({ viewer: safetyAdmin, grantId: grant.id });
    expect(g.status).toBe("expired");
    expect(history.map((h) => [h.action, h.by])).toEqual([
      ["request", trafficAdmin.userId],
      ["approve", safetyAdmin.userId],
      ["expire", "system"],
    ]);
  });

  it("anonymized reads drop identifying fields and coarsen location and time", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const safetyAdmin = await fx.viewer("safety", "dept_admin");
    const at = new Date(Date.now() - 5 * 60_000);
    await fx.addReadings("safety.incidents", [
      { device: "dsp-1", at, location: [121.45678, 37.45678], values: { incidentId: "inc-9", type: "fire", severity: 2, status: "responding", startedAt: "2026-11-25T08:17:00.000Z", endedAt: "2026-11-25T09:47:00.000Z", segmentId: "s-77", lanesBlocked: 1 } },
    ]);
    const { grant } = await requestGrant({ viewer: trafficAdmin, request: { datasetId: "safety.incidents", scope: "anonymized", purpose: "diversions", validUntil: inHours(1) } });
    await approveGrant({ viewer: safetyAdmin, grantId: grant.id });
    const read = await readDataset({ viewer: trafficAdmin, datasetId: "safety.incidents" });
    expect(read.scope).toBe("anonymized");
    if (read.scope !== "anonymized") throw new Error("unreachable");
    const r = read.readings.find((x) => x.values.type === "fire")!;
    expect(r.values).toEqual({ type: "fire", severity: 2, status: "responding", startedAt: "2026-11-25T08:00:00.000Z", endedAt: "2026-11-25T09:00:00.000Z", lanesBlocked: 1 });
    expect(r.location).toEqual([121.46, 37.46]);
    expect(Date.parse(r.observedAt) % 300_000).toBe(0);
    expect(JSON.stringify(read)).not.toMatch(/dsp-1|inc-9|s-77/);
    await revokeGrant({ viewer: safetyAdmin, grantId: grant.id, reason: "done" });
  });

  it("an emergency rule grants raw data near a severity-1 incident, ledgered as automatic, and it expires", async () => {
    const sysadmin = await fx.viewer("emergency", "sysadmin");
    const emergencyOfficial = await fx.viewer("emergency", "official");
    await runRules(fx.db.sql); // the first run only places the cursor
    const { rule } = await createRule({
      viewer: sysadmin,
      definition: {
        name: "sev-1 cameras",
        trigger: { maxSeverity: 1 },
        grant: { granteeDepartmentId: "emergency", datasets: ["safety.cameras", "energy.load"], scope: "raw", radiusM: 2000, durationSeconds: 2 },
      },
    });
    expect((await refusal(createRule({ viewer: await fx.viewer("emergency", "dept_admin"), definition: {} }))).code).toBe("forbidden");
    const near: [number, number] = [121.45, 37.46];
    await fx.addReadings("safety.cameras", [
      { device: "cam-near", at: new Date(), location: [121.451, 37.461], values: { online: true, vehiclesPerMin: 12, pedestriansPerMin: 3, alert: "none" } },
      { device: "cam-far", at: new Date(), location: [121.6, 37.6], values: { online: true, vehiclesPerMin: 40, pedestriansPerMin: 9, alert: "none" } },
    ]);
    // A severity-2 incident does not fire; a severity-1 one does, once.
    const inc = (id: string, severity: number) => ({ device: "dsp-2", at: new Date(), location: near, values: { incidentId: id, type: "accident", severity, status: "reported", startedAt: new Date().toISOString(), endedAt: new Date(Date.now() + HOUR).toISOString(), segmentId: "s-1", lanesBlocked: 2 } });
    await fx.addReadings("safety.incidents", [inc("inc-a", 2)]);
    expect(await runRules(fx.db.sql)).toEqual([]);
    await fx.addReadings("safety.incidents", [inc("inc-b", 1)]);
    const made = await runRules(fx.db.sql);
    expect(made.map((m) => [m.ruleId, m.incident, m.datasetId]).sort()).toEqual([
      [rule.id, "inc-b", "energy.load"],
      [rule.id, "inc-b", "safety.cameras"],
    ]);
    await fx.addReadings("safety.incidents", [inc("inc-b", 1)]); // the same incident again (status update)
    expect(await runRules(fx.db.sql)).toEqual([]);
    // The rules list carries the rule's grants with their count; the grants list pages through them by rule.
    const listed = (await listRules({ viewer: sysadmin })).rules.find((r) => r.id === rule.id)!;
    expect(listed.grantsTotal).toBe(2);
    expect(listed.grants.map((g) => g.id).sort()).toEqual(made.map((m) => m.grantId).sort());
    const page2 = await listGrants({ viewer: sysadmin, rule: rule.id, limit: 1, offset: 1 });
    expect(page2.total).toBe(2);
    expect(page2.grants).toHaveLength(1);
    expect(made.map((m) => m.grantId)).toContain(page2.grants[0].id);
    expect(page2.grants[0]).toMatchObject({ ruleId: rule.id, triggerRef: "inc-b" });
    // A department admin sees the rule's grants their department gave or holds, as the grants list shows them.
    const forEnergy = (await listRules({ viewer: await fx.viewer("energy", "dept_admin") })).rules.find((r) => r.id === rule.id)!;
    expect(forEnergy.grants.map((g) => g.datasetId)).toEqual(["energy.load"]);
    expect(forEnergy.grantsTotal).toBe(1);

    const read = await readDataset({ viewer: emergencyOfficial, datasetId: "safety.cameras" });
    if (read.scope !== "raw") throw new Error(`expected raw, got ${read.scope}`);
    expect(read.readings.map((r) => r.device)).toEqual(["cam-near"]); // within 2 km only
    expect(read.access).toMatchObject({ basis: "grant", scope: "raw", area: { radiusM: 2000 } });
    const cameraGrant = made.find((m) => m.datasetId === "safety.cameras")!.grantId;
    const { history } = await getGrant({ viewer: sysadmin, grantId: cameraGrant });
    const [leaf] = await fx.db.sql.query<{ entry: Uint8Array; salt: Uint8Array; inner: Uint8Array }>(
      `SELECT l.entry, c.salt, c.entry AS inner FROM ledger_leaf l JOIN ledger_commitment c ON c.leaf_index = l.leaf_index WHERE l.leaf_index = $1`,
      [history[0].leafIndex],
    );
    // A rule-made grant's area is an incident's: the public log holds a salted commitment
    // (lib/ledger-store/seal.ts); opened with the stored salt, it commits to every term the access
    // check enforces, the 2 km area included.
    expect(openCommitment(nodeSha256, decodeEntry(new Uint8Array(leaf.entry)), new Uint8Array(leaf.salt), new Uint8Array(leaf.inner))).toMatchObject({ kind: "grant.v2", action: "approve", automatic: true, rule: rule.id, to: "emergency", by: `rule:${rule.id}`, area: { lon: expect.any(Number), lat: expect.any(Number), radiusM: 2000 } });

    await new Promise((r) => setTimeout(r, 2100));
    await expect(readDataset({ viewer: emergencyOfficial, datasetId: "safety.cameras" })).rejects.toMatchObject({ code: "forbidden" });
    expect(await expireGrants(fx.db.sql)).toEqual(expect.arrayContaining(made.map((m) => m.grantId)));
    await retireRule({ viewer: sysadmin, ruleId: rule.id });
    const kinds = await fx.db.sql.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM ledger_leaf WHERE kind = 'rule.v1' GROUP BY kind`);
    expect(kinds[0].n).toBeGreaterThanOrEqual(2);
  });

  it("a rule is previewed against the open incidents before it is enabled, and retired with its grants revoked when asked", async () => {
    const emergencySys = await fx.viewer("emergency", "sysadmin");
    const safetySys = await fx.viewer("safety", "sysadmin");
    const inc = (id: string, severity: number, status: string) => ({ device: "dsp-3", at: new Date(), location: [121.45, 37.46] as [number, number], values: { incidentId: id, type: "fire", severity, status, startedAt: new Date().toISOString(), endedAt: new Date(Date.now() + HOUR).toISOString(), segmentId: "s-2", lanesBlocked: 1 } });
    await fx.addReadings("safety.incidents", [inc("inc-c", 1, "responding"), inc("inc-d", 1, "reported"), inc("inc-e", 3, "reported")]);
    await fx.addReadings("safety.incidents", [inc("inc-d", 1, "resolved")]); // closed since
    const definition = { name: "sev-1 fires", trigger: { maxSeverity: 1, types: ["fire"] }, grant: { granteeDepartmentId: "emergency", datasets: ["safety.cameras", "energy.load"], scope: "raw", radiusM: 1000, durationSeconds: 3600 } };
    // The owner's sysadmin sees which open incidents match (and the read is recorded) ...
    const seen = await previewRule({ viewer: safetySys, definition });
    expect(seen.incidents!.map((i) => i.incident)).toEqual(["inc-c"]);
    expect(seen).toMatchObject({ matching: 1, grants: 2, datasets: ["safety.cameras", "energy.load"], granteeDepartmentId: "emergency" });
    expect((await fx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_event WHERE action = 'rules.preview' AND user_id = $1`, [safetySys.userId]))[0].n).toBe(1);
    // ... another department's sysadmin only how many, and what would be granted.
    expect(await previewRule({ viewer: emergencySys, definition })).toEqual({ matching: 1, incidents: null, grants: 2, datasets: ["safety.cameras", "energy.load"], granteeDepartmentId: "emergency" });
    expect((await refusal(previewRule({ viewer: await fx.viewer("emergency", "dept_admin"), definition }))).code).toBe("forbidden");
    expect(await refusal(previewRule({ viewer: emergencySys, definition: { ...definition, trigger: { maxSeverity: 9 } } }))).toMatchObject({ code: "validation" });

    // Enabled, it grants for the open inc-c at once (not waiting for its next report), and
    // not again when inc-c is reported again; retired with revokeGrants, those grants end.
    const { rule, granted: made } = await createRule({ viewer: emergencySys, definition });
    expect(made.map((m) => [m.incident, m.datasetId]).sort()).toEqual([["inc-c", "energy.load"], ["inc-c", "safety.cameras"]]);
    await fx.addReadings("safety.incidents", [inc("inc-c", 1, "responding")]);
    expect((await runRules(fx.db.sql)).filter((m) => m.ruleId === rule.id)).toEqual([]);
    const { revoked } = await retireRule({ viewer: emergencySys, ruleId: rule.id, revokeGrants: true });
    expect(revoked.sort()).toEqual(made.filter((m) => m.ruleId === rule.id).map((m) => m.grantId).sort());
    const statuses = await fx.db.sql.query<{ status: string; reason: string }>(`SELECT status, reason FROM data_grant WHERE rule_id = $1`, [rule.id]);
    expect(statuses).toEqual([
      { status: "revoked", reason: `rule ${rule.id} retired` },
      { status: "revoked", reason: `rule ${rule.id} retired` },
    ]);
  });

  it("every read is an access event, ledgered in access.v1 batches, shown to the owner's admins and auditors", async () => {
    await ledgerAccessEvents(fx.db.sql);
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const auditor = await fx.viewer("citizen", "auditor");
    await readDataset({ viewer: energyAdmin, datasetId: "energy.load" });
    await readDataset({ viewer: { kind: "guest" }, datasetId: "traffic.flow" });
    const pending = await fx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_event WHERE batch_id IS NULL`);
    expect(pending[0].n).toBe(2);
    expect(await ledgerAccessEvents(fx.db.sql)).toBe(2);
    expect(await ledgerAccessEvents(fx.db.sql)).toBe(0);
    const [batch] = await fx.db.sql.query<{ id: string; leaf_index: number; events_hash: string; count: number }>(`SELECT id, leaf_index, events_hash, count FROM access_batch ORDER BY created_at DESC, leaf_index DESC LIMIT 1`);
    const [leaf] = await fx.db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE leaf_index = $1`, [batch.leaf_index]);
    expect(decodeEntry(new Uint8Array(leaf.entry))).toMatchObject({ kind: "access.v1", batch: batch.id, count: 2, events: batch.events_hash });
    // The hash is recomputable from the event rows.
    const rows = await fx.db.sql.query<Parameters<typeof eventsHash>[0][number]>(
      `SELECT id, at, user_id, department_id, role, dataset_id, owner_department_id, basis, grant_id, scope, action, record_count, range_from, range_until FROM access_event WHERE batch_id = $1 ORDER BY id`,
      [batch.id],
    );
    expect(eventsHash(rows)).toBe(batch.events_hash);
    expect(canonicalJsonBytes([]).length).toBe(2);

    const own = await listAccessEvents({ viewer: energyAdmin });
    expect(own.events[0]).toMatchObject({ datasetId: "energy.load", basis: "ownership", userId: energyAdmin.userId, batchId: batch.id, leafIndex: Number(batch.leaf_index) });
    expect(own.events.every((e) => e.ownerDepartmentId === "energy")).toBe(true);
    expect((await refusal(listAccessEvents({ viewer: trafficAdmin, department: "energy" }))).code).toBe("forbidden");
    expect((await refusal(listAccessEvents({ viewer: await fx.viewer("energy", "official") }))).code).toBe("forbidden");
    const all = await listAccessEvents({ viewer: auditor });
    expect(new Set(all.events.map((e) => e.ownerDepartmentId))).toEqual(new Set(["energy", "traffic", "safety"]));
    // Auditors filter the log by reader, reader's department, dataset and grant.
    const byUser = await listAccessEvents({ viewer: auditor, user: energyAdmin.userId });
    expect(byUser.events.length).toBeGreaterThan(0);
    expect(byUser.events.every((e) => e.userId === energyAdmin.userId)).toBe(true);
    const byReader = await listAccessEvents({ viewer: auditor, reader: "traffic", dataset: "energy.load" });
    expect(byReader.events.every((e) => e.departmentId === "traffic" && e.datasetId === "energy.load")).toBe(true);
    const withGrant = all.events.find((e) => e.grantId);
    if (withGrant) {
      const byGrant = await listAccessEvents({ viewer: auditor, grant: withGrant.grantId! });
      expect(byGrant.events.length).toBeGreaterThan(0);
      expect(byGrant.events.every((e) => e.grantId === withGrant.grantId)).toBe(true);
    }
    // A date range: everything at or after the newest event's instant is that event and later ones; before it, none of them.
    const newest = all.events[0];
    const since = await listAccessEvents({ viewer: auditor, from: newest.at });
    expect(since.events.length).toBeGreaterThan(0);
    expect(since.events.every((e) => e.at >= newest.at)).toBe(true);
    const until = await listAccessEvents({ viewer: auditor, to: newest.at });
    expect(until.events.every((e) => e.at < newest.at)).toBe(true);
    expect(since.events.length + until.events.length).toBe(all.events.length);
    // Grouped by reader and by dataset: the groups add up to the events, each the events it stands for.
    const byReaderGroups = await groupAccessEvents({ viewer: auditor, by: "reader" });
    expect(byReaderGroups.groups.reduce((n, g) => n + g.events, 0)).toBe(all.events.length);
    const energyAdminGroup = byReaderGroups.groups.find((g) => g.key === energyAdmin.userId)!;
    expect(energyAdminGroup.events).toBe(byUser.events.length);
    expect(energyAdminGroup.label).toMatch(/<.+@.+>/);
    expect(energyAdminGroup.departmentId).toBe("energy");
    const byDatasetGroups = await groupAccessEvents({ viewer: energyAdmin, by: "dataset" });
    expect(byDatasetGroups.groups.map((g) => g.key).sort()).toEqual([...new Set(own.events.map((e) => e.datasetId))].sort());
    const byHour = await groupAccessEvents({ viewer: auditor, by: "hour" });
    expect(byHour.groups.every((g) => /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/.test(g.key!))).toBe(true);
    expect((await refusal(groupAccessEvents({ viewer: trafficAdmin, department: "energy", by: "reader" }))).code).toBe("forbidden");
    // The CSV export: a header, one line per event the viewer may see, values as listed.
    const { csv, events } = await exportAccessEventsCsv({ viewer: energyAdmin });
    const lines = csv.replace(/^\ufeff/, "").trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,at,userId,user,departmentId,role,datasetId,ownerDepartmentId,basis,grantId,scope,action,count,from,until,batchId,leafIndex");
    expect(events).toBe(own.events.length);
    expect(lines.length).toBe(own.events.length + 1);
    expect(lines[1].startsWith(`${own.events[0].id},${own.events[0].at},${energyAdmin.userId},`)).toBe(true);
    expect(lines.slice(1).every((l) => l.split(",")[7] === "energy")).toBe(true);
  });
});
