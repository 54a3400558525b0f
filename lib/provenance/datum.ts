// A downloadable datum: one reading with everything needed to prove, offline, that a
// registered device signed it, that the city's ledger holds it, and that a quorum of
// department witnesses cosigned that ledger state. Pure: runs in Node and the browser.
import { z } from "zod";

export const DATUM_FORMAT = "city-brain-datum/v1";

const B64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

export const Envelope = z.strictObject({
  device: z.string().min(1),
  dataset: z.string().min(1),
  seq: z.number().int().nonnegative(),
  observedAt: z.string(),
  location: z.tuple([z.number(), z.number()]),
  values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});

export const Datum = z.strictObject({
  format: z.literal(DATUM_FORMAT),
  reading: z.strictObject({
    envelope: Envelope,
    /** The device's Ed25519 signature over the envelope's canonical JSON (base64). */
    signature: B64,
  }),
  device: z.strictObject({
    id: z.string().min(1),
    department: z.string().min(1),
    /** Raw 32-byte Ed25519 public key (base64). */
    publicKey: B64,
    registration: z.strictObject({
      leafIndex: z.number().int().nonnegative(),
      /** The device.v1 ledger entry that registered (or rotated to) this key, canonical JSON. */
      entry: z.string(),
      /** C2SP tlog-proof of that entry. */
      receipt: z.string(),
      /** When the entry is a commitment.v1 entry (a restricted dataset's device): its salt (hex) and the device.v1 entry. */
      opening: z.strictObject({ salt: Hex64, entry: z.string() }).optional(),
    }),
  }),
  gateway: z
    .strictObject({
      device: z.string().min(1),
      publicKey: B64,
      batchRoot: Hex64,
      signature: B64,
      /** Position of this reading in the batch. */
      index: z.number().int().nonnegative(),
      /**
       * The payload hashes of the whole batch, in order: the verifier recomputes the batch root
       * from them. (An inclusion proof alone would not pin the batch's size, which the gateway
       * does not sign.)
       */
      payloadHashes: z.array(Hex64).min(1),
    })
    .optional(),
  ledger: z.strictObject({
    leafIndex: z.number().int().nonnegative(),
    /** The reading's ledger entry, canonical JSON: its reading.v1 entry, or for a restricted dataset the commitment.v1 entry the public log holds. */
    entry: z.string(),
    /** C2SP tlog-proof of the entry in a quorum-cosigned checkpoint. */
    receipt: z.string(),
    /**
     * With a commitment.v1 entry: its opening, the 32-byte salt (hex) and the reading.v1 entry
     * (canonical JSON); SHA-256(salt || entry) must be the commitment.
     */
    opening: z.strictObject({ salt: Hex64, entry: z.string() }).optional(),
  }),
  /**
   * The keys the city publishes, embedded for convenience: a verifier should pin the city's
   * published keys (the verification page and `npm run verify -- --trust` do). Every field
   * of a datum is authenticated by a signature or a hash, so no field can change unnoticed;
   * the quorum is therefore not a field: it is a majority of these witnesses unless pinned.
   */
  log: z.strictObject({
    origin: z.string().min(1),
    logVerifierKey: z.string().min(1),
    witnessVerifierKeys: z.array(z.string().min(1)).min(1),
  }),
});

export type Datum = z.infer<typeof Datum>;
export type Trust = Datum["log"] & { quorum?: number };

/** Witnesses needed: the pinned quorum, or a majority of the witnesses. */
export const quorumOf = (t: Trust) => t.quorum ?? Math.floor(t.witnessVerifierKeys.length / 2) + 1;
