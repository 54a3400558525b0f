import { describe, expect, it } from "vitest";
import type { EnergyFeatures, EnergyLatest, IncidentState, SafetyFeatures, SafetyLatest } from "@/lib/api/map-specs";
import { cameraAlarms, incidentAlarms, newSevere, openBySeverity, orderAlarms, outageAlarms, type Alarm } from "./alarms";

const inc = (id: string, severity: number, startedAt: string, status: IncidentState["status"] = "reported"): IncidentState => ({
  id, type: "accident", severity, status, startedAt, endedAt: "2026-12-05T10:00:00.000Z", segmentId: "seg-1", lanesBlocked: 1, position: [121.4, 37.5], observedAt: startedAt, leafIndex: 1,
});

describe("alarms", () => {
  it("lists open incidents newest first, the more severe first at the same instant, resolved ones not at all", () => {
    const list = orderAlarms(
      incidentAlarms([
        inc("inc-a", 3, "2026-12-05T08:00:00.000Z"),
        inc("inc-b", 1, "2026-12-05T08:05:00.000Z", "responding"),
        inc("inc-c", 2, "2026-12-05T08:05:00.000Z"),
        inc("inc-d", 1, "2026-12-05T08:10:00.000Z", "resolved"),
      ]),
    );
    expect(list.map((a) => a.id)).toEqual(["inc-b", "inc-c", "inc-a"]);
    expect(list[0]).toMatchObject({ kind: "incident", severity: 1, status: "responding", position: [121.4, 37.5] });
  });
  it("clamps severities outside 1..3 and drops a duplicate id", () => {
    const a = incidentAlarms([inc("inc-x", 0, "2026-12-05T08:00:00.000Z"), inc("inc-y", 7, "2026-12-05T07:00:00.000Z")]);
    expect(a.map((x) => x.severity)).toEqual([1, 3]);
    expect(orderAlarms([...a, ...a])).toHaveLength(2);
  });
  it("counts open incidents by severity as the list shows them (the KPI tile's numbers)", () => {
    const incidents = [
      inc("inc-a", 3, "2026-12-05T08:00:00.000Z"), inc("inc-b", 1, "2026-12-05T08:05:00.000Z", "responding"),
      inc("inc-c", 0, "2026-12-05T08:05:00.000Z"), inc("inc-d", 1, "2026-12-05T08:10:00.000Z", "resolved"), inc("inc-e", 2, "2026-12-05T08:11:00.000Z"),
    ];
    expect(openBySeverity(incidents)).toEqual({ s1: 2, s2: 1, s3: 1 });
    const listed = incidentAlarms(incidents);
    expect(listed.filter((a) => a.severity === 1)).toHaveLength(openBySeverity(incidents).s1);
    expect(openBySeverity(null)).toEqual({ s1: 0, s2: 0, s3: 0 });
  });
  it("takes camera alerts of online cameras at the camera's position, and nothing without the cameras' data", () => {
    const f = { cameras: { ids: ["cam-1", "cam-2", "cam-3"], position: [1, 2, 3, 4, 5, 6], headingDeg: [0, 0, 0] } } as unknown as SafetyFeatures;
    const l = {
      cameras: { ids: ["cam-1", "cam-2", "cam-3"], online: [true, false, true], alert: ["fire", "accident", "none"], observedAt: ["2026-12-05T08:00:00.000Z", "x", "y"], vehiclesPerMin: [], pedestriansPerMin: [], leafIndex: [] },
    } as unknown as SafetyLatest;
    expect(cameraAlarms(f, l)).toEqual([{ id: "cam-1", kind: "camera", severity: 2, type: "fire", status: null, at: "2026-12-05T08:00:00.000Z", position: [1, 2] }]);
    expect(cameraAlarms(f, { ...l, cameras: null } as SafetyLatest)).toEqual([]);
  });
  it("places a feeder outage on its path's middle vertex", () => {
    const f = { feeders: { ids: ["fdr-1", "fdr-2"], startIndices: [0, 2, 5], path: [0, 0, 1, 1, 10, 10, 11, 11, 12, 12] } } as unknown as EnergyFeatures;
    const l = { to: "2026-12-05T09:00:00.000Z", outages: ["fdr-2"], feeders: { ids: ["fdr-2"], observedAt: ["2026-12-05T08:59:00.000Z"] } } as unknown as EnergyLatest;
    expect(outageAlarms(f, l)).toEqual([{ id: "fdr-2", kind: "outage", severity: 2, type: "outage", status: null, at: "2026-12-05T08:59:00.000Z", position: [11, 11] }]);
  });
  it("announces severity-1 alarms that are new since the last look, none on the first look", () => {
    const a: Alarm[] = orderAlarms(incidentAlarms([inc("inc-1", 1, "2026-12-05T08:00:00.000Z"), inc("inc-2", 2, "2026-12-05T08:01:00.000Z"), inc("inc-3", 1, "2026-12-05T08:02:00.000Z")]));
    expect(newSevere(null, a)).toEqual([]);
    expect(newSevere(new Set(["inc-1"]), a).map((x) => x.id)).toEqual(["inc-3"]);
    expect(newSevere(new Set(["inc-1", "inc-3"]), a)).toEqual([]);
  });
});
