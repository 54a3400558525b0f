import fs from "node:fs";
import path from "node:path";

export class SecretsError extends Error {}

/**
 * Loads a JSON secrets file from DATA_DIR/secrets/, creating it with `create()` on first use
 * (mode 0600). Secrets never live in the repository; in server deployments the same values
 * can come from the environment instead (see callers).
 */
export async function loadOrCreateSecret<T>(dataDir: string, name: string, create: () => Promise<T>, validate: (v: unknown) => T): Promise<T> {
  const dir = path.join(dataDir, "secrets");
  const file = path.join(dir, `${name}.json`);
  if (fs.existsSync(file)) {
    try {
      return validate(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (e) {
      throw new SecretsError(`secrets file ${file} is unreadable or malformed (${(e as Error).message}); restore it from backup`);
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = await create();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 1), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return value;
}
