import fs from "node:fs";
import path from "node:path";
import type { WitnessState, WitnessStore } from "../ledger/witness";

/**
 * A witness's own storage when it runs as its own process: one JSON file, replaced
 * atomically (write, fsync, rename). compareAndSet runs one at a time within the process,
 * so it is atomic for the single witness process that owns the file.
 */
export function fileWitnessStore(file: string): WitnessStore {
  let queue: Promise<unknown> = Promise.resolve();
  const read = (): Record<string, WitnessState> => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {});
  const write = (all: Record<string, WitnessState>) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    fs.writeSync(fd, JSON.stringify(all));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  };
  return {
    async get(origin) {
      return read()[origin] ?? null;
    },
    compareAndSet(origin, expected, next) {
      const run = queue.then(() => {
        const all = read();
        const cur = all[origin] ?? null;
        const same = cur === null || expected === null ? cur === expected : cur.size === expected.size && cur.root === expected.root;
        if (!same) return false;
        all[origin] = { size: next.size, root: next.root };
        write(all);
        return true;
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}

/** The state file of an in-process witness under `dir` (DATA_DIR/witnesses): its name, URI-encoded. */
export function witnessStateFile(dir: string, witness: string): string {
  return path.join(dir, `${encodeURIComponent(witness)}.json`);
}

/** Every witness state file under `dir`: witness name, origin, size and root (hex), as the audit reads them. */
export function readWitnessStateFiles(dir: string): { witness: string; origin: string; size: number; root: string; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  const out: { witness: string; origin: string; size: number; root: string; file: string }[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith(".json")) continue;
    const file = path.join(dir, name);
    let all: Record<string, WitnessState>;
    try {
      all = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, WitnessState>;
    } catch (e) {
      throw new Error(`witness state file ${file} cannot be read: ${(e as Error).message}`);
    }
    for (const [origin, s] of Object.entries(all)) out.push({ witness: decodeURIComponent(name.slice(0, -5)), origin, size: s.size, root: s.root, file });
  }
  return out;
}
