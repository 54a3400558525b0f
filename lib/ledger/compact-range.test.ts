import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  EMPTY_COMPACT_RANGE,
  appendLeafHashes,
  compactRangeFromJSON,
  compactRangeFromReader,
  compactRangeRoot,
  compactRangeToJSON,
} from "./compact-range";
import { toHex } from "./encoding";
import { MemoryTree, leafHash } from "./merkle";
import { nodeSha256 as h } from "./node-crypto";
import { oracleRoot } from "./rfc9162-oracle.test-helper";

const LEAVES = Array.from({ length: 700 }, (_, i) => leafHash(h, new TextEncoder().encode(`c${i}`)));
const TREE = new MemoryTree(h, LEAVES);

describe("compact range", () => {
  it("appending in any batches gives the oracle's root", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 20 }), (batches) => {
        let range = EMPTY_COMPACT_RANGE;
        let n = 0;
        for (const b of batches) {
          const take = Math.min(b, LEAVES.length - n);
          range = appendLeafHashes(h, range, LEAVES.slice(n, n + take));
          n += take;
          expect(range.size).toBe(n);
          expect(toHex(compactRangeRoot(h, range))).toBe(toHex(oracleRoot(h, LEAVES.slice(0, n))));
        }
      }),
      { numRuns: 50 },
    );
  });

  it("does not change the range it appends to", () => {
    const a = appendLeafHashes(h, EMPTY_COMPACT_RANGE, LEAVES.slice(0, 3));
    const b = appendLeafHashes(h, a, LEAVES.slice(3, 5));
    expect(a.size).toBe(3);
    expect(a.hashes.length).toBe(2);
    expect(b.size).toBe(5);
  });

  it("visits every completed perfect subtree with its hash", () => {
    const seen = new Map<string, string>();
    appendLeafHashes(h, EMPTY_COMPACT_RANGE, LEAVES.slice(0, 300), (level, index, hash) => seen.set(`${level}/${index}`, toHex(hash)));
    let count = 0;
    for (let level = 0; 2 ** level <= 300; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 300; index++) {
        expect(seen.get(`${level}/${index}`)).toBe(toHex(TREE.readNode(level, index)));
        count++;
      }
    }
    expect(seen.size).toBe(count);
  });

  it("persists as JSON and resumes from stored nodes", () => {
    const r = appendLeafHashes(h, EMPTY_COMPACT_RANGE, LEAVES.slice(0, 77));
    const json = JSON.parse(JSON.stringify(compactRangeToJSON(r)));
    const back = compactRangeFromJSON(json);
    expect(toHex(compactRangeRoot(h, back))).toBe(toHex(compactRangeRoot(h, r)));
    const resumed = compactRangeFromReader(TREE, 77);
    expect(resumed.hashes.map(toHex)).toEqual(r.hashes.map(toHex));
    const grown = appendLeafHashes(h, back, LEAVES.slice(77, 200));
    expect(toHex(compactRangeRoot(h, grown))).toBe(toHex(oracleRoot(h, LEAVES.slice(0, 200))));
  });

  it("refuses malformed persisted state with typed errors", () => {
    const hex = "00".repeat(32);
    expect(() => compactRangeFromJSON(null)).toThrow("malformed_compact_range: got null, want {size, hashes}");
    expect(() => compactRangeFromJSON({ size: -1, hashes: [] })).toThrow("malformed_compact_range: size got -1");
    expect(() => compactRangeFromJSON({ size: 3, hashes: [hex] })).toThrow("malformed_compact_range: compact range of size 3 has 1 hashes, want 2");
    expect(() => compactRangeFromJSON({ size: 1, hashes: ["zz"] })).toThrow("malformed_compact_range: hashes must be");
    expect(() => appendLeafHashes(h, EMPTY_COMPACT_RANGE, [new Uint8Array(5)])).toThrow("bad_hash_length: leaf hash [0] has 5 bytes, want 32");
  });
});
