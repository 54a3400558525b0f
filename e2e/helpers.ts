import fs from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import type { Page } from "@playwright/test";
import { E2E_DATA_DIR } from "./config";
import { signerFromSeed } from "../lib/sim/simulator-keys";
import { signEnvelope } from "../lib/ingest/envelope";

/** Decodes a PNG screenshot. */
export function decodePng(buf: Buffer) {
  return PNG.sync.read(buf);
}

/** How many distinct colours (quantised to 4 bits per channel) the image has. */
export function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) {
    seen.add(((png.data[i] >> 4) << 8) | ((png.data[i + 1] >> 4) << 4) | (png.data[i + 2] >> 4));
  }
  return seen.size;
}

/** Number of pixels that differ by more than `tol` in any channel. */
export function diffPixels(a: PNG, b: PNG, tol = 24): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error("images differ in size");
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (
      Math.abs(a.data[i] - b.data[i]) > tol ||
      Math.abs(a.data[i + 1] - b.data[i + 1]) > tol ||
      Math.abs(a.data[i + 2] - b.data[i + 2]) > tol
    )
      n++;
  }
  return n;
}

/**
 * Writes `a`, `b` and their difference (differing pixels in magenta over a dimmed `a`) as
 * `<stem>-a.png`, `-b.png` and `-diff.png`, and returns where they differ in words (the box
 * around the differing pixels, their count in each cell of an 8 × 8 grid, their mean colour in
 * each image): what a failed pixel comparison saw, readable in a CI log that keeps no files.
 */
export function saveDiff(a: PNG, b: PNG, stem: string, tol = 24): string {
  const d = new PNG({ width: a.width, height: a.height });
  const grid = new Array<number>(64).fill(0);
  const sumA = [0, 0, 0], sumB = [0, 0, 0];
  let n = 0, x0 = a.width, y0 = a.height, x1 = -1, y1 = -1;
  for (let i = 0; i < a.data.length; i += 4) {
    const differs = [0, 1, 2].some((k) => Math.abs(a.data[i + k] - b.data[i + k]) > tol);
    d.data.set(differs ? [255, 0, 255, 255] : [a.data[i] >> 2, a.data[i + 1] >> 2, a.data[i + 2] >> 2, 255], i);
    if (!differs) continue;
    const x = (i / 4) % a.width, y = Math.floor(i / 4 / a.width);
    n++;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    grid[Math.floor((y * 8) / a.height) * 8 + Math.floor((x * 8) / a.width)]++;
    for (let k = 0; k < 3; k++) {
      sumA[k] += a.data[i + k];
      sumB[k] += b.data[i + k];
    }
  }
  fs.mkdirSync(path.dirname(stem), { recursive: true });
  fs.writeFileSync(`${stem}-a.png`, PNG.sync.write(a));
  fs.writeFileSync(`${stem}-b.png`, PNG.sync.write(b));
  fs.writeFileSync(`${stem}-diff.png`, PNG.sync.write(d));
  if (!n) return `${path.basename(stem)}: no pixel differs`;
  const mean = (s: number[]) => `rgb(${s.map((v) => Math.round(v / n)).join(",")})`;
  const rows = Array.from({ length: 8 }, (_, r) => grid.slice(r * 8, r * 8 + 8).map((c) => String(c).padStart(5)).join(""));
  return [
    `${path.basename(stem)}: ${n} pixels differ in x ${x0}–${x1}, y ${y0}–${y1} of ${a.width}×${a.height}; mean colour there ${mean(sumA)} before, ${mean(sumB)} after; per eighth of the image:`,
    ...rows,
  ].join("\n");
}

/**
 * Waits until MapLibre is idle after a fresh frame: every tile of its sources loaded, no
 * camera move or fade under way, and the frame drawn with deck.gl's layers as they are now
 * (deck.gl draws inside MapLibre's frame). A later screenshot shows the map as it stays.
 */
export async function mapIdle(page: Page, timeout = 60_000) {
  await page.evaluate(
    (ms) =>
      new Promise<void>((resolve, reject) => {
        type M = { once(e: "idle", f: () => void): void; triggerRepaint(): void };
        const m = (window as unknown as { cityBrainMap?: M }).cityBrainMap;
        if (!m) return reject(new Error("no map on the page"));
        const timer = setTimeout(() => reject(new Error(`the map was not idle within ${ms} ms`)), ms);
        m.once("idle", () => {
          clearTimeout(timer);
          resolve();
        });
        m.triggerRepaint();
      }),
    timeout,
  );
}

/** Screenshot of the map canvas only (no overlays), decoded. */
export async function mapPixels(page: Page) {
  const canvas = page.locator("canvas.maplibregl-canvas");
  return decodePng(await canvas.screenshot());
}

/** Collects every request the page makes to a host that is not this machine. */
export function watchExternalRequests(page: Page): string[] {
  const external: string[] = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (["http:", "https:", "ws:", "wss:"].includes(url.protocol) && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
      external.push(req.url());
    }
  });
  return external;
}

/** A demo user the console made at its first start (DATA_DIR/secrets/demo-users.json). */
export type DemoUser = { email: string; password: string; departmentId: string; role: string };

export function demoUser(dataDir: string, departmentId: string, role = "official"): DemoUser {
  const file = path.join(dataDir, "secrets", "demo-users.json");
  const { users } = JSON.parse(fs.readFileSync(file, "utf8")) as { users: DemoUser[] };
  const u = users.find((x) => x.departmentId === departmentId && x.role === role);
  if (!u) throw new Error(`no demo ${role} of ${departmentId} in ${file}`);
  return u;
}

/** Signs a page's browser context in with a password (officials need no second factor). */
export async function signIn(page: Page, baseURL: string, u: DemoUser) {
  const res = await page.request.post("/api/auth/sign-in/email", { data: { email: u.email, password: u.password }, headers: { origin: baseURL } });
  if (res.status() !== 200) throw new Error(`sign-in of ${u.email}: HTTP ${res.status()} ${await res.text()}`);
}

/** Pixels of the map canvas that differ from a baseline by more than `tol`, waiting up to `timeout` for at least `min`. */
export async function waitForChange(page: Page, base: PNG, min: number, timeout = 20_000): Promise<number> {
  const deadline = Date.now() + timeout;
  let n = 0;
  while (Date.now() < deadline) {
    n = diffPixels(base, await mapPixels(page));
    if (n >= min) return n;
    await page.waitForTimeout(500);
  }
  return n;
}

/** Screen position (page coordinates) of a WGS84 point on the map. */
export async function screenOf(page: Page, lonLat: [number, number]): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((ll) => {
    const map = (window as unknown as { cityBrainMap?: { project(p: [number, number]): { x: number; y: number } } }).cityBrainMap;
    if (!map) throw new Error("no map on the page");
    return map.project(ll);
  }, lonLat);
  const box = await page.locator("canvas.maplibregl-canvas").boundingBox();
  if (!box) throw new Error("no map canvas");
  return { x: box.x + p.x, y: box.y + p.y };
}

/**
 * The first of `points` whose screen position shows the map itself (no panel over it),
 * away from the edges; null when none does.
 */
export async function clearSpot(page: Page, points: [number, number][]): Promise<{ index: number; x: number; y: number } | null> {
  const box = await page.locator("canvas.maplibregl-canvas").boundingBox();
  if (!box) throw new Error("no map canvas");
  for (let i = 0; i < points.length; i++) {
    const p = await screenOf(page, points[i]);
    if (p.x < box.x + 40 || p.x > box.x + box.width - 40 || p.y < box.y + 40 || p.y > box.y + box.height - 40) continue;
    const onMap = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.classList.contains("maplibregl-canvas") ?? false, p);
    if (onMap) return { index: i, ...p };
  }
  return null;
}

/** The simulator's device keys, kept in the e2e console's data folder: a test plays one of those devices. */
function simulatorSeeds(): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(E2E_DATA_DIR, "secrets", "simulator-devices.json"), "utf8")) as Record<string, string>;
}

/** The signer of one of the simulator's devices. */
export function simulatorSigner(deviceId: string) {
  const seed = simulatorSeeds()[deviceId];
  if (!seed) throw new Error(`no simulator key for ${deviceId}`);
  return signerFromSeed(new Uint8Array(Buffer.from(seed, "base64")));
}

/**
 * A severity-1 incident at `location`, signed by one of the simulator's dispatch terminals
 * with its own key (kept in the e2e console's data folder), ready to POST to
 * /api/ingest/readings. Its sequence number is above anything the simulator sends.
 */
export function signedIncident(location: [number, number], incidentId: string, seqTail: number) {
  const terminal = Object.keys(simulatorSeeds()).find((d) => d.startsWith("dsp-"))!;
  const signer = simulatorSigner(terminal);
  const at = Date.now();
  return signEnvelope(
    {
      device: terminal,
      dataset: "safety.incidents",
      seq: at * 1000 + seqTail,
      observedAt: new Date(at).toISOString(),
      location,
      values: { incidentId, type: "accident", severity: 1, status: "reported", startedAt: new Date(at).toISOString(), endedAt: new Date(at + 3_600_000).toISOString(), segmentId: "e2e", lanesBlocked: 2 },
    },
    signer.sign,
  );
}
