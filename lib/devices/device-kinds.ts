/** Kinds of device the registry accepts; a gateway forwards any dataset of its department ("*"). */
export const DEVICE_KINDS = ["traffic-sensor", "feeder-meter", "production-meter", "camera", "dispatch-terminal", "gateway", "other"] as const;
export type DeviceKindName = (typeof DEVICE_KINDS)[number];
/** The dataset id a gateway is registered with. */
export const GATEWAY_DATASET = "*";
