// A small log for tests: keys, leaves, a MemoryTree and signed checkpoints.
import { formatCheckpoint } from "./checkpoint";
import { SIG_TYPE_COSIGNATURE_V1, ed25519CosignatureVerifier, ed25519Cosigner, type Cosigner, type CosignatureVerifier } from "./cosignature";
import type { Ed25519 } from "./ed25519";
import { MemoryTree, leafHash, rootFromLeafHashes } from "./merkle";
import { nodeEd25519, nodeSha256 } from "./node-crypto";
import { type NoteSigner, type NoteVerifier, ed25519NoteSigner, ed25519NoteVerifier, generateNoteKey, signNote } from "./note";

export const ORIGIN = "city.example/ledger";

export interface TestLog {
  readonly origin: string;
  readonly signerKey: string;
  readonly verifierKey: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  readonly entries: Uint8Array[];
  readonly leaves: Uint8Array[];
  readonly tree: MemoryTree;
  root(size: number): Uint8Array;
  /** The checkpoint note text (unsigned body) at `size`. */
  body(size: number): string;
  /** A checkpoint at `size` signed by the log key. */
  checkpoint(size: number): Promise<string>;
}

export async function makeLog(n: number, ed: Ed25519 = nodeEd25519, origin = ORIGIN): Promise<TestLog> {
  const { signerKey, verifierKey } = await generateNoteKey(ed, origin);
  const signer = await ed25519NoteSigner(ed, signerKey);
  const verifier = await ed25519NoteVerifier(ed, verifierKey);
  const entries = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`{"kind":"test","i":${i}}`));
  const leaves = entries.map((e) => leafHash(nodeSha256, e));
  const tree = new MemoryTree(nodeSha256, leaves);
  const root = (size: number) => rootFromLeafHashes(nodeSha256, leaves.slice(0, size));
  const body = (size: number) => formatCheckpoint({ origin, size, root: root(size), extensions: [] });
  return {
    origin,
    signerKey,
    verifierKey,
    signer,
    verifier,
    entries,
    leaves,
    tree,
    root,
    body,
    checkpoint: (size) => signNote(body(size), [signer]),
  };
}

export interface TestWitness {
  readonly name: string;
  readonly signerKey: string;
  readonly verifierKey: string;
  readonly cosigner: Cosigner;
  readonly verifier: CosignatureVerifier;
}

export async function makeWitness(name: string, ed: Ed25519 = nodeEd25519): Promise<TestWitness> {
  const { signerKey, verifierKey } = await generateNoteKey(ed, name, SIG_TYPE_COSIGNATURE_V1);
  return { name, signerKey, verifierKey, cosigner: await ed25519Cosigner(ed, signerKey), verifier: await ed25519CosignatureVerifier(ed, verifierKey) };
}
