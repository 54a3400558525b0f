import type { Intake, MessageContext } from "../ingest/intake";
import { refuse } from "../ingest/refusal";
import { parseTopic, type IntakeTopic } from "./topics";

/** Where a topic's messages go, and the context they are checked and dead-lettered with. */
export type MqttRoute = { topic: string; parsed: IntakeTopic | null; ctx: MessageContext };

/** The route of a topic's messages from `from` (a client or a broker); a transport may keep it for the next message. */
export function mqttRoute(topic: string, from: string): MqttRoute {
  const parsed = parseTopic(topic);
  const source = { transport: "mqtt" as const, detail: `${topic.slice(0, 200)} from ${from}` };
  return { topic, parsed, ctx: parsed?.kind === "readings" ? { source, topicDepartment: parsed.department, topicDataset: parsed.dataset } : { source, topicDepartment: parsed?.department } };
}

/**
 * Hands one MQTT message to the intake by its topic. Resolves once the message is stored
 * (as readings or as a dead letter), which is when it may be acknowledged; rejects when it
 * could not be stored (the message must then not be acknowledged, so the sender resends).
 */
export async function dispatchMqttMessage(intake: Intake, topic: string, payload: Uint8Array, from: string): Promise<void> {
  return dispatchRouted(intake, mqttRoute(topic, from), payload);
}

/** dispatchMqttMessage with the topic's route already made (the embedded broker keeps one per client and topic). */
export async function dispatchRouted(intake: Intake, route: MqttRoute, payload: Uint8Array): Promise<void> {
  const t = route.parsed;
  if (!t) {
    await intake.refuseMessage(
      payload,
      refuse("schema", `topic ${JSON.stringify(route.topic.slice(0, 200))} is not an intake topic (city/<department>/<dataset>/readings or city/<department>/gateway/batches)`, "topic"),
      { source: route.ctx.source },
    );
    return;
  }
  if (t.kind === "readings") await intake.submitReading(payload, route.ctx);
  else await intake.submitGatewayBatch(payload, route.ctx);
}
