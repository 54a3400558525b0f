// A department's witness as its own process (C2SP tlog-witness): POST /add-checkpoint.
// Environment:
//   WITNESS_SIGNER_KEY  the witness's cosignature key (PRIVATE+KEY+name+id+base64, type 0x04)
//   WITNESS_LOG_ORIGIN  origin line of the log it follows
//   WITNESS_LOG_KEY     the log's verifier key (name+id+base64)
//   WITNESS_STATE_FILE  its own storage (default ./witness-state.json)
//   WITNESS_HOST, WITNESS_PORT  where it listens (default 127.0.0.1:7380)
// `tsx scripts/witness-server.ts --keygen NAME` prints a new signer and verifier key.
import http from "node:http";
import { z } from "zod";
import { nodeEd25519, nodeSha256 } from "../lib/ledger/node-crypto";
import { ed25519Cosigner, SIG_TYPE_COSIGNATURE_V1 } from "../lib/ledger/cosignature";
import { ed25519NoteVerifier, generateNoteKey } from "../lib/ledger/note";
import { addCheckpoint } from "../lib/ledger/witness";
import { fileWitnessStore } from "../lib/ledger-store/witness-file-store";

const MAX_BODY = 64 * 1024;

async function main() {
  if (process.argv[2] === "--keygen") {
    const k = await generateNoteKey(nodeEd25519, process.argv[3] ?? "witness", SIG_TYPE_COSIGNATURE_V1);
    console.log(`WITNESS_SIGNER_KEY=${k.signerKey}\nverifier key: ${k.verifierKey}`);
    return;
  }
  const env = z
    .object({
      WITNESS_SIGNER_KEY: z.string().startsWith("PRIVATE+KEY+", "must be a C2SP signer key (PRIVATE+KEY+...)"),
      WITNESS_LOG_ORIGIN: z.string().min(1),
      WITNESS_LOG_KEY: z.string().min(1),
      WITNESS_STATE_FILE: z.string().default("./witness-state.json"),
      WITNESS_HOST: z.string().default("127.0.0.1"),
      WITNESS_PORT: z.coerce.number().int().min(1).max(65535).default(7380),
    })
    .safeParse(process.env);
  if (!env.success) {
    const i = env.error.issues[0];
    throw new Error(`environment variable ${i.path.join(".")} ${i.message}`);
  }
  const e = env.data;
  const cosigner = await ed25519Cosigner(nodeEd25519, e.WITNESS_SIGNER_KEY);
  const logVerifier = await ed25519NoteVerifier(nodeEd25519, e.WITNESS_LOG_KEY);
  const options = {
    hasher: nodeSha256,
    logs: [{ origin: e.WITNESS_LOG_ORIGIN, verifiers: [logVerifier] }],
    cosigners: [cosigner],
    store: fileWitnessStore(e.WITNESS_STATE_FILE),
  };
  const server = http.createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/add-checkpoint") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(400, { "content-type": "text/plain" }).end("request body too large\n");
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", async () => {
      if (res.headersSent) return;
      try {
        const d = await addCheckpoint(options, Buffer.concat(chunks));
        res.writeHead(d.status, { "content-type": d.contentType }).end(d.body);
      } catch (err) {
        console.error(`witness: internal error: ${(err as Error).message}`);
        res.writeHead(500, { "content-type": "text/plain" }).end("internal error\n");
      }
    });
  });
  server.on("error", (err: NodeJS.ErrnoException) => {
    console.error(`witness: cannot listen on ${e.WITNESS_HOST}:${e.WITNESS_PORT}: ${err.code}`);
    process.exit(1);
  });
  server.listen(e.WITNESS_PORT, e.WITNESS_HOST, () => console.log(`witness ${cosigner.name} listening on http://${e.WITNESS_HOST}:${e.WITNESS_PORT}`));
}

main().catch((err: Error) => {
  console.error(`witness: cannot start: ${err.message}`);
  process.exit(1);
});
