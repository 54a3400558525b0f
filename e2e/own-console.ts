import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";

/** A console a spec starts for itself, and what it printed. */
export type OwnConsole = { output(): string; stop(): Promise<void> };

/**
 * Starts a console of a spec's own (fresh embedded database in `dataDir`, its own port and
 * broker port, outbound requests denied and logged to `dataDir/egress.log`) with `env` on top,
 * its output kept in `dataDir/console.log`, and waits until `health()` answers 200 (default:
 * GET /api/health over HTTP). A console that exits while starting fails the wait with what it printed.
 */
export async function startOwnConsole(opts: {
  port: number;
  dataDir: string;
  env: Record<string, string>;
  timeoutMs: number;
  intervalMs?: number;
  health?: () => Promise<number | null>;
}): Promise<OwnConsole> {
  const { port, dataDir } = opts;
  const child = spawn(process.execPath, ["--import", "tsx", "--import", "./e2e/deny-egress.mjs", "server.ts"], {
    env: {
      // Not the Playwright worker's own NODE_OPTIONS (its loader hooks): the console is a plain Node process.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS" && !k.startsWith("PW_"))),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      MQTT_PORT: String(port + 15000),
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
      EGRESS_LOG: `${dataDir}/egress.log`,
      ...opts.env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const logFile = fs.createWriteStream(path.join(dataDir, "console.log"));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (d: Buffer) => {
      output += d.toString();
      logFile.write(d);
    });
  }
  const health = opts.health ?? (async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status ?? null);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    logFile.end();
  };
  try {
    await expect
      .poll(async () => (child.exitCode !== null ? `exited: ${output}` : ((await health()) ?? `not yet; its output so far: ${output.slice(-600)}`)), {
        timeout: opts.timeoutMs,
        intervals: [opts.intervalMs ?? 2000],
      })
      .toBe(200);
  } catch (e) {
    await stop();
    throw e;
  }
  return { output: () => output, stop };
}
