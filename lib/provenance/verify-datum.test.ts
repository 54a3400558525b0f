import { describe, expect, it } from "vitest";
import { nodeEd25519, nodeSha256 } from "../ledger/node-crypto";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { sha256 } from "../ledger/sha256";
import { verifyDatum, verifyLedgerProof } from "./verify-datum";
import { leafHash } from "../ledger/merkle";
import { toHex, utf8Encode } from "../ledger/encoding";
import { makeDatum } from "./testing/make-datum";
import { renderNote, type Note } from "./check-note";
import { zh } from "../i18n/messages";

const deps = { hasher: nodeSha256, ed25519: nodeEd25519 };

/** Every path to a string, number or boolean in a JSON value. */
function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v !== null && typeof v === "object") {
    return Object.entries(v as object).flatMap(([k, x]) => leafPaths(x, [...path, Array.isArray(v) ? Number(k) : k]));
  }
  return [path];
}

function mutate(datum: unknown, path: (string | number)[], variant: number): unknown {
  const copy = structuredClone(datum) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const k = path[path.length - 1];
  const v = o[k];
  if (typeof v === "number") o[k] = variant === 0 ? v + 1 : v === 0 ? 1 : -v;
  else if (typeof v === "boolean") o[k] = !v;
  else if (typeof v === "string") {
    // Change one character: near the start, in the middle, or the last.
    const i = variant === 0 ? Math.min(1, v.length - 1) : variant === 1 ? Math.floor(v.length / 2) : v.length - 1;
    const c = v[i] ?? "";
    const r = c === "A" ? "B" : c === "0" ? "1" : c === "\n" ? " " : "A";
    o[k] = v.length ? v.slice(0, i) + r + v.slice(i + 1) : "A";
  }
  return copy;
}

describe("verifyDatum", () => {
  it("passes every check on an untouched download, with and without a gateway", async () => {
    for (const gateway of [false, true]) {
      const r = await verifyDatum(await makeDatum({ gateway }), deps);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["envelope-hash", "device-signature", "ledger-inclusion", "checkpoint-signature", "witness-cosignatures", "device-key-registered"]));
      if (gateway) expect(r.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["gateway-signature", "gateway-batch-inclusion"]));
    }
  });

  it("gives the same answer with WebCrypto and the pure SHA-256 the browser uses", async () => {
    const r = await verifyDatum(await makeDatum({ gateway: true }), { hasher: sha256, ed25519: webCryptoEd25519() });
    expect(r.ok).toBe(true);
  });

  it("fails on every single-field mutation of a download", async () => {
    const datum = await makeDatum({ gateway: true });
    const paths = leafPaths(datum);
    const survived: string[] = [];
    let cases = 0;
    for (const path of paths) {
      for (const variant of [0, 1, 2]) {
        cases++;
        const r = await verifyDatum(mutate(datum, path, variant), deps);
        if (r.ok) survived.push(`${path.join(".")} (variant ${variant})`);
      }
    }
    expect(survived, `${survived.length} of ${cases} mutations went unnoticed`).toEqual([]);
    expect(cases).toBeGreaterThan(100);
  }, 60_000);

  it("names the failing check: a changed value breaks the envelope hash and the device signature", async () => {
    const datum = await makeDatum();
    datum.reading.envelope.values.speedKmh = 80;
    const r = await verifyDatum(datum, deps);
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.id);
    expect(failed).toEqual(["envelope-hash", "device-signature"]);
    expect(r.checks.find((c) => c.id === "envelope-hash")!.detail).toMatch(/^SHA-256 of the envelope is [0-9a-f]{64}, the ledger entry commits to [0-9a-f]{64}$/);
  });

  it("refuses a checkpoint below quorum and keys other than the pinned ones", async () => {
    const few = await makeDatum({ witnesses: 5, cosigners: 2 });
    const r = await verifyDatum(few, deps);
    expect(r.checks.find((c) => c.id === "witness-cosignatures")).toMatchObject({ ok: false, detail: expect.stringContaining("2 of 5") });
    const other = await makeDatum();
    const pinned = await verifyDatum(await makeDatum(), { ...deps, trust: other.log });
    expect(pinned.ok).toBe(false);
    expect(pinned.checks.find((c) => c.id === "checkpoint-signature")!.ok).toBe(false);
  });

  it("gives a clear failure for files that are not datums, never an exception", async () => {
    for (const junk of [null, 42, "text", {}, { format: "city-brain-datum/v1" }, []]) {
      const r = await verifyDatum(junk, deps);
      expect(r.ok).toBe(false);
      expect(r.checks[0]).toMatchObject({ id: "format", ok: false, detail: expect.stringMatching(/^not a city-brain datum: /) });
    }
  });
});

describe("verification under a grant that withholds part of the reading", () => {
  const withheldIds = (r: { checks: { id: string; withheld?: unknown }[] }) => r.checks.filter((c) => c.withheld).map((c) => c.id);

  it("fields withheld: the envelope hash and device signature are withheld, not failed; the rest still runs and passes", async () => {
    for (const gateway of [false, true]) {
      const datum = await makeDatum({ gateway });
      const { speedKmh, ...granted } = datum.reading.envelope.values;
      expect(speedKmh).toBeDefined();
      datum.reading.envelope.values = granted;
      const r = await verifyDatum(datum, { ...deps, withheld: { scope: "raw", fields: ["speedKmh"] } });
      expect(withheldIds(r)).toEqual(["envelope-hash", "device-signature"]);
      expect(r.checks.filter((c) => !c.ok && !c.withheld)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["entry-matches-reading", "ledger-inclusion", "checkpoint-signature", "witness-cosignatures", "device-key-registered", ...(gateway ? ["gateway-batch-inclusion"] : [])]));
      // Without saying so, the same file fails: a withheld check is never a silent pass.
      expect((await verifyDatum(datum, deps)).ok).toBe(false);
    }
  });

  it("fields withheld: a changed time or device still fails by name", async () => {
    const datum = await makeDatum();
    datum.reading.envelope.observedAt = "2026-11-25T09:00:00.000Z";
    const r = await verifyDatum(datum, { ...deps, withheld: { scope: "raw", fields: ["speedKmh"] } });
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.id === "entry-matches-reading")).toMatchObject({ ok: false, detail: expect.stringContaining("observedAt") });
  });

  it("ledger facts only: inclusion, checkpoint and cosignatures verify from the leaf hash; the rest is withheld under the scope", async () => {
    const datum = await makeDatum();
    const proof = { leafIndex: datum.ledger.leafIndex, leafHash: toHex(leafHash(nodeSha256, utf8Encode(datum.ledger.entry))), receipt: datum.ledger.receipt };
    const r = await verifyLedgerProof(proof, "anonymized", { ...deps, trust: datum.log });
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.ok).map((c) => c.id)).toEqual(["format", "trusted-keys", "checkpoint-signature", "ledger-inclusion", "witness-cosignatures"]);
    expect(withheldIds(r)).toEqual(["envelope-hash", "device-signature", "entry-matches-reading", "device-key-registered"]);
    expect(r.checks.filter((c) => c.withheld).every((c) => (c.withheld as { scope: string }).scope === "anonymized")).toBe(true);

    const wrongLeaf = await verifyLedgerProof({ ...proof, leafHash: "0".repeat(64) }, "aggregated", { ...deps, trust: datum.log });
    expect(wrongLeaf.ok).toBe(false);
    expect(wrongLeaf.checks.find((c) => c.id === "ledger-inclusion")).toMatchObject({ ok: false });
    const otherKeys = await verifyLedgerProof(proof, "aggregated", { ...deps, trust: (await makeDatum()).log });
    expect(otherKeys.checks.find((c) => c.id === "checkpoint-signature")).toMatchObject({ ok: false });
    for (const junk of [{ ...proof, leafHash: "xyz" }, { ...proof, leafIndex: -1 }, null]) {
      const j = await verifyLedgerProof(junk as typeof proof, "aggregated", { ...deps, trust: datum.log });
      expect(j).toMatchObject({ ok: false, checks: [{ id: "format", ok: false }] });
    }
  });
});

describe("the checks' words", () => {
  /** A note in Chinese with its data (ids, hashes, sizes, a lib/ledger error's own text) blanked out: what is left is the message's words. */
  const words = (n: Note): string => {
    const blank = (x: Note): Note => ({
      key: x.key,
      params: Object.fromEntries(Object.entries(x.params ?? {}).map(([k, v]) => [k, typeof v === "object" && !("time" in v) ? blank(v) : "■"])),
      ...(x.cause ? { cause: "note" in x.cause ? { note: blank(x.cause.note) } : { code: x.cause.code, text: "■" } } : {}),
    });
    return renderNote(blank(n), (k) => zh[k], false);
  };
  const CODES = /SHA-256|reading\.v1|tlog-proof|base64|JSON|RFC 8785|Ed25519/g;

  it("are messages with parameters, in Chinese for a Chinese reader: passed, withheld and failed (every single-field mutation of a download)", async () => {
    const datum = await makeDatum({ gateway: true });
    const runs = [await verifyDatum(datum, deps), await verifyDatum(datum, { ...deps, withheld: { scope: "raw", fields: ["speedKmh"] } })];
    for (const path of leafPaths(datum)) runs.push(await verifyDatum(mutate(datum, path, 0), deps));
    const notes = runs.flatMap((r) => r.checks.map((c) => c.note));
    const english = [...new Set(notes.map(words).filter((w) => /[A-Za-z]{3,}/.test(w.replace(CODES, ""))))];
    expect(english).toEqual([]);
    // A lib/ledger error is named by its code's message; only errors from elsewhere keep their own words.
    const unnamed = [...new Set(notes.flatMap((n) => (n.cause && "code" in n.cause && n.cause.code && !(`ledgerError.${n.cause.code}` in zh) ? [n.cause.code] : [])))];
    expect(unnamed).toEqual([]);
    // The command line keeps its English.
    expect(runs[0].checks.find((c) => c.id === "device-signature")!.detail).toMatch(/^signed by device /);
  }, 60_000);
});
