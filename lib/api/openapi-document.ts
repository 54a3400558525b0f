import { buildOpenApi, type RouteSpec } from "../http/openapi";
import * as specs from "./specs";

/** All documented routes, in the order the API page lists them. */
export const ROUTES: RouteSpec[] = (Object.values(specs) as unknown[]).filter(
  (v): v is RouteSpec => typeof v === "object" && v !== null && "method" in v && "path" in v,
);

let cached: ReturnType<typeof buildOpenApi> | undefined;

/** The console's OpenAPI 3.1 document, generated from the routes' zod schemas. */
export function openApiDocument() {
  cached ??= buildOpenApi(ROUTES, {
    title: "City Brain console API",
    version: "0.1.0",
    description: "HTTP API of the City Brain console. Every input is validated; errors carry the field path.",
  });
  return cached;
}
