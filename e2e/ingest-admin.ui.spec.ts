import { expect, test } from "./test";
import { E2E_PORT } from "./config";
import { pageAs } from "./sign-in";
import { simulatorSigner } from "./helpers";
import { signerFromSeed } from "../lib/sim/simulator-keys";
import { signEnvelope } from "../lib/ingest/envelope";

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

test.describe("ingest administration, signed in", () => {
  test("the traffic admin finds a device, revokes its key with a reason, and sees the refusal among the dead letters", async ({ browser, baseURL, request }) => {
    const page = await pageAs(browser, baseURL!, "traffic", "dept_admin");
    await page.goto("/admin/devices");
    await expect(page.getByRole("heading", { name: "Devices and keys" })).toBeVisible();
    await page.getByLabel("Search id, kind or dataset").fill("trf-000010");
    const row = page.getByTestId("device-trf-000010");
    await expect(row).toContainText("active");
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByLabel("Reason for revoking").fill("e2e: detector replaced");
    await row.getByRole("button", { name: "Revoke key" }).click();
    await expect(row).toContainText("revoked");
    await expect(row).toContainText("e2e: detector replaced");

    // The device's next signed reading is refused, and the admin sees why.
    const sensors = (await (await request.get("/api/traffic/sensors")).json()).sensors as { id: string; segment: string; position: [number, number] }[];
    const s = sensors.find((x) => x.id === "trf-000010")!;
    const signer = simulatorSigner(s.id);
    const at = Date.now();
    const env = signEnvelope({ device: s.id, dataset: "traffic.flow", seq: at * 1000 + 998, observedAt: new Date(at).toISOString(), location: s.position, values: { segmentId: s.segment, speedKmh: 30, flowVehH: 100, occupancy: 0.1 } }, signer.sign);
    const res = await request.post("/api/ingest/readings", { data: env });
    expect(await res.json()).toMatchObject({ status: "refused", reason: "revoked_key" });
    await page.goto("/admin/dead-letters");
    await expect(page.getByTestId("dead-letter-counts")).toContainText("Revoked key");
    await page.getByTestId("dead-letter-counts").getByRole("button", { name: /Revoked key/ }).click();
    await expect(page.getByTestId("dead-letter").first()).toContainText("trf-000010");

    // A revoked device stays revoked: its row offers no rotation, only a reasoned, confirmed
    // reinstatement, which goes on the ledger as such.
    const fresh = signerFromSeed(new Uint8Array(32).fill(77));
    expect((await page.request.post("/api/devices/trf-000010/rotate", { data: { publicKey: Buffer.from(fresh.publicKey).toString("base64") } })).status()).toBe(409);
    await page.goto("/admin/devices");
    await page.getByLabel("Search id, kind or dataset").fill("trf-000010");
    await expect(row.getByRole("button", { name: "Rotate key" })).toHaveCount(0);
    await row.getByTestId("reinstate-trf-000010").click();
    await row.getByPlaceholder("New public key (base64, 32 bytes)").fill(Buffer.from(fresh.publicKey).toString("base64"));
    await expect(row.getByRole("button", { name: "Reinstate with this key" })).toBeDisabled();
    await row.getByTestId("reinstate-reason-trf-000010").fill("e2e: detector recovered and re-flashed");
    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "Reinstate with this key" }).click();
    await expect(row).toContainText("active");
    const entries = (await (await page.request.get("/api/ledger/entries?kind=device.v1&limit=20")).json()).entries as { entry: { device: string; reason?: string } }[];
    expect(entries.find((e) => e.entry.device === "trf-000010")?.entry.reason).toBe("reinstated: e2e: detector recovered and re-flashed");
    await page.context().close();
  });

  test("an official of the department is not a device admin", async ({ browser, baseURL }) => {
    const page = await pageAs(browser, baseURL!, "traffic", "official");
    await page.goto("/admin/devices");
    await expect(page.getByTestId("admin-forbidden")).toBeVisible();
    await page.context().close();
  });
});
