import { GATEWAY_DATASET } from "../devices/device-kinds";
import { batchesTopic, readingsTopic } from "./topics";

/** What the broker knows of an authenticated device. */
export type AclDevice = { id: string; departmentId: string; datasetId: string; kind: string };

/**
 * The one topic a device may publish to: a gateway its department's gateway batches
 * (`city/<department>/gateway/batches`), any other device its own dataset's readings
 * (`city/<department>/<dataset>/readings`).
 */
export function ownTopic(d: AclDevice): string {
  return d.kind === "gateway" || d.datasetId === GATEWAY_DATASET ? batchesTopic(d.departmentId) : readingsTopic(d.departmentId, d.datasetId);
}

/** Why a device's publish is refused, or null when it is allowed. */
export function publishRefusal(d: AclDevice, topic: string, retain: boolean): string | null {
  if (retain) return "retained messages are not accepted";
  if (topic.startsWith("$")) return `topic ${JSON.stringify(topic.slice(0, 200))} is reserved`;
  const own = ownTopic(d);
  if (topic !== own) return `device ${d.id} may publish only to ${own}, not ${JSON.stringify(topic.slice(0, 200))}`;
  return null;
}

/**
 * Devices subscribe to nothing: the console sends them nothing over MQTT, readings are never
 * relayed, and $SYS (which lists client ids) is closed to them.
 */
export function subscribeRefusal(d: AclDevice, filter: string): string {
  return `device ${d.id} may not subscribe (to ${JSON.stringify(filter.slice(0, 200))}): the broker relays nothing to devices`;
}
