import { ZodError } from "zod";
import { AppError, type AppErrorCode } from "../errors";
import { assertNoNul } from "../api/safe-input";

/**
 * Errors of the NGSI-LD API as ETSI GS CIM 009 ProblemDetails (RFC 7807): `type` one of the
 * NGSI-LD error types, `title`, `detail` naming what is wrong. Every error the use cases throw
 * (AppError, a zod error) maps to a 4xx; anything else is a 500 InternalError that leaks nothing.
 */
const E = "https://uri.etsi.org/ngsi-ld/errors/";
const TYPES: Record<AppErrorCode, { status: number; type: string; title: string }> = {
  validation: { status: 400, type: `${E}BadRequestData`, title: "Bad request data" },
  unauthenticated: { status: 401, type: "urn:city-brain:errors:Unauthenticated", title: "Authentication required" },
  forbidden: { status: 403, type: "urn:city-brain:errors:Forbidden", title: "Not permitted" },
  not_found: { status: 404, type: `${E}ResourceNotFound`, title: "Resource not found" },
  conflict: { status: 409, type: `${E}AlreadyExists`, title: "Already exists" },
  unprocessable: { status: 422, type: `${E}OperationNotSupported`, title: "Operation not supported" },
  payload_too_large: { status: 413, type: `${E}BadRequestData`, title: "Payload too large" },
  rate_limited: { status: 429, type: "urn:city-brain:errors:TooManyRequests", title: "Too many requests" },
  unavailable: { status: 503, type: `${E}InternalError`, title: "Unavailable" },
  internal: { status: 500, type: `${E}InternalError`, title: "Internal error" },
};

/** ProblemDetails types the NGSI-LD API answers with, by name (tests and callers). */
export const NGSI_ERRORS = {
  BadRequestData: `${E}BadRequestData`,
  InvalidRequest: `${E}InvalidRequest`,
  ResourceNotFound: `${E}ResourceNotFound`,
  TooManyResults: `${E}TooManyResults`,
} as const;

/** A 400 whose ProblemDetails type is the given NGSI-LD error (InvalidRequest, TooManyResults…). */
export function ngsiBadRequest(type: keyof typeof NGSI_ERRORS, detail: string): AppError {
  return new AppError("validation", detail, detail, { ngsiType: NGSI_ERRORS[type] });
}

export function problemResponse(e: unknown): Response {
  let code: AppErrorCode = "internal";
  let detail = "internal error";
  let type: string | undefined;
  let status: number | undefined;
  if (e instanceof ZodError) {
    code = "validation";
    detail = e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  } else if (e instanceof AppError) {
    code = e.code;
    detail = e.userMessage;
    const d = e.details as { ngsiType?: string; status?: number } | undefined;
    type = d?.ngsiType;
    status = d?.status;
  } else {
    console.error("ngsi-ld: unexpected error", e);
  }
  const t = TYPES[code];
  return Response.json({ type: type ?? t.type, title: t.title, detail }, {
    status: status ?? t.status,
    headers: { "content-type": "application/json", "cache-control": "private, no-store" },
  });
}

/** Wraps an NGSI-LD route handler: NUL in any parameter is a 400, every error a ProblemDetails. */
export function ngsiHandle<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      const [req, ctx] = args as unknown as [unknown, { params?: unknown } | undefined];
      if (req instanceof Request) assertNoNul(Object.fromEntries(new URL(req.url).searchParams.entries()));
      if (ctx && typeof ctx === "object" && ctx.params) assertNoNul(await ctx.params);
      return await fn(...args);
    } catch (e) {
      return problemResponse(e);
    }
  };
}
