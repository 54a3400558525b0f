import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

// lib/ledger depends on nothing else in the project, and its browser-safe
// entry point (index.ts) never reaches node:* modules.
const dir = path.dirname(new URL(import.meta.url).pathname);
const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
const importsOf = (file: string) => [...readFileSync(path.join(dir, file), "utf8").matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)].map((m) => m[1]);

describe("ledger layering", () => {
  it("imports only its own files and zod", () => {
    for (const f of sources) {
      for (const spec of importsOf(f)) {
        const ok = spec.startsWith("./") || spec === "zod" || (f === "node-crypto.ts" && spec === "node:crypto");
        expect(ok, `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it("keeps node:* out of everything index.ts reaches", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        expect(spec.startsWith("node:"), `${file} imports ${spec}`).toBe(false);
        if (spec.startsWith("./")) visit(`${spec.slice(2)}.ts`);
      }
    };
    visit("index.ts");
    expect(seen.has("node-crypto.ts")).toBe(false);
    expect(seen.size).toBeGreaterThan(15);
  });
});
