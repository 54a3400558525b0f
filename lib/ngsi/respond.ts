import { AppError } from "../errors";
import { CONTEXT_PATH, contextLink } from "./context";

/** The console's public origin as a request sees it (for the @context link). */
export function originOf(req: Request): string {
  return new URL(req.url).origin;
}

/**
 * An NGSI-LD JSON answer: with `Accept: application/ld+json` the body carries "@context"
 * (each entity of an array, or the object); otherwise it is application/json and the context
 * travels in a Link header. An Accept that allows neither is 406.
 */
export function ngsiJson(req: Request, body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  const accept = (req.headers.get("accept") ?? "*/*").toLowerCase();
  const ld = accept.includes("application/ld+json");
  if (!ld && !accept.includes("application/json") && !accept.includes("*/*") && !accept.includes("application/*")) {
    throw new AppError("validation", `Accept: ${accept} is not served`, "Accept: only application/json and application/ld+json are served", { ngsiType: "https://uri.etsi.org/ngsi-ld/errors/NotAcceptable", status: 406 });
  }
  const ctx = `${originOf(req)}${CONTEXT_PATH}`;
  const withCtx = (o: unknown) => (o && typeof o === "object" && !Array.isArray(o) ? { ...(o as object), "@context": ctx } : o);
  const out = ld ? (Array.isArray(body) ? body.map(withCtx) : withCtx(body)) : body;
  const headers: Record<string, string> = { "content-type": ld ? "application/ld+json" : "application/json", "cache-control": "private, no-store", ...(init.headers ?? {}) };
  if (!ld) headers.link = contextLink(originOf(req));
  return new Response(JSON.stringify(out), { status: init.status ?? 200, headers });
}

/**
 * A path parameter percent-decoded (an entity or subscription id is a URI with ':' and may come
 * encoded); 400 when its encoding is broken or it holds U+0000.
 */
export function pathId(raw: string, name = "id"): string {
  let v: string;
  try {
    v = decodeURIComponent(raw);
  } catch {
    throw new AppError("validation", `${name}: broken percent-encoding`, `${name}: broken percent-encoding`);
  }
  if (v.includes("\u0000")) throw new AppError("validation", `${name}: contains U+0000`, `${name}: contains U+0000`);
  if (v.length > 2000) throw new AppError("validation", `${name}: longer than 2000 characters`, `${name}: longer than 2000 characters`);
  return v;
}
