import { describe, it, expect, beforeAll } from "vitest";
import { toBase64 } from "./encoding";
import { LedgerError } from "./errors";
import { nodeSha256 as h } from "./node-crypto";
import { formatSignatureLine } from "./note";
import { inclusionProof } from "./proof";
import { type ProofPolicy, TLOG_PROOF_HEADER, formatProofBundle, parseProofBundle, verifyProofBundle } from "./proof-bundle";
import { type TestLog, type TestWitness, makeLog, makeWitness } from "./log-fixture.test-helper";

let log: TestLog;
let w1: TestWitness;
let w2: TestWitness;
let w3: TestWitness;
let cosigned: string; // checkpoint at size 20 with cosignatures from w1 and w2
let policy: ProofPolicy;

beforeAll(async () => {
  log = await makeLog(20);
  [w1, w2, w3] = await Promise.all(["w1.city.example", "w2.city.example", "w3.city.example"].map((n) => makeWitness(n)));
  const note = await log.checkpoint(20);
  const sigs = await Promise.all([w1, w2].map((w) => w.cosigner.cosign(log.body(20), 1_760_000_000)));
  cosigned = note + sigs.map(formatSignatureLine).join("");
  policy = { hasher: h, origin: log.origin, logVerifiers: [log.verifier], witnesses: [w1.verifier, w2.verifier, w3.verifier], quorum: 2 };
});

const receipt = (index: number, extra?: Uint8Array, checkpoint = cosigned) =>
  formatProofBundle({ index, proof: inclusionProof(log.tree, h, index, 20), checkpoint, ...(extra ? { extra } : {}) });

async function failure(p: Promise<unknown>): Promise<LedgerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerError) return e;
    throw e;
  }
  throw new Error("verified, want failure");
}

describe("tlog-proof receipts", () => {
  it("has the spec's layout", () => {
    const text = receipt(13, new Uint8Array([1, 2, 3]));
    const lines = text.split("\n");
    expect(lines[0]).toBe(TLOG_PROOF_HEADER);
    expect(lines[1]).toBe("extra AQID");
    expect(lines[2]).toBe("index 13");
    const proof = inclusionProof(log.tree, h, 13, 20);
    expect(lines.slice(3, 3 + proof.length)).toEqual(proof.map(toBase64));
    expect(lines[3 + proof.length]).toBe("");
    expect(text.endsWith(cosigned)).toBe(true);
    expect(parseProofBundle(text)).toEqual({ extra: new Uint8Array([1, 2, 3]), index: 13, proof, checkpoint: cosigned });
    expect(receipt(0).split("\n")[1]).toBe("index 0");
  });

  it("verifies inclusion, the log signature and a witness quorum", async () => {
    for (const i of [0, 7, 19]) {
      const v = await verifyProofBundle(receipt(i), log.leaves[i], policy);
      expect(v.index).toBe(i);
      expect(v.checkpoint.size).toBe(20);
      expect(v.cosignedBy.map((c) => c.name).sort()).toEqual(["w1.city.example", "w2.city.example"]);
    }
    expect((await verifyProofBundle(new TextEncoder().encode(receipt(3)), log.leaves[3], policy)).index).toBe(3);
  });

  it("refuses a wrong entry, a wrong index, a short quorum, a foreign log and a tampered checkpoint", async () => {
    expect((await failure(verifyProofBundle(receipt(5), log.leaves[6], policy))).code).toBe("root_mismatch");
    const wrongIndex = receipt(5).replace("index 5", "index 4");
    expect((await failure(verifyProofBundle(wrongIndex, log.leaves[5], policy))).code).toBe("root_mismatch");
    const beyond = receipt(5).replace("index 5", "index 20");
    expect((await failure(verifyProofBundle(beyond, log.leaves[5], policy))).code).toBe("index_out_of_range");
    const q3 = await failure(verifyProofBundle(receipt(5), log.leaves[5], { ...policy, quorum: 3 }));
    expect(q3.message).toBe("quorum_not_met: 2 of 3 known witnesses cosigned, want at least 3");
    const other = await makeLog(1);
    expect((await failure(verifyProofBundle(receipt(5), log.leaves[5], { ...policy, logVerifiers: [other.verifier] }))).code).toBe("unverified_note");
    expect((await failure(verifyProofBundle(receipt(5), log.leaves[5], { ...policy, origin: "x.example/log" }))).code).toBe("origin_mismatch");
    const forgedCosig = await w3.cosigner.cosign(log.body(19), 1);
    const withBad = receipt(5, undefined, cosigned + formatSignatureLine({ ...forgedCosig }));
    expect((await failure(verifyProofBundle(withBad, log.leaves[5], policy))).code).toBe("bad_signature");
    const shortProof = receipt(5).replace(/\n[A-Za-z0-9+/=]{44}\n\n/, "\n\n");
    expect((await failure(verifyProofBundle(shortProof, log.leaves[5], policy))).code).toBe("proof_wrong_length");
  });

  const malformed: Array<[string, (t: string) => string, string]> = [
    ["wrong header", (t) => t.replace(TLOG_PROOF_HEADER, "c2sp.org/tlog-proof@v2"), "first line must be c2sp.org/tlog-proof@v1"],
    ["missing index", (t) => t.replace("index 5\n", ""), 'want "index <N>"'],
    ["leading zero", (t) => t.replace("index 5", "index 05"), 'index got "05"'],
    ["empty extra", (t) => t.replace("index 5", "extra \nindex 5"), "extra line present but empty"],
    ["bad hash line", (t) => t.replace("index 5\n", "index 5\n!!!!\n"), "inclusion proof line 1 is not canonical base64"],
    ["short hash", (t) => t.replace("index 5\n", `index 5\n${toBase64(new Uint8Array(16))}\n`), "inclusion proof line 1 has 16 bytes, want 32"],
    ["no blank line", (t) => t.slice(0, t.indexOf("\n\n") + 1), "inclusion proof line"],
    ["no checkpoint", (t) => t.slice(0, t.indexOf("\n\n") + 2), "missing checkpoint"],
  ];
  it.each(malformed)("refuses a receipt with %s", async (_, mutate, text) => {
    const err = await failure(verifyProofBundle(mutate(receipt(5)), log.leaves[5], policy));
    expect(err.code).toBe("malformed_proof_bundle");
    expect(err.message).toContain(text);
  });
});
