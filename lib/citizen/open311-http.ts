// The HTTP side of Open311: encodes records in the asked format and maps every error to the
// spec's error body with the right status (a field error names the field; never a 500 body
// that leaks anything).
import { ZodError } from "zod";
import { AppError } from "../errors";
import { CONTENT_TYPE, errorBody, toXml, toXmlObject, type Open311Format, type XmlValue } from "./open311-format";

const STATUS: Record<string, number> = { validation: 400, unprocessable: 400, not_found: 404, payload_too_large: 413, rate_limited: 429, forbidden: 403, unauthenticated: 403, conflict: 409, unavailable: 503 };

export function open311Error(format: Open311Format, e: unknown): Response {
  if (e instanceof ZodError) {
    const d = e.issues.map((i) => `${i.path.join(".") || "(request)"}: ${i.message}`);
    return new Response(errorBody(format, 400, d), { status: 400, headers: { "content-type": CONTENT_TYPE[format] } });
  }
  if (e instanceof AppError) {
    const status = STATUS[e.code] ?? 500;
    const retry = (e.details as { retryAfter?: number } | undefined)?.retryAfter;
    return new Response(errorBody(format, status, [status === 500 ? "internal error" : e.userMessage]), {
      status,
      headers: { "content-type": CONTENT_TYPE[format], ...(retry ? { "retry-after": String(retry) } : {}) },
    });
  }
  console.error("open311: unexpected error", e);
  return new Response(errorBody(format, 500, ["internal error"]), { status: 500, headers: { "content-type": CONTENT_TYPE[format] } });
}

/** Runs `fn` and answers its records as a list (`root`/`item` name the XML elements), or its error. */
export async function open311List(format: Open311Format, root: string, item: string, fn: () => Promise<Record<string, XmlValue>[]> | Record<string, XmlValue>[], status = 200): Promise<Response> {
  try {
    const records = await fn();
    const body = format === "json" ? JSON.stringify(records) : toXml(root, item, records);
    return new Response(body, { status, headers: { "content-type": CONTENT_TYPE[format] } });
  } catch (e) {
    return open311Error(format, e);
  }
}

/** Runs `fn` and answers its one object (service definition, discovery), or its error. */
export async function open311Object(format: Open311Format, root: string, fn: () => Promise<Record<string, XmlValue>> | Record<string, XmlValue>): Promise<Response> {
  try {
    const value = await fn();
    const body = format === "json" ? JSON.stringify(value) : toXmlObject(root, value);
    return new Response(body, { headers: { "content-type": CONTENT_TYPE[format] } });
  } catch (e) {
    return open311Error(format, e);
  }
}
