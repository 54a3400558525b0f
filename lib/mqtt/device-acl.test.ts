import { describe, expect, it } from "vitest";
import { ownTopic, publishRefusal } from "./device-acl";

const sensor = { id: "trf-1", departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor" };
const gateway = { id: "gw-1", departmentId: "energy", datasetId: "*", kind: "gateway" };

describe("device topics", () => {
  it("a device publishes to its dataset's readings topic, a gateway to its department's batches, nothing else", () => {
    expect(ownTopic(sensor)).toBe("city/traffic/traffic.flow/readings");
    expect(ownTopic(gateway)).toBe("city/energy/gateway/batches");
    expect(publishRefusal(sensor, "city/traffic/traffic.flow/readings", false)).toBeNull();
    expect(publishRefusal(gateway, "city/energy/gateway/batches", false)).toBeNull();
    expect(publishRefusal(sensor, "city/traffic/traffic.flow/readings", true)).toMatch(/retained/);
    for (const t of ["city/energy/traffic.flow/readings", "city/traffic/gateway/batches", "city/traffic/energy.load/readings", "x", "$SYS/broker/clients"]) {
      expect(publishRefusal(sensor, t, false), t).not.toBeNull();
    }
    expect(publishRefusal(gateway, "city/traffic/gateway/batches", false)).toMatch(/may publish only to city\/energy\/gateway\/batches/);
  });
});
