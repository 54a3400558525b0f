// What the browser benchmarks share: headless Chromium as they launch it (software WebGL,
// SwiftShader) and a department official's session cookie.
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { procCpuMs } from "./machine";

/** Debian's Chromium (CHROMIUM_PATH), drawing WebGL with SwiftShader on the CPU. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
  });
}

/** A 1400×900 browser context with a session cookie for `base` (as officialCookie answers it). */
export async function signedInContext(browser: Browser, base: string, cookie: string) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addCookies(cookie.split("; ").map((c) => ({ name: c.slice(0, c.indexOf("=")), value: c.slice(c.indexOf("=") + 1), url: base })));
  return ctx;
}

/** Signs in at `base` as a department's demo official (from the data folder's secrets); returns the session cookie. */
export async function officialCookie(base: string, dataDir: string, department: string): Promise<string> {
  const { users } = JSON.parse(fs.readFileSync(path.join(dataDir, "secrets", "demo-users.json"), "utf8")) as { users: { email: string; password: string; departmentId: string; role: string }[] };
  const u = users.find((x) => x.departmentId === department && x.role === "official")!;
  const res = await fetch(`${base}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify({ email: u.email, password: u.password }) });
  if (!res.ok) throw new Error(`sign-in: HTTP ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

/** Frame times (ms between animation frames) while `act` runs. */
export async function frameTimes(page: Page, act: () => Promise<void>): Promise<number[]> {
  // A string, not a function: tsx's name helpers do not exist in the page.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__on = true;
    window.__last = performance.now();
    const run = (window.__run = (window.__run || 0) + 1);
    const tick = (t) => {
      if (!window.__on || window.__run !== run) return;
      window.__frames.push(t - window.__last);
      window.__last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  await act();
  return page.evaluate(`(() => { window.__on = false; return window.__frames.slice(1); })()`) as Promise<number[]>;
}

/** The map canvas's centre, and a drag from it by (dx, dy) pixels in ten mouse moves (a pan). */
export async function mapDrag(page: Page) {
  const box = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const drag = async (dx: number, dy: number) => {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(cx + (dx * i) / 10, cy + (dy * i) / 10);
    await page.mouse.up();
  };
  return { cx, cy, drag };
}

/** This process's Chromium children by their --type (gpu-process, renderer…), from /proc. */
export function chromiumProcesses(): Map<string, number[]> {
  const parent = new Map<number, number>();
  const type = new Map<number, string>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      const m = /--type=([\w-]+)/.exec(fs.readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " "));
      type.set(Number(d), m ? m[1] : "browser");
    } catch {
      // gone
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p && n < 8; p = parent.get(p), n++) if (p === process.pid) return true;
    return false;
  };
  const out = new Map<string, number[]>();
  for (const [pid, t] of type) if (mine(pid)) out.set(t, [...(out.get(t) ?? []), pid]);
  return out;
}

/** CPU time (ms) of this process's Chromium children, by their --type. */
export function chromiumCpuByType(): Map<string, number> {
  return new Map([...chromiumProcesses()].map(([type, pids]) => [type, pids.reduce((sum, pid) => sum + procCpuMs(pid), 0)]));
}
