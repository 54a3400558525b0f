import { describe, expect, it } from "vitest";
import type { AccessNote } from "@/lib/api/map-specs";
import { en, zh } from "@/lib/i18n/messages";
import { basisLines, exportFileName } from "./export-png";

const at = Date.parse("2026-12-04T16:45:30.000Z");

describe("PNG export", () => {
  it("names the file by the city's local time (UTC+8 across midnight), mode and layers", () => {
    expect(exportFileName({ at, utcOffsetMinutes: 480, live: true, layers: ["traffic", "safety"] })).toBe("city-brain-2026-12-05-0045-UTC+08-live-traffic-safety.png");
    expect(exportFileName({ at, utcOffsetMinutes: 0, live: false, layers: [] })).toBe("city-brain-2026-12-04-1645-UTC+00-replay-base.png");
    expect(exportFileName({ at, utcOffsetMinutes: -330, live: true, layers: ["energy"] })).toBe("city-brain-2026-12-04-1115-UTC-0530-live-energy.png");
  });
  it("states the viewer's basis for each dataset of the layers shown, in the UI language", () => {
    const notes = [
      { datasetId: "traffic.flow", allowed: true, basis: "public" },
      { datasetId: "safety.incidents", allowed: true, basis: "grant", level: "anonymized", grantId: "grt_1" },
      { datasetId: "safety.cameras", allowed: false, ownerDepartmentId: "safety", code: "no_grant", reason: "no grant" },
      { datasetId: "energy.load", allowed: true, basis: "ownership" },
    ] as AccessNote[];
    const t = (k: keyof typeof en) => en[k];
    expect(basisLines(["traffic", "safety"], notes, t, "en")).toEqual([
      "Road traffic flow: public",
      expect.stringMatching(/^Public safety incidents: anonymized: .* \(grant grt_1\)$/),
      "Road cameras: hidden",
    ]);
    expect(basisLines(["energy"], notes, (k) => zh[k], "zh-CN")).toEqual([expect.stringMatching(/：本部门$/)]);
    expect(basisLines(["energy"], undefined, t, "en")).toEqual([]);
  });
  it("names the citizen-reports layer and its dataset's basis in both languages", () => {
    const notes = [{ datasetId: "reports.citizen", allowed: false, ownerDepartmentId: "citizen", code: "no_grant", reason: "no grant" }] as AccessNote[];
    expect(basisLines(["citizen"], notes, (k) => en[k], "en")).toEqual(["Citizen reports: hidden"]);
    expect(basisLines(["citizen"], notes, (k) => zh[k], "zh-CN")).toEqual(["市民诉求：不可见"]);
    expect(exportFileName({ at, utcOffsetMinutes: 480, live: true, layers: ["citizen"] })).toBe("city-brain-2026-12-05-0045-UTC+08-live-citizen.png");
    expect(zh["layer.citizen"]).toBe("市民上报");
  });
});
