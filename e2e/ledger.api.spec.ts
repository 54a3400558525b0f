import { expect, test } from "@playwright/test";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { ed25519NoteVerifier, parseNote } from "../lib/ledger/note";
import { openCheckpoint } from "../lib/ledger/checkpoint";
import { ed25519CosignatureVerifier, validCosignatures } from "../lib/ledger/cosignature";
import { verifyInclusion, verifyConsistency } from "../lib/ledger/verify";
import { fromHex } from "../lib/ledger/encoding";
import { sha256 } from "../lib/ledger/sha256";

test.describe("the city ledger over HTTP", () => {
  test("publishes a checkpoint signed by the log and cosigned by a quorum of department witnesses", async ({ request }) => {
    await expect.poll(async () => (await (await request.get("/api/ledger/info")).json()).latestFinal?.size ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    const info = await (await request.get("/api/ledger/info")).json();
    const res = await request.get("/ledger/checkpoint");
    expect(res.status()).toBe(200);
    expect(res.headers()["cache-control"]).toBe("no-cache");
    const note = await res.text();
    const ed = webCryptoEd25519();
    const cp = await openCheckpoint(note, [await ed25519NoteVerifier(ed, info.logVerifierKey)], info.origin);
    const witnesses = await Promise.all(info.witnesses.map((w: { verifierKey: string }) => ed25519CosignatureVerifier(ed, w.verifierKey)));
    const valid = await validCosignatures(cp.text, parseNote(note).signatures, witnesses);
    expect(valid.length).toBeGreaterThanOrEqual(info.quorum);
  });

  test("proves a traffic reading's inclusion and the log's consistency, verified here", async ({ request }) => {
    const info = await (await request.get("/api/ledger/info")).json();
    const size = info.latestFinal.size;
    const { readings } = await (await request.get("/api/traffic/latest")).json();
    const leaf = readings.find((r: { leafIndex: number }) => r.leafIndex < size);
    const p = await (await request.get(`/api/ledger/proof/inclusion?index=${leaf.leafIndex}&size=${size}`)).json();
    expect(() => verifyInclusion(sha256, p.index, p.size, fromHex(p.leafHash), p.proof.map(fromHex), fromHex(p.root))).not.toThrow();
    // Wait for a second checkpoint, then prove the older one is a prefix of the newer.
    await expect.poll(async () => (await (await request.get("/api/ledger/checkpoints?limit=2")).json()).checkpoints.length, { timeout: 20_000 }).toBe(2);
    const { checkpoints } = await (await request.get("/api/ledger/checkpoints?limit=2")).json();
    const [newer, older] = checkpoints;
    const c = await (await request.get(`/api/ledger/proof/consistency?size1=${older.size}&size2=${newer.size}`)).json();
    expect(c.root1).toBe(older.root);
    expect(() => verifyConsistency(sha256, c.size1, c.size2, c.proof.map(fromHex), fromHex(c.root1), fromHex(c.root2))).not.toThrow();
  });

  test("serves full tiles as immutable and refuses bad tile paths and proof sizes", async ({ request }) => {
    const tile = await request.get("/ledger/tile/0/000");
    expect(tile.status()).toBe(200);
    expect(tile.headers()["cache-control"]).toContain("immutable");
    expect((await tile.body()).length).toBe(256 * 32);
    expect((await request.get("/ledger/tile/0/x999/999")).status()).toBe(404);
    expect((await request.get("/ledger/tile/abc")).status()).toBe(404);
    const bad = await request.get("/api/ledger/proof/inclusion?index=-1");
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toContain("index");
  });
});
