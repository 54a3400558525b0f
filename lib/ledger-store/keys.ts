import { webCryptoEd25519 } from "../ledger/ed25519";
import { formatVerifierKey, generateNoteKey, parseSignerKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { loadOrCreateSecret } from "../secrets";

export type LogKeys = {
  /** The log's checkpoint signing key (C2SP signer key string) */
  log: { signerKey: string; verifierKey: string };
  /** Each department's witness key (cosignature/v1) */
  witnesses: Record<string, { signerKey: string; verifierKey: string }>;
};

export const witnessKeyName = (origin: string, department: string) => `${origin.split("/")[0]}/witness/${department}`;

/**
 * The log's signing key and the in-process witnesses' keys. LOG_SIGNER_KEY (a C2SP
 * PRIVATE+KEY+... string) overrides the log key; otherwise all keys are generated on first
 * start into DATA_DIR/secrets/ledger-keys.json and never leave the machine. A department
 * without a witness key (added later) simply has no in-process witness.
 */
export async function loadLogKeys(dataDir: string, origin: string, departments: readonly string[]): Promise<LogKeys> {
  const ed = webCryptoEd25519();
  const keys = await loadOrCreateSecret<LogKeys>(
    dataDir,
    "ledger-keys",
    async () => {
      const witnesses: LogKeys["witnesses"] = {};
      for (const d of departments) witnesses[d] = await generateNoteKey(ed, witnessKeyName(origin, d), SIG_TYPE_COSIGNATURE_V1);
      return { log: await generateNoteKey(ed, origin, SIG_TYPE_ED25519), witnesses };
    },
    (v) => {
      const k = v as LogKeys;
      if (typeof k?.log?.signerKey !== "string" || typeof k.witnesses !== "object") throw new Error("missing keys");
      return k;
    },
  );
  if (process.env.LOG_SIGNER_KEY) {
    const d = parseSignerKey(process.env.LOG_SIGNER_KEY);
    const { publicKey } = await ed.importSeed(d.key);
    keys.log = { signerKey: process.env.LOG_SIGNER_KEY, verifierKey: formatVerifierKey(d.name, d.type, publicKey) };
  }
  return keys;
}
