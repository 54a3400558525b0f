/** An HTTP error with its status and the API's message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Fetches JSON and throws HttpError on a non-2xx answer (with the API's error message). */
export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...(init?.headers ?? {}) } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new HttpError(res.status, (body as { error?: { message?: string } } | null)?.error?.message ?? res.statusText);
  return body as T;
}
