// Every request: security headers and, for pages, a nonce-based Content-Security-Policy
// (Next.js reads the nonce from the request's CSP header and puts it on its own scripts).
import { NextResponse, type NextRequest } from "next/server";
import { isApiPath, newNonce, pageCsp, securityHeaders } from "./lib/http/security-headers";

const https = (process.env.AUTH_URL ?? "").startsWith("https://");
const dev = process.env.NODE_ENV !== "production";

export function proxy(request: NextRequest) {
  const path = request.nextUrl.pathname;
  const headers = securityHeaders(path, { https });
  let res: NextResponse;
  if (isApiPath(path)) {
    res = NextResponse.next();
  } else {
    const nonce = newNonce();
    const csp = pageCsp(nonce, { dev });
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("x-nonce", nonce);
    requestHeaders.set("content-security-policy", csp);
    res = NextResponse.next({ request: { headers: requestHeaders } });
    headers["content-security-policy"] = csp;
  }
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

export const config = {
  // Next.js's own static files are public, hashed and immutable: they keep Next.js's headers.
  matcher: [{ source: "/((?!_next/static|_next/image).*)" }],
};
