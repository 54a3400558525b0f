// Open311 GeoReport v2 encodings: the same records as JSON (an array at the top) or XML (a
// root element holding one element per record), and the spec's error body. Pure.

export type Open311Format = "json" | "xml";
export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [k: string]: XmlValue };

/** The element name of each item of a list member (the spec's plurals). */
const ITEM: Record<string, string> = { attributes: "attribute", values: "value", endpoints: "endpoint", formats: "format", errors: "error" };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function element(name: string, v: XmlValue): string {
  if (v === null || v === undefined) return `<${name}/>`;
  if (Array.isArray(v)) return `<${name}>${v.map((x) => element(ITEM[name] ?? "item", x)).join("")}</${name}>`;
  if (typeof v === "object") return `<${name}>${Object.entries(v).map(([k, x]) => element(k, x)).join("")}</${name}>`;
  return `<${name}>${escapeXml(String(v))}</${name}>`;
}

/** An XML document: `<root>` holding one `<item>` per record. */
export function toXml(root: string, item: string, records: readonly Record<string, XmlValue>[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${records.map((r) => element(item, r)).join("")}</${root}>\n`;
}

/** A single-object XML document (service_definition, discovery). */
export function toXmlObject(root: string, value: Record<string, XmlValue>): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value)}\n`;
}

export const CONTENT_TYPE: Record<Open311Format, string> = { json: "application/json; charset=utf-8", xml: "text/xml; charset=utf-8" };

/** The spec's error body: a list of { code, description }. */
export function errorBody(format: Open311Format, status: number, descriptions: string[]): string {
  const errors = descriptions.map((description) => ({ code: status, description }));
  return format === "json" ? JSON.stringify(errors) : toXml("errors", "error", errors);
}

/** "requests.json" → ["requests", "json"]; null when the extension is neither. */
export function splitFormat(file: string): [string, Open311Format] | null {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  return m ? [m[1], m[2] as Open311Format] : null;
}
