/**
 * The browser's one way to call the console's API: JSON in and out, and a non-2xx answer
 * thrown as an HttpError with the status, the API's error code and message (lib/http's error
 * body `{error: {code, message}}`, or Better Auth's `{code, message}`).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The API's error code ("forbidden", "validation", …); "http" when the answer had none. */
    readonly code = "http",
  ) {
    super(message);
    this.name = "HttpError";
  }
}

type ErrorBody = { error?: { code?: string; message?: string }; code?: string; message?: string } | null;

/** Fetches JSON (`json` is sent as the body) and throws HttpError on any status other than 2xx. */
export async function fetchJson<T>(url: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const res = await fetch(url, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    headers: { "content-type": "application/json", ...(rest.headers ?? {}) },
  });
  const body = (await res.json().catch(() => null)) as ErrorBody;
  if (!res.ok) throw new HttpError(res.status, body?.error?.message ?? body?.message ?? `${url}: HTTP ${res.status}`, body?.error?.code ?? body?.code ?? "http");
  return body as T;
}

/** GET JSON: fetchJson without a body. */
export const getJson = <T,>(url: string, init?: RequestInit) => fetchJson<T>(url, init);

/** Retry transient failures only: a 4xx answer will not change by asking again. */
export function retryTransient(failures: number, error: unknown): boolean {
  if (error instanceof HttpError && error.status >= 400 && error.status < 500) return false;
  return failures < 3;
}
