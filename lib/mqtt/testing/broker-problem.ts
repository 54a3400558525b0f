import mqtt from "mqtt";

/** Why the MQTT broker at url cannot be used (for the integration tests' skip reason), or null when it answers. */
export async function brokerProblem(url: string): Promise<string | null> {
  try {
    const c = await mqtt.connectAsync(url, { connectTimeout: 2000, reconnectPeriod: 0, clientId: `probe-${process.pid}` });
    await c.endAsync(true);
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}
