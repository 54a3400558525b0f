import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";

/**
 * Validates keyValues entities against the official Smart Data Models JSON Schemas shipped in
 * lib/ngsi/smart-data-models/ (CC BY 4.0, see its README). The schemas declare draft 2020-12
 * but use only keywords draft-07 has (type, enum, allOf, anyOf, oneOf, $ref, format, ranges),
 * so Ajv 6 (in node_modules through ESLint) validates them once their `$schema` line is set
 * aside; every `$ref` resolves to a shipped file by its `$id` (nothing is fetched).
 */
const DIR = path.join(process.cwd(), "lib/ngsi/smart-data-models");
const MODEL_FILES: Record<string, string> = {
  TrafficFlowObserved: "TrafficFlowObserved.schema.json",
  Alert: "Alert.schema.json",
  Device: "Device.schema.json",
  Camera: "Camera.schema.json",
  ACMeasurement: "ACMeasurement.schema.json",
};
const SHARED = ["common-schema.json", "alert-schema.json", "device-schema.json", "weather-schema.json"];

export type SdmValidator = (entity: Record<string, unknown>) => string[];

export function sdmValidator(): SdmValidator {
  const ajv = new Ajv({ allErrors: true, unknownFormats: "ignore" });
  const load = (f: string) => {
    const s = JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Record<string, unknown>;
    delete s.$schema;
    return s;
  };
  for (const f of SHARED) ajv.addSchema(load(f));
  const validators = Object.fromEntries(Object.entries(MODEL_FILES).map(([t, f]) => [t, ajv.compile(load(f))]));
  return (entity) => {
    const v = validators[String(entity.type)];
    if (!v) return [`no Smart Data Models schema for type ${String(entity.type)}`];
    if (v(entity)) return [];
    return (v.errors ?? []).map((e) => `${String(entity.id)}: ${e.dataPath || "(root)"} ${e.message}`);
  };
}
