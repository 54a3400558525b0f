import type { Viewer } from "../access/viewer";
import { checkRead } from "../access/check-read";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import { inBbox, trafficIndex } from "./traffic-index";

/** Traffic sensors the viewer may see, with the geometry of their segments. */
export async function listTrafficSensors(opts: { viewer: Viewer; bbox?: [number, number, number, number] }) {
  const db = await getDb();
  await checkRead(db.sql, opts.viewer, "traffic.flow");
  const { list } = trafficIndex(getCity());
  return { sensors: opts.bbox ? list.filter((s) => inBbox(s.position, opts.bbox)) : list };
}
