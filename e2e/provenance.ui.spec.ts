import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./test";
import { E2E_DATA_DIR, E2E_PG_AVAILABLE, E2E_PG_DATA_DIR, E2E_PG_PORT, E2E_PG_URL } from "./config";

const SHOTS = "e2e/screenshots";

/** A traffic reading that a quorum-cosigned checkpoint already holds. */
async function finalReading(request: APIRequestContext, base = ""): Promise<number> {
  let leaf = -1;
  await expect
    .poll(
      async () => {
        const info = await (await request.get(`${base}/api/ledger/info`)).json();
        const { readings } = await (await request.get(`${base}/api/traffic/latest`)).json();
        const r = readings.find((x: { leafIndex: number }) => info.latestFinal && x.leafIndex < info.latestFinal.size);
        leaf = r?.leafIndex ?? -1;
        return leaf;
      },
      { timeout: 30_000 },
    )
    .toBeGreaterThanOrEqual(0);
  return leaf;
}

test.describe("provenance and verification", () => {
  test("a reading's provenance page passes every check in the browser, and its download verifies offline and on the public page", async ({ page, request }) => {
    const leaf = await finalReading(request);
    await page.goto(`/provenance/reading/${leaf}`);
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "true");
    const checks = page.locator("[data-check]");
    expect(await checks.count()).toBeGreaterThanOrEqual(8);
    await expect(page.locator('[data-check][data-ok="false"]')).toHaveCount(0);
    for (const id of ["device-signature", "ledger-inclusion", "checkpoint-signature", "witness-cosignatures", "device-key-registered"]) {
      await expect(page.locator(`[data-check="${id}"]`)).toHaveAttribute("data-ok", "true");
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "provenance.png"), fullPage: true });

    // Download and verify offline, with nothing but the file and the published keys.
    const res = await request.get(`/api/provenance/reading/${leaf}/download?as=datum`);
    expect(res.headers()["content-disposition"]).toContain(`reading-${leaf}.datum.json`);
    const file = path.join(E2E_DATA_DIR, `reading-${leaf}.datum.json`);
    fs.writeFileSync(file, await res.body());
    const trust = path.join(E2E_DATA_DIR, "trust.json");
    fs.writeFileSync(trust, await (await request.get("/api/ledger/info")).body());
    const cli = spawnSync(process.execPath, ["--import", "tsx", "scripts/verify.ts", file, "--trust", trust], { encoding: "utf8" });
    expect(cli.stdout.trim().split("\n").at(-1)).toBe("VERIFIED");
    expect(cli.status).toBe(0);

    // The public page verifies the same file in the browser; a tampered copy fails by name.
    await page.goto("/verify");
    await page.getByTestId("verify-file").setInputFiles(file);
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "true");
    const tampered = JSON.parse(fs.readFileSync(file, "utf8"));
    tampered.reading.envelope.values.speedKmh += 10;
    await page.getByTestId("verify-file").setInputFiles({ name: "tampered.datum.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(tampered)) });
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "false");
    await expect(page.locator('[data-check="envelope-hash"]')).toHaveAttribute("data-ok", "false");
    await page.screenshot({ path: path.join(SHOTS, "verify-tampered.png"), fullPage: true });
    await page.getByTestId("verify-file").setInputFiles({ name: "junk.json", mimeType: "application/json", buffer: Buffer.from("{nope") });
    await expect(page.getByTestId("verify-error")).toBeVisible();
  });

  test("in Chinese, every check's detail is in Chinese: nothing English but the data (ids, hashes, sizes, key names)", async ({ page, request, baseURL }) => {
    const leaf = await finalReading(request);
    await page.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
    await page.goto(`/provenance/reading/${leaf}`);
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("verdict")).toContainText("所有检查均已在您的浏览器中通过");
    const details = await page.locator(".check-detail").allInnerTexts();
    expect(details.length).toBeGreaterThanOrEqual(8);
    // Data is a token with a digit, dot, slash, colon or hyphen in it (device trf-000123, SHA-256, 2026-…Z, yantai.city-brain.example/ledger+…).
    const english = details.map((d) => d.replace(/\S*[\d.:/+-]\S*/g, "").match(/[A-Za-z]{3,}/g)).filter(Boolean);
    expect(english, details.join("\n")).toEqual([]);
    const text = details.join("\n");
    expect(text).toContain("由设备 trf-");
    expect(text).toMatch(/个部门见证方中有 \d+ 个联署/);
    expect(text).toMatch(/是账本 \d+ 个叶子的树中的第 \d+ 号叶子/);
    await expect(page.getByTestId("prov-device")).toContainText("交通传感器");
    await page.screenshot({ path: path.join(SHOTS, "provenance-zh.png"), fullPage: true });
    await page.context().addCookies([{ name: "lang", value: "en", url: baseURL! }]);
  });

  test("an unknown leaf is a 404 and a non-reading leaf a 400", async ({ request }) => {
    expect((await request.get("/api/provenance/reading/999999999")).status()).toBe(404);
    expect((await request.get("/api/provenance/reading/0")).status()).toBe(400); // leaf 0 registers a device key
    expect((await request.get("/api/provenance/reading/abc")).status()).toBe(400);
  });

  test("a reading altered in the database fails its check on the page, and the audit names the row and leaf", async ({ page, request }) => {
    test.skip(!E2E_PG_AVAILABLE, "PostgreSQL is not reachable on this machine");
    const base = `http://127.0.0.1:${E2E_PG_PORT}`;
    const leaf = await finalReading(request, base);
    await page.goto(`${base}/provenance/reading/${leaf}`);
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "true");

    // An operator with database access changes the stored speed, bypassing the triggers.
    const db = new pg.Client({ connectionString: E2E_PG_URL });
    await db.connect();
    let readingId: string;
    try {
      await db.query("ALTER TABLE reading DISABLE TRIGGER reading_append_only");
      const r = await db.query(
        `UPDATE reading SET payload = jsonb_set(payload::jsonb, '{speedKmh}', to_jsonb((payload->>'speedKmh')::float8 + 7))::json WHERE leaf_index = $1 RETURNING leaf_index`,
        [leaf],
      );
      // A reading is named by its leaf index (it has no other id since readings are partitioned by day).
      readingId = String(r.rows[0].leaf_index);
      await db.query("ALTER TABLE reading ENABLE TRIGGER reading_append_only");
    } finally {
      await db.end();
    }
    await page.reload();
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "false");
    // The row stores no payload hash (derived since migration 20261207050000): the entry rebuilt
    // from the changed row holds the changed envelope's hash, so that entry is not the one in the
    // log, and the device's signature does not verify over the changed envelope.
    await expect(page.locator('[data-check="ledger-inclusion"]')).toHaveAttribute("data-ok", "false");
    await expect(page.locator('[data-check="device-signature"]')).toHaveAttribute("data-ok", "false");
    await page.screenshot({ path: path.join(SHOTS, "provenance-tampered.png"), fullPage: true });

    const audit = spawnSync(process.execPath, ["--import", "tsx", "scripts/ledger-audit.ts"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: E2E_PG_URL, DATA_DIR: E2E_PG_DATA_DIR },
    });
    expect(audit.status).toBe(1);
    expect(audit.stdout).toContain(`reading\t${readingId}\t${leaf}\tsignature\t-\t-\tpayload, location, time or device differ from what was signed`);
    expect(audit.stdout).toContain(`reading\t${readingId}\t${leaf}\tleaf_hash\t`);
  });
});

test("a derived value lists the readings it was computed from, each linking to its provenance", async ({ page, request }) => {
  const to = new Date(Date.now() + 60_000).toISOString();
  const from = new Date(Date.now() - 15 * 60_000).toISOString();
  const q = `dataset=traffic.flow&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&field=speedKmh&limit=20`;
  const api = await (await request.get(`/api/provenance/sources?${q}`)).json();
  expect(api.total).toBeGreaterThan(20);
  expect(api.sources).toHaveLength(20);
  await page.goto(`/provenance/sources?${q}`);
  const first = page.getByTestId("sources").locator("tbody tr a").first();
  await expect(first).toHaveAttribute("href", /^\/provenance\/reading\/\d+$/);
  // Live readings keep arriving (and gateways deliver late ones), so the page's first row is
  // checked for what it must be rather than against a second listing: a reading of this
  // window whose own provenance the link opens.
  await expect(page.getByTestId("sources").locator("tbody tr a")).toHaveCount(20);
  const href = (await first.getAttribute("href"))!;
  const trail = await request.get(`/api${href}`);
  expect(trail.status()).toBe(200);
  const observedAt = Date.parse((await trail.json()).timeline.observedAt);
  expect(observedAt).toBeGreaterThanOrEqual(Date.parse(from));
  expect(observedAt).toBeLessThanOrEqual(Date.parse(to));
  const bad = await request.get(`/api/provenance/sources?dataset=traffic.flow&from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`);
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.message).toContain("from must be before to");
});
