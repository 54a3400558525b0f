import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { parseCheckpoint } from "./checkpoint";
import { parseCanonicalJson } from "./canonical-json";
import { compactRangeFromJSON } from "./compact-range";
import { decodeEntry } from "./entries";
import { decodeEntryBundle } from "./entry-bundle";
import { LedgerError } from "./errors";
import { nodeEd25519, nodeSha256 as h } from "./node-crypto";
import { ed25519NoteVerifier, openNote, parseNote, parseSignerKey, parseVerifierKey } from "./note";
import { parseProofBundle } from "./proof-bundle";
import { parseTilePath } from "./tile-path";
import { makeLog, makeWitness, type TestLog, type TestWitness } from "./log-fixture.test-helper";
import { verifyConsistency, verifyInclusion } from "./verify";
import { addCheckpoint, memoryWitnessStore } from "./witness";

/** Calls f; passes if it returns or throws a LedgerError, fails on anything else. */
async function typedOrOk(f: () => unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof LedgerError)) throw new Error(`untyped ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

// Text that looks a bit like our formats, so fuzzing gets past the first check.
const piece = fc.constantFrom("\n", "\n\n", "— ", " ", "+", "old ", "index ", "tile/", "x001/", ".p/", "0", "7", "=", "AAAA", "c2sp.org/tlog-proof@v1\n", "\u2014", "\ud800", "\r", "é");
const texty = fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 30 }).map((a) => a.join(""));
const anything = fc.oneof(fc.anything(), texty, fc.uint8Array({ maxLength: 64 }));

let log: TestLog;
let witness: TestWitness;
beforeAll(async () => {
  log = await makeLog(8);
  witness = await makeWitness("w.example");
});

describe("hostile input never escapes as an untyped error", () => {
  it("parsers", async () => {
    await fc.assert(
      fc.asyncProperty(anything, async (x) => {
        await typedOrOk(() => parseNote(x as string));
        await typedOrOk(() => parseCheckpoint(x as string));
        await typedOrOk(() => parseTilePath(x as string));
        await typedOrOk(() => parseProofBundle(x as string));
        await typedOrOk(() => parseVerifierKey(x as string));
        await typedOrOk(() => parseSignerKey(x as string));
        await typedOrOk(() => ed25519NoteVerifier(nodeEd25519, x as string));
        await typedOrOk(() => decodeEntry(x as Uint8Array));
        await typedOrOk(() => decodeEntryBundle(x as Uint8Array));
        await typedOrOk(() => parseCanonicalJson(x as Uint8Array));
        await typedOrOk(() => compactRangeFromJSON(x));
        await typedOrOk(() => openNote(x as string, [log.verifier, witness.verifier]));
      }),
      { numRuns: 400 },
    );
  });

  it("proof verifiers", async () => {
    const hashy = fc.oneof(fc.uint8Array({ minLength: 31, maxLength: 33 }), fc.anything());
    const num = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.double(), fc.anything());
    await fc.assert(
      fc.asyncProperty(num, num, hashy, fc.oneof(fc.array(hashy, { maxLength: 8 }), fc.anything()), hashy, hashy, async (a, b, x, proof, r1, r2) => {
        await typedOrOk(() => verifyInclusion(h, a as number, b as number, x as Uint8Array, proof as Uint8Array[], r1 as Uint8Array));
        await typedOrOk(() => verifyConsistency(h, a as number, b as number, proof as Uint8Array[], r1 as Uint8Array, r2 as Uint8Array));
      }),
      { numRuns: 400 },
    );
  });

  it("the witness answers every body with a status, never a throw", async () => {
    const cp = await log.checkpoint(5);
    const body = fc.oneof(texty, texty.map((t) => `old 0\n${t}\n${cp}`), texty.map((t) => `old ${t}\n\n${cp}`), fc.uint8Array({ maxLength: 64 }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const d = await addCheckpoint({ hasher: h, logs: [{ origin: log.origin, verifiers: [log.verifier] }], cosigners: [witness.cosigner], store: memoryWitnessStore(), now: () => 1 }, b);
        expect([200, 400, 403, 404, 409, 422]).toContain(d.status);
      }),
      { numRuns: 300 },
    );
  });
});
