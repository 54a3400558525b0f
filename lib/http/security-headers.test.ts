import { describe, expect, it } from "vitest";
import { newNonce, pageCsp, securityHeaders } from "./security-headers";

describe("security headers", () => {
  it("HSTS only over https", () => {
    expect(securityHeaders("/", { https: true })["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(securityHeaders("/", { https: false })["strict-transport-security"]).toBeUndefined();
  });
  it("no-store on data APIs and pages, not on the public ledger and city model", () => {
    for (const p of ["/api/devices", "/api/map/layers/traffic/latest", "/api/auth/me", "/admin/grants", "/"]) expect(securityHeaders(p, { https: false })["cache-control"]).toBe("private, no-store");
    for (const p of ["/ledger/checkpoint", "/ledger/tile/0/000", "/api/city/style", "/api/openapi.json"]) expect(securityHeaders(p, { https: false })["cache-control"]).toBeUndefined();
  });
  it("NGSI-LD answers are API answers: no-store, but the @context documents are public", () => {
    expect(securityHeaders("/ngsi-ld/v1/entities", { https: false })["cache-control"]).toBe("private, no-store");
    expect(securityHeaders("/ngsi-ld/v1/entities", { https: false })["content-security-policy"]).toContain("default-src 'none'");
    expect(securityHeaders("/ngsi-ld/v1/contexts/city-brain.jsonld", { https: false })["cache-control"]).toBeUndefined();
  });
  it("a page's CSP allows scripts by nonce only, MapLibre's blob workers, and no framing", () => {
    const n = newNonce();
    const csp = pageCsp(n);
    expect(csp).toContain(`script-src 'self' 'nonce-${n}' 'strict-dynamic'`);
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(pageCsp(n, { dev: true })).toContain("'unsafe-eval'");
    expect(newNonce()).not.toBe(n);
  });
});
