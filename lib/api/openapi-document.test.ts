import { describe, expect, it } from "vitest";
import { openApiDocument, ROUTES } from "./openapi-document";

describe("openApiDocument", () => {
  const doc = openApiDocument();
  it("is OpenAPI 3.1 and lists every route once", () => {
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.keys(m).map((k) => `${k} ${p}`));
    expect(ops.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
  it("describes query parameters from the zod schemas", () => {
    const op = doc.paths["/api/traffic/latest"].get as { parameters: { name: string; in: string; required: boolean }[] };
    expect(op.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["bbox", "query", false],
      ["since", "query", false],
    ]);
  });
  it("gives every operation a success, a 400 and a 500 response", () => {
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods) as { responses: Record<string, unknown> }[]) {
        const codes = Object.keys(op.responses);
        expect(codes).toEqual(expect.arrayContaining(["400", "500"]));
        expect(codes.some((c) => /^2\d\d$/.test(c))).toBe(true);
      }
    }
  });
});
