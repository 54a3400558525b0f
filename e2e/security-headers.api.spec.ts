import { expect, test } from "@playwright/test";
import { E2E_PORT } from "./config";

// Every page and every route of the OpenAPI document answers with the console's security
// headers (lib/http/security-headers.ts, set by proxy.ts); pages carry a nonce-based CSP
// whose nonce is on Next.js's own scripts; non-public data is never cached.
const BASE = `http://127.0.0.1:${E2E_PORT}`;
const PAGES = ["/", "/wall", "/sign-in", "/verify", "/audit", "/api-docs", "/admin/grants", "/admin/access", "/admin/rules", "/admin/devices", "/admin/dead-letters", "/provenance/reading/0", "/provenance/sources?dataset=traffic.sensors"];
const PUBLIC = [/^\/ledger\//, /^\/api\/city(?:\/|$)/, /^\/api\/openapi\.json$/, /^\/api\/health$/, /^\/api\/ledger\/info$/, /^\/ngsi-ld\/v1\/contexts\//];
const SAMPLE: Record<string, string> = { id: "1", leaf: "0", layer: "traffic", resource: "checkpoint" };

/** Headers only: the body is cancelled (the event stream never ends). */
async function headersOf(method: string, path: string): Promise<{ status: number; headers: Headers; text: string | null }> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: method === "GET" ? {} : { origin: BASE, "content-type": "application/json" },
    body: method === "GET" ? undefined : "{}",
    redirect: "manual",
  });
  const text = res.headers.get("content-type")?.includes("text/html") ? await res.text() : (await res.body?.cancel(), null);
  return { status: res.status, headers: res.headers, text };
}

function expectCommon(where: string, h: Headers) {
  expect(h.get("x-frame-options"), where).toBe("DENY");
  expect(h.get("x-content-type-options"), where).toBe("nosniff");
  expect(h.get("referrer-policy"), where).toBe("no-referrer");
  expect(h.get("permissions-policy"), where).toContain("camera=()");
  expect(h.get("content-security-policy"), where).toContain("frame-ancestors 'none'");
  expect(h.get("strict-transport-security"), `${where}: no HSTS over plain http`).toBeNull();
}

test.describe("security headers", () => {
  test("every page: nonce CSP on Next.js's scripts, no framing, not cached", async () => {
    for (const p of PAGES) {
      const { status, headers, text } = await headersOf("GET", p);
      expect(status, p).toBeLessThan(500);
      expectCommon(p, headers);
      const csp = headers.get("content-security-policy")!;
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, `${p}: ${csp}`).toBeTruthy();
      expect(csp).toContain("'strict-dynamic'");
      expect(csp).toContain("worker-src 'self' blob:");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(headers.get("cache-control"), p).toContain("no-store");
      // Every script element Next.js wrote carries this response's nonce.
      const scripts = [...(text ?? "").matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, p).toBeGreaterThan(0);
      for (const s of scripts) expect(s, p).toContain(`nonce="${nonce}"`);
    }
  });

  test("two responses never share a nonce", async () => {
    const a = (await headersOf("GET", "/sign-in")).headers.get("content-security-policy");
    const b = (await headersOf("GET", "/sign-in")).headers.get("content-security-policy");
    expect(a).not.toBe(b);
  });

  test("every route of the OpenAPI document: headers, and no-store unless public", async () => {
    const doc = (await (await fetch(`${BASE}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    let n = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      const path = template.replace(/\{(\w+)\}/g, (_, k: string) => SAMPLE[k] ?? "1");
      for (const method of Object.keys(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const { status, headers } = await headersOf(method.toUpperCase(), path);
        expect(status, where).toBeLessThan(500);
        expectCommon(where, headers);
        expect(headers.get("content-security-policy"), where).toContain("default-src 'none'");
        if (!PUBLIC.some((re) => re.test(path))) expect(headers.get("cache-control"), where).toBe("private, no-store");
        n++;
      }
    }
    expect(n).toBeGreaterThan(40);
  });

  test("the public ledger tiles and checkpoint stay cacheable", async () => {
    const { headers } = await headersOf("GET", "/ledger/checkpoint");
    expect(headers.get("cache-control")).not.toContain("no-store");
  });
});
