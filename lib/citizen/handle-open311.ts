// Routes an Open311 GeoReport v2 request (path under /open311/v2/) to its function and
// answers in the format its extension names.
import { loadConfig } from "../config";
import { AppError } from "../errors";
import { clientAddress, parseTrustedProxies } from "../http/client-address";
import { MAX_PHOTO_BYTES, MAX_PHOTOS } from "./report-input";
import { CONTENT_TYPE, errorBody, splitFormat } from "./open311-format";
import { open311Error, open311List, open311Object } from "./open311-http";
import { createRequest, discovery, getRequest, getToken, listRequests, listServices, serviceDefinition } from "./open311";

const KEY = Symbol.for("city-brain.open311-trusted");
function addressOf(req: Request): string {
  const g = globalThis as { [KEY]?: ReturnType<typeof parseTrustedProxies> };
  return clientAddress(req, (g[KEY] ??= parseTrustedProxies(loadConfig().TRUSTED_PROXIES)));
}

/** The largest report body: every photo at its limit, and room for the fields and multipart framing. */
const MAX_BODY_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024;

const notFound = (what: string) => new Response(errorBody("json", 404, [`${what}: no such Open311 resource (see /open311/v2/discovery.json)`]), { status: 404, headers: { "content-type": CONTENT_TYPE.json } });

export async function handleOpen311(req: Request, path: string[]): Promise<Response> {
  const url = new URL(req.url);
  const query = Object.fromEntries(url.searchParams.entries());
  const lang = query.locale === "zh-CN" ? "zh-CN" : "en";
  const last = splitFormat(path[path.length - 1] ?? "");
  if (!last || path.length > 2) return notFound(path.join("/"));
  const [name, format] = last;
  const route = path.length === 1 ? name : `${path[0]}/*`;
  if (req.method === "POST") {
    if (route !== "requests") return open311Error(format, new AppError("not_found", `${path.join("/")}: only requests.${format} takes POST`));
    return open311List(format, "service_requests", "request", async () => {
      const length = Number(req.headers.get("content-length") ?? NaN);
      if (!Number.isSafeInteger(length)) throw new AppError("validation", "content-length: required (a report's body is read whole, up to its limit)");
      if (length > MAX_BODY_BYTES) throw new AppError("payload_too_large", `request body: ${length} bytes, at most ${MAX_BODY_BYTES} (${MAX_PHOTOS} photos of ${MAX_PHOTO_BYTES} bytes and the fields)`);
      let form: FormData;
      try {
        form = await req.formData();
      } catch {
        throw new AppError("validation", "request body: must be application/x-www-form-urlencoded or multipart/form-data");
      }
      return (await createRequest({ form, clientAddress: addressOf(req) })).records;
    }, 201);
  }
  switch (route) {
    case "discovery":
      return open311Object(format, "discovery", () => discovery(url.origin));
    case "services":
      return open311List(format, "services", "service", () => listServices(lang));
    case "requests":
      return open311List(format, "service_requests", "request", () => listRequests(query));
    case "services/*":
      return open311Object(format, "service_definition", () => serviceDefinition(name, lang));
    case "requests/*":
      return open311List(format, "service_requests", "request", () => getRequest(name, lang));
    case "tokens/*":
      return open311List(format, "service_requests", "request", () => getToken(name));
    default:
      return notFound(path.join("/"));
  }
}
