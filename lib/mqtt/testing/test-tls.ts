import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureLocalServerTls, type TlsMaterial } from "../tls-files";

let cached: TlsMaterial | null = null;

/** A local CA and broker certificate for 127.0.0.1/localhost, made once per test process in a temporary folder. */
export function testBrokerTls(): TlsMaterial {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-test-tls-"));
  cached = ensureLocalServerTls(dir, []);
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return cached;
}
