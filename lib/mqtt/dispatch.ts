import type { Intake } from "../ingest/intake";
import { refuse } from "../ingest/refusal";
import { parseTopic } from "./topics";

/**
 * Hands one MQTT message to the intake by its topic. Resolves once the message is stored
 * (as readings or as a dead letter), which is when it may be acknowledged; rejects when it
 * could not be stored (the message must then not be acknowledged, so the sender resends).
 */
export async function dispatchMqttMessage(intake: Intake, topic: string, payload: Uint8Array, from: string): Promise<void> {
  const t = parseTopic(topic);
  const source = { transport: "mqtt" as const, detail: `${topic.slice(0, 200)} from ${from}` };
  if (!t) {
    await intake.refuseMessage(payload, refuse("schema", `topic ${JSON.stringify(topic.slice(0, 200))} is not an intake topic (city/<department>/<dataset>/readings or city/<department>/gateway/batches)`, "topic"), { source });
    return;
  }
  if (t.kind === "readings") {
    await intake.submitReading(payload, { source, topicDepartment: t.department, topicDataset: t.dataset });
  } else {
    await intake.submitGatewayBatch(payload, { source, topicDepartment: t.department });
  }
}
