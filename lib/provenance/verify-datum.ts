// Verifies a datum step by step and says which check fails and why. Never throws on a
// malformed or hostile download: every problem is a failed check with a reason.
import { canonicalJson, canonicalJsonBytes } from "../ledger/canonical-json";
import { bytesEqual, fromBase64, fromHex, toHex, utf8Encode } from "../ledger/encoding";
import type { Ed25519 } from "../ledger/ed25519";
import { decodeEntry } from "../ledger/entries";
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

export type Check = { id: CheckId; ok: boolean; detail: string };
export type DatumVerification = { ok: boolean; checks: Check[]; checkpointSize?: number; cosignedBy?: string[] };

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Verifies a downloaded datum against trusted keys (the city's published ones; by default
 * those embedded in the datum, which the "trusted-keys" check then reports as unpinned).
 */
export async function verifyDatum(input: unknown, deps: { hasher: Hasher; ed25519: Ed25519; trust?: Trust }): Promise<DatumVerification> {
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
  const trust = deps.trust ?? d.log;
  if (deps.trust) {
    const same =
      deps.trust.origin === d.log.origin &&
      deps.trust.logVerifierKey === d.log.logVerifierKey &&
      d.log.witnessVerifierKeys.every((k) => deps.trust!.witnessVerifierKeys.includes(k));
    add("trusted-keys", true, same ? "the datum names the published log and witness keys" : "the datum names other keys than the published ones; verified against the published keys");
  } else {
    add("trusted-keys", true, `using the keys embedded in the datum (log ${d.log.logVerifierKey.split("+").slice(0, 2).join("+")}); pin the city's published keys to be sure`);
  }

  // 1. The envelope the device signed, and its hash the ledger commits to.
  let envelopeBytes: Uint8Array | null = null;
  try {
    envelopeBytes = canonicalJsonBytes(d.reading.envelope);
  } catch (e) {
    add("envelope-hash", false, `envelope cannot be canonicalised: ${errText(e)}`);
  }
  let entry: ReturnType<typeof decodeEntry> | null = null;
  try {
    entry = decodeEntry(utf8Encode(d.ledger.entry));
    if (entry.kind !== "reading.v1") throw new Error(`entry kind is ${entry.kind}, want reading.v1`);
    if (canonicalJson(JSON.parse(d.ledger.entry)) !== d.ledger.entry) throw new Error("entry is not in canonical form");
  } catch (e) {
    entry = null;
    add("entry-matches-reading", false, `ledger entry is not a valid reading.v1 entry: ${errText(e)}`);
  }
  const reading = entry && entry.kind === "reading.v1" ? entry : null;
  const payloadHash = envelopeBytes ? deps.hasher(envelopeBytes) : null;
  if (envelopeBytes && reading) {
    const ok = toHex(payloadHash!) === reading.payloadHash;
    add("envelope-hash", ok, ok ? `SHA-256 of the envelope is ${reading.payloadHash}` : `SHA-256 of the envelope is ${toHex(payloadHash!)}, the ledger entry commits to ${reading.payloadHash}`);
  } else if (envelopeBytes) {
    add("envelope-hash", false, "no valid ledger entry to compare the envelope's hash with");
  }

  // 2. The device's signature over those bytes.
  try {
    if (!envelopeBytes) throw new Error("no envelope bytes");
    const verify = await deps.ed25519.importPublicKey(fromBase64(d.device.publicKey));
    const ok = await verify(envelopeBytes, fromBase64(d.reading.signature));
    add("device-signature", ok, ok ? `signed by device ${d.device.id}` : `the signature does not verify with device ${d.device.id}'s key`);
  } catch (e) {
    add("device-signature", false, `cannot check the device signature: ${errText(e)}`);
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
    add("entry-matches-reading", diffs.length === 0, diffs.length ? `ledger entry differs from the reading in: ${diffs.join(", ")}` : "device, dataset, sequence, time and signature match");
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
  let checkpointSize: number | undefined;
  let cosignedBy: string[] | undefined;
  const receiptChecks = async (receipt: string, entryText: string, index: number, what: string, report: boolean) => {
    const bundle = parseProofBundle(receipt);
    if (bundle.index !== index) throw new Error(`receipt is for leaf ${bundle.index}, want ${index}`);
    const logVerifier = await ed25519NoteVerifier(deps.ed25519, trust.logVerifierKey);
    let opened;
    try {
      opened = await openCheckpoint(bundle.checkpoint, [logVerifier], trust.origin);
      if (report) add("checkpoint-signature", true, `checkpoint of ${opened.checkpoint.size} entries signed by ${trust.origin}`);
    } catch (e) {
      if (report) add("checkpoint-signature", false, `checkpoint is not signed by the log ${trust.origin}: ${errText(e)}`);
      throw e;
    }
    try {
      verifyInclusion(deps.hasher, index, opened.checkpoint.size, leafHash(deps.hasher, utf8Encode(entryText)), bundle.proof, opened.checkpoint.root);
      if (report) add("ledger-inclusion", true, `${what} is leaf ${index} of the ledger's tree of ${opened.checkpoint.size}`);
    } catch (e) {
      if (report) add("ledger-inclusion", false, `${what} is not proven in the checkpoint: ${errText(e)}`);
      throw e;
    }
    const quorum = quorumOf(trust);
    let valid: Awaited<ReturnType<typeof validCosignatures>>;
    try {
      const witnesses = await Promise.all(trust.witnessVerifierKeys.map((k) => ed25519CosignatureVerifier(deps.ed25519, k)));
      valid = await validCosignatures(opened.text, opened.unverified, witnesses);
    } catch (e) {
      if (report) add("witness-cosignatures", false, `witness cosignatures do not verify: ${errText(e)}`);
      throw e;
    }
    const ok = valid.length >= quorum;
    if (report) {
      add("witness-cosignatures", ok, `${valid.length} of ${trust.witnessVerifierKeys.length} department witnesses cosigned (quorum ${quorum})${valid.length ? `: ${valid.map((v) => v.name).join(", ")}` : ""}`);
      checkpointSize = opened.checkpoint.size;
      cosignedBy = valid.map((v) => v.name);
    }
    if (!ok) throw new Error(`only ${valid.length} of quorum ${quorum} witnesses cosigned`);
  };
  try {
    await receiptChecks(d.ledger.receipt, d.ledger.entry, d.ledger.leafIndex, "the reading's entry", true);
  } catch (e) {
    if (!checks.some((c) => c.id === "checkpoint-signature")) add("checkpoint-signature", false, `receipt cannot be read: ${errText(e)}`);
    if (!checks.some((c) => c.id === "ledger-inclusion")) add("ledger-inclusion", false, "not checked: the checkpoint did not verify");
    if (!checks.some((c) => c.id === "witness-cosignatures")) add("witness-cosignatures", false, "not checked: the inclusion proof did not verify");
  }

  // 6. The device's key was registered on the ledger.
  try {
    const reg = decodeEntry(utf8Encode(d.device.registration.entry));
    if (reg.kind !== "device.v1") throw new Error(`registration entry kind is ${reg.kind}`);
    if (reg.device !== d.device.id) throw new Error(`registration is for device ${reg.device}, not ${d.device.id}`);
    if (reg.department !== d.device.department) throw new Error(`registration is for department ${reg.department}, not ${d.device.department}`);
    if (reading && reg.dataset !== reading.dataset) throw new Error(`the key is registered for dataset ${reg.dataset}, not ${reading.dataset}`);
    if (reg.action === "revoke") throw new Error("the entry revokes the key");
    if (!bytesEqual(fromBase64(reg.publicKey), fromBase64(d.device.publicKey))) throw new Error("the registered key differs from the key that signed");
    if (reading && reg.at > reading.observedAt) throw new Error(`the key was registered at ${reg.at}, after the reading (${reading.observedAt})`);
    await receiptChecks(d.device.registration.receipt, d.device.registration.entry, d.device.registration.leafIndex, "the key registration", false);
    add("device-key-registered", true, `key registered on the ledger at leaf ${d.device.registration.leafIndex} (${reg.action}, ${reg.at})`);
  } catch (e) {
    add("device-key-registered", false, `the device's key is not proven registered: ${errText(e)}`);
  }

  return { ok: checks.every((c) => c.ok), checks, checkpointSize, cosignedBy };
}
