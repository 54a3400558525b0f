/**
 * MQTT topics of the intake, one per department and dataset:
 *   city/<department>/<dataset>/readings   one signed reading per message (JSON)
 *   city/<department>/gateway/batches      one signed gateway batch per message (JSON)
 */
export type IntakeTopic = { kind: "readings"; department: string; dataset: string } | { kind: "batches"; department: string };

export const READINGS_FILTER = "city/+/+/readings";
export const BATCHES_FILTER = "city/+/gateway/batches";

export const readingsTopic = (department: string, dataset: string) => `city/${department}/${dataset}/readings`;
export const batchesTopic = (department: string) => `city/${department}/gateway/batches`;

/** The intake topic a message was published to, or null when it is not one. */
export function parseTopic(topic: string): IntakeTopic | null {
  const p = topic.split("/");
  if (p.length !== 4 || p[0] !== "city" || !p[1] || !p[2]) return null;
  if (p[2] === "gateway" && p[3] === "batches") return { kind: "batches", department: p[1] };
  if (p[3] === "readings" && p[2] !== "gateway") return { kind: "readings", department: p[1], dataset: p[2] };
  return null;
}
