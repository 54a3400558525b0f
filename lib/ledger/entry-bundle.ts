// C2SP tlog-tiles entry bundles: up to 256 log entries, each prefixed by its
// length as a big-endian uint16.
import { bytesEqual } from "./encoding";
import { LedgerError } from "./errors";
import { HASH_SIZE, leafHash } from "./merkle";
import type { Hasher } from "./sha256";
import { TILE_WIDTH } from "./tile-path";

/** Largest entry a bundle can carry (uint16 length prefix). */
export const MAX_BUNDLE_ENTRY_BYTES = 0xffff;

/** Encodes entries as a bundle. Requires 1..256 entries of at most 65535 bytes each. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > TILE_WIDTH) {
    throw new LedgerError("invalid_argument", `bundle got ${Array.isArray(entries) ? entries.length : typeof entries} entries, want 1..${TILE_WIDTH}`);
  }
  let n = 0;
  entries.forEach((e, i) => {
    if (!(e instanceof Uint8Array)) throw new LedgerError("invalid_argument", `bundle entry ${i} got ${typeof e}, want Uint8Array`);
    if (e.length > MAX_BUNDLE_ENTRY_BYTES) {
      throw new LedgerError("invalid_argument", `bundle entry ${i} has ${e.length} bytes, want at most ${MAX_BUNDLE_ENTRY_BYTES}`);
    }
    n += 2 + e.length;
  });
  const out = new Uint8Array(n);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 255;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * Decodes a bundle. If `width` is given, requires exactly that many entries;
 * always requires 1..256 complete entries and no trailing bytes. Fails with
 * malformed_entry_bundle otherwise.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new LedgerError("malformed_entry_bundle", `got ${typeof bytes}, want bytes`);
  const entries: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (entries.length === TILE_WIDTH) throw new LedgerError("malformed_entry_bundle", `more than ${TILE_WIDTH} entries`);
    if (o + 2 > bytes.length) throw new LedgerError("malformed_entry_bundle", `truncated length prefix at offset ${o}`);
    const len = (bytes[o] << 8) | bytes[o + 1];
    if (o + 2 + len > bytes.length) {
      throw new LedgerError("malformed_entry_bundle", `entry ${entries.length} at offset ${o} needs ${len} bytes, ${bytes.length - o - 2} left`);
    }
    entries.push(bytes.slice(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (entries.length === 0) throw new LedgerError("malformed_entry_bundle", "empty bundle, want 1..256 entries");
  if (width !== undefined && entries.length !== width) {
    throw new LedgerError("malformed_entry_bundle", `bundle has ${entries.length} entries, want ${width}`);
  }
  return entries;
}

/**
 * Checks that each bundle entry hashes to the matching hash of the level-0
 * tile with the same index. Requires a tile of 32-byte hashes at least as wide
 * as the bundle; fails with malformed_entry_bundle naming the first mismatch.
 */
export function checkEntryBundle(hasher: Hasher, entries: readonly Uint8Array[], level0Tile: Uint8Array): void {
  if (level0Tile.length % HASH_SIZE !== 0 || level0Tile.length / HASH_SIZE < entries.length) {
    throw new LedgerError("malformed_tile", `tile has ${level0Tile.length} bytes, want ${entries.length} hashes of ${HASH_SIZE} bytes`);
  }
  entries.forEach((e, i) => {
    if (!bytesEqual(leafHash(hasher, e), level0Tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))) {
      throw new LedgerError("malformed_entry_bundle", `entry ${i} does not hash to tile hash ${i}`);
    }
  });
}
