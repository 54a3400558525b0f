import { describe, expect, it } from "vitest";
import { signNote } from "./note";
import { leafHash, rootFromLeafHashes } from "./merkle";
import { consistencyProofFromLeafHashes } from "./proof";
import { formatCheckpoint } from "./checkpoint";
import { checkKeptCheckpoint } from "./kept-checkpoint";
import { makeLog, ORIGIN } from "./log-fixture.test-helper";
import { nodeEd25519, nodeSha256 } from "./node-crypto";

describe("a kept checkpoint against the log as it is now", async () => {
  const log = await makeLog(40);
  let proofCalls = 0;
  const run = (kept: string, current: string, verifierKey = log.verifierKey) =>
    checkKeptCheckpoint({
      hasher: nodeSha256,
      ed25519: nodeEd25519,
      logVerifierKey: verifierKey,
      origin: ORIGIN,
      kept,
      current,
      consistencyProof: async (a, b) => {
        proofCalls++;
        return consistencyProofFromLeafHashes(nodeSha256, log.leaves, a, b);
      },
    });

  it("passes a log that grew from it, verifying the consistency proof, and the same checkpoint without a proof", async () => {
    expect(await run(await log.checkpoint(13), await log.checkpoint(40))).toEqual({ ok: true, keptSize: 13, currentSize: 40, proofHashes: expect.any(Number) });
    proofCalls = 0;
    expect(await run(await log.checkpoint(40), await log.checkpoint(40))).toMatchObject({ ok: true, proofHashes: 0 });
    expect(proofCalls).toBe(0);
  });

  it("names a log rolled back behind the kept size", async () => {
    expect(await run(await log.checkpoint(30), await log.checkpoint(20))).toMatchObject({ ok: false, reason: "rolled_back", keptSize: 30, currentSize: 20 });
  });

  it("names a log rewritten under the kept checkpoint: same size, another root; a larger tree that does not extend it", async () => {
    // Another history signed with this log's key: leaf 20 replaced.
    const leaves = log.leaves.map((h, i) => (i === 20 ? leafHash(nodeSha256, new TextEncoder().encode("rewritten")) : h));
    const forged = (size: number) => signNote(formatCheckpoint({ origin: ORIGIN, size, root: rootFromLeafHashes(nodeSha256, leaves.slice(0, size)), extensions: [] }), [log.signer]);
    expect(await run(await log.checkpoint(25), await forged(25))).toMatchObject({ ok: false, reason: "forked", message: expect.stringContaining("rewritten") });
    expect(await run(await log.checkpoint(25), await forged(40))).toMatchObject({ ok: false, reason: "not_an_extension", keptSize: 25, currentSize: 40 });
  });

  it("refuses a pasted text that is not a checkpoint, or is signed by another key, naming which", async () => {
    expect(await run("hello\n", await log.checkpoint(40))).toMatchObject({ ok: false, reason: "not_a_checkpoint", message: expect.stringContaining("the kept checkpoint is not signed by this log's key") });
    const stranger = await makeLog(40);
    expect(await run(await stranger.checkpoint(10), await log.checkpoint(40))).toMatchObject({ ok: false, reason: "not_a_checkpoint" });
    expect(await run(await log.checkpoint(10), await stranger.checkpoint(40))).toMatchObject({ ok: false, reason: "not_a_checkpoint", message: expect.stringContaining("the current checkpoint") });
  });
});
