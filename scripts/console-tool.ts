// What the tools that act on a running console share (readings:replay, ngsi:bridge): their
// error exit, argument parsing, the console's address and a department admin's session.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Config } from "../lib/config";
import { adminCredentials, ConsoleSession } from "../lib/sim/console-session";

/** Prints `name: message` to stderr and exits with `code`. */
export const failer =
  (name: string) =>
  (code: number, message: string): never => {
    console.error(`${name}: ${message}`);
    process.exit(code);
  };

/** parseArgs, exiting 2 with its message on an unknown or malformed option. */
export function parseToolArgs<const C extends ParseArgsConfig>(config: C, fail: (code: number, message: string) => never): ReturnType<typeof parseArgs<C>> {
  try {
    return parseArgs(config);
  } catch (e) {
    return fail(2, (e as Error).message);
  }
}

/** The console to talk to: --console, CONSOLE_URL, AUTH_URL, else http://HOST:PORT. */
export const consoleBase = (flag: string | undefined, config: Config) => (flag ?? process.env.CONSOLE_URL ?? config.AUTH_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, "");

/** A signed-in session of an admin of the department (exit 3 naming what to set when there are no credentials). */
export async function adminSession(base: string, config: Config, departmentId: string, fail: (code: number, message: string) => never): Promise<ConsoleSession> {
  const creds = adminCredentials(process.env, config.dataDir, departmentId);
  if (!creds) fail(3, `no credentials to register devices: set CONSOLE_ADMIN_EMAIL and CONSOLE_ADMIN_PASSWORD (and CONSOLE_ADMIN_TOTP_SECRET) of a ${departmentId} admin, or run where ${config.dataDir}/secrets/demo-users.json is`);
  return new ConsoleSession(base).signIn(creds);
}
