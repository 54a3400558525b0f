// C2SP tlog-tiles tree arithmetic: which tiles a tree size has, where a node
// hash lives, a tile's bytes from a NodeReader, and a NodeReader that reads
// subtree hashes out of stored tiles (tile height 8: 256 hashes per tile).
import { requireUint, shr } from "./bits";
import { LedgerError } from "./errors";
import { HASH_SIZE, type NodeId, type NodeReader, nodeHash, requireHash } from "./merkle";
import type { Hasher } from "./sha256";
import { TILE_HEIGHT, TILE_WIDTH, type TileId, tilePath } from "./tile-path";

/**
 * Tiles that change when the tree grows from `oldSize` to `newSize` leaves:
 * full tiles completed and the new partial tile of each level (as Go's
 * sumdb/tlog NewTiles). Requires 0 <= oldSize <= newSize.
 */
export function newTiles(oldSize: number, newSize: number): TileId[] {
  requireUint("oldSize", oldSize);
  requireUint("newSize", newSize);
  if (oldSize > newSize) throw new LedgerError("size_order", `oldSize ${oldSize} > newSize ${newSize}, want oldSize <= newSize`);
  const tiles: TileId[] = [];
  for (let level = 0; shr(newSize, TILE_HEIGHT * level) > 0; level++) {
    const oldN = shr(oldSize, TILE_HEIGHT * level);
    const newN = shr(newSize, TILE_HEIGHT * level);
    if (oldN === newN) continue;
    for (let n = shr(oldN, TILE_HEIGHT); n < shr(newN, TILE_HEIGHT); n++) tiles.push({ level, index: n, width: TILE_WIDTH });
    const n = shr(newN, TILE_HEIGHT);
    const w = newN - n * TILE_WIDTH;
    if (w > 0) tiles.push({ level, index: n, width: w });
  }
  return tiles;
}

/** Every tile (full and partial) a log of `size` leaves serves. Requires size >= 0. */
export function tilesForTreeSize(size: number): TileId[] {
  return newTiles(0, size);
}

/** Width of tile (level, index) in a tree of `treeSize` leaves; 0 if it has none yet. */
export function tileWidth(level: number, index: number, treeSize: number): number {
  requireUint("tile level", level);
  requireUint("tile index", index);
  requireUint("tree size", treeSize);
  const entries = shr(treeSize, TILE_HEIGHT * level);
  return Math.max(0, Math.min(TILE_WIDTH, entries - index * TILE_WIDTH));
}

/** Where a perfect subtree's hash comes from: `count` consecutive hashes of a tile. */
export interface TileSlice {
  readonly tile: TileId;
  readonly offset: number;
  readonly count: number;
}

/**
 * The tile slice whose hashes, hashed together as a perfect tree, give node
 * (level, index) in a tree of `treeSize` leaves. Requires the node to be a
 * perfect subtree within the first treeSize leaves.
 */
export function tileSliceForNode(node: NodeId, treeSize: number): TileSlice {
  requireUint("node level", node.level);
  requireUint("node index", node.index);
  requireUint("tree size", treeSize);
  const tileLevel = Math.floor(node.level / TILE_HEIGHT);
  const count = 2 ** (node.level - TILE_HEIGHT * tileLevel);
  const start = node.index * count; // index of the first hash at level TILE_HEIGHT·tileLevel
  const index = Math.floor(start / TILE_WIDTH);
  const width = tileWidth(tileLevel, index, treeSize);
  const offset = start % TILE_WIDTH;
  if (offset + count > width) {
    throw new LedgerError("invalid_argument", `node (${node.level}, ${node.index}) is not in a tree of ${treeSize} leaves`);
  }
  return { tile: { level: tileLevel, index, width }, offset, count };
}

/** The distinct tiles holding `nodes` in a tree of `treeSize` leaves (fetch these before proving). */
export function tilesForNodes(nodes: readonly NodeId[], treeSize: number): TileId[] {
  const out = new Map<string, TileId>();
  for (const node of nodes) {
    const { tile } = tileSliceForNode(node, treeSize);
    out.set(tilePath(tile), tile);
  }
  return [...out.values()];
}

/**
 * Where a node completed by an append belongs in the tiles, or null if its
 * level is not a tile level (a multiple of 8). For a CompactRange visitor.
 */
export function tileSlotForNode(level: number, index: number): { tileLevel: number; tileIndex: number; position: number } | null {
  if (level % TILE_HEIGHT !== 0) return null;
  return { tileLevel: level / TILE_HEIGHT, tileIndex: Math.floor(index / TILE_WIDTH), position: index % TILE_WIDTH };
}

/**
 * The bytes of `tile`: its `width` hashes concatenated, entry j being node
 * (8·level, 256·index + j). Use a MemoryTree over leaf hashes to compute a
 * tile from leaves. Requires `reader` to know those nodes.
 */
export function tileHashes(reader: NodeReader, tile: TileId): Uint8Array {
  tilePath(tile); // validates level and width
  const out = new Uint8Array(tile.width * HASH_SIZE);
  for (let j = 0; j < tile.width; j++) {
    const h = reader.readNode(TILE_HEIGHT * tile.level, tile.index * TILE_WIDTH + j);
    requireHash(`tile ${tilePath(tile)} entry ${j}`, h);
    out.set(h, j * HASH_SIZE);
  }
  return out;
}

/** Returns the stored bytes of a tile, or undefined if not available. */
export type TileSource = (tile: TileId) => Uint8Array | undefined;

/**
 * A NodeReader over the tiles of a tree of `treeSize` leaves. `getTile` is
 * asked for tiles at their width for that size; it may return a wider
 * version (e.g. the full tile), of which only the prefix is used.
 */
export function tileNodeReader(hasher: Hasher, treeSize: number, getTile: TileSource): NodeReader {
  requireUint("tree size", treeSize);
  return {
    readNode(level: number, index: number): Uint8Array {
      const { tile, offset, count } = tileSliceForNode({ level, index }, treeSize);
      const bytes = getTile(tile);
      const path = tilePath(tile);
      if (bytes === undefined) throw new LedgerError("malformed_tile", `tile ${path} is not available`);
      if (!(bytes instanceof Uint8Array) || bytes.length % HASH_SIZE !== 0 || bytes.length < tile.width * HASH_SIZE || bytes.length > TILE_WIDTH * HASH_SIZE) {
        const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
        throw new LedgerError("malformed_tile", `tile ${path} got ${got}, want ${tile.width * HASH_SIZE}..${TILE_WIDTH * HASH_SIZE} bytes in ${HASH_SIZE}-byte hashes`);
      }
      let row: Uint8Array[] = [];
      for (let j = 0; j < count; j++) row.push(bytes.subarray((offset + j) * HASH_SIZE, (offset + j + 1) * HASH_SIZE));
      while (row.length > 1) {
        const up: Uint8Array[] = [];
        for (let j = 0; j < row.length; j += 2) up.push(nodeHash(hasher, row[j], row[j + 1]));
        row = up;
      }
      return row[0].slice();
    },
  };
}
