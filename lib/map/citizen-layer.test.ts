import { describe, expect, it } from "vitest";
import { SERVICES } from "../citizen/service-catalogue";
import { CITIZEN_LAYER_CODES, reportSpan, reportState } from "./citizen-layer";

const row = { id: "r1", service_code: "pothole", department_id: "traffic", lon: 121.123456, lat: 31.234567, created_at: new Date("2026-12-01T08:00:00Z"), confirmed_at: new Date("2026-12-01T09:00:00Z"), leaf_index: "42" };

describe("citizen-reports layer builders", () => {
  it("draws the catalogue's categories that are not safety ones (those join the safety layer)", () => {
    expect(CITIZEN_LAYER_CODES).toEqual(SERVICES.filter((s) => !s.safety).map((s) => s.code));
    expect(CITIZEN_LAYER_CODES).toEqual(expect.arrayContaining(["pothole", "streetlight", "illegal_parking", "noise"]));
    for (const code of ["fire_hazard", "flooding", "public_order", "traffic_signal", "power_outage"]) expect(CITIZEN_LAYER_CODES).not.toContain(code);
  });
  it("shows a report at its public, coarsened position, never the exact point", () => {
    expect(reportState(row)).toEqual({
      id: "r1", serviceCode: "pothole", department: "traffic", position: [121.123, 31.235],
      createdAt: "2026-12-01T08:00:00.000Z", confirmedAt: "2026-12-01T09:00:00.000Z", leafIndex: 42,
    });
  });
  it("replays a report until it was closed within the window, standing when closed after it", () => {
    const to = new Date("2026-12-01T12:00:00Z");
    expect(reportSpan({ ...row, closed_at: new Date("2026-12-01T11:00:00Z"), closed_by: "resolve" }, to).closedAt).toBe(Date.parse("2026-12-01T11:00:00Z"));
    expect(reportSpan({ ...row, closed_at: new Date("2026-12-01T13:00:00Z"), closed_by: "resolve" }, to).closedAt).toBeNull();
    expect(reportSpan({ ...row, closed_at: null, closed_by: null }, to).closedAt).toBeNull();
  });
});
