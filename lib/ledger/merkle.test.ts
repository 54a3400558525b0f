import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { fromHex, toHex } from "./encoding";
import { isLedgerError } from "./errors";
import { MemoryTree, emptyRoot, leafHash, nodeHash, rootFromLeafHashes, subtreeHash } from "./merkle";
import { nodeSha256 as h } from "./node-crypto";
import { consistencyProof, consistencyProofFromLeafHashes, consistencyProofNodes, inclusionProof, inclusionProofFromLeafHashes, inclusionProofNodes } from "./proof";
import { oracleConsistency, oraclePath, oracleRoot } from "./rfc9162-oracle.test-helper";
import { rootFromInclusionProof, rootsFromConsistencyProof, verifyConsistency, verifyInclusion } from "./verify";

// RFC 6962 test vectors as published by transparency-dev/merkle (testonly/constants.go).
const LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(fromHex);
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const NODES = [
  [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
  ],
  [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
  ],
  ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
  ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

const leafHashes8 = LEAF_INPUTS.map((d) => leafHash(h, d));
const hexes = (hs: Uint8Array[]) => hs.map(toHex);

/** Distinct pseudo-random leaf hashes for property tests. */
function makeLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(h, new TextEncoder().encode(`leaf ${i}`)));
}
const MAX = 3000;
const LEAVES = makeLeaves(MAX);
const TREE = new MemoryTree(h, LEAVES);
const rootCache = new Map<number, Uint8Array>();
const oracleRootOf = (n: number) => {
  if (!rootCache.has(n)) rootCache.set(n, oracleRoot(h, LEAVES.slice(0, n)));
  return rootCache.get(n)!;
};

describe("RFC 6962 known answers", () => {
  it("hashes leaves and builds every node hash", () => {
    const tree = new MemoryTree(h, leafHashes8);
    NODES.forEach((row, level) => row.forEach((want, i) => expect(toHex(tree.readNode(level, i))).toBe(want)));
  });

  it("computes the root of every prefix, the empty tree included", () => {
    for (let n = 0; n <= 8; n++) expect(toHex(rootFromLeafHashes(h, leafHashes8.slice(0, n)))).toBe(ROOTS[n]);
    expect(toHex(emptyRoot(h))).toBe(ROOTS[0]);
  });

  // Labels from C2SP merkle-tree's 7-entry example: a..g leaves, h..l interior.
  const [a, b, c, , , , g] = NODES[0].map(fromHex);
  const [hh, i, j] = NODES[1].map(fromHex);
  const [k] = NODES[2].map(fromHex);
  const l = nodeHash(h, j, g);
  const d = fromHex(NODES[0][3]);
  const e = fromHex(NODES[0][4]);
  const f = fromHex(NODES[0][5]);
  const tree7 = new MemoryTree(h, leafHashes8.slice(0, 7));

  it("matches the C2SP merkle-tree example inclusion proofs", () => {
    expect(hexes(inclusionProof(tree7, h, 0, 7))).toEqual(hexes([b, i, l]));
    expect(hexes(inclusionProof(tree7, h, 3, 7))).toEqual(hexes([c, hh, l]));
    expect(hexes(inclusionProof(tree7, h, 4, 7))).toEqual(hexes([f, g, k]));
    expect(hexes(inclusionProof(tree7, h, 6, 7))).toEqual(hexes([j, k]));
    for (let m = 0; m < 7; m++) verifyInclusion(h, m, 7, leafHashes8[m], inclusionProof(tree7, h, m, 7), fromHex(ROOTS[7]));
    expect(a).toBeDefined();
    expect(e).toBeDefined();
  });

  it("matches the C2SP merkle-tree example consistency proofs", () => {
    expect(hexes(consistencyProof(tree7, h, 3, 7))).toEqual(hexes([c, d, hh, l]));
    expect(hexes(consistencyProof(tree7, h, 4, 7))).toEqual(hexes([l]));
    expect(hexes(consistencyProof(tree7, h, 6, 7))).toEqual(hexes([j, g, k]));
    for (const m of [3, 4, 6]) verifyConsistency(h, m, 7, consistencyProof(tree7, h, m, 7), fromHex(ROOTS[m]), fromHex(ROOTS[7]));
  });
});

describe("rootFromLeafHashes and MemoryTree", () => {
  it("agree with the naive oracle for sizes 0..300", () => {
    for (let n = 0; n <= 300; n++) expect(toHex(rootFromLeafHashes(h, LEAVES.slice(0, n)))).toBe(toHex(oracleRootOf(n)));
  });

  it("subtreeHash composes right-edge subtrees and refuses ranges that are not subtrees", () => {
    expect(toHex(subtreeHash(TREE, h, 0, 7))).toBe(toHex(oracleRootOf(7)));
    expect(toHex(subtreeHash(TREE, h, 1024, 1024 + 700))).toBe(toHex(oracleRoot(h, LEAVES.slice(1024, 1724))));
    expect(() => subtreeHash(TREE, h, 3, 7)).toThrow("range [3, 7) is not a subtree: begin must be a multiple of 4");
    expect(() => subtreeHash(TREE, h, 4, 4)).toThrow("range [4, 4) is empty");
  });

  it("refuses nodes outside the tree and malformed leaves", () => {
    expect(() => TREE.readNode(0, MAX)).toThrow(`node (0, ${MAX}) is not in a tree of ${MAX} leaves`);
    expect(() => new MemoryTree(h, [new Uint8Array(31)])).toThrow("bad_hash_length: leaf hash [0] has 31 bytes, want 32");
  });
});

describe("proof generation against the oracle", () => {
  const sizeAndIndex = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
  const twoSizes = fc.integer({ min: 0, max: MAX }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

  it("every inclusion proof equals PATH and verifies", () => {
    fc.assert(
      fc.property(sizeAndIndex, ([n, m]) => {
        const proof = inclusionProof(TREE, h, m, n);
        expect(hexes(proof)).toEqual(hexes(oraclePath(h, m, LEAVES.slice(0, n))));
        expect(toHex(rootFromInclusionProof(h, m, n, LEAVES[m], proof))).toBe(toHex(oracleRootOf(n)));
        verifyInclusion(h, m, n, LEAVES[m], proof, oracleRootOf(n));
      }),
      { numRuns: 150 },
    );
  });

  it("every consistency proof equals PROOF and verifies", () => {
    fc.assert(
      fc.property(twoSizes, ([m, n]) => {
        const proof = consistencyProof(TREE, h, m, n);
        expect(hexes(proof)).toEqual(hexes(oracleConsistency(h, m, LEAVES.slice(0, n))));
        const roots = rootsFromConsistencyProof(h, m, n, proof, oracleRootOf(m));
        expect(toHex(roots.root1)).toBe(toHex(oracleRootOf(m)));
        if (m > 0) expect(toHex(roots.root2!)).toBe(toHex(oracleRootOf(n)));
        verifyConsistency(h, m, n, proof, oracleRootOf(m), oracleRootOf(n));
      }),
      { numRuns: 150 },
    );
  });

  it("all small sizes, exhaustively", () => {
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m < n; m++) verifyInclusion(h, m, n, LEAVES[m], inclusionProof(TREE, h, m, n), oracleRootOf(n));
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(TREE, h, m, n);
        expect(hexes(proof)).toEqual(hexes(oracleConsistency(h, m, LEAVES.slice(0, n))));
        verifyConsistency(h, m, n, proof, oracleRootOf(m), oracleRootOf(n));
      }
    }
  });

  it("lists the nodes a proof reads, so storage can fetch them first", () => {
    fc.assert(
      fc.property(sizeAndIndex, twoSizes, ([n, m], [s1, s2]) => {
        for (const [nodes, run] of [
          [inclusionProofNodes(m, n), (r: MemoryTree | { readNode: MemoryTree["readNode"] }) => inclusionProof(r, h, m, n)],
          [consistencyProofNodes(s1, s2), (r: MemoryTree | { readNode: MemoryTree["readNode"] }) => consistencyProof(r, h, s1, s2)],
        ] as const) {
          const allowed = new Set(nodes.map((x) => `${x.level}/${x.index}`));
          const restricted = {
            readNode(level: number, index: number) {
              if (!allowed.has(`${level}/${index}`)) throw new Error(`read unlisted node ${level}/${index}`);
              return TREE.readNode(level, index);
            },
          };
          expect(hexes(run(restricted))).toEqual(hexes(run(TREE)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("proves straight from a list of leaf hashes", () => {
    expect(hexes(inclusionProofFromLeafHashes(h, LEAVES.slice(0, 100), 37))).toEqual(hexes(oraclePath(h, 37, LEAVES.slice(0, 100))));
    expect(hexes(inclusionProofFromLeafHashes(h, LEAVES, 37, 100))).toEqual(hexes(oraclePath(h, 37, LEAVES.slice(0, 100))));
    expect(hexes(consistencyProofFromLeafHashes(h, LEAVES.slice(0, 100), 37))).toEqual(hexes(oracleConsistency(h, 37, LEAVES.slice(0, 100))));
    expect(() => inclusionProofFromLeafHashes(h, LEAVES.slice(0, 3), 0, 4)).toThrow("invalid_argument: size 4 > 3 leaf hashes");
  });

  it("refuses bad requests with typed errors", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => inclusionProof(TREE, h, 5, 5), "index_out_of_range: index 5 >= size 5, want index < size"],
      [() => inclusionProof(TREE, h, -1, 5), "invalid_argument: index got -1, want a non-negative safe integer"],
      [() => consistencyProof(TREE, h, 6, 5), "size_order: size1 6 > size2 5, want size1 <= size2"],
      [() => inclusionProof(TREE, h, 0, MAX + 1), `node (0, ${MAX}) is not in a tree of ${MAX} leaves`],
    ];
    for (const [run, message] of cases) {
      let err: unknown;
      try {
        run();
      } catch (e) {
        err = e;
      }
      expect(isLedgerError(err)).toBe(true);
      expect((err as Error).message).toContain(message);
    }
  });
});
