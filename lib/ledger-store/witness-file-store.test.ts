import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileWitnessStore, readWitnessHistories, readWitnessStateFiles, witnessHistoryFile, witnessStateFile } from "./witness-file-store";

const root = (b: number) => b.toString(16).padStart(2, "0").repeat(32);
let dir = "";
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a witness's own files", () => {
  it("keep the newest state and a history line for every checkpoint it moved to, none for a refused move", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-wfs-"));
    const file = witnessStateFile(dir, "city/witness/a b");
    const store = fileWitnessStore(file);
    expect(await store.compareAndSet("log.example", null, { size: 5, root: root(1) })).toBe(true);
    expect(await store.compareAndSet("log.example", { size: 5, root: root(1) }, { size: 5, root: root(1) })).toBe(true); // same checkpoint again
    expect(await store.compareAndSet("log.example", { size: 4, root: root(9) }, { size: 9, root: root(2) })).toBe(false); // stale
    expect(await store.compareAndSet("log.example", { size: 5, root: root(1) }, { size: 12, root: root(3) })).toBe(true);
    expect(await store.get("log.example")).toEqual({ size: 12, root: root(3) });
    expect(readWitnessStateFiles(dir)).toEqual([{ witness: "city/witness/a b", origin: "log.example", size: 12, root: root(3), file }]);
    const history = witnessHistoryFile(file);
    expect(readWitnessHistories(dir)).toEqual([
      { witness: "city/witness/a b", origin: "log.example", size: 5, root: root(1), file: history, line: 1 },
      { witness: "city/witness/a b", origin: "log.example", size: 12, root: root(3), file: history, line: 2 },
    ]);
  });

  it("read a history whose last line a crash cut short (the state never moved past it), and refuse a damaged line, naming it", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-wfs-"));
    const history = path.join(dir, "w.history");
    fs.writeFileSync(history, `"o" 3 ${root(1)}\n"o" 7 ${root(2).slice(0, 20)}`);
    expect(readWitnessHistories(dir).map((h) => h.size)).toEqual([3]);
    fs.writeFileSync(history, `"o" 3 ${root(1)}\n"o" seven ${root(2)}\n`);
    expect(() => readWitnessHistories(dir)).toThrow(`witness history ${history} line 2 cannot be read`);
  });
});

describe("a witness's history across a crash", () => {
  it("gets the line a crash left out (state moved, line not yet written) when the same checkpoint is cosigned again", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-wfs-"));
    const file = witnessStateFile(dir, "w");
    expect(await fileWitnessStore(file).compareAndSet("o", null, { size: 5, root: root(1) })).toBe(true);
    // As if the process died after the state moved to 9 and before its history line.
    fs.writeFileSync(file, JSON.stringify({ o: { size: 9, root: root(2) } }));
    const restarted = fileWitnessStore(file);
    expect(await restarted.compareAndSet("o", { size: 9, root: root(2) }, { size: 9, root: root(2) })).toBe(true);
    expect(await restarted.compareAndSet("o", { size: 9, root: root(2) }, { size: 9, root: root(2) })).toBe(true);
    expect(readWitnessHistories(dir).map((h) => h.size)).toEqual([5, 9]);
  });
});
