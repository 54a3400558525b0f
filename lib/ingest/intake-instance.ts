import { AppError } from "../errors";
import type { Intake } from "./intake";

// One intake per process, started with the server (lib/ingest/start-ingest.ts) and shared
// with the route handlers through globalThis. Route handlers import only this file and
// types, so Next.js never bundles the worker-thread code.
const KEY = Symbol.for("city-brain.intake");
type Holder = { [KEY]?: Intake };

/** Installs the process's intake (done by the server start), or removes it. */
export function setIntake(intake: Intake | null): void {
  const g = globalThis as Holder;
  if (intake) g[KEY] = intake;
  else delete g[KEY];
}

/** The process's intake; 503 when this process did not start one. */
export async function getIntake(): Promise<Intake> {
  const intake = (globalThis as Holder)[KEY];
  if (!intake) throw new AppError("unavailable", "the intake is not running in this process", "the intake is not running; start the console with npm start");
  return intake;
}
