import type { SqlTx } from "../db/sql";
import type { TileId } from "../ledger/tile-path";
import { tileNodeReader } from "../ledger/tiles";
import { tilesForNodes } from "../ledger/tiles";
import type { NodeId, NodeReader } from "../ledger/merkle";
import { nodeSha256 } from "./node-hasher";

const key = (level: number, index: number) => `${level}/${index}`;

/**
 * Loads the stored tiles (level, index) asked for. Each row holds the widest version of
 * its tile; readers use the prefix they need (tiles only ever grow).
 */
export async function loadTiles(tx: Pick<SqlTx, "query">, tiles: readonly Pick<TileId, "level" | "index">[]) {
  const out = new Map<string, Uint8Array>();
  if (tiles.length === 0) return out;
  const rows = await tx.query<{ level: number; index: number; hashes: Uint8Array }>(
    `SELECT level, index, hashes FROM ledger_tile
      WHERE (level, index) IN (SELECT * FROM unnest($1::int[], $2::int8[]))`,
    [tiles.map((t) => t.level), tiles.map((t) => t.index)],
  );
  for (const r of rows) out.set(key(r.level, Number(r.index)), new Uint8Array(r.hashes));
  return out;
}

/** A NodeReader for a tree of `size` leaves that has loaded exactly the tiles `nodes` need. */
export async function readerForNodes(tx: Pick<SqlTx, "query">, size: number, nodes: readonly NodeId[]): Promise<NodeReader> {
  const tiles = tilesForNodes(nodes, size);
  const loaded = await loadTiles(tx, tiles);
  return tileNodeReader(nodeSha256, size, (t) => loaded.get(key(t.level, t.index)));
}

export { key as tileKey };
