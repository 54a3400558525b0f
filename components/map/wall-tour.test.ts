import { describe, expect, it } from "vitest";
import type { AccessNote } from "@/lib/api/map-specs";
import { layerVisible, WALL_LAYER_CYCLE, wallCycle, wallKpis, wallStep } from "./wall-tour";

const denied = (datasetId: string) => ({ datasetId, allowed: false, ownerDepartmentId: "x", code: "sign_in", reason: "r" }) as AccessNote;
const allowed = (datasetId: string, basis = "public") => ({ datasetId, allowed: true, basis }) as AccessNote;

describe("the wall's tour", () => {
  it("tours every layer for a viewer who sees them all", () => {
    expect(wallCycle([allowed("traffic.flow"), allowed("energy.load", "grant"), allowed("safety.incidents", "ownership"), allowed("reports.citizen", "grant")])).toEqual(WALL_LAYER_CYCLE);
  });
  it("leaves out the layers a guest cannot see: traffic alone, once", () => {
    const guest = [allowed("traffic.flow"), denied("energy.load"), denied("safety.incidents"), denied("safety.cameras"), denied("reports.citizen")];
    expect(wallCycle(guest)).toEqual([["traffic"]]);
    expect(layerVisible("safety", guest)).toBe(false);
    expect(layerVisible("citizen", guest)).toBe(false);
  });
  it("keeps a layer whose secondary dataset only is hidden, and drops repeated sets", () => {
    const traffic = [allowed("traffic.flow"), allowed("energy.load", "grant"), denied("safety.incidents"), denied("safety.cameras"), denied("reports.citizen")];
    expect(wallCycle(traffic)).toEqual([["traffic"], ["energy"], ["traffic", "energy"]]);
    expect(wallCycle([allowed("traffic.flow"), denied("safety.cameras")])).toEqual(WALL_LAYER_CYCLE);
  });
  it("tours the citizen-reports layer on its own step only for a viewer who may read reports.citizen", () => {
    const granted = [allowed("traffic.flow"), denied("energy.load"), denied("safety.incidents"), allowed("reports.citizen", "grant")];
    expect(wallCycle(granted)).toEqual([["traffic"], ["citizen"]]);
  });
  it("shows public traffic only until access is known", () => {
    expect(wallCycle(undefined)).toEqual([["traffic"]]);
  });
  it("steps through the city and each district with the cycle's sets", () => {
    const cycle = [["traffic"], ["energy"]] as const;
    expect([0, 1, 2, 3].map((i) => wallStep(i, 2, cycle.map((c) => [...c]))).map((s) => `${s.district}:${s.layers.join("+")}`)).toEqual(["-1:traffic", "0:energy", "1:traffic", "-1:energy"]);
  });
  it("keeps only the KPI tiles the viewer may read", () => {
    expect(wallKpis(["speed", "load", "incidents"], [denied("energy.load"), allowed("safety.incidents", "grant")])).toEqual(["speed", "incidents"]);
    expect(wallKpis(["speed", "load"], undefined)).toEqual(["speed", "load"]);
  });
});
