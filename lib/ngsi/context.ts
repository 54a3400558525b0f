/**
 * The console's JSON-LD @context for its NGSI-LD entities, served by the console itself at
 * CONTEXT_PATH (no client or server has to fetch anything from elsewhere to expand a term).
 * Each Smart Data Models term maps to the IRI the model's own context.jsonld gives it (the
 * copies in lib/ngsi/smart-data-models/, checked by context.test.ts); the NGSI-LD core terms
 * the entities use map into https://uri.etsi.org/ngsi-ld/ as in the core context; the
 * console's own attributes (no Smart Data Model has them) live under CITY_NS.
 */
export const NGSI_LD_NS = "https://uri.etsi.org/ngsi-ld/";
export const CITY_NS = "https://city-brain.example/ngsi-ld/terms/";
export const CONTEXT_PATH = "/ngsi-ld/v1/contexts/city-brain.jsonld";

const SDM = "https://smartdatamodels.org/";

type SdmModel = "Transportation" | "Alert" | "Device" | "Energy";

/**
 * Terms of the Smart Data Models the entities use, by the model whose context names them: its
 * own terms (`dataModel.<Model>/<term>`) and terms all models share (`<term>`).
 */
const MODEL_TERMS: Record<SdmModel, { own: string[]; shared: string[] }> = {
  Transportation: { own: ["TrafficFlowObserved", "intensity", "occupancy", "averageVehicleSpeed", "refRoadSegment"], shared: ["dateObserved", "name", "dataProvider"] },
  Alert: { own: ["Alert", "category", "subCategory", "severity", "alertSource", "dateIssued", "validTo"], shared: ["validFrom"] },
  Device: { own: ["Device", "Camera", "controlledProperty", "deviceCategory", "deviceState", "dateLastValueReported", "on", "cameraUsage"], shared: [] },
  Energy: { own: ["ACMeasurement", "phaseType", "totalActivePower", "refDevice"], shared: [] },
};

/** Each Smart Data Models term with its IRI and the model context it comes from. */
export const SDM_TERMS: Record<string, { iri: string; model: SdmModel }> = Object.fromEntries(
  (Object.entries(MODEL_TERMS) as [SdmModel, { own: string[]; shared: string[] }][]).flatMap(([model, t]) => [
    ...t.own.map((term) => [term, { iri: `${SDM}dataModel.${model}/${term}`, model }] as const),
    ...t.shared.map((term) => [term, { iri: `${SDM}${term}`, model }] as const),
  ]),
);

/** The console's own attributes (values the models have no attribute for). */
export const CITY_TERMS = [
  "roadSegment", "incidentStatus", "lanesBlocked", "incidentType", "feeder", "utilisation", "voltageKv",
  "vehiclesPerMin", "pedestriansPerMin", "videoAlert", "onlineShare", "headingDeg", "dataset", "scope", "aggregatedDevices",
] as const;

/** The NGSI-LD core terms the entities and answers use (as the core context names them). */
const CORE: Record<string, unknown> = {
  "ngsi-ld": NGSI_LD_NS,
  geojson: "https://purl.org/geojson/vocab#",
  id: "@id",
  type: "@type",
  Property: "ngsi-ld:Property",
  Relationship: "ngsi-ld:Relationship",
  GeoProperty: "ngsi-ld:GeoProperty",
  value: "ngsi-ld:hasValue",
  object: { "@id": "ngsi-ld:hasObject", "@type": "@id" },
  observedAt: { "@id": "ngsi-ld:observedAt", "@type": "DateTime" },
  unitCode: "ngsi-ld:unitCode",
  location: "ngsi-ld:location",
  DateTime: "ngsi-ld:DateTime",
  Point: "geojson:Point",
  coordinates: { "@container": "@list", "@id": "geojson:coordinates" },
  Subscription: "ngsi-ld:Subscription",
  Notification: "ngsi-ld:Notification",
  EntityTypeList: "ngsi-ld:EntityTypeList",
  typeList: { "@id": "ngsi-ld:typeList", "@type": "@vocab" },
};

/** The context document served at CONTEXT_PATH. */
export function contextDocument(): { "@context": Record<string, unknown> } {
  const ctx: Record<string, unknown> = { ...CORE };
  for (const [term, t] of Object.entries(SDM_TERMS)) ctx[term] = t.iri;
  for (const term of CITY_TERMS) ctx[term] = `${CITY_NS}${term}`;
  return { "@context": ctx };
}

/** Expands a type or attribute name given as a full IRI back to the term (a short name stays as it is). */
export function compactTerm(name: string): string {
  if (!name.includes("/") && !name.includes(":")) return name;
  for (const [term, t] of Object.entries(SDM_TERMS)) if (t.iri === name) return term;
  if (name.startsWith(CITY_NS)) return name.slice(CITY_NS.length);
  if (name.startsWith("ngsi-ld:")) return name.slice(8);
  return name;
}

/** The Link header that names the console's context (JSON answers carry it instead of an @context member). */
export function contextLink(origin: string): string {
  return `<${origin}${CONTEXT_PATH}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;
}
