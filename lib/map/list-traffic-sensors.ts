import type { Viewer } from "../access/viewer";
import { accessInfo, checkRead } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { withinArea } from "../access/scope-sql";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import { inBbox } from "./traffic-index";
import { trafficSet } from "./registry-sensors";

/** Traffic sensors the viewer may see, with the geometry of their segments. */
export async function listTrafficSensors(opts: { viewer: Viewer; bbox?: [number, number, number, number] }) {
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, "traffic.flow");
  const list = [...(await trafficSet(db.sql, getCity())).byId.values()];
  const sensors = list.filter((s) => (!opts.bbox || inBbox(s.position, opts.bbox)) && withinArea(s.position, basis.area));
  await recordRead(db.sql, opts.viewer, basis, { action: "traffic.sensors", count: sensors.length });
  return { sensors, access: accessInfo(basis) };
}
