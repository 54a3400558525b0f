import { describe, expect, it } from "vitest";
import { effectiveRole } from "./effective-role";
import { assertSameOrigin } from "./same-origin";
import { accessInfo, SCOPE_RANK, type ReadBasis } from "./check-read";
import { allowedFields, payloadExpr, scopeConditions, withinArea } from "./scope-sql";
import { amrOfPath, departmentFromClaims, trustedOrigins } from "../auth/auth";
import { loadConfig } from "../config";
import { datasetById } from "../city";
import { triggerMatches } from "../rules/definition";

const env = (o: Record<string, string>) => ({ NODE_ENV: "test", ...o }) as NodeJS.ProcessEnv;
const config = loadConfig(env({ HOST: "127.0.0.1", PORT: "3000" }));

describe("effectiveRole", () => {
  it("admins act as officials until their session passed a second factor", () => {
    expect(effectiveRole("dept_admin", "pwd", false)).toEqual({ role: "official", needsTwoFactor: true });
    expect(effectiveRole("sysadmin", "pwd", false)).toEqual({ role: "official", needsTwoFactor: true });
    expect(effectiveRole("dept_admin", "pwd+totp", false)).toEqual({ role: "dept_admin", needsTwoFactor: false });
    expect(effectiveRole("sysadmin", "oidc", false)).toEqual({ role: "official", needsTwoFactor: true });
    expect(effectiveRole("sysadmin", "oidc", true)).toEqual({ role: "sysadmin", needsTwoFactor: false });
    expect(effectiveRole("auditor", "pwd", false)).toEqual({ role: "auditor", needsTwoFactor: false });
    expect(effectiveRole("official", "oidc", false)).toEqual({ role: "official", needsTwoFactor: false });
  });
  it("knows how a session was made from Better Auth's endpoint path", () => {
    expect(amrOfPath("/sign-in/email")).toBe("pwd");
    expect(amrOfPath("/two-factor/verify-totp")).toBe("pwd+totp");
    expect(amrOfPath("/two-factor/verify-backup-code")).toBe("pwd+totp");
    expect(amrOfPath("/callback/oidc")).toBe("oidc");
    expect(amrOfPath(undefined)).toBe("pwd");
  });
});

describe("assertSameOrigin (CSRF)", () => {
  const req = (method: string, headers: Record<string, string>) => new Request("http://127.0.0.1:3000/api/grants", { method, headers: { host: "127.0.0.1:3000", ...headers } });
  const ok = (r: Request) => {
    try {
      assertSameOrigin(r, config);
      return true;
    } catch {
      return false;
    }
  };
  it("lets reads and same-origin writes through", () => {
    expect(ok(req("GET", { origin: "http://evil.example" }))).toBe(true);
    expect(ok(req("POST", { origin: "http://127.0.0.1:3000" }))).toBe(true);
    expect(ok(req("POST", {}))).toBe(true); // not a browser page: devices, scripts
  });
  it("refuses cross-origin and cross-site writes", () => {
    expect(ok(req("POST", { origin: "http://evil.example" }))).toBe(false);
    expect(ok(req("DELETE", { origin: "http://127.0.0.1:3001" }))).toBe(false);
    expect(ok(req("POST", { origin: "null" }))).toBe(false);
    expect(ok(req("PATCH", { "sec-fetch-site": "cross-site" }))).toBe(false);
  });
  it("trusts configured origins", () => {
    const c = loadConfig(env({ HOST: "0.0.0.0", PORT: "80", AUTH_URL: "https://brain.example.gov", AUTH_TRUSTED_ORIGINS: "https://wall.example.gov, https://x.example/" }));
    expect(trustedOrigins(c)).toEqual(["https://brain.example.gov", "https://wall.example.gov", "https://x.example"]);
  });
});

describe("OIDC department mapping", () => {
  it("takes the claim when it names a department, else the default, else refuses", () => {
    const c = loadConfig(env({ OIDC_DEPARTMENT_CLAIM: "dept", OIDC_DEFAULT_DEPARTMENT: "citizen" }));
    expect(departmentFromClaims(c, { dept: "energy" })).toBe("energy");
    expect(departmentFromClaims(c, { dept: "nope" })).toBe("citizen");
    expect(() => departmentFromClaims(loadConfig(env({})), { department: "nope" })).toThrow(/no known department/);
  });
});

describe("scope in SQL", () => {
  const energy = datasetById("energy.load");
  const incidents = datasetById("safety.incidents");
  const basis = (b: Partial<ReadBasis>): ReadBasis => ({ datasetId: "x", ownerDepartmentId: "o", basis: "grant", scope: "raw", fields: null, window: { from: null, until: null }, area: null, ...b });

  it("lets through granted fields only, and drops identifying ones when anonymized", () => {
    expect(allowedFields(energy, { fields: null, scope: "raw" })).toEqual(Object.keys(energy.schema.fields));
    expect(allowedFields(energy, { fields: ["utilisation", "loadMw"], scope: "raw" })).toEqual(["loadMw", "utilisation"]);
    expect(allowedFields(incidents, { fields: null, scope: "anonymized" })).not.toContain("incidentId");
    expect(allowedFields(incidents, { fields: null, scope: "anonymized" })).not.toContain("segmentId");
  });
  it("builds payload expressions from schema field names only", () => {
    const raw = payloadExpr(energy, { fields: ["loadMw"], scope: "raw" });
    expect(raw).toBe(`jsonb_strip_nulls(jsonb_build_object('loadMw', r.payload->'loadMw'))`);
    expect(payloadExpr(energy, { fields: ["loadMw"], scope: "anonymized" })).toMatch(/round\(\(\(r\.payload->>'loadMw'\)::float8 \/ 0\.5\)\) \* 0\.5/);
    expect(payloadExpr(incidents, { fields: ["startedAt"], scope: "anonymized" })).toMatch(/date_trunc\('hour'/);
    // Every field at raw scope: the stored payload (ingest refuses fields outside the schema).
    expect(payloadExpr(energy, { fields: null, scope: "raw" })).toBe("r.payload");
    expect(payloadExpr(energy, { fields: Object.keys(energy.schema.fields), scope: "raw" })).toBe("r.payload");
    expect(payloadExpr(energy, { fields: null, scope: "anonymized" })).toMatch(/^jsonb_strip_nulls/);
  });
  it("restricts rows to the data window and area", () => {
    const params: unknown[] = ["ds"];
    const c = scopeConditions(basis({ window: { from: "2026-01-01T00:00:00.000Z", until: null }, area: { center: [121, 37], radiusM: 2000 } }), params);
    expect(c[0]).toBe("r.observed_at >= $2");
    expect(c[1]).toMatch(/r\.lon BETWEEN \$3 AND \$4 AND r\.lat BETWEEN \$5 AND \$6 AND power/);
    expect(params).toHaveLength(9);
    expect(scopeConditions(basis({}), [])).toEqual([]);
  });
  it("measures the area the same way in TypeScript", () => {
    const area = { center: [121.45, 37.46] as [number, number], radiusM: 2000 };
    expect(withinArea([121.45, 37.46], area)).toBe(true);
    expect(withinArea([121.45, 37.477], area)).toBe(true); // about 1.9 km north
    expect(withinArea([121.45, 37.479], area)).toBe(false); // about 2.1 km north
    expect(withinArea([0, 0], null)).toBe(true);
  });
  it("explains partial access in words", () => {
    expect(accessInfo(basis({ basis: "ownership" }))).toEqual({ basis: "ownership", scope: "raw" });
    const info = accessInfo(basis({ grantId: "g1", scope: "aggregated", fields: ["loadMw"] }));
    expect(info.reason).toBe("under grant g1: aggregates only; fields loadMw only");
    expect(SCOPE_RANK.raw < SCOPE_RANK.anonymized && SCOPE_RANK.anonymized < SCOPE_RANK.aggregated).toBe(true);
  });
});

describe("rule triggers", () => {
  const t = { dataset: "safety.incidents" as const, maxSeverity: 1, statuses: ["reported" as const, "responding" as const] };
  it("fire on severe enough incidents in the listed statuses and types", () => {
    expect(triggerMatches(t, { severity: 1, status: "reported", type: "fire" })).toBe(true);
    expect(triggerMatches(t, { severity: 2, status: "reported", type: "fire" })).toBe(false);
    expect(triggerMatches(t, { severity: 1, status: "resolved", type: "fire" })).toBe(false);
    expect(triggerMatches({ ...t, types: ["accident"] }, { severity: 1, status: "reported", type: "fire" })).toBe(false);
    expect(triggerMatches(t, { status: "reported" })).toBe(false);
  });
});
