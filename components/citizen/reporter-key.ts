"use client";
// The browser's pseudonymous reporter key: an Ed25519 seed kept in IndexedDB (WebCrypto signs
// with it), exportable as a recovery file and importable; plus this browser's copies of the
// reports it signed (content and signature), for full receipts.
import { webCryptoEd25519, type SignFn } from "@/lib/ledger/ed25519";
import { fromBase64, toBase64 } from "@/lib/ledger/encoding";
import { reporterIdOf, type ReportContent } from "@/lib/citizen/report-content";

const DB = "city-brain-reporter";
export const RECOVERY_FORMAT = "city-brain-reporter-key/v1";
export type ReporterKey = { publicKey: string; id: string; sign: SignFn };
export type SignedCopy = { content: ReportContent; signature: string };

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("keys");
      req.result.createObjectStore("reports");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function op<T>(store: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  return new Promise<T>((resolve, reject) => {
    const req = fn(db.transaction(store, mode).objectStore(store));
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  }).finally(() => db.close());
}

async function fromSeed(seed: Uint8Array): Promise<ReporterKey> {
  const { publicKey, sign } = await webCryptoEd25519().importSeed(seed);
  return { publicKey: toBase64(publicKey), id: reporterIdOf(publicKey), sign };
}

let loading: Promise<ReporterKey> | null = null;

/** This browser's reporter key, created on first use (concurrent first calls share one key). */
export function reporterKey(): Promise<ReporterKey> {
  loading ??= loadOrCreate().catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

async function loadOrCreate(): Promise<ReporterKey> {
  let seed = await op<string | undefined>("keys", "readonly", (s) => s.get("seed"));
  if (!seed) {
    seed = toBase64(webCryptoEd25519().randomSeed());
    await op("keys", "readwrite", (s) => s.put(seed, "seed"));
  }
  return fromSeed(fromBase64(seed));
}

/** The key as a recovery file's text (anyone holding it can act as this reporter). */
export async function recoveryFile(): Promise<string> {
  await reporterKey();
  const seed = await op<string>("keys", "readonly", (s) => s.get("seed"));
  const k = await fromSeed(fromBase64(seed));
  return JSON.stringify({ format: RECOVERY_FORMAT, seed, publicKey: k.publicKey, reporter: k.id }, null, 2);
}

/** Replaces this browser's key with the one in a recovery file; throws if the file is not one. */
export async function importRecoveryFile(text: string): Promise<ReporterKey> {
  const v = JSON.parse(text) as { format?: unknown; seed?: unknown; publicKey?: unknown };
  if (v.format !== RECOVERY_FORMAT || typeof v.seed !== "string") throw new Error("not a reporter key file");
  const k = await fromSeed(fromBase64(v.seed));
  if (v.publicKey !== k.publicKey) throw new Error("the file's public key does not match its seed");
  await op("keys", "readwrite", (s) => s.put(v.seed, "seed"));
  loading = Promise.resolve(k);
  return k;
}

export const saveSignedCopy = (id: string, copy: SignedCopy) => op("reports", "readwrite", (s) => s.put(copy, id));
export const signedCopy = (id: string) => op<SignedCopy | undefined>("reports", "readonly", (s) => s.get(id));
