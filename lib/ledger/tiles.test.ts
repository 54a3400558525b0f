import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { toHex } from "./encoding";
import { checkEntryBundle, decodeEntryBundle, encodeEntryBundle } from "./entry-bundle";
import { MemoryTree, leafHash, rootFromLeafHashes } from "./merkle";
import { nodeSha256 as h } from "./node-crypto";
import { consistencyProof, consistencyProofNodes, inclusionProof, inclusionProofNodes } from "./proof";
import { entryBundlePath, formatTileIndex, parseTilePath, tilePath } from "./tile-path";
import { newTiles, tileHashes, tileNodeReader, tileSliceForNode, tileSlotForNode, tileWidth, tilesForNodes, tilesForTreeSize } from "./tiles";
import { compactRangeRoot, appendLeafHashes, EMPTY_COMPACT_RANGE } from "./compact-range";

describe("tile paths (C2SP tlog-tiles)", () => {
  it("encodes the spec's examples", () => {
    expect(formatTileIndex(1234067)).toBe("x001/x234/067");
    expect(tilePath({ level: 0, index: 1234067, width: 8 })).toBe("tile/0/x001/x234/067.p/8");
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe("tile/0/x001/x234/067");
    expect(tilePath({ level: 3, index: 0, width: 256 })).toBe("tile/3/000");
    expect(tilePath({ level: 1, index: 1000, width: 1 })).toBe("tile/1/x001/000.p/1");
    expect(entryBundlePath(1234067)).toBe("tile/entries/x001/x234/067");
    expect(entryBundlePath(5, 3)).toBe("tile/entries/005.p/3");
  });

  it("parses what it formats", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 256 }), (level, index, width) => {
        expect(parseTilePath(tilePath({ level, index, width }))).toEqual({ kind: "hash", level, index, width });
        expect(parseTilePath(entryBundlePath(index, width))).toEqual({ kind: "entries", index, width });
      }),
    );
  });

  it("refuses every non-canonical or malformed path", () => {
    const bad = [
      "",
      "tile",
      "tile/0",
      "/tile/0/000",
      "tiles/0/000",
      "tile/00/000",
      "tile/64/000",
      "tile/-1/000",
      "tile/0/00",
      "tile/0/0000",
      "tile/0/x000/001",
      "tile/0/001/002",
      "tile/0/x001",
      "tile/0/x1/000",
      "tile/0/000.p/0",
      "tile/0/000.p/256",
      "tile/0/000.p/08",
      "tile/0/000.p/",
      "tile/0/000.p",
      "tile/0/000/",
      "tile/entries/",
      "tile/entries/x001",
      "tile/entries/001.p/300",
      "tile/0/abc",
    ];
    for (const p of bad) expect(() => parseTilePath(p), p).toThrow(/^malformed_tile_path/);
    expect(() => parseTilePath("tile/64/000")).toThrow('malformed_tile_path: "tile/64/000": level 64 > 63');
  });
});

describe("tile arithmetic", () => {
  it("matches the spec's tree of size 70,000", () => {
    const tiles = tilesForTreeSize(70000);
    const full0 = tiles.filter((t) => t.level === 0 && t.width === 256);
    expect(full0.length).toBe(273);
    expect(tiles.filter((t) => t.level === 0 && t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(tiles.filter((t) => t.level === 1)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    expect(tiles.filter((t) => t.level === 2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles.length).toBe(277);
    expect(tilesForTreeSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
  });

  it("lists the tiles changed by growth", () => {
    expect(newTiles(0, 0)).toEqual([]);
    expect(newTiles(300, 300)).toEqual([]);
    expect(newTiles(250, 300)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 0, index: 1, width: 44 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(() => newTiles(5, 4)).toThrow("size_order: oldSize 5 > newSize 4");
    expect(tileWidth(0, 1, 300)).toBe(44);
    expect(tileWidth(1, 0, 300)).toBe(1);
    expect(tileWidth(0, 2, 300)).toBe(0);
  });

  it("maps nodes to tile slices", () => {
    expect(tileSliceForNode({ level: 0, index: 300 }, 1000)).toEqual({ tile: { level: 0, index: 1, width: 256 }, offset: 44, count: 1 });
    expect(tileSliceForNode({ level: 3, index: 5 }, 1000)).toEqual({ tile: { level: 0, index: 0, width: 256 }, offset: 40, count: 8 });
    expect(tileSliceForNode({ level: 8, index: 2 }, 1000)).toEqual({ tile: { level: 1, index: 0, width: 3 }, offset: 2, count: 1 });
    expect(() => tileSliceForNode({ level: 3, index: 124 }, 999)).toThrow("node (3, 124) is not in a tree of 999 leaves");
    expect(tileSlotForNode(8, 300)).toEqual({ tileLevel: 1, tileIndex: 1, position: 44 });
    expect(tileSlotForNode(7, 3)).toBeNull();
  });

  const N = 70000;
  const LEAVES = Array.from({ length: N }, (_, i) => leafHash(h, new Uint8Array([i & 255, (i >> 8) & 255, i >> 16])));
  const TREE = new MemoryTree(h, LEAVES);

  it("serves the same proofs from tiles as from memory, fetching only the listed tiles", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.nat(), fc.nat(), (size, a, b) => {
        const index = a % size;
        const size1 = b % (size + 1);
        const store = new Map<string, Uint8Array>();
        for (const t of tilesForTreeSize(size)) store.set(tilePath(t), tileHashes(TREE, t));
        const wanted = new Set([...tilesForNodes(inclusionProofNodes(index, size), size), ...tilesForNodes(consistencyProofNodes(size1, size), size)].map(tilePath));
        const fetched = new Set<string>();
        const reader = tileNodeReader(h, size, (t) => {
          fetched.add(tilePath(t));
          return store.get(tilePath(t));
        });
        expect(inclusionProof(reader, h, index, size).map(toHex)).toEqual(inclusionProof(TREE, h, index, size).map(toHex));
        expect(consistencyProof(reader, h, size1, size).map(toHex)).toEqual(consistencyProof(TREE, h, size1, size).map(toHex));
        for (const f of fetched) expect(wanted.has(f)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it("builds tiles from compact-range visits identical to tiles from leaves", () => {
    const size = 66000;
    const slots = new Map<string, Uint8Array[]>();
    const range = appendLeafHashes(h, EMPTY_COMPACT_RANGE, LEAVES.slice(0, size), (level, index, hash) => {
      const slot = tileSlotForNode(level, index);
      if (slot === null) return;
      const key = `${slot.tileLevel}/${slot.tileIndex}`;
      const row = slots.get(key) ?? [];
      row[slot.position] = hash;
      slots.set(key, row);
    });
    for (const t of tilesForTreeSize(size)) {
      const row = slots.get(`${t.level}/${t.index}`)!;
      const bytes = new Uint8Array(t.width * 32);
      for (let j = 0; j < t.width; j++) bytes.set(row[j], 32 * j);
      expect(toHex(bytes)).toBe(toHex(tileHashes(TREE, t)));
    }
    expect(toHex(compactRangeRoot(h, range))).toBe(toHex(rootFromLeafHashes(h, LEAVES.slice(0, size))));
  });

  it("accepts a full tile where a partial one is asked for, and refuses bad tile bytes", () => {
    const full = tileHashes(TREE, { level: 0, index: 0, width: 256 });
    const reader = tileNodeReader(h, 10, () => full);
    expect(toHex(reader.readNode(3, 0))).toBe(toHex(TREE.readNode(3, 0)));
    expect(() => tileNodeReader(h, 10, () => undefined).readNode(0, 1)).toThrow("malformed_tile: tile tile/0/000.p/10 is not available");
    expect(() => tileNodeReader(h, 10, () => new Uint8Array(33)).readNode(0, 1)).toThrow("malformed_tile: tile tile/0/000.p/10 got 33 bytes");
    expect(() => tileNodeReader(h, 10, () => new Uint8Array(32 * 9)).readNode(0, 1)).toThrow("malformed_tile");
  });
});

describe("entry bundles", () => {
  it("round-trips big-endian uint16 length-prefixed entries", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        expect(decodeEntryBundle(encodeEntryBundle(entries), entries.length)).toEqual(entries);
      }),
      { numRuns: 50 },
    );
    expect(toHex(encodeEntryBundle([new Uint8Array([0xaa]), new Uint8Array(0)]))).toBe("0001aa0000");
  });

  it("refuses truncated, over-long and oversized bundles", () => {
    expect(() => decodeEntryBundle(new Uint8Array([0x00]))).toThrow("malformed_entry_bundle: truncated length prefix at offset 0");
    expect(() => decodeEntryBundle(new Uint8Array([0x00, 0x02, 0x01]))).toThrow("malformed_entry_bundle: entry 0 at offset 0 needs 2 bytes, 1 left");
    expect(() => decodeEntryBundle(new Uint8Array(0))).toThrow("malformed_entry_bundle: empty bundle");
    expect(() => decodeEntryBundle(new Uint8Array(2 * 257))).toThrow("malformed_entry_bundle: more than 256 entries");
    expect(() => decodeEntryBundle(encodeEntryBundle([new Uint8Array(1)]), 2)).toThrow("malformed_entry_bundle: bundle has 1 entries, want 2");
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow("invalid_argument: bundle entry 0 has 65536 bytes, want at most 65535");
  });

  it("checks entries against the level-0 tile", () => {
    const entries = [new Uint8Array([1]), new Uint8Array([2])];
    const tree = new MemoryTree(h, entries.map((e) => leafHash(h, e)));
    const tile = tileHashes(tree, { level: 0, index: 0, width: 2 });
    checkEntryBundle(h, entries, tile);
    expect(() => checkEntryBundle(h, [entries[1], entries[0]], tile)).toThrow("malformed_entry_bundle: entry 0 does not hash to tile hash 0");
  });
});
