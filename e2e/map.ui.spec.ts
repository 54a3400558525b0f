import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { diffPixels, distinctColours, mapPixels, watchExternalRequests } from "./helpers";
import { E2E_DATA_DIR } from "./config";

const SHOTS = "e2e/screenshots";

test.describe("the city map", () => {
  test("draws the city in WebGL, switches language, updates live, and stays on this machine", async ({ page }) => {
    const external = watchExternalRequests(page);
    await page.goto("/");
    await expect(page.getByTestId("app-title")).toHaveText("City Brain");
    await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible();
    // Wait for the first live data to be drawn: the status shows the sensor count.
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live");
    await expect.poll(async () => Number(await page.getByTestId("city-map").getAttribute("data-live-version"))).toBeGreaterThan(1);
    await page.waitForTimeout(1500);

    // Non-blank WebGL: the map canvas has land, water, roads and coloured sensors.
    const first = await mapPixels(page);
    expect(distinctColours(first)).toBeGreaterThan(40);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "map-en.png") });

    // Live updates: within 10 s at least one sensor changes colour on the canvas.
    await expect
      .poll(async () => diffPixels(first, await mapPixels(page)), { timeout: 10_000, intervals: [500] })
      .toBeGreaterThan(0);

    // Language switch changes visible text, and the choice sticks across a reload.
    await page.getByTestId("lang-switch").click();
    await expect(page.getByTestId("app-title")).toHaveText("城市大脑");
    await expect(page.getByTestId("legend")).toContainText("畅通");
    await page.reload();
    await expect(page.getByTestId("app-title")).toHaveText("城市大脑");
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live");
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(SHOTS, "map-zh.png") });

    // No request left the machine, from the page or from the server.
    expect(external).toEqual([]);
    const egressLog = path.join(E2E_DATA_DIR, "egress.log");
    const serverEgress = fs.existsSync(egressLog) ? fs.readFileSync(egressLog, "utf8") : "";
    expect(serverEgress).toBe("");
  });

  test("the API page lists the documented routes", async ({ page }) => {
    await page.goto("/api-docs");
    await expect(page.getByTestId("api-docs")).toContainText("/api/traffic/latest");
    await expect(page.getByTestId("api-docs")).toContainText("/api/openapi.json");
  });
});
