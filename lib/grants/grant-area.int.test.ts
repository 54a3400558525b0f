// A narrowed approval with a data window and an area drawn inside the requested circle: the
// terms are stored and ledgered as approved, and a read under the grant returns exactly the
// readings inside both (checked by their values, not only by the status).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { readDataset } from "../access/read-dataset";
import { requestGrant } from "./request-grant";
import { approveGrant } from "./decide-grant";
import { getGrant, grantNotifications, listGrants } from "./list-grants";
import { distanceM } from "./terms";
import { AppError } from "../errors";

const targets = await testTargets();
const HOUR = 3_600_000;
const LAT = 37.46;
const LON = 121.45;
/** The point `m` metres east of the centre (the scoped read's own metres). */
const east = (m: number) => LON + m / (111_320 * Math.cos((LAT * Math.PI) / 180));

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("a narrowed approval with a window and an area on %s", (_n, target) => {
  let fx: AccessFixture;
  const now = Date.now();
  const hoursAgo = [5, 3, 1];
  const metresEast = [0, 300, 1200, 3000];
  /** loadMw of each marker reading: unique, so a value names its reading. */
  const marker = (ti: number, pi: number) => 100 + ti * 10 + pi;

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    await fx.addReadings(
      "energy.load",
      hoursAgo.flatMap((h, ti) =>
        metresEast.map((m, pi) => ({
          device: `area-fdr-${pi}`,
          at: new Date(now - h * HOUR),
          location: [east(m), LAT] as [number, number],
          values: { meter: "feeder", loadMw: marker(ti, pi) / 10, utilisation: 0.5 + pi / 100, voltageKv: 10 + ti / 10 },
        })),
      ),
    );
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("stores the approved window and area, and a read returns only the readings inside both", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const trafficOfficial = await fx.viewer("traffic", "official");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const asked = { lon: LON, lat: LAT, radiusM: 2500 };
    const { grant } = await requestGrant({
      viewer: trafficAdmin,
      request: {
        datasetId: "energy.load", scope: "raw", fields: ["loadMw", "utilisation"], purpose: "area e2e",
        dataFrom: new Date(now - 6 * HOUR).toISOString(), dataUntil: new Date(now).toISOString(), area: asked,
        validUntil: new Date(now + 24 * HOUR).toISOString(),
      },
    });
    expect(grant.area).toEqual(asked);

    // The owner sees who asked; a pending request is a notification.
    const notes = await grantNotifications({ viewer: energyAdmin });
    expect(notes.incoming.find((g) => g.id === grant.id)?.requestedByName).toContain(trafficAdmin.email!);

    // A circle crossing the requested edge is refused with the distances named.
    const crossing = await approveGrant({ viewer: energyAdmin, grantId: grant.id, terms: { area: { lon: east(2000), lat: LAT, radiusM: 1000 } } }).catch((e: AppError) => e);
    expect(crossing).toBeInstanceOf(AppError);
    expect((crossing as AppError).userMessage).toMatch(/area: the approved circle \(1000 m\) is not inside the requested one \(2500 m, 2000 m between the centres\)/);

    // Approved narrower: the 2 to 4 hours ago window, 600 m around a point 400 m east (inside: 400 + 600 <= 2500), loadMw only.
    const centre = { lon: east(400), lat: LAT, radiusM: 600 };
    const from = new Date(now - 4 * HOUR).toISOString();
    const until = new Date(now - 2 * HOUR).toISOString();
    const { grant: active } = await approveGrant({ viewer: energyAdmin, grantId: grant.id, terms: { fields: ["loadMw"], dataFrom: from, dataUntil: until, area: centre, validUntil: new Date(now + 6 * HOUR).toISOString() } });
    expect(active).toMatchObject({ status: "active", scope: "raw", fields: ["loadMw"], dataFrom: from, dataUntil: until, area: centre });

    // Stored: the grant row and the history keep the requested and the approved terms apart.
    const { grant: stored, history } = await getGrant({ viewer: trafficAdmin, grantId: grant.id });
    expect(stored).toMatchObject({ area: centre, dataFrom: from, dataUntil: until, requestedTerms: { area: asked, scope: "raw", fields: ["loadMw", "utilisation"] } });
    expect(history.map((h) => [h.action, (h.terms as { area: unknown }).area])).toEqual([["request", asked], ["approve", centre]]);
    expect((await listGrants({ viewer: energyAdmin, direction: "incoming", state: "active", limit: 5 })).grants.map((g) => g.id)).toContain(grant.id);

    // The read: only the 3 h ago readings at 0 m and 300 m east (400 m and 100 m from the centre); not 1200 m (800 m away) nor 3000 m, nor 5 h or 1 h ago.
    const read = await readDataset({ viewer: trafficOfficial, datasetId: "energy.load", from: new Date(now - 7 * HOUR).toISOString(), until: new Date(now).toISOString(), limit: 1000 });
    if (read.scope !== "raw") throw new Error(`scope ${read.scope}, want raw`);
    expect(read.access).toMatchObject({ basis: "grant", grantId: grant.id, area: { center: [centre.lon, centre.lat], radiusM: 600 } });
    const got = read.readings.map((r) => Math.round((r.values.loadMw as number) * 10)).sort((a, b) => a - b);
    expect(got).toEqual([marker(1, 0), marker(1, 1)]);
    for (const r of read.readings) {
      expect(Object.keys(r.values)).toEqual(["loadMw"]);
      expect(distanceM(centre, { lon: r.location[0], lat: r.location[1] })).toBeLessThanOrEqual(600);
      expect(r.observedAt >= from && r.observedAt < until).toBe(true);
    }
    // The owner reads all twelve.
    const own = await readDataset({ viewer: energyAdmin, datasetId: "energy.load", from: new Date(now - 7 * HOUR).toISOString(), until: new Date(now).toISOString(), limit: 1000 });
    if (own.scope !== "raw") throw new Error("unreachable");
    expect(own.readings.filter((r) => r.device.startsWith("area-fdr-")).length).toBe(12);
  });

  it("pages a state-filtered list with its total, and counts a short grant as nothing to act on", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { grant } = await requestGrant({ viewer: trafficAdmin, request: { datasetId: "energy.load", scope: "aggregated", purpose: `paging ${i}`, validUntil: new Date(Date.now() + 240 * HOUR).toISOString() } });
      ids.push(grant.id);
    }
    const all = await listGrants({ viewer: energyAdmin, direction: "incoming", state: "pending", limit: 2, offset: 0 });
    expect(all.total).toBeGreaterThanOrEqual(5);
    expect(all.grants).toHaveLength(2);
    const second = await listGrants({ viewer: energyAdmin, direction: "incoming", state: "pending", limit: 2, offset: 2 });
    expect(second.grants.map((g) => g.id)).not.toContain(all.grants[0].id);
    expect(all.grants.every((g) => g.status === "requested")).toBe(true);

    // Approved for 6 h (inside the 72 h warning window): not "ending soon". Approved for 10 days: not yet.
    const { grant: short } = await approveGrant({ viewer: energyAdmin, grantId: ids[0], terms: { validUntil: new Date(Date.now() + 6 * HOUR).toISOString() } });
    const notes = await grantNotifications({ viewer: energyAdmin });
    expect(notes.expiringSoon.map((g) => g.id)).not.toContain(short.id);
    expect(notes.incoming.map((g) => g.id)).not.toContain(short.id);
    // Granted for 10 days, seen 9 days later: ending soon.
    await approveGrant({ viewer: energyAdmin, grantId: ids[1] });
    const later = await grantNotifications({ viewer: energyAdmin, now: new Date(Date.now() + 216 * HOUR) });
    expect(later.expiringSoon.map((g) => g.id)).toContain(ids[1]);
    expect(later.expiringSoon.map((g) => g.id)).not.toContain(short.id);

    // Ended grants stay browsable.
    const ended = await listGrants({ viewer: energyAdmin, direction: "incoming", state: "ended" });
    expect(ended.grants.every((g) => ["revoked", "rejected", "expired"].includes(g.status))).toBe(true);
  });
});
