/** An HTTP error with the status and the server's message (lib/http/respond.ts's error body). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** GET JSON; throws HttpError on any status other than 2xx (TanStack Query then shows the error). */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) {
    let code = "http", message = `${url}: HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.message) message = body.error.message;
      if (body.error?.code) code = body.error.code;
    } catch {
      /* not JSON */
    }
    throw new HttpError(res.status, code, message);
  }
  return res.json() as Promise<T>;
}

/** Retry transient failures only: a 4xx answer will not change by asking again. */
export function retryTransient(failures: number, error: unknown): boolean {
  if (error instanceof HttpError && error.status >= 400 && error.status < 500) return false;
  return failures < 3;
}
