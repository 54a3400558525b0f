import { expect, test } from "@playwright/test";

test.describe("HTTP API", () => {
  test("serves an OpenAPI 3.1 document", async ({ request }) => {
    const res = await request.get("/api/openapi.json");
    expect(res.status()).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/traffic/latest", "/api/city/style"]));
  });

  test("a bad query parameter is a 400 that names the field", async ({ request }) => {
    const res = await request.get("/api/traffic/latest?bbox=1,2,3");
    expect(res.status()).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("validation");
    expect(body.error.message).toContain("bbox");
  });

  test("an invalid theme is a 400 naming the allowed values", async ({ request }) => {
    const res = await request.get("/api/city/style?theme=neon");
    expect(res.status()).toBe(400);
    expect((await res.json()).error.message).toMatch(/theme/);
  });

  test("the base map style makes no external reference", async ({ request }) => {
    const text = await (await request.get("/api/city/style")).text();
    expect(text).not.toMatch(/https?:\/\//);
    const style = JSON.parse(text);
    expect(style.version).toBe(8);
    expect(style.glyphs).toBeUndefined();
  });

  test("traffic readings arrive and carry ledger leaves", async ({ request }) => {
    await expect
      .poll(async () => (await (await request.get("/api/traffic/latest")).json()).readings.length, { timeout: 30_000 })
      .toBeGreaterThan(100);
    const { readings } = await (await request.get("/api/traffic/latest")).json();
    for (const r of readings.slice(0, 50)) {
      expect(r.speed).toBeGreaterThanOrEqual(0);
      expect(r.ratio).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(r.leafIndex)).toBe(true);
    }
  });

  test("an unknown API path is a 404", async ({ request }) => {
    const res = await request.get("/api/no-such-thing");
    expect(res.status()).toBe(404);
  });
});
