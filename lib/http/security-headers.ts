/**
 * The console's security headers, set on every response by proxy.ts. Pure functions: the
 * proxy passes the nonce, the path and whether the console is served over https.
 */

/** Paths whose answers are public and may be cached: the ledger's tiles and checkpoint, the generated city model, the API's own description. */
const PUBLIC_CACHEABLE = [/^\/ledger\//, /^\/api\/city(?:\/|$)/, /^\/api\/openapi\.json$/, /^\/api\/health$/, /^\/api\/ledger\/info$/, /^\/ngsi-ld\/v1\/contexts\//];

/** Is this an API or log path (answered by a route handler, not a page)? */
export const isApiPath = (path: string) =>
  path.startsWith("/api/") || path === "/api" || path.startsWith("/ledger/") || path.startsWith("/open311/") || path.startsWith("/ngsi-ld/") || path.startsWith("/oauth/");

/**
 * The Content-Security-Policy of a page. Scripts run only with this response's nonce (Next.js
 * puts it on its own scripts, read from the request's CSP header) or when loaded by such a
 * script ('strict-dynamic'). Styles allow 'unsafe-inline': React's style attributes and the
 * style elements MapLibre and deck.gl insert cannot carry a nonce, and CSS cannot run code.
 * MapLibre starts its workers from blob: URLs; deck.gl and MapLibre draw with WebGL, which CSP
 * does not govern. Nothing is loaded from another origin (README: no request leaves the machine).
 */
export function pageCsp(nonce: string, opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The CSP of an API answer: it is data, never a document that runs or embeds anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Every header the console sets on a response to `path` (CSP excluded for pages: see pageCsp). */
export function securityHeaders(path: string, opts: { https: boolean }): Record<string, string> {
  const h: Record<string, string> = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), midi=()",
    "cross-origin-opener-policy": "same-origin",
  };
  if (opts.https) h["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  if (isApiPath(path)) {
    h["content-security-policy"] = API_CSP;
    if (!PUBLIC_CACHEABLE.some((re) => re.test(path))) h["cache-control"] = "private, no-store";
  } else {
    // Pages show what the viewer may read: never stored by a browser or a proxy.
    h["cache-control"] = "private, no-store";
  }
  return h;
}

/** A fresh nonce for one response: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
