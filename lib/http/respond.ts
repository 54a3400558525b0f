import { z, ZodError } from "zod";
import { AppError, type AppErrorCode } from "../errors";
import { assertNoNul } from "../api/safe-input";

const STATUS: Record<AppErrorCode, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export type ErrorBody = {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
};

/** Maps any thrown value to a JSON error Response; unknown errors become a 500 that leaks nothing. */
export function errorResponse(e: unknown): Response {
  if (e instanceof ZodError) {
    const issues = e.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
    const first = issues[0];
    const body: ErrorBody = {
      error: { code: "validation", message: `${first.path}: ${first.message}`, issues },
    };
    return Response.json(body, { status: 400 });
  }
  if (e instanceof AppError) {
    const body: ErrorBody = { error: { code: e.code, message: e.userMessage } };
    const retryAfter = (e.details as { retryAfter?: unknown } | undefined)?.retryAfter;
    const headers: Record<string, string> = e.code === "rate_limited" && typeof retryAfter === "number" ? { "retry-after": String(retryAfter) } : {};
    return Response.json(body, { status: STATUS[e.code], headers });
  }
  console.error("unexpected error", e);
  const body: ErrorBody = { error: { code: "internal", message: "internal error" } };
  return Response.json(body, { status: 500 });
}

/**
 * Refuses a request whose query or path parameters hold U+0000 (400 naming the parameter):
 * PostgreSQL text cannot store or compare it, so it must not reach a query.
 */
async function assertCleanParams(args: unknown[]): Promise<void> {
  const [req, ctx] = args as [unknown, { params?: unknown } | undefined];
  if (req instanceof Request) assertNoNul(Object.fromEntries(new URL(req.url).searchParams.entries()));
  if (ctx && typeof ctx === "object" && ctx.params) assertNoNul(await ctx.params);
}

/** Wraps a route handler so every error goes through errorResponse (and NUL in parameters is a 400). */
export function handle<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      await assertCleanParams(args);
      return await fn(...args);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** Parses a URL's query string with a zod object schema (400 naming the field otherwise). */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(req.url).searchParams.entries());
  return schema.parse(params);
}

/** Parses a JSON body with a schema; malformed JSON is a 400 that says so. */
export async function parseJson<S extends z.ZodType>(req: Request, schema: S, opts: { optional?: boolean } = {}): Promise<z.infer<S>> {
  let body: unknown;
  try {
    const text = await req.text();
    // An optional body may be left out: an empty one reads as {} (every member defaulted).
    body = opts.optional && text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("validation", "request body is not valid JSON");
  }
  assertNoNul(body);
  return schema.parse(body);
}
