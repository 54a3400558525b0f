import { describe, expect, it } from "vitest";
import type { EnergyFeatures, Frames, SafetyFeatures, TrafficFeatures, TrafficLatest } from "@/lib/api/map-specs";
import { q8 } from "@/lib/map/q8";
import { trafficBinary, trafficGeometry, trafficLayers, trafficPick, flowWidth } from "./traffic-layers";
import { energyBinary, energyGeometry, energyLayers, energyPick } from "./energy-layers";
import { safetyBinary, safetyGeometry, safetyLayers, safetyPick } from "./safety-layers";
import { applyTrafficUpdates, decodeFrames, energyFromLatest, incidentsAt, indexOf, safetyFromLatest, seriesAt, trafficAt, trafficFromLatest } from "./layer-values";
import { loadColor, NO_DATA_COLOR, responseColor, trafficColor } from "./palettes";
import { sameGeometry } from "./binary";
import { characterSetOf, labelLayer, labelsAt, labelSize } from "./label-layers";

const traffic: TrafficFeatures = {
  layer: "traffic",
  cityKey: "k",
  sensors: { ids: ["trf-1", "trf-2"], startIndices: [0, 2, 5], path: [121, 37, 121.01, 37, 121.02, 37, 121.03, 37.01, 121.04, 37.02], segmentIds: ["s1", "s2"], roadIds: ["r1", "r1"], freeFlowKmh: [50, 60], roadClass: ["arterial", "arterial"] },
  signals: { ids: ["n-1"], position: [121, 37] },
  access: [],
};
const latest: TrafficLatest = {
  layer: "traffic",
  from: "2026-11-25T07:45:00.000Z",
  to: "2026-11-25T08:00:00.000Z",
  sensors: { ids: ["trf-2"], speedKmh: [30], ratio: [0.5], flowVehH: [1800], occupancy: [0.2], observedAt: ["2026-11-25T07:59:00.000Z"], leafIndex: [7] },
  incidents: [
    { id: "inc-1", type: "accident", severity: 2, status: "responding", startedAt: "x", endedAt: "y", segmentId: "s2", lanesBlocked: 1, position: [121.02, 37], observedAt: "z", leafIndex: 3 },
    { id: "inc-2", type: "fire", severity: 1, status: "resolved", startedAt: "x", endedAt: "y", segmentId: "s2", lanesBlocked: 1, position: [121.02, 37], observedAt: "z", leafIndex: 4 },
  ],
  scoped: [],
  access: [],
};

describe("traffic layers", () => {
  it("draws collectors and local streets only from zoom 12, each set picking its own features", () => {
    const f: TrafficFeatures = { ...traffic, sensors: { ...traffic.sensors, freeFlowKmh: [40, 60] } };
    const v = trafficFromLatest(f, latest);
    const b = trafficBinary(trafficGeometry(f), v);
    expect(b.ids).toEqual(["trf-2"]);
    expect(b.minorIds).toEqual(["trf-1"]);
    expect([...b.segments.startIndices]).toEqual([0, 3]);
    expect([...(b.segments.attributes.getPath.value as Float64Array).slice(0, 2)]).toEqual([121.02, 37]);
    // Ratio 0.5 of 60 km/h: 30 km/h on an arterial, 轻度拥堵.
    expect([...(b.segments.attributes.getColor.value as Uint8Array).slice(0, 4)]).toEqual(trafficColor(30, "arterial"));
    expect([...b.minor.startIndices]).toEqual([0, 2]);
    const city = trafficLayers(b, { visible: true, zoom: 11.5 });
    const street = trafficLayers(b, { visible: true, zoom: 12, selectedId: "trf-1" });
    // At city zoom the major segments are drawn as straight segments (LineLayer), from zoom 12 as paths.
    expect(city.map((l) => [l.id, l.props.visible])).toEqual([["traffic-segments-minor", false], ["traffic-segments", false], ["traffic-segments-city", true], ["traffic-signals", false], ["traffic-incidents", true]]);
    expect(street.slice(0, 3).map((l) => l.props.visible)).toEqual([true, true, false]);
    // The path of 3 vertices (a straight line) is one city segment, coloured as its path.
    expect(b.city.length).toBe(1);
    expect([...b.cityPath]).toEqual([0]);
    expect([...(b.city.attributes.getColor.value as Uint8Array)]).toEqual(trafficColor(30, "arterial"));
    expect(trafficPick(b, "traffic-segments-city", 0, undefined)).toBe("trf-2");
    // Before the map has been at street zoom only the city layer exists.
    expect(trafficLayers(b, { visible: true, zoom: 10, streets: false }).map((l) => l.id)).toEqual(["traffic-segments-city", "traffic-signals", "traffic-incidents"]);
    expect(street[0].props.highlightedObjectIndex).toBe(0);
    expect(trafficPick(b, "traffic-segments-minor", 0, undefined)).toBe("trf-1");
    expect(trafficPick(b, "traffic-segments", 0, undefined)).toBe("trf-2");
  });
  const g = trafficGeometry(traffic);
  const values = trafficFromLatest(traffic, latest);
  it("colours every vertex of a segment by its traffic grade, thin no-data grey where there is none", () => {
    const b = trafficBinary(g, values);
    const c = b.segments.attributes.getColor.value as Uint8Array;
    expect(c.length).toBe(5 * 4);
    expect([...c.slice(0, 4)]).toEqual(NO_DATA_COLOR);
    expect([...c.slice(8, 12)]).toEqual(trafficColor(30, "arterial"));
    expect([...c.slice(16, 20)]).toEqual(trafficColor(30, "arterial"));
    expect(trafficColor(30, "arterial")).toEqual([253, 174, 97, 235]);
    const w = b.segments.attributes.getWidth.value as Float32Array;
    expect(w[0]).toBe(1);
    expect(w[4]).toBeCloseTo(flowWidth(1800), 5);
    // Only incidents that still block lanes.
    expect(b.incidents.map((i) => i.id)).toEqual(["inc-1"]);
  });
  it("draws every segment thin and grey for a moment without data (a replay before the first reading)", () => {
    const empty = { ratio: new Float32Array(2).fill(Number.NaN), flow: new Float32Array(2).fill(Number.NaN), incidents: null, count: 0 };
    for (const b of [trafficBinary(g, empty), trafficBinary(g, null)]) {
      const c = b.segments.attributes.getColor.value as Uint8Array;
      const w = b.segments.attributes.getWidth.value as Float32Array;
      for (let i = 0; i < c.length; i += 4) expect([...c.slice(i, i + 4)]).toEqual(NO_DATA_COLOR);
      expect([...w].every((x) => x === 1)).toBe(true);
    }
  });
  it("keeps the geometry buffers when values change, so only colours and widths are uploaded", () => {
    const a = trafficBinary(g, values);
    applyTrafficUpdates(values, indexOf(traffic.sensors.ids), [{ device: "trf-1", speed: 45, ratio: 0.9, observedAt: "t" }]);
    const b = trafficBinary(g, values);
    expect(b.segments.attributes.getPath).toBe(a.segments.attributes.getPath);
    expect(b.segments.startIndices).toBe(a.segments.startIndices);
    expect(b.segments.attributes.getColor.value).not.toBe(a.segments.attributes.getColor.value);
    // Ratio 0.9 of 50 km/h: 45 km/h on an arterial, 畅通.
    expect([...(b.segments.attributes.getColor.value as Uint8Array).slice(0, 4)]).toEqual(trafficColor(45, "arterial"));
    expect(trafficColor(45, "arterial")).toEqual([44, 123, 182, 235]);
    expect(values.count).toBe(2);
    // deck.gl sees the same data (no re-tessellation) and updates colours and widths by trigger.
    expect(sameGeometry(b.segments, a.segments)).toBe(true);
    expect(sameGeometry(b.segments, trafficBinary(trafficGeometry(traffic), values).segments)).toBe(false);
    const [la, lb] = [trafficLayers(a, { visible: true, zoom: 12 })[1], trafficLayers(b, { visible: true, zoom: 12 })[1]];
    expect(la.props.dataComparator).toBe(sameGeometry);
    expect(lb.props.updateTriggers.getColor).not.toBe(la.props.updateTriggers.getColor);
  });
  it("is a pure factory: visible toggles instead of removing layers, no accessor on the hot layer", () => {
    const b = trafficBinary(g, values);
    const on = trafficLayers(b, { visible: true, zoom: 14, selectedId: "trf-2" });
    const off = trafficLayers(b, { visible: false, zoom: 12 });
    expect(on.map((l) => l.id)).toEqual(["traffic-segments-minor", "traffic-segments", "traffic-segments-city", "traffic-signals", "traffic-incidents"]);
    expect(off.map((l) => l.id)).toEqual(on.map((l) => l.id));
    expect(off.every((l) => l.props.visible === false)).toBe(true);
    expect(on[3].props.visible).toBe(true);
    expect(trafficLayers(b, { visible: true, zoom: 12 })[3].props.visible).toBe(false);
    const seg = on[1];
    expect(seg.props.data).toBe(b.segments);
    expect((seg.props as { _pathType?: string })._pathType).toBe("open");
    expect(seg.props.highlightedObjectIndex).toBe(1);
    expect(trafficPick(b, "traffic-segments", 1, undefined)).toBe("trf-2");
    expect(trafficPick(b, "traffic-signals", 0, undefined)).toBe("n-1");
  });
});

const energy: EnergyFeatures = {
  layer: "energy",
  cityKey: "k",
  substations: { ids: ["sub-1"], position: [121, 37], capacityMw: [100], voltageKv: [110] },
  feeders: { ids: ["fdr-1", "fdr-2"], startIndices: [0, 3, 5], path: [121, 37, 121.01, 37, 121.01, 37.01, 121, 37, 121, 37.01], meterIds: ["fdm-1", "fdm-2"], substationIds: ["sub-1", "sub-1"], capacityMw: [10, 10] },
  renewables: { ids: ["ren-1"], position: [121.1, 37.1], meterIds: ["prm-1"], kind: ["wind"], capacityMw: [200] },
  cells: { ids: ["10", "11"], position: [121, 37, 121.01, 37], radiusM: 450 },
  access: [],
};

describe("energy layers", () => {
  it("colours feeders and substations by load against capacity, outages apart, cells by consumption", () => {
    const v = energyFromLatest(energy, {
      layer: "energy",
      from: "a",
      to: "b",
      feeders: { ids: ["fdr-1", "fdr-2"], loadMw: [9, 0], utilisation: [0.9, 0], voltageKv: [10.1, 0], observedAt: ["t", "t"], leafIndex: [1, 2] },
      renewables: { ids: ["ren-1"], productionMw: [100], capacityFactor: [0.5], observedAt: ["t"], leafIndex: [3] },
      substations: { ids: ["sub-1"], loadMw: [9], utilisation: [0.09], feedersReporting: [2] },
      cells: { ids: ["11"], loadMw: [4.5] },
      outages: ["fdr-2"],
      scoped: [],
      access: [],
    });
    const b = energyBinary(energyGeometry(energy), v);
    const fc = b.feeders.attributes.getColor.value as Uint8Array;
    expect([...fc.slice(0, 4)]).toEqual(loadColor(0.9, 230));
    expect(fc[12]).toBe(204); // outage (fdr-2's first vertex): reddish purple
    expect([...(b.substations.attributes.getFillColor.value as Uint8Array).slice(0, 4)]).toEqual(loadColor(0.09, 255));
    const cells = b.cells.attributes.getFillColor.value as Uint8Array;
    // One colour per corner of each cell's ring (7: closed).
    expect(cells.length).toBe(2 * 7 * 4);
    expect(cells[3]).toBe(0); // no data: transparent
    expect(cells[7 * 4 + 3]).toBeGreaterThan(0);
    expect(cells[13 * 4 + 3]).toBe(cells[7 * 4 + 3]);
    const layers = energyLayers(b, { visible: true, zoom: 12, selectedId: "sub-1" });
    expect(layers.map((l) => l.id)).toEqual(["energy-cells", "energy-feeders", "energy-feeders-city", "energy-substations", "energy-renewables"]);
    expect(layers.map((l) => l.props.visible)).toEqual([true, true, false, true, true]);
    expect(layers[3].props.highlightedObjectIndex).toBe(0);
    expect(energyPick(b, "energy-feeders", 1)).toBe("fdr-2");
    // Below zoom 12 the simplified feeders, in the same colours; the full ones only once the map has been at street zoom.
    const city = energyLayers(b, { visible: true, zoom: 10, streets: false });
    expect(city.map((l) => [l.id, l.props.visible])).toEqual([["energy-cells", true], ["energy-feeders-city", true], ["energy-substations", true], ["energy-renewables", true]]);
    // As straight segments (a LineLayer): fdr-1's two, then fdr-2's one, each in its feeder's colour and width.
    expect(b.feedersCity.length).toBe(3);
    const cc = b.feedersCity.attributes.getColor.value as Uint8Array;
    expect([...cc.slice(0, 4)]).toEqual(loadColor(0.9, 230));
    expect([...cc.slice(4, 8)]).toEqual(loadColor(0.9, 230));
    expect(cc[8]).toBe(204);
    expect([...(b.feedersCity.attributes.getWidth.value as Float32Array)]).toEqual([3, 3, 6]);
    expect(energyPick(b, "energy-feeders-city", 1)).toBe("fdr-1");
    expect(energyPick(b, "energy-feeders-city", 2)).toBe("fdr-2");
    // A selected feeder is drawn whole over its segments at city zoom.
    const sel = energyLayers(b, { visible: true, zoom: 10, streets: false, selectedId: "fdr-1" });
    const hi = sel.find((l) => l.id === "energy-feeder-selected");
    expect(hi?.props.visible).toBe(true);
    expect([...((hi?.props.data as unknown as { attributes: { getPath: { value: Float64Array } } }).attributes.getPath.value)]).toEqual([121, 37, 121.01, 37, 121.01, 37.01]);
    expect(energyLayers(b, { visible: true, zoom: 13, selectedId: "fdr-1" }).some((l) => l.id === "energy-feeder-selected")).toBe(false);
    // The same selection drawn again keeps its buffers; another feeder is new data.
    const again = energyLayers(b, { visible: true, zoom: 10, streets: false, selectedId: "fdr-1" }).find((l) => l.id === "energy-feeder-selected")!;
    const other = energyLayers(b, { visible: true, zoom: 10, streets: false, selectedId: "fdr-2" }).find((l) => l.id === "energy-feeder-selected")!;
    const same = hi!.props.dataComparator as (a: unknown, b: unknown) => boolean;
    expect(same(hi!.props.data, again.props.data)).toBe(true);
    expect(same(hi!.props.data, other.props.data)).toBe(false);
    expect(energyPick(b, "energy-renewables", 0)).toBe("ren-1");
  });
});

const safety: SafetyFeatures = {
  layer: "safety",
  cityKey: "k",
  stations: { ids: ["pol-001", "fire-001"], position: [121, 37, 121.1, 37], kind: ["police-bureau", "fire-station"] },
  coverage: { ids: ["1", "2"], position: [121, 37, 121.01, 37], radiusM: 450, policeMin: [3, 14], fireMin: [6, 9] },
  cameras: { ids: ["cam-1", "cam-2"], position: [121, 37, 121.02, 37], headingDeg: [0, 90] },
  access: [],
};

describe("safety layers", () => {
  it("draws coverage for the chosen service, cameras by state and stations with glyphs", () => {
    const v = safetyFromLatest(safety, {
      layer: "safety",
      from: "a",
      to: "b",
      incidents: [],
      cameras: { ids: ["cam-2"], online: [true], alert: ["accident"], vehiclesPerMin: [3], pedestriansPerMin: [4], observedAt: ["t"], leafIndex: [1] },
      scoped: [],
      access: [],
    });
    expect([...v.cameraState]).toEqual([255, 3]);
    // Incidents without cameras (a viewer who may not see them) still count as drawn data.
    const inc = latest.incidents![0];
    const only = safetyFromLatest(safety, { layer: "safety", from: "a", to: "b", incidents: [inc, { ...inc, id: "inc-9" }], cameras: null, scoped: [], access: [] });
    expect(only.count).toBe(2);
    const g = safetyGeometry(safety);
    const police = safetyBinary(g, v, "police", { "police-bureau": "警", "fire-station": "消" });
    const fire = safetyBinary(g, v, "fire", {});
    // The second cell's ring starts at corner 7.
    expect([...(police.coverage.attributes.getFillColor.value as Uint8Array).slice(28, 32)]).toEqual(responseColor(14));
    expect([...(fire.coverage.attributes.getFillColor.value as Uint8Array).slice(28, 32)]).toEqual(responseColor(9));
    expect(police.coverage.startIndices).toEqual(Uint32Array.of(0, 7, 14));
    expect(police.stationLabels.map((s) => s.text)).toEqual(["警", "消"]);
    const layers = safetyLayers(police, { visible: true, zoom: 13 });
    expect(layers.map((l) => l.id)).toEqual(["safety-coverage", "safety-cameras", "safety-stations", "safety-station-glyphs", "safety-incidents"]);
    expect(safetyPick(police, "safety-stations", 1, undefined)).toBe("fire-001");
    expect(safetyPick(police, "safety-cameras", 0, undefined)).toBe("cam-1");
    // The glyphs' font atlas is built once: the same character set for every update.
    expect(police.stationLabels.length).toBe(2);
    expect(safetyBinary(g, v, "police", { "police-bureau": "警", "fire-station": "消" }).glyphChars).toBe(police.glyphChars);
    expect([...police.glyphChars].sort()).toEqual(["消", "警"]);
  });
  it("draws stations as small dots without glyphs at city zoom", () => {
    const b = safetyBinary(safetyGeometry(safety), null, "police", { "police-bureau": "警", "fire-station": "消" });
    const city = safetyLayers(b, { visible: true, zoom: 10.5 });
    const street = safetyLayers(b, { visible: true, zoom: 12 });
    const radius = (l: (typeof city)[number]) => (l.props as { getRadius?: unknown }).getRadius as number;
    expect(radius(city[2])).toBeLessThan(radius(street[2]));
    expect(city[3].props.visible).toBe(false);
    expect(street[3].props.visible).toBe(true);
  });
});

describe("place labels", () => {
  const labels = [
    { text: "芝罘区", position: [121, 37] as [number, number], rank: 0, angle: 0, minZoom: 9 },
    { text: "南大街", position: [121.02, 37] as [number, number], rank: 1, angle: 0, minZoom: 13 },
  ];
  it("shows each label from its own zoom, with one character set for every zoom", () => {
    expect(labelsAt(labels, 10).map((l) => l.text)).toEqual(["芝罘区"]);
    expect(labelsAt(labels, 13).length).toBe(2);
    const all = characterSetOf(labels.map((l) => l.text));
    expect(characterSetOf(["南大街", "芝罘区"])).toBe(all);
    expect(labelLayer(labelsAt(labels, 10), { characterSet: all }).props.characterSet).toBe(all);
    expect(all.has("街")).toBe(true);
  });

  it("thins labels by collision: the more important first, no overlaps, no name repeated close by", () => {
    const road = (text: string, lon: number, lat: number, angle = 0) => ({ text, position: [lon, lat] as [number, number], rank: 1, angle, minZoom: 11 });
    const set = [
      // Two expressways 300 m apart, in parallel: at zoom 12 their names would overlap.
      road("沈海高速", 121.3, 37.5), road("荣乌高速", 121.3, 37.5027),
      // One name every 2.5 km along a road: at zoom 11 they repeat within a few hundred pixels.
      road("港城大街", 121.4, 37.45), road("港城大街", 121.428, 37.45), road("港城大街", 121.6, 37.45),
      { text: "芝罘区", position: [121.5, 37.55] as [number, number], rank: 0, angle: 0, minZoom: 9 },
    ];
    const at12 = labelsAt(set, 12).map((l) => l.text);
    expect(at12[0]).toBe("芝罘区");
    expect(at12.filter((t) => t.endsWith("高速"))).toEqual(["沈海高速"]);
    expect(at12.filter((t) => t === "港城大街")).toHaveLength(2);
    // Zoomed in, they part: both expressways show.
    expect(labelsAt(set, 16).map((l) => l.text)).toEqual(expect.arrayContaining(["沈海高速", "荣乌高速"]));
    // Placed boxes never overlap, whatever the zoom.
    for (const z of [11, 12, 13, 14, 15]) {
      const placed = labelsAt(set, z);
      expect(new Set(placed.map((l) => `${l.text}@${l.position.join()}`)).size).toBe(placed.length);
    }
  });

  it("with a view, leaves out labels not wholly inside it (none cut at its edge), before collision", () => {
    // At zoom 12 a degree of longitude is 512·2¹²/360 ≈ 5825 px; at 37°N a degree of latitude ≈ 7294 px.
    const px = (dx: number, dy: number): [number, number] => [121 + dx / 5825.4, 37 - dy / 7294];
    const set = [
      { text: "芝罘区", position: px(0, 0), rank: 0, angle: 0, minZoom: 9 },
      // About 150 px wide, its anchor 190 px right of the centre: it runs past a 400 px view's edge.
      { text: "Laishan District", position: px(190, 80), rank: 0, angle: 0, minZoom: 9 },
      // A street name under it, wholly inside the view: placed only when the district name is left out.
      { text: "港城大街", position: px(160, 80), rank: 1, angle: 0, minZoom: 11 },
    ];
    expect(labelsAt(set, 12).map((l) => l.text)).toEqual(["芝罘区", "Laishan District"]);
    const view = { center: [121, 37] as [number, number], zoom: 12, width: 400, height: 300 };
    expect(labelsAt(set, 12, 1, view).map((l) => l.text)).toEqual(["芝罘区", "港城大街"]);
    // The same view, wider: the district name fits again and wins over the street.
    expect(labelsAt(set, 12, 1, { ...view, width: 800 }).map((l) => l.text)).toEqual(["芝罘区", "Laishan District"]);
    // A view to the north: the district names below its bottom edge are left out.
    expect(labelsAt(set, 12, 1, { ...view, center: px(0, -140) }).map((l) => l.text)).toEqual([]);
  });

  it("draws Chinese street names larger than Latin ones, and larger again at zoom 15", () => {
    const zh = { text: "南大街", rank: 1 }, en = { text: "Nan Street", rank: 1 };
    expect(labelSize(zh, 12)).toBeGreaterThan(labelSize(en, 12));
    expect(labelSize(zh, 15)).toBeGreaterThanOrEqual(17);
    expect(labelsAt([{ ...zh, position: [121, 37], angle: 0, minZoom: 11 }], 15)[0].size).toBe(labelSize(zh, 15));
    expect(labelsAt([{ ...zh, position: [121, 37], angle: 0, minZoom: 11 }], 15, 1.5)[0].size).toBe(labelSize(zh, 15) * 1.5);
  });
});

describe("replay frames", () => {
  const frames: Frames = {
    layer: "traffic",
    from: "2026-11-25T00:00:00.000Z",
    to: "2026-11-25T00:15:00.000Z",
    bucketS: 300,
    count: 3,
    // Series ids in another order than the features: decoding maps them back.
    series: { ratio: { ids: ["trf-2", "trf-1"], q: q8([0.5, 0.9, Number.NaN, 0.8, 0.2, 0.3], 0.004) }, flow: { ids: ["trf-2", "trf-1"], q: q8([600, 1200, 0, 0, 60, 60], 60) } },
    incidents: [{ id: "inc-1", type: "accident", severity: 1, startedAt: "s", endedAt: "e", segmentId: "s1", lanesBlocked: 1, position: [121, 37], changes: [[Date.parse("2026-11-25T00:02:00Z"), "reported"], [Date.parse("2026-11-25T00:06:00Z"), "responding"], [Date.parse("2026-11-25T00:09:00Z"), "resolved"]] }],
    scoped: [],
    access: [],
  };
  const d = decodeFrames(frames, { ratio: traffic.sensors.ids, flow: traffic.sensors.ids });
  it("picks the bucket of a moment and maps series ids to the features' order", () => {
    const v = trafficAt(traffic, d, Date.parse("2026-11-25T00:05:30Z"));
    expect(v.ratio[0]).toBeCloseTo(0.8, 2); // trf-1: second column of the series
    expect(v.ratio[1]).toBeNaN(); // trf-2 had no reading in that bucket
    expect(v.count).toBe(1);
    expect(seriesAt(d, "ratio", 2, 2)[0]).toBeCloseTo(0.3, 2);
  });
  it("replays incidents by their status changes, keeping resolved ones for 15 minutes", () => {
    expect(incidentsAt(d.incidents, Date.parse("2026-11-25T00:01:00Z"))).toEqual([]);
    expect(incidentsAt(d.incidents, Date.parse("2026-11-25T00:07:00Z"))![0].status).toBe("responding");
    expect(incidentsAt(d.incidents, Date.parse("2026-11-25T00:20:00Z"))![0].status).toBe("resolved");
    expect(incidentsAt(d.incidents, Date.parse("2026-11-25T00:30:00Z"))).toEqual([]);
  });
});
