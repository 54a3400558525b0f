import fs from "node:fs";
import path from "node:path";
import type { WitnessState, WitnessStore } from "../ledger/witness";

/**
 * A witness's own storage: one JSON file, replaced atomically (write, fsync, rename), and
 * beside it an append-only history (witnessHistoryFile) with a line for every checkpoint
 * the witness cosigned, written and synced once the state has moved and before the
 * cosignature is returned. Written before, a crash in between would leave a line for a
 * checkpoint the witness never cosigned, which the audit would name. A crash after the state
 * moved but before the line leaves it out; the console then asks again for that checkpoint
 * (the witness's 409 names it), and that same-size cosigning adds the missing line, since
 * each origin's last history line is known. The state alone says
 * only the newest size; the history lets the audit name any older checkpoint or cosignature
 * deleted from the console's database. One line is about 100 bytes: at one checkpoint a
 * second, 8.6 MB a day, a small fraction of what the readings themselves take.
 * compareAndSet runs one at a time within the process, so it is atomic for the single
 * witness process that owns the file.
 */
export function fileWitnessStore(file: string): WitnessStore {
  const history = witnessHistoryFile(file);
  // Each origin's last history line's size, read once from the file's last 64 KiB (its
  // newest lines: a witness serves one log, or a few, so each has lines there).
  const last = new Map<string, number>();
  let lastRead = false;
  const lastInHistory = (origin: string): number | undefined => {
    if (!lastRead) {
      lastRead = true;
      if (fs.existsSync(history)) {
        const fd = fs.openSync(history, "r");
        const size = fs.fstatSync(fd).size;
        const tail = Buffer.alloc(Math.min(size, 65_536));
        fs.readSync(fd, tail, 0, tail.length, size - tail.length);
        fs.closeSync(fd);
        for (const l of tail.toString("utf8").split("\n")) {
          const m = /^("(?:[^"\\]|\\.)*") (\d+) /.exec(l);
          if (m) last.set(JSON.parse(m[1]) as string, Number(m[2]));
        }
      }
    }
    return last.get(origin);
  };
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
        if (lastInHistory(origin) !== next.size) {
          appendHistory(history, origin, next);
          last.set(origin, next.size);
        }
        return true;
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}

function appendHistory(file: string, origin: string, s: WitnessState) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "a", 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(origin)} ${s.size} ${s.root}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The history file beside a witness's state file: `<state file without .json>.history`. */
export function witnessHistoryFile(stateFile: string): string {
  return stateFile.replace(/\.json$/, "") + ".history";
}

export type WitnessHistoryLine = { witness: string; origin: string; size: number; root: string; file: string; line: number };

/**
 * Every line of every witness history under `dir`, as the audit reads them. A line that does
 * not parse throws, naming file and line: the history is the witness's own record and a
 * damaged one is itself a finding the auditor must see.
 */
export function readWitnessHistories(dir: string): WitnessHistoryLine[] {
  if (!fs.existsSync(dir)) return [];
  const out: WitnessHistoryLine[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith(".history")) continue;
    const file = path.join(dir, name);
    const witness = decodeURIComponent(name.slice(0, -".history".length));
    const lines = fs.readFileSync(file, "utf8").split("\n");
    // A crash mid-append may leave a last line without its newline: the state never moved past it.
    if (lines[lines.length - 1] !== "") lines.pop();
    lines.forEach((l, i) => {
      if (l === "") return;
      const m = /^("(?:[^"\\]|\\.)*") (\d+) ([0-9a-f]{64})$/.exec(l);
      if (!m) throw new Error(`witness history ${file} line ${i + 1} cannot be read: ${JSON.stringify(l.slice(0, 80))}`);
      out.push({ witness, origin: JSON.parse(m[1]) as string, size: Number(m[2]), root: m[3], file, line: i + 1 });
    });
  }
  return out;
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
