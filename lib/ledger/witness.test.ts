import { describe, it, expect, beforeEach } from "vitest";
import { validCosignatures } from "./cosignature";
import { toBase64, toHex } from "./encoding";
import { nodeSha256 as h } from "./node-crypto";
import { openNote, parseNote } from "./note";
import { consistencyProof } from "./proof";
import { type TestLog, type TestWitness, makeLog, makeWitness } from "./log-fixture.test-helper";
import { type WitnessStore, addCheckpoint, formatAddCheckpointBody, memoryWitnessStore, parseAddCheckpointBody, parseAddCheckpointResponse } from "./witness";

let log: TestLog;
let fork: TestLog; // same origin and key, different entries from index 6 on
let witness: TestWitness;
let store: ReturnType<typeof memoryWitnessStore>;

async function forkOf(base: TestLog, n: number): Promise<TestLog> {
  const f = await makeLog(n);
  // Re-key the fork with the real log's signer so only the tree differs.
  const { MemoryTree, leafHash, rootFromLeafHashes } = await import("./merkle");
  const { formatCheckpoint } = await import("./checkpoint");
  const { signNote } = await import("./note");
  const entries = base.entries.slice(0, 6).concat(f.entries.slice(6).map((e) => new Uint8Array([...e, 0x21])));
  const leaves = entries.map((e) => leafHash(h, e));
  const root = (s: number) => rootFromLeafHashes(h, leaves.slice(0, s));
  const body = (s: number) => formatCheckpoint({ origin: base.origin, size: s, root: root(s), extensions: [] });
  return { ...base, entries, leaves, tree: new MemoryTree(h, leaves), root, body, checkpoint: (s) => signNote(body(s), [base.signer]) };
}

function options(s: WitnessStore = store) {
  return { hasher: h, logs: [{ origin: log.origin, verifiers: [log.verifier] }], cosigners: [witness.cosigner], store: s, now: () => 1_760_000_000 };
}

async function submit(oldSize: number, size: number, from: TestLog = log, proof?: Uint8Array[]) {
  const p = proof ?? consistencyProof(from.tree, h, oldSize, size);
  return addCheckpoint(options(), formatAddCheckpointBody(oldSize, p, await from.checkpoint(size)));
}

beforeEach(async () => {
  log ??= await makeLog(40);
  fork ??= await forkOf(log, 40);
  witness ??= await makeWitness("witness.city.example/energy");
  store = memoryWitnessStore();
});

describe("witness add-checkpoint (C2SP tlog-witness)", () => {
  it("cosigns consistent growth and records it", async () => {
    const first = await submit(0, 5);
    expect(first.status).toBe(200);
    expect(first.newState).toEqual({ size: 5, root: toHex(log.root(5)) });
    const second = await submit(5, 17);
    expect(second.status).toBe(200);
    expect(store.snapshot()[log.origin]).toEqual({ size: 17, root: toHex(log.root(17)) });
    // The body is signature lines the log appends to its checkpoint.
    const note = (await log.checkpoint(17)) + second.body;
    const sigs = parseAddCheckpointResponse(second.body);
    expect(sigs.length).toBe(1);
    const opened = await openNote(note, [log.verifier, witness.verifier]);
    expect(opened.verified.length).toBe(2);
    expect(await validCosignatures(log.body(17), parseNote(note).signatures, [witness.verifier])).toEqual([
      { name: witness.name, keyId: witness.verifier.keyId, timestamp: 1_760_000_000 },
    ]);
  });

  it("cosigns the same checkpoint again", async () => {
    expect((await submit(0, 9)).status).toBe(200);
    expect((await submit(9, 9)).status).toBe(200);
  });

  it("refuses a fork (larger size, different history) with 422", async () => {
    expect((await submit(0, 9)).status).toBe(200);
    const d = await submit(9, 20, fork);
    expect(d.status).toBe(422);
    expect(d.evidence).toBe(true);
    expect(d.body).toContain("consistency proof from size 9 to 20 does not verify: root_mismatch");
    expect(store.snapshot()[log.origin].size).toBe(9);
  });

  it("refuses the same size with a different root with 409", async () => {
    expect((await submit(0, 9)).status).toBe(200);
    const d = await submit(9, 9, fork);
    expect(d.status).toBe(409);
    expect(d.evidence).toBe(true);
    expect(d.body).toContain("checkpoint of size 9 has root");
  });

  it("refuses a rollback: 400 when old size > checkpoint size, 409 otherwise", async () => {
    expect((await submit(0, 20)).status).toBe(200);
    const a = await addCheckpoint(options(), formatAddCheckpointBody(20, [], await log.checkpoint(12)));
    expect(a.status).toBe(400);
    expect(a.body).toBe("old size 20 > checkpoint size 12\n");
    const b = await submit(3, 12);
    expect(b).toMatchObject({ status: 409, contentType: "text/x.tlog.size", body: "20\n" });
    expect(store.snapshot()[log.origin].size).toBe(20);
  });

  it("answers a stale old size with 409 and the recorded size", async () => {
    expect((await submit(0, 20)).status).toBe(200);
    const d = await submit(9, 30);
    expect(d).toEqual({ status: 409, contentType: "text/x.tlog.size", body: "20\n" });
    // A client that knows nothing asks with old 0 and learns the size.
    expect((await submit(0, 30)).body).toBe("20\n");
  });

  it("refuses a bad proof with 422", async () => {
    expect((await submit(0, 5, log, [log.root(5)])).status).toBe(422);
    expect((await submit(0, 9)).status).toBe(200);
    const good = consistencyProof(log.tree, h, 9, 30);
    const flipped = good.map((x, i) => (i === 0 ? Uint8Array.from(x, (b, j) => (j === 0 ? b ^ 1 : b)) : x));
    expect((await submit(9, 30, log, flipped)).status).toBe(422);
    expect((await submit(9, 30, log, good.slice(1))).status).toBe(422);
    expect((await submit(9, 30, log, [])).status).toBe(422);
    expect((await submit(9, 9, log, [log.root(9)])).status).toBe(422);
    expect((await submit(9, 30, log, good)).status).toBe(200);
  });

  it("answers an unknown log with 404", async () => {
    const other = await makeLog(5, undefined, "other.example/log");
    const d = await addCheckpoint(options(), formatAddCheckpointBody(0, [], await other.checkpoint(5)));
    expect(d.status).toBe(404);
    expect(d.body).toBe('unknown log origin "other.example/log"\n');
  });

  it("answers a checkpoint not signed by the log key with 403", async () => {
    const impostor = await makeLog(5); // same origin, different key
    expect((await addCheckpoint(options(), formatAddCheckpointBody(0, [], await impostor.checkpoint(5)))).status).toBe(403);
    const tampered = (await log.checkpoint(5)).replace("\n5\n", "\n6\n");
    const d = await addCheckpoint(options(), formatAddCheckpointBody(0, [], tampered));
    expect(d.status).toBe(403);
    expect(d.body).toContain("bad_signature");
    expect(store.snapshot()).toEqual({});
  });

  it("answers malformed requests with 400", async () => {
    const cp = await log.checkpoint(5);
    const bodies = [
      `${cp}`,
      `old 05\n\n${cp}`,
      `old -1\n\n${cp}`,
      `old 0\nnot base64!\n\n${cp}`,
      `old 0\n${toBase64(new Uint8Array(31))}\n\n${cp}`,
      `old 0\n${`${toBase64(new Uint8Array(32))}\n`.repeat(64)}\n${cp}`,
      "old 0\n\nexample\n5\n",
      `old 0\n\n${log.body(5)}`,
      "old 0\n",
      `old 0\n\n${cp.replace("\n5\n", "\n05\n")}`,
      new Uint8Array([0xff, 0xfe]),
    ];
    for (const body of bodies) {
      const d = await addCheckpoint(options(), body);
      expect(d.status, String(body)).toBe(400);
    }
    expect(parseAddCheckpointBody(`old 7\n${toBase64(log.root(1))}\n\n${cp}`)).toEqual({ oldSize: 7, proof: [log.root(1)], checkpoint: cp });
  });

  it("decides again when it loses a compare-and-set race", async () => {
    expect((await submit(0, 9)).status).toBe(200);
    const racing: WitnessStore = {
      get: (o) => store.get(o),
      async compareAndSet(o, expected, next) {
        // Another request lands first, moving the log to size 30.
        await store.compareAndSet(o, await store.get(o), { size: 30, root: toHex(log.root(30)) });
        return store.compareAndSet(o, expected, next);
      },
    };
    const d = await addCheckpoint(options(racing), formatAddCheckpointBody(9, consistencyProof(log.tree, h, 9, 20), await log.checkpoint(20)));
    expect(d).toEqual({ status: 409, contentType: "text/x.tlog.size", body: "30\n" });
    expect(store.snapshot()[log.origin].size).toBe(30);
  });
});
