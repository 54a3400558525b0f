import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A process that logs all the time and, like Next.js, logs every uncaught error to stderr.
// When whatever reads its output goes away, it must stop (exit 3 here), not spin on EPIPE.
const CHILD = `
import { whenOutputCloses } from ${JSON.stringify(path.resolve("lib/server/output-closed.ts"))};
process.on("uncaughtException", (e) => console.error(e));
if (process.env.HANDLE === "1") whenOutputCloses(() => process.exit(3));
setInterval(() => { console.log("tick"); console.error("tock"); }, 5);
`;

function run(handle: boolean): Promise<{ code: number | null; stillRunning: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CHILD], { env: { ...process.env, HANDLE: handle ? "1" : "0" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.once("data", () => {
      // The reader goes away: both pipes close under the child.
      child.stdout.destroy();
      child.stderr.destroy();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ code: null, stillRunning: true });
    }, 8000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stillRunning: false });
    });
  });
}

describe("whenOutputCloses", () => {
  it("stops a process whose output pipe closed", async () => {
    expect(await run(true)).toEqual({ code: 3, stillRunning: false });
  }, 20_000);
});
