/** An HTTP error with its status and the server's message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Fetches JSON and throws HttpError on a non-2xx answer, with the message of the API's
 * error body ({error: {message}}) or Better Auth's ({message}).
 */
export async function fetchJson<T>(url: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const res = await fetch(url, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    headers: { "content-type": "application/json", ...(rest.headers ?? {}) },
  });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string }; message?: string } | null;
  if (!res.ok) throw new HttpError(res.status, body?.error?.message ?? body?.message ?? res.statusText);
  return body as T;
}
