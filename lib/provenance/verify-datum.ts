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
import { causeOf, englishNote, fail, note, type Note } from "./check-note";

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
  | "device-key-registered"
  | "report-content"
  | "reporter-signature";

/** Why a check was not run: the viewer's grant withholds what it needs (its scope; the fields withheld under raw scope). */
export type Withheld = { scope: "raw" | "anonymized" | "aggregated"; fields?: string[] };
/**
 * A check's outcome; a withheld check was not run (ok false, so nothing reads it as passed)
 * and is not a failure. `note` says what was found as a message with parameters (the page
 * shows it in the reader's language); `detail` is the same in English, for the command line.
 */
export type Check = { id: CheckId; ok: boolean; detail: string; note: Note; withheld?: Withheld };
/** `ok`: every check that was run passed. */
export type DatumVerification = { ok: boolean; checks: Check[]; checkpointSize?: number; cosignedBy?: string[] };

const verdict = (checks: Check[]) => checks.every((c) => c.ok || c.withheld !== undefined);
type Deps = { hasher: Hasher; ed25519: Ed25519; trust?: Trust };
type Add = (id: CheckId, ok: boolean, found: Note) => void;
const check = (id: CheckId, ok: boolean, found: Note, withheld?: Withheld): Check => ({ id, ok, detail: englishNote(found), note: found, ...(withheld ? { withheld } : {}) });
const adder = (checks: Check[]): Add => (id, ok, found) => checks.push(check(id, ok, found));
/** The log's key as the checks name it: its name and key id, not the key. */
const logKeyName = (t: Trust) => t.logVerifierKey.split("+").slice(0, 2).join("+");

/**
 * Checks a receipt (C2SP tlog-proof) for the leaf with hash `leaf` at `index`: the log signed
 * its checkpoint, the inclusion proof leads to that checkpoint's root, and a quorum of the
 * trusted witnesses cosigned it. Reports each step through `add` when given; throws at the
 * first that fails.
 */
async function checkReceipt(deps: Deps, trust: Trust, receipt: string, leaf: Uint8Array, index: number, what: Note, add: Add | null) {
  const bundle = parseProofBundle(receipt);
  if (bundle.index !== index) fail("checkWhy.receiptLeaf", { got: bundle.index, want: index });
  const logVerifier = await ed25519NoteVerifier(deps.ed25519, trust.logVerifierKey);
  let opened;
  try {
    opened = await openCheckpoint(bundle.checkpoint, [logVerifier], trust.origin);
    add?.("checkpoint-signature", true, note("checkNote.checkpointSigned", { size: opened.checkpoint.size, origin: trust.origin }));
  } catch (e) {
    add?.("checkpoint-signature", false, note("checkNote.checkpointNotSigned", { origin: trust.origin }, causeOf(e)));
    throw e;
  }
  try {
    verifyInclusion(deps.hasher, index, opened.checkpoint.size, leaf, bundle.proof, opened.checkpoint.root);
    add?.("ledger-inclusion", true, note("checkNote.included", { what, index, size: opened.checkpoint.size }));
  } catch (e) {
    add?.("ledger-inclusion", false, note("checkNote.notIncluded", { what }, causeOf(e)));
    throw e;
  }
  const quorum = quorumOf(trust);
  let valid: Awaited<ReturnType<typeof validCosignatures>>;
  try {
    const witnesses = await Promise.all(trust.witnessVerifierKeys.map((k) => ed25519CosignatureVerifier(deps.ed25519, k)));
    valid = await validCosignatures(opened.text, opened.unverified, witnesses);
  } catch (e) {
    add?.("witness-cosignatures", false, note("checkNote.cosignBad", undefined, causeOf(e)));
    throw e;
  }
  const ok = valid.length >= quorum;
  const counts = { valid: valid.length, total: trust.witnessVerifierKeys.length, quorum };
  add?.("witness-cosignatures", ok, valid.length ? note("checkNote.cosignedBy", { ...counts, names: valid.map((v) => v.name).join(", ") }) : note("checkNote.cosigned", counts));
  if (!ok) fail("checkWhy.quorum", { valid: valid.length, quorum });
  return { checkpointSize: opened.checkpoint.size, cosignedBy: valid.map((v) => v.name) };
}

/** Runs checkReceipt for the item being verified, reporting the ledger checks even when one step cannot run. */
async function ledgerChecks(deps: Deps, trust: Trust, checks: Check[], receipt: string, leaf: Uint8Array, index: number, what: Note) {
  const add = adder(checks);
  try {
    return await checkReceipt(deps, trust, receipt, leaf, index, what, add);
  } catch (e) {
    if (!checks.some((c) => c.id === "checkpoint-signature")) add("checkpoint-signature", false, note("checkNote.receiptUnreadable", undefined, causeOf(e)));
    if (!checks.some((c) => c.id === "ledger-inclusion")) add("ledger-inclusion", false, note("checkNote.notCheckedCheckpoint"));
    if (!checks.some((c) => c.id === "witness-cosignatures")) add("witness-cosignatures", false, note("checkNote.notCheckedInclusion"));
    return { checkpointSize: undefined, cosignedBy: undefined };
  }
}

function trustedKeysCheck(deps: Deps, named: Trust, add: Add): Trust {
  if (deps.trust) {
    const same =
      deps.trust.origin === named.origin &&
      deps.trust.logVerifierKey === named.logVerifierKey &&
      named.witnessVerifierKeys.every((k) => deps.trust!.witnessVerifierKeys.includes(k));
    add("trusted-keys", true, note(same ? "checkNote.keysPublished" : "checkNote.keysOther"));
    return deps.trust;
  }
  add("trusted-keys", true, note("checkNote.keysEmbedded", { key: logKeyName(named) }));
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
  const add = adder(checks);
  const parsed = Datum.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    add("format", false, note("checkNote.notDatum", { path: i.path.join(".") || "(root)" }, { code: null, text: i.message }));
    return { ok: false, checks };
  }
  const d = parsed.data;
  add("format", true, note("checkNote.datumFormat", { format: d.format }));
  const trust = trustedKeysCheck(deps, d.log, add);
  const withheld = deps.withheld?.fields.length ? deps.withheld : null;
  const withhold = (id: CheckId) => checks.push(check(id, false, note("checkNote.withheldFields", { fields: withheld!.fields.join(", ") }), withheld!));

  // 1. The envelope the device signed, and its hash the ledger commits to.
  let envelopeBytes: Uint8Array | null = null;
  try {
    envelopeBytes = canonicalJsonBytes(d.reading.envelope);
  } catch (e) {
    add("envelope-hash", false, note("checkNote.envelopeCanon", undefined, causeOf(e)));
  }
  let entry: ReturnType<typeof decodeEntry> | null = null;
  // A reading of a restricted dataset is a commitment.v1 entry on the log: the datum carries
  // its opening (salt and reading.v1 entry), which must give the commitment.
  let sealed = false;
  try {
    entry = decodeEntry(utf8Encode(d.ledger.entry));
    if (canonicalJson(JSON.parse(d.ledger.entry)) !== d.ledger.entry) fail("checkWhy.notCanonical");
    if (entry.kind === "commitment.v1") {
      if (!d.ledger.opening) fail("checkWhy.noOpening");
      entry = openCommitmentText(deps.hasher, entry, d.ledger.opening!.salt, d.ledger.opening!.entry);
      sealed = true;
    } else if (d.ledger.opening) {
      fail("checkWhy.unexpectedOpening", { kind: entry.kind });
    }
    if (entry.kind !== "reading.v1") fail("checkWhy.entryKind", { kind: entry.kind });
  } catch (e) {
    entry = null;
    add("entry-matches-reading", false, note(d.ledger.opening ? "checkNote.entryInvalidSealed" : "checkNote.entryInvalid", undefined, causeOf(e)));
  }
  const reading = entry && entry.kind === "reading.v1" ? entry : null;
  const payloadHash = withheld ? (reading ? fromHex(reading.payloadHash) : null) : envelopeBytes ? deps.hasher(envelopeBytes) : null;
  if (withheld) {
    withhold("envelope-hash");
  } else if (envelopeBytes && reading) {
    const ok = toHex(payloadHash!) === reading.payloadHash;
    add("envelope-hash", ok, ok ? note("checkNote.envelopeHash", { hash: reading.payloadHash }) : note("checkNote.envelopeHashDiffers", { hash: toHex(payloadHash!), want: reading.payloadHash }));
  } else if (envelopeBytes) {
    add("envelope-hash", false, note("checkNote.envelopeNoEntry"));
  }

  // 2. The device's signature over those bytes.
  if (withheld) {
    withhold("device-signature");
  } else {
    try {
      if (!envelopeBytes) fail("checkWhy.noEnvelope");
      const verify = await deps.ed25519.importPublicKey(fromBase64(d.device.publicKey));
      const ok = await verify(envelopeBytes!, fromBase64(d.reading.signature));
      add("device-signature", ok, note(ok ? "checkNote.signedBy" : "checkNote.signatureBad", { device: d.device.id }));
    } catch (e) {
      add("device-signature", false, note("checkNote.signatureCannot", undefined, causeOf(e)));
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
    if (!d.gateway && reading.gateway) diffs.push("gateway");
    add(
      "entry-matches-reading",
      diffs.length === 0,
      diffs.length
        ? note(sealed ? "checkNote.entryDiffersSealed" : "checkNote.entryDiffers", { fields: diffs.join(", ") })
        : note(sealed ? "checkNote.entryMatchesSealed" : "checkNote.entryMatches"),
    );
  }

  // 4. The gateway that batched it, if any.
  if (d.gateway) {
    const g = d.gateway;
    try {
      const statement = canonicalJsonBytes({ batchRoot: g.batchRoot, gateway: g.device, kind: "gateway-batch.v1" });
      const verify = await deps.ed25519.importPublicKey(fromBase64(g.publicKey));
      const ok = await verify(statement, fromBase64(g.signature));
      add("gateway-signature", ok, note(ok ? "checkNote.gatewaySigned" : "checkNote.gatewayBad", { gateway: g.device }));
    } catch (e) {
      add("gateway-signature", false, note("checkNote.gatewayCannot", undefined, causeOf(e)));
    }
    try {
      if (!payloadHash) fail("checkWhy.noPayloadHash");
      if (g.payloadHashes[g.index] !== toHex(payloadHash!)) fail("checkWhy.batchPosition", { index: g.index });
      const root = rootFromLeafHashes(deps.hasher, g.payloadHashes.map((h) => leafHash(deps.hasher, fromHex(h))));
      if (toHex(root) !== g.batchRoot) fail("checkWhy.batchRoot", { got: toHex(root), want: g.batchRoot });
      add("gateway-batch-inclusion", true, note("checkNote.batchIn", { n: g.index + 1, total: g.payloadHashes.length }));
    } catch (e) {
      add("gateway-batch-inclusion", false, note("checkNote.batchNot", undefined, causeOf(e)));
    }
  }

  // 5. The ledger: inclusion, the log's signature, the witnesses' cosignatures.
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, trust, checks, d.ledger.receipt, leafHash(deps.hasher, utf8Encode(d.ledger.entry)), d.ledger.leafIndex, note("checkWhat.reading"));

  // 6. The device's key was registered on the ledger.
  try {
    let reg = decodeEntry(utf8Encode(d.device.registration.entry));
    if (reg.kind === "commitment.v1") {
      if (!d.device.registration.opening) fail("checkWhy.regNoOpening");
      reg = openCommitmentText(deps.hasher, reg, d.device.registration.opening!.salt, d.device.registration.opening!.entry);
    }
    if (reg.kind !== "device.v1") return fail("checkWhy.regKind", { kind: reg.kind });
    if (reg.device !== d.device.id) fail("checkWhy.regDevice", { got: reg.device, want: d.device.id });
    if (reg.department !== d.device.department) fail("checkWhy.regDepartment", { got: reg.department, want: d.device.department });
    if (reading && reg.dataset !== reading.dataset) fail("checkWhy.regDataset", { got: reg.dataset, want: reading.dataset });
    if (reg.action === "revoke") fail("checkWhy.regRevokes");
    if (!bytesEqual(fromBase64(reg.publicKey), fromBase64(d.device.publicKey))) fail("checkWhy.regKeyDiffers");
    if (reading && reg.at > reading.observedAt) fail("checkWhy.regAfter", { at: { time: reg.at }, observed: { time: reading.observedAt } });
    await checkReceipt(deps, trust, d.device.registration.receipt, leafHash(deps.hasher, utf8Encode(d.device.registration.entry)), d.device.registration.leafIndex, note("checkWhat.registration"), null);
    const how = reg.action === "register" ? "keyEvent.register" : reg.action === "rotate" ? "keyEvent.rotateIn" : null;
    add("device-key-registered", true, note("checkNote.keyRegistered", { leaf: d.device.registration.leafIndex, action: how ? note(how) : reg.action, at: { time: reg.at } }));
  } catch (e) {
    add("device-key-registered", false, note("checkNote.keyNotRegistered", undefined, causeOf(e)));
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
  const add = adder(checks);
  const leaf = /^[0-9a-f]{64}$/.test(input?.leafHash ?? "") ? fromHex(input.leafHash) : null;
  if (!leaf || !Number.isSafeInteger(input.leafIndex) || input.leafIndex < 0 || typeof input.receipt !== "string") {
    add("format", false, note("checkNote.notLedgerProof"));
    return { ok: false, checks };
  }
  const grant = note(`scope.${scope}`);
  add("format", true, note("checkNote.ledgerFactsOnly", { leaf: input.leafIndex, scope: grant }));
  add("trusted-keys", true, note("checkNote.keysCity", { key: logKeyName(deps.trust) }));
  const withheld = { scope };
  for (const id of ["envelope-hash", "device-signature", "entry-matches-reading"] as const) {
    checks.push(check(id, false, note("checkNote.withheldScope", { scope: grant }), withheld));
  }
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, deps.trust, checks, input.receipt, leaf, input.leafIndex, note("checkWhat.leafHash", { hash: input.leafHash.slice(0, 16) }));
  checks.push(check("device-key-registered", false, note("checkNote.withheldDevice", { scope: grant }), withheld));
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
  const add = adder(checks);
  let kind: string;
  try {
    kind = decodeEntry(utf8Encode(input.text)).kind;
  } catch (e) {
    add("format", false, note("checkNote.notEntry", undefined, causeOf(e)));
    return { ok: false, checks };
  }
  add("format", true, note("checkNote.entryBytes", { kind, bytes: utf8Encode(input.text).length }));
  add("trusted-keys", true, note("checkNote.keysCity", { key: logKeyName(deps.trust) }));
  const leaf = leafHash(deps.hasher, utf8Encode(input.text));
  const { checkpointSize, cosignedBy } = await ledgerChecks(deps, deps.trust, checks, input.receipt, leaf, input.leafIndex, note("checkWhat.entry", { kind, hash: toHex(leaf).slice(0, 16) }));
  return { ok: verdict(checks), checks, checkpointSize, cosignedBy };
}
