import tls from "node:tls";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { makeDeviceToken } from "./device-token";

export type DeviceCredentials = {
  /** The device id: client id and user name. */
  device: string;
  /** Signs with the device's registered Ed25519 key (the token's signature). */
  sign: (m: Uint8Array) => Uint8Array;
  /** PEM of the CA the broker's certificate chains to (the embedded broker's DATA_DIR/secrets/mqtt-tls/ca.crt). */
  ca?: string;
  /** Token lifetime, seconds (default one hour); a fresh token is made for every (re)connect. */
  tokenSeconds?: number;
};

/**
 * MQTT options of a device connecting as real devices do (issue 13): client id and user name
 * = device id, password = a short-lived token signed with the device key, the broker's
 * certificate checked against `ca`.
 */
export function deviceConnectOptions(c: DeviceCredentials, extra: IClientOptions = {}): IClientOptions {
  return {
    protocolVersion: 4,
    clean: true,
    ...extra,
    clientId: c.device,
    username: c.device,
    password: makeDeviceToken(c.device, c.sign, { seconds: c.tokenSeconds ?? 3600 }),
    ...(c.ca ? { ca: c.ca, secureContext: trustingOnly(c.ca) } : {}),
    rejectUnauthorized: true,
  };
}

const contexts = new Map<string, tls.SecureContext>();
/**
 * One TLS context per trusted CA, shared by every connection that trusts it: Node builds a
 * context (parsing the PEM) for each connection otherwise, 2 s of the console's thread while
 * a size-10 city's simulated devices connect.
 */
function trustingOnly(ca: string): tls.SecureContext {
  let c = contexts.get(ca);
  if (!c) contexts.set(ca, (c = tls.createSecureContext({ ca })));
  return c;
}

/** Connects a device; on every reconnect it presents a fresh token. */
export function connectDevice(url: string, c: DeviceCredentials, extra: IClientOptions = {}): MqttClient {
  const client = mqtt.connect(url, deviceConnectOptions(c, extra));
  client.on("close", () => {
    client.options.password = makeDeviceToken(c.device, c.sign, { seconds: c.tokenSeconds ?? 3600 });
  });
  return client;
}

/** Connects a device and waits for the broker's CONNACK (rejects when it refuses). */
export async function connectDeviceAsync(url: string, c: DeviceCredentials, extra: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, deviceConnectOptions(c, { reconnectPeriod: 0, ...extra }));
}
