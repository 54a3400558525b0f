import { describe, expect, it } from "vitest";
import { entityFromRow, keyValues, normalized } from "./entities";
import { deviceIdOfEntity, readingOfEntity } from "./entity-readings";

// What the console itself serves for one traffic sensor, in both forms: the bridge reads back
// what the console (or another console) writes.
const row = { key: "trf-000007", device_id: "trf-000007", observed_at: new Date("2026-05-01T08:00:00.000Z"), leaf_index: 9, lon: 121.4, lat: 37.5, payload: { segmentId: "seg-12", speedKmh: 42.5, flowVehH: 900, occupancy: 0.25 } };
const served = entityFromRow("TrafficFlowObserved", row, "traffic")!;
const want = {
  entityId: "urn:ngsi-ld:TrafficFlowObserved:trf-000007", datasetId: "traffic.flow", observedAt: "2026-05-01T08:00:00.000Z",
  location: [121.4, 37.5], values: { speedKmh: 42.5, flowVehH: 900, occupancy: 0.25 }, segmentId: "seg-12",
};

describe("NGSI-LD entities as readings (ngsi:bridge)", () => {
  it("reads the console's own TrafficFlowObserved back, normalized and keyValues", () => {
    expect(readingOfEntity(normalized(served, null))).toEqual({ reading: want });
    expect(readingOfEntity(keyValues(served, null))).toEqual({ reading: want });
  });

  it("takes expanded attribute names, m/s speeds, an interval's end, and leaves out what is absent", () => {
    const e = {
      "@id": "urn:ngsi-ld:TrafficFlowObserved:ZGZ-1", "@type": ["https://smartdatamodels.org/dataModel.Transportation/TrafficFlowObserved"],
      "https://uri.etsi.org/ngsi-ld/location": { type: "GeoProperty", value: { type: "Point", coordinates: [-0.88, 41.65] } },
      "https://smartdatamodels.org/dataModel.Transportation/averageVehicleSpeed": { type: "Property", value: 12.5, unitCode: "MTS" },
      dateObserved: { type: "Property", value: { "@type": "DateTime", "@value": "2026-05-01T07:00:00Z/2026-05-01T07:15:00Z" } },
    };
    expect(readingOfEntity(e)).toEqual({ reading: { entityId: "urn:ngsi-ld:TrafficFlowObserved:ZGZ-1", datasetId: "traffic.flow", observedAt: "2026-05-01T07:15:00.000Z", location: [-0.88, 41.65], values: { speedKmh: 45 } } });
  });

  it("skips, with the reason, what cannot be a reading", () => {
    const kv = keyValues(served, null);
    expect(readingOfEntity({ ...kv, type: "Alert" })).toEqual({ skip: "type Alert is not mapped (mapped: TrafficFlowObserved)", entityId: want.entityId });
    expect(readingOfEntity({ ...kv, averageVehicleSpeed: "fast" })).toMatchObject({ skip: "averageVehicleSpeed is missing or not a number" });
    expect(readingOfEntity({ ...kv, location: { type: "Polygon", coordinates: [] } })).toMatchObject({ skip: "location is not a GeoJSON Point [lon, lat]" });
    expect(readingOfEntity({ ...kv, dateObserved: "yesterday" })).toMatchObject({ skip: expect.stringMatching(/^no observation time/) });
    expect(readingOfEntity({ ...normalized(served, null), averageVehicleSpeed: { type: "Property", value: 40, unitCode: "KNT" } })).toMatchObject({ skip: "averageVehicleSpeed unitCode KNT is not KMH or MTS" });
    expect(readingOfEntity([])).toEqual({ skip: "an entity must be a JSON object" });
    expect(readingOfEntity({ type: "TrafficFlowObserved" })).toEqual({ skip: "the entity has no id" });
  });

  it("makes device ids from entity ids, or none", () => {
    expect(deviceIdOfEntity("urn:ngsi-ld:TrafficFlowObserved:ZGZ-1", "ngsi-")).toBe("ngsi-TrafficFlowObserved:ZGZ-1");
    expect(deviceIdOfEntity("urn:ngsi-ld:TrafficFlowObserved:a b", "ngsi-")).toBeNull();
    expect(deviceIdOfEntity("x".repeat(130), "")).toBeNull();
  });
});
