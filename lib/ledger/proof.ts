// Inclusion and consistency proof generation (RFC 9162 §2.1.3.1, §2.1.4.1),
// reading subtree hashes through a NodeReader. The *Nodes functions list the
// perfect subtrees a proof will read, so async storage can fetch them first.
import { requireUint, splitPoint } from "./bits";
import { LedgerError } from "./errors";
import { HASH_SIZE, MemoryTree, type NodeId, type NodeReader, subtreeHash } from "./merkle";
import type { Hasher } from "./sha256";

/**
 * Inclusion proof (audit path) for the leaf at `index` in the tree of `size`
 * leaves, ordered from the leaf's sibling up to the root's child.
 * Requires 0 <= index < size, and `reader` to know the first `size` leaves.
 */
export function inclusionProof(reader: NodeReader, hasher: Hasher, index: number, size: number): Uint8Array[] {
  requireUint("index", index);
  requireUint("size", size);
  if (index >= size) throw new LedgerError("index_out_of_range", `index ${index} >= size ${size}, want index < size`);
  const topDown: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      topDown.push(subtreeHash(reader, hasher, lo + k, hi));
      hi = lo + k;
    } else {
      topDown.push(subtreeHash(reader, hasher, lo, lo + k));
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * Consistency proof from the tree of `size1` leaves to the tree of `size2`
 * leaves. Empty when size1 = 0 or size1 = size2. Requires 0 <= size1 <= size2,
 * and `reader` to know the first `size2` leaves.
 */
export function consistencyProof(reader: NodeReader, hasher: Hasher, size1: number, size2: number): Uint8Array[] {
  requireUint("size1", size1);
  requireUint("size2", size2);
  if (size1 > size2) throw new LedgerError("size_order", `size1 ${size1} > size2 ${size2}, want size1 <= size2`);
  if (size1 === 0 || size1 === size2) return [];
  const topDown: Uint8Array[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let whole = true; // SUBPROOF's b: the old tree's root is this very subtree
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!whole) topDown.push(subtreeHash(reader, hasher, lo, hi));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      topDown.push(subtreeHash(reader, hasher, lo + k, hi));
      hi = lo + k;
    } else {
      topDown.push(subtreeHash(reader, hasher, lo, lo + k));
      lo += k;
      m -= k;
      whole = false;
    }
  }
  return topDown.reverse();
}

/** The perfect subtrees `inclusionProof(…, index, size)` reads. Same requirements. */
export function inclusionProofNodes(index: number, size: number): NodeId[] {
  const rec = new RecordingReader();
  inclusionProof(rec, dummyHasher, index, size);
  return rec.nodes();
}

/** The perfect subtrees `consistencyProof(…, size1, size2)` reads. Same requirements. */
export function consistencyProofNodes(size1: number, size2: number): NodeId[] {
  const rec = new RecordingReader();
  consistencyProof(rec, dummyHasher, size1, size2);
  return rec.nodes();
}

const ZERO = new Uint8Array(HASH_SIZE);
const dummyHasher: Hasher = () => ZERO;

class RecordingReader implements NodeReader {
  private readonly seen = new Map<string, NodeId>();

  readNode(level: number, index: number): Uint8Array {
    this.seen.set(`${level}/${index}`, { level, index });
    return ZERO;
  }

  nodes(): NodeId[] {
    return [...this.seen.values()];
  }
}

/**
 * Inclusion proof over a list of leaf hashes (builds a MemoryTree, O(n)).
 * Requires 0 <= index < size <= leafHashes.length and 32-byte leaf hashes.
 */
export function inclusionProofFromLeafHashes(hasher: Hasher, leafHashes: readonly Uint8Array[], index: number, size: number = leafHashes.length): Uint8Array[] {
  requireUint("size", size);
  if (size > leafHashes.length) throw new LedgerError("invalid_argument", `size ${size} > ${leafHashes.length} leaf hashes`);
  return inclusionProof(new MemoryTree(hasher, leafHashes.slice(0, size)), hasher, index, size);
}

/**
 * Consistency proof over a list of leaf hashes (builds a MemoryTree, O(n)).
 * Requires 0 <= size1 <= size2 <= leafHashes.length and 32-byte leaf hashes.
 */
export function consistencyProofFromLeafHashes(hasher: Hasher, leafHashes: readonly Uint8Array[], size1: number, size2: number = leafHashes.length): Uint8Array[] {
  requireUint("size2", size2);
  if (size2 > leafHashes.length) throw new LedgerError("invalid_argument", `size2 ${size2} > ${leafHashes.length} leaf hashes`);
  return consistencyProof(new MemoryTree(hasher, leafHashes.slice(0, size2)), hasher, size1, size2);
}
