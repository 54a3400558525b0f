// ledger-cli: the ledger core from the command line, for interop checks
// against other RFC 9162 / C2SP implementations. Run: npm run -s ledger -- VERB
import { createInterface } from "node:readline";
import { SIG_TYPE_COSIGNATURE_V1, ed25519CosignatureVerifier } from "../lib/ledger/cosignature";
import { fromHex, toHex } from "../lib/ledger/encoding";
import { LedgerError } from "../lib/ledger/errors";
import { MemoryTree, leafHash, rootFromLeafHashes } from "../lib/ledger/merkle";
import { type NoteVerifier, SIG_TYPE_ED25519, ed25519NoteVerifier, openNote, parseVerifierKey } from "../lib/ledger/note";
import { consistencyProof, inclusionProof } from "../lib/ledger/proof";
import { verifyConsistency, verifyInclusion } from "../lib/ledger/verify";
import { nodeEd25519, nodeSha256 as hasher } from "../lib/ledger/node-crypto";

const USAGE = `usage: ledger-cli VERB [flags]

  root                                   leaf data (hex, one per line) on stdin; prints the root hash
  inclusion-proof --index I --size N     same stdin; prints the proof, one hex hash per line
  consistency-proof --size1 M --size2 N  same stdin; prints the proof, one hex hash per line
  verify-inclusion --leaf-hash HEX --index I --size N --root HEX [--proof HEX,HEX,...]
  verify-consistency --size1 M --root1 HEX --size2 N --root2 HEX [--proof HEX,...]
  verify-note --key VERIFIER_KEY [--key ...]   signed note on stdin
  batch                                  NDJSON cases on stdin, one NDJSON result per line on stdout

Verifiers print OK and exit 0, or print the reason and exit 1. Bad usage exits 2.
An empty --proof (or none) is the empty proof. Keys are C2SP vkeys of type 0x01 (notes)
or 0x04 (witness cosignatures).`;

class UsageError extends Error {}

type FlagKind = "uint" | "hex" | "hexlist" | "strings";
type FlagValue = number | Uint8Array | Uint8Array[] | string[];

/** Parses `--name value` / `--name=value` flags of the given kinds; names the bad flag on error. */
function parseFlags(verb: string, args: string[], kinds: Record<string, FlagKind>, required: string[]): Map<string, FlagValue> {
  const out = new Map<string, FlagValue>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} for ${verb}`);
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const kind = kinds[name];
    if (kind === undefined) throw new UsageError(`unknown flag --${name} for ${verb}`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else throw new UsageError(`flag --${name} needs a value`);
    if (out.has(name) && kind !== "strings") throw new UsageError(`flag --${name} given twice`);
    out.set(name, parseValue(name, kind, value, out.get(name)));
  }
  for (const name of required) if (!out.has(name)) throw new UsageError(`missing flag --${name} for ${verb}`);
  return out;
}

function parseValue(name: string, kind: FlagKind, value: string, prev: FlagValue | undefined): FlagValue {
  const bad = (want: string) => new UsageError(`bad flag --${name}: got ${JSON.stringify(value)}, want ${want}`);
  switch (kind) {
    case "uint": {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) throw bad("a non-negative integer");
      return Number(value);
    }
    case "hex":
      try {
        return fromHex(value);
      } catch {
        throw bad("hex");
      }
    case "hexlist":
      if (value === "") return [];
      try {
        return value.split(",").map(fromHex);
      } catch {
        throw bad("comma-separated hex hashes");
      }
    case "strings":
      return [...((prev as string[] | undefined) ?? []), value];
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const b = Buffer.concat(chunks);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Leaf hashes of hex leaf data, one leaf per line; an empty line is an empty leaf. */
async function readLeaves(): Promise<Uint8Array[]> {
  const text = new TextDecoder().decode(await readStdin());
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    try {
      return leafHash(hasher, fromHex(line));
    } catch {
      throw new UsageError(`stdin line ${i + 1}: got ${JSON.stringify(line.slice(0, 40))}, want hex leaf data`);
    }
  });
}

/** The tree of the leaves on stdin, for a proof at tree size `size` (named `flag`): no larger than the leaves. */
async function treeOfLeaves(flag: string, size: number): Promise<MemoryTree> {
  const leaves = await readLeaves();
  if (size > leaves.length) throw new LedgerError("invalid_argument", `${flag} ${size} > ${leaves.length} leaves on stdin`);
  return new MemoryTree(hasher, leaves);
}

const verifierCache = new Map<string, Promise<NoteVerifier>>();

/** A note verifier for a vkey of type 0x01 or a cosignature verifier for type 0x04. */
function verifierFor(vkey: string): Promise<NoteVerifier> {
  let v = verifierCache.get(vkey);
  if (v === undefined) {
    v = (async () => {
      const k = parseVerifierKey(vkey);
      if (k.type === SIG_TYPE_COSIGNATURE_V1) return ed25519CosignatureVerifier(nodeEd25519, vkey);
      if (k.type !== SIG_TYPE_ED25519) throw new LedgerError("unknown_key_algorithm", `key ${k.name} has signature type 0x${k.type.toString(16).padStart(2, "0")}, want 0x01 or 0x04`);
      return ed25519NoteVerifier(nodeEd25519, vkey);
    })();
    verifierCache.set(vkey, v);
  }
  return v;
}

async function verifyNote(note: string | Uint8Array, keys: string[]): Promise<void> {
  const verifiers = await Promise.all(keys.map(verifierFor));
  await openNote(note, verifiers);
}

/** Writes lines to stdout, honouring back-pressure. */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
}

/** Writes hashes to stdout in hex, one a line. */
const writeHashes = (hashes: readonly Uint8Array[]) => writeOut(hashes.map((x) => `${toHex(x)}\n`).join(""));

// --- batch ------------------------------------------------------------------

type Case = Record<string, unknown>;

function field(c: Case, name: string, kind: "uint" | "hex" | "hexes" | "strings" | "string"): unknown {
  const v = c[name];
  const bad = (want: string) => new LedgerError("invalid_argument", `bad field ${name}: got ${v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 80)}, want ${want}`);
  switch (kind) {
    case "uint":
      if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
      if (typeof v === "string" && /^[0-9]+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
      throw bad("a non-negative integer");
    case "hex":
      if (typeof v !== "string") throw bad("a hex string");
      try {
        return fromHex(v);
      } catch {
        throw bad("a hex string");
      }
    case "hexes":
      if (v === undefined || v === "") return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw bad("an array of hex strings");
      try {
        return v.map((x: string) => fromHex(x));
      } catch {
        throw bad("an array of hex strings");
      }
    case "strings":
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string")) throw bad("a non-empty array of strings");
      return v;
    case "string":
      if (typeof v !== "string") throw bad("a string");
      return v;
  }
}

async function runCase(line: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    if (line.trim() === "") return { ok: false, reason: "empty line" };
    let c: unknown;
    try {
      c = JSON.parse(line);
    } catch {
      return { ok: false, reason: "malformed JSON" };
    }
    if (typeof c !== "object" || c === null || Array.isArray(c)) return { ok: false, reason: "case must be a JSON object" };
    const k = c as Case;
    switch (k.verb) {
      case "verify-inclusion":
        verifyInclusion(hasher, field(k, "index", "uint") as number, field(k, "size", "uint") as number, field(k, "leafHash", "hex") as Uint8Array, field(k, "proof", "hexes") as Uint8Array[], field(k, "root", "hex") as Uint8Array);
        return { ok: true };
      case "verify-consistency":
        verifyConsistency(hasher, field(k, "size1", "uint") as number, field(k, "size2", "uint") as number, field(k, "proof", "hexes") as Uint8Array[], field(k, "root1", "hex") as Uint8Array, field(k, "root2", "hex") as Uint8Array);
        return { ok: true };
      case "verify-note":
        await verifyNote(field(k, "note", "string") as string, field(k, "keys", "strings") as string[]);
        return { ok: true };
      default:
        return { ok: false, reason: `unknown verb ${JSON.stringify(k.verb) ?? "undefined"}, want verify-inclusion, verify-consistency or verify-note` };
    }
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

async function batch(): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let pending: string[] = [];
  for await (const line of rl) {
    pending.push(JSON.stringify(await runCase(line)));
    if (pending.length >= 512) {
      await writeOut(`${pending.join("\n")}\n`);
      pending = [];
    }
  }
  if (pending.length > 0) await writeOut(`${pending.join("\n")}\n`);
}

// --- main -------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  switch (verb) {
    case undefined:
      throw new UsageError("missing VERB");
    case "-h":
    case "--help":
    case "help":
      await writeOut(`${USAGE}\n`);
      return 0;
    case "root": {
      parseFlags(verb, args, {}, []);
      await writeOut(`${toHex(rootFromLeafHashes(hasher, await readLeaves()))}\n`);
      return 0;
    }
    case "inclusion-proof": {
      const f = parseFlags(verb, args, { index: "uint", size: "uint" }, ["index", "size"]);
      const size = f.get("size") as number;
      await writeHashes(inclusionProof(await treeOfLeaves("size", size), hasher, f.get("index") as number, size));
      return 0;
    }
    case "consistency-proof": {
      const f = parseFlags(verb, args, { size1: "uint", size2: "uint" }, ["size1", "size2"]);
      const size2 = f.get("size2") as number;
      await writeHashes(consistencyProof(await treeOfLeaves("size2", size2), hasher, f.get("size1") as number, size2));
      return 0;
    }
    case "verify-inclusion": {
      const f = parseFlags(verb, args, { "leaf-hash": "hex", index: "uint", size: "uint", root: "hex", proof: "hexlist" }, ["leaf-hash", "index", "size", "root"]);
      verifyInclusion(hasher, f.get("index") as number, f.get("size") as number, f.get("leaf-hash") as Uint8Array, (f.get("proof") as Uint8Array[] | undefined) ?? [], f.get("root") as Uint8Array);
      await writeOut("OK\n");
      return 0;
    }
    case "verify-consistency": {
      const f = parseFlags(verb, args, { size1: "uint", root1: "hex", size2: "uint", root2: "hex", proof: "hexlist" }, ["size1", "root1", "size2", "root2"]);
      verifyConsistency(hasher, f.get("size1") as number, f.get("size2") as number, (f.get("proof") as Uint8Array[] | undefined) ?? [], f.get("root1") as Uint8Array, f.get("root2") as Uint8Array);
      await writeOut("OK\n");
      return 0;
    }
    case "verify-note": {
      const f = parseFlags(verb, args, { key: "strings" }, ["key"]);
      const keys = f.get("key") as string[];
      for (const k of keys) {
        try {
          parseVerifierKey(k);
        } catch (e) {
          throw new UsageError(`bad flag --key: ${(e as Error).message}`);
        }
      }
      await verifyNote(await readStdin(), keys);
      await writeOut("OK\n");
      return 0;
    }
    case "batch":
      parseFlags(verb, args, {}, []);
      await batch();
      return 0;
    default:
      throw new UsageError(`unknown verb ${JSON.stringify(verb)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`ledger-cli: ${e.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (e instanceof LedgerError) {
      await writeOut(`${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`ledger-cli: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 3;
    }
  },
);
