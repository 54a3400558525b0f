// npm run verify -- FILE [--trust TRUST.json]
// Verifies a downloaded datum offline: no database, no server, no network. Prints each
// check and exits 0 when all pass, 1 when any fails, 2 when the file cannot be read.
// TRUST.json pins the city's published keys ({origin, logVerifierKey, witnessVerifierKeys,
// quorum?}, as served at /api/ledger/info); without it the keys embedded in the file are used.
import fs from "node:fs";
import { nodeEd25519, nodeSha256 } from "../lib/ledger/node-crypto";
import { verifyDatum } from "../lib/provenance/verify-datum";
import type { Trust } from "../lib/provenance/datum";

function usage(msg: string): never {
  console.error(`verify: ${msg}\nusage: npm run verify -- FILE [--trust TRUST.json]`);
  process.exit(2);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    console.error(`verify: cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    process.exit(2);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    console.error(`verify: ${what} ${file} is not JSON: ${(e as Error).message}`);
    process.exit(1);
  }
}

async function main() {
  const args = process.argv.slice(2);
  let file: string | undefined;
  let trustFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--trust") trustFile = args[++i] ?? usage("--trust needs a file");
    else if (args[i].startsWith("--")) usage(`unknown option ${args[i]}`);
    else if (file) usage(`unexpected argument ${args[i]}`);
    else file = args[i];
  }
  if (!file) usage("no file given");
  const datum = readJson(file, "datum");
  let trust: Trust | undefined;
  if (trustFile) {
    const t = readJson(trustFile, "trust file") as Record<string, unknown>;
    const witnesses = Array.isArray(t.witnessVerifierKeys)
      ? t.witnessVerifierKeys
      : Array.isArray(t.witnesses)
        ? (t.witnesses as { verifierKey: string }[]).map((w) => w.verifierKey)
        : usage("trust file has no witnessVerifierKeys (or witnesses)");
    if (typeof t.origin !== "string" || typeof t.logVerifierKey !== "string") usage("trust file needs origin and logVerifierKey");
    trust = { origin: t.origin, logVerifierKey: t.logVerifierKey, witnessVerifierKeys: witnesses as string[], ...(typeof t.quorum === "number" ? { quorum: t.quorum } : {}) };
  }
  const r = await verifyDatum(datum, { hasher: nodeSha256, ed25519: nodeEd25519, trust });
  for (const c of r.checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.id}: ${c.detail}`);
  console.log(r.ok ? "VERIFIED" : "NOT VERIFIED");
  return r.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`verify: internal error: ${e.message}`);
    process.exit(2);
  },
);
