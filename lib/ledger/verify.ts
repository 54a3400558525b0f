// Inclusion and consistency proof verification (RFC 9162 §2.1.3.2, §2.1.4.2).
// Compute, then compare: rootFromInclusionProof / rootsFromConsistencyProof
// return roots; verifyInclusion / verifyConsistency compare them and fail with
// a RootMismatchError carrying both. Every malformed input fails with a
// LedgerError before any hashing.
import { bitLength, isPowerOfTwo, onesCount, requireUint, shr, trailingZeros, xor } from "./bits";
import { bytesEqual } from "./encoding";
import { LedgerError, RootMismatchError } from "./errors";
import { emptyRoot, nodeHash, requireHash } from "./merkle";
import type { Hasher } from "./sha256";

/** Most hashes any proof over a tree of < 2^53 leaves can hold. */
const MAX_PROOF_HASHES = 64;

function requireProof(kind: string, proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw new LedgerError("invalid_argument", `${kind} proof got ${typeof proof}, want an array of hashes`);
}

function requireProofHashes(kind: string, proof: readonly Uint8Array[]): void {
  proof.forEach((h, i) => requireHash(`${kind} proof[${i}]`, h));
}

/**
 * Number of hashes in an inclusion proof for `index` in a tree of `size`,
 * split into the part below the point where the paths to `index` and
 * `size - 1` meet (inner) and the part along the right border above it.
 */
function decompose(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  const border = onesCount(shr(index, inner));
  return { inner, border };
}

/**
 * Root hash implied by an inclusion proof for `leafHash` at `index` in a tree
 * of `size` leaves. Requires 0 <= index < size, a 32-byte leaf hash, and a
 * proof of exactly the length RFC 9162 prescribes, of 32-byte hashes.
 */
export function rootFromInclusionProof(
  hasher: Hasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  requireUint("index", index);
  requireUint("size", size);
  if (index >= size) throw new LedgerError("index_out_of_range", `index ${index} >= size ${size}, want index < size`);
  requireHash("leaf hash", leafHash);
  requireProof("inclusion", proof);
  const { inner, border } = decompose(index, size);
  if (proof.length !== inner + border) {
    throw new LedgerError(
      "proof_wrong_length",
      `inclusion proof for index ${index} in a tree of size ${size} has ${proof.length} hashes, want ${inner + border}`,
    );
  }
  requireProofHashes("inclusion", proof);
  let h = leafHash;
  for (let i = 0; i < inner; i++) {
    h = shr(index, i) % 2 === 0 ? nodeHash(hasher, h, proof[i]) : nodeHash(hasher, proof[i], h);
  }
  for (let i = inner; i < proof.length; i++) h = nodeHash(hasher, proof[i], h);
  return h;
}

/**
 * Checks that `leafHash` is at `index` in the tree of `size` leaves with root
 * `root`. Requires what rootFromInclusionProof requires and a 32-byte root;
 * throws RootMismatchError if the computed root differs.
 */
export function verifyInclusion(
  hasher: Hasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const computed = rootFromInclusionProof(hasher, index, size, leafHash, proof);
  requireHash("root", root);
  if (!bytesEqual(computed, root)) throw new RootMismatchError("root", root, computed);
}

/** The two roots a consistency proof commits to. */
export interface ConsistencyRoots {
  /** Root of the tree of size1, rebuilt from the proof. */
  root1: Uint8Array;
  /** Root of the tree of size2, or null when size1 = 0 (nothing to rebuild). */
  root2: Uint8Array | null;
}

/**
 * Both roots implied by a consistency proof from the tree of `size1` leaves
 * (root `root1`) to the tree of `size2` leaves. Requires 0 <= size1 <= size2,
 * a 32-byte root1, and a proof of exactly the prescribed length: empty when
 * size1 = size2 or size1 = 0 (RFC 9162 defines proofs only for
 * 0 < size1 < size2; C2SP merkle-tree: from the empty tree the proof is empty).
 * For size1 = 0 the returned root1 is the empty-tree root and root2 is null.
 */
export function rootsFromConsistencyProof(
  hasher: Hasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): ConsistencyRoots {
  requireUint("size1", size1);
  requireUint("size2", size2);
  if (size1 > size2) throw new LedgerError("size_order", `size1 ${size1} > size2 ${size2}, want size1 <= size2`);
  requireHash("first root", root1);
  requireProof("consistency", proof);
  if (size1 === size2 || size1 === 0) {
    if (proof.length !== 0) {
      const why = size1 === 0 ? "from the empty tree" : `between equal sizes ${size1}`;
      throw new LedgerError("proof_wrong_length", `consistency proof ${why} has ${proof.length} hashes, want 0`);
    }
    return size1 === 0 ? { root1: emptyRoot(hasher), root2: null } : { root1, root2: root1 };
  }
  const d = decompose(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = d.inner - shift; // shift < inner because size1 < size2
  // The proof starts with the hash of the subtree of size 2^shift holding leaf
  // size1 - 1, unless that subtree is the whole first tree: then it is root1.
  const seeded = isPowerOfTwo(size1);
  const start = seeded ? 0 : 1;
  const want = start + inner + d.border;
  if (proof.length !== want || want > MAX_PROOF_HASHES) {
    throw new LedgerError(
      "proof_wrong_length",
      `consistency proof from size ${size1} to size ${size2} has ${proof.length} hashes, want ${want}`,
    );
  }
  requireProofHashes("consistency", proof);
  const seed = seeded ? root1 : proof[0];
  const rest = proof.slice(start);
  const mask = shr(size1 - 1, shift);
  let h1 = seed;
  let h2 = seed;
  for (let i = 0; i < inner; i++) {
    if (shr(mask, i) % 2 === 1) {
      h1 = nodeHash(hasher, rest[i], h1);
      h2 = nodeHash(hasher, rest[i], h2);
    } else {
      h2 = nodeHash(hasher, h2, rest[i]);
    }
  }
  for (let i = inner; i < rest.length; i++) {
    h1 = nodeHash(hasher, rest[i], h1);
    h2 = nodeHash(hasher, rest[i], h2);
  }
  return { root1: h1, root2: h2 };
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree
 * of `size1` leaves with root `root1`. Requires what rootsFromConsistencyProof
 * requires and a 32-byte root2; throws RootMismatchError naming the first or
 * second root if a computed root differs. From size1 = 0 an empty proof is
 * valid for any root2, but root1 must be the empty-tree root.
 */
export function verifyConsistency(
  hasher: Hasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const computed = rootsFromConsistencyProof(hasher, size1, size2, proof, root1);
  requireHash("second root", root2);
  if (!bytesEqual(computed.root1, root1)) throw new RootMismatchError("first root", root1, computed.root1);
  if (computed.root2 !== null && !bytesEqual(computed.root2, root2)) {
    throw new RootMismatchError("second root", root2, computed.root2);
  }
}
