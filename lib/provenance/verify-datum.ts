// Verifies a datum step by step and says which check fails and why. Never throws on a
// malformed or hostile download: every problem is a failed check with a reason.
import { canonicalJson, canonicalJsonBytes } from "../ledger/canonical-json";
import { bytesEqual, fromBase64, fromHex, toHex, utf8Encode } from "../ledger/encoding";
import type { Ed25519 } from "../ledger/ed25519";
import { decodeEntry } from "../ledger/entries";
import { openCommitmentText } from "../ledger/commitment";
import { leafHash, rootFromLeafHashes } from "../ledger/merkle";
import { ed25519NoteVerifier } from "../ledger/note";
import { openCheckpoint } from "../ledger/checkpoint";
import { ed25519CosignatureVerifier, validCosignatures } from "../ledger/cosignature";
import { parseProofBundle } from "../ledger/proof-bundle";
import { verifyInclusion } from "../ledger/verify";
import type { Hasher } from "../ledger/sha256";
import { Datum, quorumOf, type Trust } from "./datum";

export type CheckId =
  | "format"
  | "trusted-keys"
  | "envelope-hash"
  | "device-signature"
  | "entry-matches-reading"
  | "gateway-signature"
  | "gateway-batch-inclusion"
  | "ledger-inclusion"
  | "checkpoint-signature"
  | "witness-cosignatures"
  | "device-key-registered";

/** Why a check was not run: the viewer's grant withholds what it needs (its scope; the fields withheld under raw scope). */
export type Withheld = { scope: "raw" | "anonymized" | "aggregated"; fields?: string[] };
/** A check's outcome; a withheld check was not run (ok false, so nothing reads it as passed) and is not a failure. */
export type Check = { id: CheckId; ok: boolean; detail: string; withheld?: Withheld };
/** `ok`: every check that was run passed. */
export type DatumVerification = { ok: boolean; checks: Check[]; checkpointSize?: number; cosignedBy?: string[] };

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const verdict = (checks: Check[]) => checks.every((c) => c.ok || c.withheld !== undefined);
type Deps = { hasher: Hasher; ed25519: Ed25519; trust?: Trust };
type Add = (id: CheckId, ok: boolean, detail: string) => void;

/**
 * Checks a receipt (C2SP tlog-proof) for the leaf with hash `leaf` at `index`: the log signed
 * its checkpoint, the inclusion proof leads to that checkpoint's root, and a quorum of the
 * trusted witnesses cosigned it. Reports each step through `add` when given; throws at the
 * first that fails.
 */
async function checkReceipt(deps: Deps, trust: Trust, receipt: string, leaf: Uint8Array, index: number, what: string, add: Add | null) {
  const bundle = parseProofBundle(receipt);
  if (bundle.index !== index) throw new Error(`receipt is for leaf ${bundle.index}, want ${index}`);
  const logVerifier = await ed25519NoteVerifier(deps.ed25519, trust.logVerifierKey);
  let opened;
  try {
    opened = await openCheckpoint(bundle.checkpoint, [logVerifier], trust.origin);
    add?.("checkpoint-signature", true, `checkpoint of ${opened.checkpoint.size} entries signed by ${trust.origin}`);
  } catch (e) {
    add?.("checkpoint-signature", false, `checkpoint is not signed by the log ${trust.origin}: ${errText(e)}`);
    throw e;
  }
  try {
    verifyInclusion(deps.hasher, index, opened.checkpoint.size, leaf, bundle.proof, opened.checkpoint.root);
    add?.("ledger-inclusion", true, `${what} is leaf ${index} of the ledger's tree of ${opened.checkpoint.size}`);
  } catch (e) {
    add?.("ledger-inclusion", false, `${what} is not proven in the checkpoint: ${errText(e)}`);
    throw e;
  }
  const quorum = quorumOf(trust);
  let valid: Awaited<ReturnType<typeof validCosignatures>>;
  try {
    const witnesses = await Promise.all(trust.witnessVerifierKeys.map((k) => ed25519CosignatureVerifier(deps.ed25519, k)));
    valid = await validCosignatures(opened.text, opened.unverified, witnesses);
  } catch (e) {
    add?.("witness-cosignatures", false, `witness cosignatures do not verify: ${errText(e)}`);
    throw e;
  }
  const ok = valid.length >= quorum;
  add?.("witness-cosignatures", ok, `${valid.length} of ${trust.witnessVerifierKeys.length} department witnesses cosigned (quorum ${quorum})${valid.length ? `: ${valid.map((v) => v.name).join(", ")}` : ""}`);
  if (!ok) throw new Error(`only ${valid.length} of quorum ${quorum} witnesses cosigned`);
  return { checkpointSize: opened.checkpoint.size, cosignedBy: valid.map((v) => v.name) };
}

/** Runs checkReceipt for the item being verified, reporting the ledger checks even when one step cannot run. */
async function ledgerChecks(deps: Deps, trust: Trust, checks: Check[], receipt: string, leaf: Uint8Array, index: number, what: string) {
  const add: Add = (id, ok, detail) => checks.push({ id, ok, detail });
  try {
    return await checkReceipt(deps, trust, receipt, leaf, index, what, add);
  } catch (e) {
    if (!checks.some((c) => c.id === "checkpoint-signature")) add("checkpoint-signature", false, `receipt cannot be read: ${errText(e)}`);
    if (!checks.some((c) => c.id === "ledger-inclusion")) add("ledger-inclusion", false, "not checked: the checkpoint did not verify");
    if (!checks.some((c) => c.id === "witness-cosignatures")) add("witness-cosignatures", false, "not checked: the inclusion proof did not verify");
    return { checkpointSize: undefined, cosignedBy: undefined };
  }
}

function trustedKeysCheck(deps: Deps, named: Trust, add: Add): Trust {
  if (deps.trust) {
    const same =
      deps.trust.origin === named.origin &&
      deps.trust.logVerifierKey === named.logVerifierKey &&
      named.witnessVerifierKeys.every((k) => deps.trust!.witnessVerifierKeys.includes(k));
    add("trusted-keys", true, same ? "the datum names the published log and witness keys" : "the datum names other keys than the published ones; verified against the published keys");
    return deps.trust;
  }
  add("trusted-keys", true, `using the keys embedded in the datum (log ${named.logVerifierKey.split("+").slice(0, 2).join("+")}); pin the city's published keys to be sure`);
  return named;
}

/**
 * Verifies a downloaded datum against trusted keys (the city's published ones; by default
 * those embedded in the datum, which the "trusted-keys" check then reports as unpinned).
 * With `withheld.fields` (the provenance page under a grant limited to some fields) the
 * datum's values hold only the granted fields: the envelope hash and the device signature,
 * which cover every field, are reported withheld instead of run, and the gateway batch is
 * checked with the payload hash the ledger entry commits to.
 */
export async function verifyDatum(input: unknown, deps: Deps & { withheld?: Withheld & { fields: string[] } }): Promise<DatumVerification> {
  const checks: Check[] = [];
  const add = (id: CheckId, ok: boolean, detail: string) => checks.push({ id, ok, detail });
  const parsed = Datum.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    add("format", false, `not a city-brain datum: ${i.path.join(".") || "(root)"}: ${i.message}`);
    return { ok: false, checks };
  }
  const d = parsed.data;
  add("format", true, "city-brain-datum/v1");
  const trust = trustedKeysCheck(deps, d.log, add);
  const withheld = deps.withheld?.fields.length ? deps.withheld : null;
  const withhold = (id: CheckId) =>
    checks.push({ id, ok: false, detail: `not run: the grant withholds ${withheld!.fields!.join(", ")}, and the device signed every field`, withheld: withheld! });

  // 1. The envelope the device signed, and its hash the ledger commits to.
  let envelopeBytes: Uint8Array | null = null;
  try {
    envelopeBytes = canonicalJsonBytes(d.reading.envelope);
  } catch (e) {
    add("envelope-hash", false, `envelope cannot be canonicalised: ${errText(e)}`);
  }
  let entry: ReturnType<typeof decodeEntry> | null = null;
  // A reading of a restricted dataset is a commitment.v1 entry on the log: the datum carries
  // its opening (salt and reading.v1 entry), which must give the commitment.
  let sealed = false;
  try {
    entry = decodeEntry(utf8Encode(d.ledger.entry));
    if (canonicalJson(JSON.parse(d.ledger.entry)) !== d.ledger.entry) throw new Error("entry is not in canonical form");
    if (entry.kind === "commitment.v1") {
      if (!d.ledger.opening) throw new Error("the entry is a salted commitment and the datum carries no opening (salt and reading entry)");
      entry = openCommitmentText(deps.hasher, entry, d.ledger.opening.salt, d.ledger.opening.entry);
      sealed = true;
    } else if (d.ledger.opening) {
      throw new Error(`the datum carries an opening but the entry is a ${entry.kind} entry, not a commitment`);
    }
    if (entry.kind !== "reading.v1") throw new Error(`entry kind is ${entry.kind}, want reading.v1`);
  } catch (e) {
    entry = null;
    add("entry-matches-reading", false, `ledger entry is not a valid reading.v1 entry${d.ledger.opening ? " or salted commitment to one" : ""}: ${errText(e)}`);
  }
  const reading = entry && entry.kind === "reading.v1" ? entry : null;
  const payloadHash = withheld ? (reading ? fromHex(reading.payloadHash) : null) : envelopeBytes ? deps.hasher(envelopeBytes) : null;
  if (withheld) {
    withhold("envelope-hash");
  } else if (envelopeBytes && reading) {
    const ok = toHex(payloadHash!) === reading.payloadHash;
    add("envelope-hash", ok, ok ? `SHA-256 of the envelope is ${reading.payloadHash}` : `SHA-256 of the envelope is ${toHex(payloadHash!)}, the ledger entry commits to ${reading.payloadHash}`);
  } else if (envelopeBytes) {
    add("envelope-hash", false, "no valid ledger entry to compare the envelope's hash with");
  }

  // 2. The device's signature over those bytes.
  if (withheld) {
    withhold("device-signature");
  } else {
    try {
      if (!envelopeBytes) throw new Error("no envelope bytes");
      const verify = await deps.ed25519.importPublicKey(fromBase64(d.device.publicKey));
      const ok = await verify(envelopeBytes, fromBase64(d.reading.signature));
      add("device-signature", ok, ok ? `signed by device ${d.device.id}` : `the signature does not verify with device ${d.device.id}'s key`);
    } catch (e) {
      add("device-signature", false, `cannot check the device signature: ${errText(e)}`);
    }
  }

  // 3. The ledger entry says the same as the reading.
  if (reading) {
    const env = d.reading.envelope;
    const diffs: string[] = [];
    if (reading.device !== env.device || reading.device !== d.device.id) diffs.push("device");
    if (reading.dataset !== env.dataset) diffs.push("dataset");
    if (reading.seq !== env.seq) diffs.push("seq");
    if (reading.observedAt !== env.observedAt) diffs.push("observedAt");
    if (reading.signature !== d.reading.signature) diffs.push("signature");
    if (d.gateway && (!reading.gateway || reading.gateway.device !== d.gateway.device || reading.gateway.batchRoot !== d.gateway.batchRoot || reading.gateway.signature !== d.gateway.signature)) diffs.push("gateway");
    if (!d.gateway && reading.gateway) diffs.push("gateway (missing from the download)");
    const how = sealed ? " (the ledger holds a salted commitment; the salt opens it to this reading's entry)" : "";
    add("entry-matches-reading", diffs.length === 0, diffs.length ? `ledger entry differs from the reading in: ${diffs.join(", ")}${how}` : `device, dataset, sequence, time and signature match${how}`);
  }

  // 4. The gateway that batched it, if any.
  if (d.gateway) {
    const g = d.gateway;
    try {
      const statement = canonicalJsonBytes({ batchRoot: g.batchRoot, gateway: g.device, kind: "gateway-batch.v1" });
      const verify = await deps.ed25519.importPublicKey(fromBase64(g.publicKey));
      const ok = await verify(statement, fromBase64(g.signature));
      add("gateway-signature", ok, ok ? `batch root signed by gateway ${g.device}` : `gateway ${g.device}'s signature does not verify`);
    } catch (e) {
      add("gateway-signature", false, `cannot check the gateway signature: ${errText(e)}`);
    }
    try {
      if (!payloadHash) throw new Error("no payload hash");
      if (g.payloadHashes[g.index] !== toHex(payloadHash)) throw new Error(`batch position ${g.index} holds another reading`);
      const root = rootFromLeafHashes(deps.hasher, g.payloadHashes.map((h) => leafHash(deps.hasher, fromHex(h))));
      if (toHex(root) !== g.batchRoot) throw new Error(`the batch's hashes give root ${toHex(root)}, the gateway signed ${g.batchRoot}`);
      add("gateway-batch-inclusion", true, `reading ${g.index + 1} of ${g.payloadHashes.length} in the gateway's batch`);
    } catch (e) {
      add("gateway-batch-inclusion", false, `the reading is not proven part of the gateway's batch: ${errText(e)}`);
    }
  }

  // 5. The ledger: inclusion, the log's signature, the witnesses' cosignatures.
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, trust, checks, d.ledger.receipt, leafHash(deps.hasher, utf8Encode(d.ledger.entry)), d.ledger.leafIndex, "the reading's entry");

  // 6. The device's key was registered on the ledger.
  try {
    let reg = decodeEntry(utf8Encode(d.device.registration.entry));
    if (reg.kind === "commitment.v1") {
      if (!d.device.registration.opening) throw new Error("the registration is a salted commitment and the datum carries no opening");
      reg = openCommitmentText(deps.hasher, reg, d.device.registration.opening.salt, d.device.registration.opening.entry);
    }
    if (reg.kind !== "device.v1") throw new Error(`registration entry kind is ${reg.kind}`);
    if (reg.device !== d.device.id) throw new Error(`registration is for device ${reg.device}, not ${d.device.id}`);
    if (reg.department !== d.device.department) throw new Error(`registration is for department ${reg.department}, not ${d.device.department}`);
    if (reading && reg.dataset !== reading.dataset) throw new Error(`the key is registered for dataset ${reg.dataset}, not ${reading.dataset}`);
    if (reg.action === "revoke") throw new Error("the entry revokes the key");
    if (!bytesEqual(fromBase64(reg.publicKey), fromBase64(d.device.publicKey))) throw new Error("the registered key differs from the key that signed");
    if (reading && reg.at > reading.observedAt) throw new Error(`the key was registered at ${reg.at}, after the reading (${reading.observedAt})`);
    await checkReceipt(deps, trust, d.device.registration.receipt, leafHash(deps.hasher, utf8Encode(d.device.registration.entry)), d.device.registration.leafIndex, "the key registration", null);
    add("device-key-registered", true, `key registered on the ledger at leaf ${d.device.registration.leafIndex} (${reg.action}, ${reg.at})`);
  } catch (e) {
    add("device-key-registered", false, `the device's key is not proven registered: ${errText(e)}`);
  }

  return { ok: verdict(checks), checks, checkpointSize, cosignedBy };
}

/** The ledger facts of a reading that every scope may see: its leaf hash and a receipt to a cosigned checkpoint. */
export type LedgerProofInput = { leafIndex: number; leafHash: string; receipt: string };

/**
 * Verifies what an anonymized or aggregated grant lets the provenance page check: the leaf
 * with this hash is in a checkpoint the log signed and a quorum of trusted witnesses
 * cosigned (`deps.trust` is required: there is no datum to take keys from). The checks that
 * need the reading itself (its hash, the device's signature and key registration, the entry)
 * are reported withheld under `scope`. Never throws: a malformed input is a failed check.
 */
export async function verifyLedgerProof(input: LedgerProofInput, scope: Withheld["scope"], deps: Deps & { trust: Trust }): Promise<DatumVerification> {
  const checks: Check[] = [];
  const add: Add = (id, ok, detail) => checks.push({ id, ok, detail });
  const leaf = /^[0-9a-f]{64}$/.test(input?.leafHash ?? "") ? fromHex(input.leafHash) : null;
  if (!leaf || !Number.isSafeInteger(input.leafIndex) || input.leafIndex < 0 || typeof input.receipt !== "string") {
    add("format", false, "not a ledger proof: want a leaf index, a 64-hex-digit leaf hash and a tlog-proof receipt");
    return { ok: false, checks };
  }
  add("format", true, `ledger facts of leaf ${input.leafIndex} only (${scope} grant)`);
  add("trusted-keys", true, `the city's published keys (log ${deps.trust.logVerifierKey.split("+").slice(0, 2).join("+")})`);
  const withheld = { scope };
  for (const id of ["envelope-hash", "device-signature", "entry-matches-reading"] as const) {
    checks.push({ id, ok: false, detail: `not run: the ${scope} grant withholds the reading, its device and signature`, withheld });
  }
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, deps.trust, checks, input.receipt, leaf, input.leafIndex, `the entry with leaf hash ${input.leafHash.slice(0, 16)}…`);
  checks.push({ id: "device-key-registered", ok: false, detail: `not run: the ${scope} grant withholds which device signed`, withheld });
  return { ok: verdict(checks), checks, checkpointSize, cosignedBy };
}

export type EntryReceiptInput = { leafIndex: number; text: string; receipt: string };

/**
 * Verifies one ledger entry of any kind (the entry viewer): the entry text is a valid ledger
 * entry, its leaf hash (SHA-256 of 0x00 and its bytes, computed here) is proven in the
 * checkpoint of the receipt, the log signed that checkpoint and a quorum of the trusted
 * witnesses cosigned it.
 */
export async function verifyEntryReceipt(input: EntryReceiptInput, deps: Deps & { trust: Trust }): Promise<DatumVerification> {
  const checks: Check[] = [];
  const add: Add = (id, ok, detail) => checks.push({ id, ok, detail });
  let kind: string;
  try {
    kind = decodeEntry(utf8Encode(input.text)).kind;
  } catch (e) {
    add("format", false, `not a ledger entry: ${errText(e)}`);
    return { ok: false, checks };
  }
  add("format", true, `a ${kind} entry, ${utf8Encode(input.text).length} bytes`);
  add("trusted-keys", true, `the city's published keys (log ${deps.trust.logVerifierKey.split("+").slice(0, 2).join("+")})`);
  const leaf = leafHash(deps.hasher, utf8Encode(input.text));
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, deps.trust, checks, input.receipt, leaf, input.leafIndex, `this ${kind} entry (leaf hash ${toHex(leaf).slice(0, 16)}…)`);
  return { ok: verdict(checks), checks, checkpointSize, cosignedBy };
}
