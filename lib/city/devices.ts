/**
 * Devices that later sign readings: traffic detectors on road segments, meters on feeders and
 * renewable sites, cameras (mostly at signalised intersections) and the incident dispatch
 * terminals of police stations. Every device has a stable id, an owning department and a dataset.
 */
import { bearingFromAngle, pointAlongXY, roundTo, type XY } from "./geo";
import type { EnergyBuild } from "./energy";
import type { PlacementContext } from "./placement-context";
import type { Rng } from "./random";
import type {
  Camera, DatasetId, DepartmentId, Device, DeviceKind, DispatchTerminal, FeederMeter, ProductionMeter, RoadClass, SafetyServices, TrafficSensor,
} from "./types";

/** Chance that a segment of a class carries a traffic detector. */
const SENSOR_CHANCE: Readonly<Record<RoadClass, number>> = { expressway: 0.9, arterial: 0.7, collector: 0.35, local: 0.06 };

/** Per kind: the id prefix, owning department and dataset every device of the kind shares. */
const KINDS = {
  "traffic-sensor": { prefix: "trf", departmentId: "traffic", datasetId: "traffic.flow" },
  camera: { prefix: "cam", departmentId: "safety", datasetId: "safety.cameras" },
  "feeder-meter": { prefix: "fdm", departmentId: "energy", datasetId: "energy.load" },
  "production-meter": { prefix: "prm", departmentId: "energy", datasetId: "energy.load" },
  "dispatch-terminal": { prefix: "dsp", departmentId: "safety", datasetId: "safety.incidents" },
} as const satisfies Record<DeviceKind, { prefix: string; departmentId: DepartmentId; datasetId: DatasetId }>;

/** The n-th device of a kind (from 1): its id ("trf-000123"), kind, department and dataset. */
function kindFields<K extends DeviceKind>(kind: K, n: number) {
  const { prefix, departmentId, datasetId } = KINDS[kind];
  return { id: `${prefix}-${String(n).padStart(6, "0")}`, kind, departmentId, datasetId };
}

/** Builds every device, sorted by id. */
export function buildDevices(ctx: PlacementContext, rng: Rng, energy: EnergyBuild, safety: SafetyServices): Device[] {
  const { network, build, land, proj } = ctx;
  const devices: Device[] = [];

  // Traffic detectors.
  const trafficRng = rng.fork("traffic");
  let nTraffic = 0;
  network.segments.forEach((seg, k) => {
    if (!trafficRng.chance(SENSOR_CHANCE[seg.class])) return;
    const position = roundTo(trafficRng.range(0.25, 0.75), 3);
    const { point } = pointAlongXY(build.segmentXY[k], position);
    const sensor: TrafficSensor = {
      ...kindFields("traffic-sensor", ++nTraffic),
      location: proj.toLonLat(point[0], point[1]),
      districtId: seg.districtId,
      segmentId: seg.id,
      position,
    };
    devices.push(sensor);
  });

  // Cameras: most signalised intersections, half of the interchanges, a few mid-block on major roads.
  const camRng = rng.fork("cameras");
  let nCam = 0;
  const camera = (xy: XY, segIndex: number, angle: number, nodeId?: string) => {
    const seg = network.segments[segIndex];
    const cam: Camera = {
      ...kindFields("camera", ++nCam),
      location: proj.toLonLat(xy[0], xy[1]),
      districtId: land.districtAt(xy[0], xy[1]),
      segmentId: seg.id,
      headingDeg: Math.round(bearingFromAngle(angle)),
    };
    if (nodeId) cam.nodeId = nodeId;
    devices.push(cam);
  };
  network.nodes.forEach((node, i) => {
    const p = node.signalised ? 0.8 : node.interchange ? 0.5 : 0;
    if (p === 0 || !camRng.chance(p)) return;
    const segs = ctx.incident[i];
    const k = segs.find((s) => network.segments[s].class === "arterial") ?? segs[0];
    const pts = build.segmentXY[k];
    const fromHere = network.segments[k].from === node.id;
    const a = fromHere ? pts[0] : pts[pts.length - 1];
    const b = fromHere ? pts[1] : pts[pts.length - 2];
    camera(build.nodeXY[i], k, Math.atan2(b[1] - a[1], b[0] - a[0]), node.id);
  });
  network.segments.forEach((seg, k) => {
    if ((seg.class !== "arterial" && seg.class !== "expressway") || !camRng.chance(0.05)) return;
    const { point, angle } = pointAlongXY(build.segmentXY[k], 0.5);
    camera(point, k, camRng.chance(0.5) ? angle : angle + Math.PI);
  });

  // Feeder meters at the head of each feeder.
  energy.grid.feeders.forEach((f, i) => {
    const pts = energy.feederXY[i];
    const { point } = pointAlongXY(pts, Math.min(0.5, 40 / Math.max(1, f.lengthM)));
    const meter: FeederMeter = {
      ...kindFields("feeder-meter", i + 1),
      location: proj.toLonLat(point[0], point[1]),
      districtId: land.districtAt(pts[0][0], pts[0][1]),
      feederId: f.id,
      substationId: f.substationId,
    };
    devices.push(meter);
  });

  // Production meters, one per renewable site (offshore farms belong to the nearest coastal district).
  energy.grid.renewables.forEach((site, i) => {
    const [x, y] = proj.toXY(site.location);
    const meter: ProductionMeter = {
      ...kindFields("production-meter", i + 1),
      location: site.location,
      districtId: land.districtAt(x, Math.min(y, land.coastY(x) - 100)),
      siteId: site.id,
    };
    devices.push(meter);
  });

  // Dispatch terminals at police stations.
  safety.policeStations.forEach((st, i) => {
    const terminal: DispatchTerminal = {
      ...kindFields("dispatch-terminal", i + 1),
      location: st.location,
      districtId: st.districtId,
      stationId: st.id,
    };
    devices.push(terminal);
  });

  return devices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
