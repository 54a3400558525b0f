import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { toHex } from "./encoding";
import { LedgerError, RootMismatchError } from "./errors";
import { MemoryTree, emptyRoot, leafHash, rootFromLeafHashes } from "./merkle";
import { nodeSha256 as h } from "./node-crypto";
import { consistencyProof, inclusionProof } from "./proof";
import { verifyConsistency, verifyInclusion } from "./verify";

const LEAVES = Array.from({ length: 1100 }, (_, i) => leafHash(h, new TextEncoder().encode(`entry ${i}`)));
const TREE = new MemoryTree(h, LEAVES);
const roots = new Map<number, Uint8Array>();
/** Root of the first n leaves (the compact algorithm, cross-checked against the oracle in merkle.test.ts). */
function root(n: number): Uint8Array {
  if (!roots.has(n)) roots.set(n, rootFromLeafHashes(h, LEAVES.slice(0, n)));
  return roots.get(n)!;
}

const flip = (b: Uint8Array, byte = 0, bit = 0) => {
  const c = b.slice();
  c[byte] ^= 1 << bit;
  return c;
};
const ACCEPTED = ["root_mismatch", "proof_wrong_length"];

/** Runs `f` and returns the LedgerError it throws, failing the test if it returns or throws something else. */
function failure(f: () => void): LedgerError {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e;
    throw new Error(`threw a non-LedgerError: ${String(e)}`);
  }
  throw new Error("verification passed, want failure");
}

type Mutation = { name: string; apply: (p: Uint8Array[]) => Uint8Array[] | null };
const random32 = new Uint8Array(32).fill(0x5a);
const MUTATIONS: Mutation[] = [
  { name: "drop first", apply: (p) => (p.length > 0 ? p.slice(1) : null) },
  { name: "drop last (truncate)", apply: (p) => (p.length > 0 ? p.slice(0, -1) : null) },
  { name: "duplicate first", apply: (p) => (p.length > 0 ? [p[0], ...p] : null) },
  { name: "duplicate last", apply: (p) => (p.length > 0 ? [...p, p[p.length - 1]] : null) },
  { name: "swap first two", apply: (p) => (p.length > 1 ? [p[1], p[0], ...p.slice(2)] : null) },
  { name: "swap last two", apply: (p) => (p.length > 1 ? [...p.slice(0, -2), p[p.length - 1], p[p.length - 2]] : null) },
  { name: "extend with a foreign hash", apply: (p) => [...p, random32] },
  { name: "prepend a foreign hash", apply: (p) => [random32, ...p] },
  { name: "replace middle by foreign hash", apply: (p) => (p.length > 0 ? p.map((x, i) => (i === p.length >> 1 ? random32 : x)) : null) },
];

describe("named vectors", () => {
  // Tree of 7 (not a power of two) and of 8 (a power of two).
  const p2 = inclusionProof(TREE, h, 2, 7);
  const c37 = consistencyProof(TREE, h, 3, 7);
  const c47 = consistencyProof(TREE, h, 4, 7);
  const r3 = root(3);
  const r4 = root(4);
  const r7 = root(7);
  const vectors: Array<{ name: string; run: () => void; code: string; text?: string }> = [
    { name: "wrong leaf", run: () => verifyInclusion(h, 2, 7, LEAVES[3], p2, r7), code: "root_mismatch", text: "computed root" },
    { name: "flipped bit in leaf hash", run: () => verifyInclusion(h, 2, 7, flip(LEAVES[2]), p2, r7), code: "root_mismatch" },
    { name: "flipped bit in proof[0]", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [flip(p2[0]), ...p2.slice(1)], r7), code: "root_mismatch" },
    { name: "flipped bit in last proof hash", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [...p2.slice(0, -1), flip(p2[2], 31, 7)], r7), code: "root_mismatch" },
    { name: "flipped bit in root", run: () => verifyInclusion(h, 2, 7, LEAVES[2], p2, flip(r7)), code: "root_mismatch" },
    { name: "proof one hash short", run: () => verifyInclusion(h, 2, 7, LEAVES[2], p2.slice(0, 2), r7), code: "proof_wrong_length", text: "proof_wrong_length: inclusion proof for index 2 in a tree of size 7 has 2 hashes, want 3" },
    { name: "proof one hash long", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [...p2, p2[0]], r7), code: "proof_wrong_length", text: "has 4 hashes, want 3" },
    { name: "empty proof", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [], r7), code: "proof_wrong_length" },
    { name: "swapped proof hashes", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [p2[1], p2[0], p2[2]], r7), code: "root_mismatch" },
    { name: "index = size", run: () => verifyInclusion(h, 7, 7, LEAVES[2], p2, r7), code: "index_out_of_range", text: "index_out_of_range: index 7 >= size 7, want index < size" },
    { name: "index > size", run: () => verifyInclusion(h, 9, 7, LEAVES[2], p2, r7), code: "index_out_of_range" },
    { name: "size 0", run: () => verifyInclusion(h, 0, 0, LEAVES[0], [], emptyRoot(h)), code: "index_out_of_range" },
    { name: "negative index", run: () => verifyInclusion(h, -1, 7, LEAVES[2], p2, r7), code: "invalid_argument", text: "index got -1, want a non-negative safe integer" },
    { name: "fractional size", run: () => verifyInclusion(h, 2, 7.5, LEAVES[2], p2, r7), code: "invalid_argument" },
    { name: "size beyond 2^53", run: () => verifyInclusion(h, 2, 2 ** 53, LEAVES[2], p2, r7), code: "invalid_argument" },
    { name: "wrong index, same proof", run: () => verifyInclusion(h, 3, 7, LEAVES[2], p2, r7), code: "root_mismatch" },
    { name: "wrong size, same proof", run: () => verifyInclusion(h, 2, 8, LEAVES[2], p2, root(8)), code: "root_mismatch" },
    { name: "31-byte leaf hash", run: () => verifyInclusion(h, 2, 7, LEAVES[2].slice(1), p2, r7), code: "bad_hash_length", text: "leaf hash has 31 bytes, want 32" },
    { name: "33-byte root", run: () => verifyInclusion(h, 2, 7, LEAVES[2], p2, new Uint8Array(33)), code: "bad_hash_length", text: "root has 33 bytes, want 32" },
    { name: "31-byte proof hash", run: () => verifyInclusion(h, 2, 7, LEAVES[2], [p2[0].slice(1), p2[1], p2[2]], r7), code: "bad_hash_length", text: "inclusion proof[0] has 31 bytes, want 32" },
    { name: "proof is not an array", run: () => verifyInclusion(h, 2, 7, LEAVES[2], "nope" as unknown as Uint8Array[], r7), code: "invalid_argument" },
    { name: "consistency: size1 > size2", run: () => verifyConsistency(h, 7, 3, c37, r7, r3), code: "size_order", text: "size_order: size1 7 > size2 3, want size1 <= size2" },
    { name: "consistency: proof one hash short", run: () => verifyConsistency(h, 3, 7, c37.slice(0, -1), r3, r7), code: "proof_wrong_length", text: "consistency proof from size 3 to size 7 has 3 hashes, want 4" },
    { name: "consistency: proof one hash long", run: () => verifyConsistency(h, 3, 7, [...c37, c37[0]], r3, r7), code: "proof_wrong_length" },
    { name: "consistency: empty proof", run: () => verifyConsistency(h, 3, 7, [], r3, r7), code: "proof_wrong_length" },
    { name: "consistency: flipped bit in proof[0]", run: () => verifyConsistency(h, 3, 7, [flip(c37[0]), ...c37.slice(1)], r3, r7), code: "root_mismatch" },
    { name: "consistency: flipped bit in last proof hash", run: () => verifyConsistency(h, 3, 7, [...c37.slice(0, -1), flip(c37[3])], r3, r7), code: "root_mismatch", text: "computed second root" },
    { name: "consistency: wrong first root", run: () => verifyConsistency(h, 3, 7, c37, flip(r3), r7), code: "root_mismatch", text: "computed first root" },
    { name: "consistency: wrong second root", run: () => verifyConsistency(h, 3, 7, c37, r3, flip(r7)), code: "root_mismatch", text: "computed second root" },
    { name: "consistency: swapped roots", run: () => verifyConsistency(h, 3, 7, c37, r7, r3), code: "root_mismatch" },
    { name: "consistency: power-of-two size1 with root1 prepended", run: () => verifyConsistency(h, 4, 7, [r4, ...c47], r4, r7), code: "proof_wrong_length", text: "has 2 hashes, want 1" },
    { name: "consistency: wrong root1 for power-of-two size1", run: () => verifyConsistency(h, 4, 7, c47, r3, r7), code: "root_mismatch", text: "computed second root" },
    { name: "consistency: equal sizes, different roots", run: () => verifyConsistency(h, 7, 7, [], r7, flip(r7)), code: "root_mismatch", text: "computed second root" },
    { name: "consistency: equal sizes, non-empty proof", run: () => verifyConsistency(h, 7, 7, [r7], r7, r7), code: "proof_wrong_length", text: "consistency proof between equal sizes 7 has 1 hashes, want 0" },
    { name: "consistency: from size 0 with a proof", run: () => verifyConsistency(h, 0, 7, [r7], emptyRoot(h), r7), code: "proof_wrong_length", text: "consistency proof from the empty tree has 1 hashes, want 0" },
    { name: "consistency: from size 0 with a non-empty first root", run: () => verifyConsistency(h, 0, 7, [], r3, r7), code: "root_mismatch", text: "computed first root" },
    { name: "consistency: proof from a different size1", run: () => verifyConsistency(h, 5, 7, c37, root(5), r7), code: "root_mismatch" },
    { name: "consistency: 31-byte proof hash", run: () => verifyConsistency(h, 3, 7, [c37[0].slice(1), ...c37.slice(1)], r3, r7), code: "bad_hash_length" },
  ];

  it("every vector fails with the expected code and text", () => {
    const problems: string[] = [];
    let failedAsExpected = 0;
    for (const v of vectors) {
      let err: unknown = null;
      try {
        v.run();
      } catch (e) {
        err = e;
      }
      if (!(err instanceof LedgerError)) problems.push(`${v.name}: ${err === null ? "passed" : `untyped ${String(err)}`}`);
      else if (err.code !== v.code) problems.push(`${v.name}: code ${err.code}, want ${v.code} (${err.message})`);
      else if (v.text !== undefined && !err.message.includes(v.text)) problems.push(`${v.name}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(v.text)}`);
      else failedAsExpected++;
    }
    expect(`${failedAsExpected} of ${vectors.length} failed as expected`, problems.join("\n")).toBe(`${vectors.length} of ${vectors.length} failed as expected`);
  });

  it("the valid proofs behind the vectors do verify, and size 0 from size 0 is consistent", () => {
    verifyInclusion(h, 2, 7, LEAVES[2], p2, r7);
    verifyConsistency(h, 3, 7, c37, r3, r7);
    verifyConsistency(h, 4, 7, c47, r4, r7);
    verifyConsistency(h, 0, 7, [], emptyRoot(h), r7);
    verifyConsistency(h, 0, 0, [], emptyRoot(h), emptyRoot(h));
  });

  it("a root mismatch carries both roots", () => {
    const err = failure(() => verifyInclusion(h, 2, 7, LEAVES[3], p2, r7));
    expect(err).toBeInstanceOf(RootMismatchError);
    const m = err as RootMismatchError;
    expect(toHex(m.expected)).toBe(toHex(r7));
    expect(m.message).toBe(`root_mismatch: computed root ${toHex(m.computed)} does not match expected root ${toHex(r7)}`);
  });
});

describe("every mutation of a valid proof fails with a typed error", () => {
  const sizeAndIndex = fc.integer({ min: 2, max: LEAVES.length - 1 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
  const twoSizes = fc.integer({ min: 2, max: LEAVES.length }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n)));

  it("inclusion: every single-byte flip and every structural mutation", () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 1, max: 255 }), ([n, m], x) => {
        const proof = inclusionProof(TREE, h, m, n);
        const r = root(n);
        for (let i = 0; i < proof.length; i++) {
          for (let byte = 0; byte < 32; byte++) {
            const bad = proof.slice();
            bad[i] = proof[i].slice();
            bad[i][byte] ^= x;
            expect(failure(() => verifyInclusion(h, m, n, LEAVES[m], bad, r)).code).toBe("root_mismatch");
          }
        }
        for (const mut of MUTATIONS) {
          const bad = mut.apply(proof);
          if (bad === null) continue;
          expect(ACCEPTED, mut.name).toContain(failure(() => verifyInclusion(h, m, n, LEAVES[m], bad, r)).code);
        }
        expect([...ACCEPTED, "index_out_of_range"]).toContain(failure(() => verifyInclusion(h, m + 1, n, LEAVES[m], proof, r)).code);
        expect(ACCEPTED).toContain(failure(() => verifyInclusion(h, m, n + 1, LEAVES[m], proof, root(n + 1))).code);
      }),
      { numRuns: 40 },
    );
  });

  it("consistency: every single-byte flip and every structural mutation", () => {
    fc.assert(
      fc.property(twoSizes, fc.integer({ min: 1, max: 255 }), ([m, n], x) => {
        const proof = consistencyProof(TREE, h, m, n);
        const r1 = root(m);
        const r2 = root(n);
        for (let i = 0; i < proof.length; i++) {
          for (let byte = 0; byte < 32; byte++) {
            const bad = proof.slice();
            bad[i] = proof[i].slice();
            bad[i][byte] ^= x;
            expect(failure(() => verifyConsistency(h, m, n, bad, r1, r2)).code).toBe("root_mismatch");
          }
        }
        for (const mut of MUTATIONS) {
          const bad = mut.apply(proof);
          if (bad === null) continue;
          expect(ACCEPTED, mut.name).toContain(failure(() => verifyConsistency(h, m, n, bad, r1, r2)).code);
        }
        expect(failure(() => verifyConsistency(h, m, n, proof, flip(r1), r2)).code).toBe("root_mismatch");
        expect(failure(() => verifyConsistency(h, m, n, proof, r1, flip(r2))).code).toBe("root_mismatch");
      }),
      { numRuns: 40 },
    );
  });
});
