// The RFC 9162 §2.1 Merkle tree: leaf and node hashing, the root of a list of
// leaf hashes, and the NodeReader through which proofs read subtree hashes
// (from memory here, from stored tiles in tiles.ts).
import { bitLength, requireUint, shr } from "./bits";
import { LedgerError } from "./errors";
import type { Hasher } from "./sha256";

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** Throws bad_hash_length unless `h` is a 32-byte Uint8Array; `what` names it. */
export function requireHash(what: string, h: unknown): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array)) throw new LedgerError("bad_hash_length", `${what} got ${typeof h}, want ${HASH_SIZE} bytes`);
  if (h.length !== HASH_SIZE) throw new LedgerError("bad_hash_length", `${what} has ${h.length} bytes, want ${HASH_SIZE}`);
}

// Where nodeHash writes a node's input: 65 bytes made per call would each be an ArrayBuffer with
// a backing store of their own (V8 keeps only typed arrays of up to 64 bytes on its heap). A
// Hasher reads its input before it returns and keeps no reference to it.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 1;

/** Leaf hash SHA-256(0x00 || entry). Requires `entry` to be bytes. */
export function leafHash(hasher: Hasher, entry: Uint8Array): Uint8Array {
  if (!(entry instanceof Uint8Array)) throw new LedgerError("invalid_argument", `entry got ${typeof entry}, want Uint8Array`);
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return hasher(buf);
}

/** Interior node hash SHA-256(0x01 || left || right). Requires two 32-byte hashes. */
export function nodeHash(hasher: Hasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  requireHash("left child", left);
  requireHash("right child", right);
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hasher(nodeInput);
}

/** Root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(hasher: Hasher): Uint8Array {
  return hasher(new Uint8Array(0));
}

/**
 * Root hash of the tree whose leaves have the given hashes, in O(n) time and
 * O(log n) memory. Requires every element to be a 32-byte hash.
 */
export function rootFromLeafHashes(hasher: Hasher, leafHashes: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(leafHashes)) throw new LedgerError("invalid_argument", `leaf hashes got ${typeof leafHashes}, want an array`);
  if (leafHashes.length === 0) return emptyRoot(hasher);
  // The stack holds the right-edge perfect subtrees of the tree so far, largest first.
  const stack: Uint8Array[] = [];
  for (let size = 0; size < leafHashes.length; size++) {
    let h = leafHashes[size];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) requireHash(`leaf hash [${size}]`, h);
    for (let level = 0; shr(size, level) % 2 === 1; level++) h = nodeHash(hasher, stack.pop()!, h);
    stack.push(h);
  }
  let root = stack[stack.length - 1];
  for (let i = stack.length - 2; i >= 0; i--) root = nodeHash(hasher, stack[i], root);
  return root;
}

/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * Source of subtree hashes for proof generation, so storage can serve node
 * hashes (e.g. from tiles) without holding all leaves. Only perfect subtrees
 * are asked for; `subtreeHash` composes right-edge subtrees from them.
 */
export interface NodeReader {
  /** MTH of the leaves [index·2^level, (index+1)·2^level); throws if unknown. */
  readNode(level: number, index: number): Uint8Array;
}

/**
 * MTH(D[begin:end]) for a range that is a node of some tree: a perfect subtree
 * or a right-edge subtree. Requires 0 <= begin < end and begin to be a
 * multiple of the smallest power of two >= end - begin.
 */
export function subtreeHash(reader: NodeReader, hasher: Hasher, begin: number, end: number): Uint8Array {
  requireUint("begin", begin);
  requireUint("end", end);
  if (begin >= end) throw new LedgerError("invalid_argument", `range [${begin}, ${end}) is empty, want begin < end`);
  const width = end - begin;
  const bits = bitLength(width - 1); // smallest p = 2^bits >= width
  if (begin % 2 ** bits !== 0) {
    throw new LedgerError("invalid_argument", `range [${begin}, ${end}) is not a subtree: begin must be a multiple of ${2 ** bits}`);
  }
  const parts = perfectSubtreeHashes(reader, begin, width);
  let h = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(hasher, parts[i], h);
  return h;
}

/**
 * The hashes of the perfect subtrees that tile [begin, begin + width), largest (leftmost)
 * first: one per bit set in `width`. Requires begin to be a multiple of each subtree's size
 * (as for a subtree or a compact range from 0); checks each hash `reader` returns.
 */
export function perfectSubtreeHashes(reader: NodeReader, begin: number, width: number): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  let offset = begin;
  for (let level = bitLength(width) - 1; level >= 0; level--) {
    if (shr(width, level) % 2 === 1) {
      const h = reader.readNode(level, offset / 2 ** level);
      requireHash(`node (${level}, ${offset / 2 ** level})`, h);
      hashes.push(h);
      offset += 2 ** level;
    }
  }
  return hashes;
}

/**
 * All perfect-subtree hashes of a list of leaf hashes, kept in memory: a
 * NodeReader for tests, the CLI and small logs. Building it is O(n); it
 * serves proofs for every tree size up to `size`.
 */
export class MemoryTree implements NodeReader {
  private readonly levels: Uint8Array[][];

  /** Requires every element of `leafHashes` to be a 32-byte hash. */
  constructor(hasher: Hasher, leafHashes: readonly Uint8Array[]) {
    if (!Array.isArray(leafHashes)) throw new LedgerError("invalid_argument", `leaf hashes got ${typeof leafHashes}, want an array`);
    leafHashes.forEach((h, i) => requireHash(`leaf hash [${i}]`, h));
    this.levels = [leafHashes.slice()];
    for (let below = this.levels[0]; below.length > 1; ) {
      const up: Uint8Array[] = new Array(Math.floor(below.length / 2));
      for (let i = 0; i < up.length; i++) up[i] = nodeHash(hasher, below[2 * i], below[2 * i + 1]);
      this.levels.push(up);
      below = up;
    }
  }

  /** Number of leaves. */
  get size(): number {
    return this.levels[0].length;
  }

  /** Requires the node to lie within the first `size` leaves. */
  readNode(level: number, index: number): Uint8Array {
    const row = this.levels[level];
    if (!Number.isInteger(level) || row === undefined || !Number.isInteger(index) || index < 0 || index >= row.length) {
      throw new LedgerError("invalid_argument", `node (${level}, ${index}) is not in a tree of ${this.size} leaves`);
    }
    return row[index];
  }
}
