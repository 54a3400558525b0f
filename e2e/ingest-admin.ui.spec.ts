import { expect, test } from "@playwright/test";
import { E2E_PORT } from "./config";

const devices = {
  total: 2,
  devices: [
    { id: "trf-000001", kind: "traffic-sensor", departmentId: "traffic", datasetId: "traffic.flow", status: "active", statusReason: null, keyFingerprint: "0123456789abcdef", lastSeq: 42, location: [121.4, 37.4], updatedAt: "2026-11-25T08:00:00.000Z" },
    { id: "trf-000002", kind: "traffic-sensor", departmentId: "traffic", datasetId: "traffic.flow", status: "revoked", statusReason: "stolen", keyFingerprint: "fedcba9876543210", lastSeq: 7, location: [121.4, 37.4], updatedAt: "2026-11-25T08:00:00.000Z" },
  ],
};
const deadLetters = {
  total: 3,
  counts: [
    { reason: "bad_signature", count: 2 },
    { reason: "out_of_range", count: 1 },
  ],
  items: [
    { id: 3, receivedAt: "2026-11-25T08:00:00.000Z", source: "mqtt", sourceDetail: "city/traffic/traffic.flow/readings from client x", reason: "out_of_range", reasonText: "values.speedKmh = 250 is outside the physical range 0..130 km/h", fieldPath: "values.speedKmh", deviceId: "trf-000001", departmentId: "traffic", gatewayDeviceId: null, rawSize: 250, rawPreview: '{"device":"trf-000001"}' },
  ],
};

test.describe("ingest administration pages", () => {
  test("a guest is asked to sign in as a department admin", async ({ page }) => {
    await page.goto("/admin/devices");
    await expect(page.getByTestId("admin-sign-in")).toBeVisible();
    await page.goto("/admin/dead-letters");
    await expect(page.getByTestId("admin-sign-in")).toBeVisible();
  });

  test("devices and dead letters render in both languages (API answers stubbed)", async ({ page, context }) => {
    await page.route("**/api/devices?*", (r) => r.fulfill({ json: devices }));
    await page.route("**/api/dead-letters?*", (r) => r.fulfill({ json: deadLetters }));
    for (const [lang, title, revoked, reason] of [
      ["en", "Devices and keys", "revoked", "Outside physical range"],
      ["zh-CN", "设备与密钥", "已吊销", "超出物理范围"],
    ]) {
      await context.addCookies([{ name: "lang", value: lang, url: `http://127.0.0.1:${E2E_PORT}` }]);
      await page.goto("/admin/devices");
      await expect(page.getByRole("heading", { name: title })).toBeVisible();
      await expect(page.getByTestId("device-trf-000002")).toContainText(revoked);
      await expect(page.getByTestId("device-trf-000002")).toContainText("stolen");
      await page.goto("/admin/dead-letters");
      await expect(page.getByTestId("dead-letter-counts")).toContainText(reason);
      await expect(page.getByTestId("dead-letter")).toContainText("values.speedKmh");
    }
  });
});
