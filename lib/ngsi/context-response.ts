import { notFound } from "../errors";
import { CONTEXT_PATH, contextDocument } from "./context";

/** The context document named `name` (only city-brain.jsonld), public and cacheable. */
export function contextResponse(name: string): Response {
  if (name !== CONTEXT_PATH.split("/").pop()) throw notFound("@context", name);
  return new Response(JSON.stringify(contextDocument(), null, 2), {
    headers: { "content-type": "application/ld+json", "cache-control": "public, max-age=3600" },
  });
}
