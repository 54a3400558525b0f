// The incremental tree: the state of a log as the hashes of the perfect
// subtrees along its right edge (a compact range [0, size)). A sequencer can
// append N leaves and get the new root in O(N) without re-reading old
// leaves, and persist the state as JSON between runs.
import { onesCount, requireUint, shr } from "./bits";
import { fromHex, toHex } from "./encoding";
import { LedgerError } from "./errors";
import { emptyRoot, HASH_SIZE, type NodeReader, nodeHash, perfectSubtreeHashes, requireHash } from "./merkle";
import type { Hasher } from "./sha256";

/** Tree state: `hashes` are the right-edge perfect subtrees, largest (leftmost) first. */
export interface CompactRange {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

/** JSON-safe form of a CompactRange (hashes in lowercase hex). */
export interface CompactRangeJSON {
  size: number;
  hashes: string[];
}

/** Called for every perfect subtree completed by an append, leaves (level 0) included. */
export type NodeVisitor = (level: number, index: number, hash: Uint8Array) => void;

/** The state of the empty tree. */
export const EMPTY_COMPACT_RANGE: CompactRange = Object.freeze({ size: 0, hashes: Object.freeze([]) as readonly Uint8Array[] });

/**
 * The state after appending `leafHashes` to `range`; `range` is not changed.
 * `visit`, if given, sees each new perfect subtree (e.g. to write tiles).
 * Requires a valid range and 32-byte leaf hashes.
 */
export function appendLeafHashes(
  hasher: Hasher,
  range: CompactRange,
  leafHashes: readonly Uint8Array[],
  visit?: NodeVisitor,
): CompactRange {
  checkRange(range);
  if (!Array.isArray(leafHashes)) throw new LedgerError("invalid_argument", `leaf hashes got ${typeof leafHashes}, want an array`);
  const hashes = range.hashes.slice();
  let size = range.size;
  for (let i = 0; i < leafHashes.length; i++) {
    let h = leafHashes[i];
    // The message only when it fails (a string per leaf otherwise, on the integrator's thread).
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) requireHash(`leaf hash [${i}]`, h);
    if (size + 1 > Number.MAX_SAFE_INTEGER) throw new LedgerError("invalid_argument", "tree size would exceed 2^53 - 1");
    visit?.(0, size, h);
    for (let level = 0; shr(size, level) % 2 === 1; ) {
      h = nodeHash(hasher, hashes.pop()!, h);
      level++;
      visit?.(level, shr(size, level), h);
    }
    hashes.push(h);
    size++;
  }
  return { size, hashes };
}

/** Root hash of the tree `range` describes. Requires a valid range. */
export function compactRangeRoot(hasher: Hasher, range: CompactRange): Uint8Array {
  checkRange(range);
  if (range.size === 0) return emptyRoot(hasher);
  let h = range.hashes[range.hashes.length - 1];
  for (let i = range.hashes.length - 2; i >= 0; i--) h = nodeHash(hasher, range.hashes[i], h);
  return h;
}

/** JSON-safe copy of `range`. */
export function compactRangeToJSON(range: CompactRange): CompactRangeJSON {
  checkRange(range);
  return { size: range.size, hashes: range.hashes.map(toHex) };
}

/**
 * Parses a persisted range. Requires {size, hashes} with one 64-digit hex hash
 * per set bit of size; fails with malformed_compact_range otherwise.
 */
export function compactRangeFromJSON(json: unknown): CompactRange {
  if (typeof json !== "object" || json === null) {
    throw new LedgerError("malformed_compact_range", `got ${json === null ? "null" : typeof json}, want {size, hashes}`);
  }
  const { size, hashes } = json as { size?: unknown; hashes?: unknown };
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new LedgerError("malformed_compact_range", `size got ${typeof size === "number" ? size : typeof size}, want a non-negative safe integer`);
  }
  if (!Array.isArray(hashes) || hashes.some((h) => typeof h !== "string" || !/^[0-9a-f]{64}$/.test(h))) {
    throw new LedgerError("malformed_compact_range", "hashes must be an array of 64 lowercase hex digits each");
  }
  const range = { size, hashes: hashes.map((h: string) => fromHex(h)) };
  checkRange(range, "malformed_compact_range");
  return range;
}

/**
 * The range [0, size) read from stored perfect subtrees, to resume appending
 * after a restart. Requires `reader` to know the first `size` leaves.
 */
export function compactRangeFromReader(reader: NodeReader, size: number): CompactRange {
  requireUint("size", size);
  return { size, hashes: perfectSubtreeHashes(reader, 0, size) };
}

function checkRange(range: CompactRange, code: "invalid_argument" | "malformed_compact_range" = "invalid_argument"): void {
  if (typeof range !== "object" || range === null || !Array.isArray(range.hashes)) {
    throw new LedgerError(code, "compact range got a non-object, want {size, hashes}");
  }
  requireUint("compact range size", range.size);
  const want = onesCount(range.size);
  if (range.hashes.length !== want) {
    throw new LedgerError(code, `compact range of size ${range.size} has ${range.hashes.length} hashes, want ${want}`);
  }
  range.hashes.forEach((h, i) => requireHash(`compact range hash [${i}]`, h));
}
