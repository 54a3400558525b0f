import { z } from "zod";

/**
 * One route's contract. Route handlers parse with these schemas and the OpenAPI 3.1
 * document is generated from the same objects, so the two cannot drift apart.
 */
export type RouteSpec = {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template, e.g. /api/devices/{id} */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; contentType?: string; description?: string };
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
};

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

export function defineRoute<R extends RouteSpec>(spec: R): R {
  return spec;
}

const jsonSchema = (s: z.ZodType) => z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any", io: "output" });

function parameters(where: "path" | "query", obj?: z.ZodObject) {
  if (!obj) return [];
  const shape = obj.shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([name, s]) => {
    const schema = z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any", io: "input" }) as Record<string, unknown>;
    const { description, ...rest } = schema;
    delete rest.$schema;
    return {
      name,
      in: where,
      required: where === "path" || !s.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** Builds the OpenAPI 3.1 document for the given routes. */
export function buildOpenApi(routes: RouteSpec[], info: { title: string; version: string; description: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        ...(res.schema ? { content: { [res.contentType ?? "application/json"]: { schema: strip(jsonSchema(res.schema)) } } } : {}),
      };
    }
    responses["400"] ??= { description: "Invalid input; the message names the field", content: { "application/json": { schema: strip(jsonSchema(ErrorSchema)) } } };
    responses["500"] ??= { description: "Unexpected error (no internals are returned)", content: { "application/json": { schema: strip(jsonSchema(ErrorSchema)) } } };
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[{}]/g, "").replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      parameters: [...parameters("path", r.params), ...parameters("query", r.query)],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              ...(r.body.description ? { description: r.body.description } : {}),
              content: { [r.body.contentType ?? "application/json"]: { schema: strip(jsonSchema(r.body.schema)) } },
            },
          }
        : {}),
      responses,
    };
  }
  return { openapi: "3.1.0", info, paths };
}

function strip(s: unknown) {
  const o = { ...(s as Record<string, unknown>) };
  delete o.$schema;
  return o;
}
