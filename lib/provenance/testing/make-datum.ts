// Builds a valid datum from scratch (keys, a small ledger in memory, a cosigned checkpoint),
// for tests of the verifier. Optionally through a gateway batch.
import crypto from "node:crypto";
import { canonicalJsonBytes } from "../../ledger/canonical-json";
import { nodeEd25519, nodeSha256 } from "../../ledger/node-crypto";
import { encodeEntry } from "../../ledger/entries";
import { leafHash, rootFromLeafHashes } from "../../ledger/merkle";
import { inclusionProofFromLeafHashes } from "../../ledger/proof";
import { formatCheckpoint } from "../../ledger/checkpoint";
import { ed25519NoteSigner, generateNoteKey, signNote, SIG_TYPE_ED25519, formatSignatureLine } from "../../ledger/note";
import { ed25519Cosigner, SIG_TYPE_COSIGNATURE_V1 } from "../../ledger/cosignature";
import { formatProofBundle } from "../../ledger/proof-bundle";
import { toHex, toBase64 } from "../../ledger/encoding";
import { DATUM_FORMAT, type Datum } from "../datum";

const ORIGIN = "test.city-brain.example/ledger";

export async function makeDatum(opts: { gateway?: boolean; witnesses?: number; cosigners?: number } = {}): Promise<Datum> {
  const ed = nodeEd25519;
  const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
  const wk = await Promise.all(Array.from({ length: opts.witnesses ?? 5 }, (_, i) => generateNoteKey(ed, `test/witness/${i}`, SIG_TYPE_COSIGNATURE_V1)));
  const devSeed = new Uint8Array(crypto.randomBytes(32));
  const dev = await ed.importSeed(devSeed);
  const gwSeed = new Uint8Array(crypto.randomBytes(32));
  const gw = await ed.importSeed(gwSeed);
  const at = "2026-11-25T08:00:00.000Z";
  const regEntry = encodeEntry({ kind: "device.v1", action: "register", device: "trf-000007", department: "traffic", dataset: "traffic.flow", publicKey: toBase64(dev.publicKey), at });
  const envelope = {
    device: "trf-000007",
    dataset: "traffic.flow",
    seq: 42,
    observedAt: "2026-11-25T08:30:00.000Z",
    location: [121.447, 37.463] as [number, number],
    values: { segmentId: "seg-000123", speedKmh: 31.5, flowVehH: 1200, occupancy: 0.31, note: "芝罘区 ✓" },
  };
  const envBytes = canonicalJsonBytes(envelope);
  const signature = toBase64(await dev.sign(envBytes));
  const payloadHash = nodeSha256(envBytes);
  let gateway: Datum["gateway"];
  if (opts.gateway) {
    const others = [nodeSha256(new Uint8Array([1])), nodeSha256(new Uint8Array([2]))];
    const batch = [others[0], payloadHash, others[1]].map((h) => leafHash(nodeSha256, h));
    const batchRoot = rootFromLeafHashes(nodeSha256, batch);
    const statement = canonicalJsonBytes({ batchRoot: toHex(batchRoot), gateway: "gw-zhifu", kind: "gateway-batch.v1" });
    gateway = {
      device: "gw-zhifu",
      publicKey: toBase64(gw.publicKey),
      batchRoot: toHex(batchRoot),
      signature: toBase64(await gw.sign(statement)),
      index: 1,
      payloadHashes: [others[0], payloadHash, others[1]].map(toHex),
    };
  }
  const readingEntry = encodeEntry({
    kind: "reading.v1",
    dataset: envelope.dataset,
    device: envelope.device,
    seq: envelope.seq,
    observedAt: envelope.observedAt,
    payloadHash: toHex(payloadHash),
    signature,
    ...(gateway ? { gateway: { device: gateway.device, batchRoot: gateway.batchRoot, signature: gateway.signature } } : {}),
  });
  const filler = Array.from({ length: 9 }, (_, i) => encodeEntry({ kind: "credit.v1", reporter: `r${i}`, report: `rep${i}`, amount: 1, at }));
  const entries = [filler[0], regEntry, ...filler.slice(1, 5), readingEntry, ...filler.slice(5)];
  const leaves = entries.map((e) => leafHash(nodeSha256, e));
  const root = rootFromLeafHashes(nodeSha256, leaves);
  const text = formatCheckpoint({ origin: ORIGIN, size: leaves.length, root, extensions: [] });
  const signed = await signNote(text, [await ed25519NoteSigner(ed, log.signerKey)]);
  const cos = await Promise.all(wk.slice(0, opts.cosigners ?? wk.length).map(async (k) => formatSignatureLine(await (await ed25519Cosigner(ed, k.signerKey)).cosign(text, 1_790_000_000))));
  const note = signed + cos.join("");
  const receipt = (i: number) => formatProofBundle({ index: i, proof: inclusionProofFromLeafHashes(nodeSha256, leaves, i), checkpoint: note });
  const text8 = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    format: DATUM_FORMAT,
    reading: { envelope, signature },
    device: { id: "trf-000007", department: "traffic", publicKey: toBase64(dev.publicKey), registration: { leafIndex: 1, entry: text8(regEntry), receipt: receipt(1) } },
    ...(gateway ? { gateway } : {}),
    ledger: { leafIndex: 6, entry: text8(readingEntry), receipt: receipt(6) },
    log: { origin: ORIGIN, logVerifierKey: log.verifierKey, witnessVerifierKeys: wk.map((k) => k.verifierKey) },
  };
}
