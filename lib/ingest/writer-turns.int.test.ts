// The intake's two writers on PostgreSQL (writer-turns.ts): turns commit in order with
// contiguous leaves, the second turn's rows written early are seen by no one before its commit
// and it is acknowledged only after it; a forecast missed because another appender took a leaf
// in between is rolled back and stored again; a turn whose transaction fails leaves no gap.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { appendEntries } from "../ledger-store/append-entries";
import { integrate } from "../ledger-store/integrate";
import { commitCandidatesInTurn, type Candidate, type CommitHook } from "./commit";
import { WriterTurns } from "./writer-turns";
import { Intake } from "./intake";
import { bytes, checkedCandidate, gatewayBatch, integrateAndAudit, seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";

const server = (await testTargets()).filter((t) => t.name === "postgresql");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(server.map((t) => [t.name, t] as [string, TestTarget]))("two writers in turns on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let keyed: Keyed[];
  let gateway: Awaited<ReturnType<typeof seedIngestFixture>>["gateway"];
  let seq = 0;
  /** One reading of each keyed sensor, at the next seqs. */
  const group = (): Candidate[] => {
    seq++;
    return keyed.map((k) => checkedCandidate(k, seq));
  };
  const leaves = async () => {
    const [r] = await db.sql.query<{ n: number; lo: number | null; hi: number | null; next: number }>(
      `SELECT count(*)::int8 AS n, min(leaf_index)::int8 AS lo, max(leaf_index)::int8 AS hi, (SELECT next_index FROM ledger_state)::int8 AS next FROM ledger_leaf_all`,
    );
    return { n: Number(r.n), lo: Number(r.lo), hi: Number(r.hi), next: Number(r.next) };
  };
  const accepted = (outs: { status: string }[]) => outs.filter((o) => o.status === "accepted").length;
  const leafOf = (o: { status: string; leafIndex?: number }) => (o.status === "accepted" ? o.leafIndex! : -1);

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    ({ keyed, gateway } = await seedIngestFixture(db, 20));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("commits two turns in order with contiguous leaves; the second's early rows are invisible and it is acknowledged only after its commit", async () => {
    const turns = new WriterTurns();
    const order: string[] = [];
    let bDone = false;
    let seenDuringA = -1;
    // Turn A lingers in its transaction (after its leaves, before its commit) while B has written its rows early.
    const hookA: CommitHook = {
      onCommit: async () => {
        await sleep(400);
        const [r] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`);
        seenDuringA = r.n;
        order.push(`A commits (B acknowledged: ${bDone})`);
      },
    };
    const before = (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`))[0].n;
    const ta = turns.next();
    const tb = turns.next();
    const a = commitCandidatesInTurn(db.sql, group(), ta, hookA).finally(() => ta.ended());
    const b = commitCandidatesInTurn(db.sql, group(), tb, { onCommit: async () => void order.push("B commits") })
      .then((r) => ((bDone = true), r))
      .finally(() => tb.ended());
    const [ra, rb] = await Promise.all([a, b]);
    expect(order).toEqual(["A commits (B acknowledged: false)", "B commits"]);
    // Only what was committed before either turn: B's early rows and A's own are not visible to others.
    expect(seenDuringA).toBe(before);
    expect(ra.forecastHeld && rb.forecastHeld).toBe(true);
    expect(accepted(ra.outcomes) + accepted(rb.outcomes)).toBe(2 * keyed.length);
    const la = ra.outcomes.map(leafOf);
    const lb = rb.outcomes.map(leafOf);
    // B's leaves follow A's: in commit order, no gap.
    expect(lb[0]).toBe(la.at(-1)! + 1);
    expect(lb.every((l, i) => i === 0 || l === lb[i - 1] + 1)).toBe(true);
    const l = await leaves();
    expect(l).toEqual({ n: l.next, lo: 0, hi: l.next - 1, next: l.next });
    const report = await integrateAndAudit(db);
    expect(report.discrepancies).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("stores both turns again when another appender took a leaf before them (their forecasts missed): nothing written early is kept", async () => {
    const turns = new WriterTurns();
    const startNext = (await leaves()).next;
    // Another appender holds a leaf taken (ledger_state locked, not committed) while the turns forecast theirs.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let foreignLeaf = -1;
    const foreign = db.sql.transaction(async (tx) => {
      foreignLeaf = await appendEntries(tx, [{ kind: "rule.v1", bytes: new TextEncoder().encode('{"kind":"rule.v1","test":true}'), refTable: "rule_event", refId: "0" }]);
      await gate;
    });
    while (foreignLeaf < 0) await sleep(10);
    const ta = turns.next();
    const tb = turns.next();
    const a = commitCandidatesInTurn(db.sql, group(), ta).finally(() => ta.ended());
    const b = commitCandidatesInTurn(db.sql, group(), tb).finally(() => tb.ended());
    await sleep(300);
    release();
    await foreign;
    const [ra, rb] = await Promise.all([a, b]);
    expect(foreignLeaf).toBe(startNext);
    expect([ra.forecastHeld, rb.forecastHeld]).toEqual([false, false]);
    expect(accepted(ra.outcomes) + accepted(rb.outcomes)).toBe(2 * keyed.length);
    const la = ra.outcomes.map(leafOf);
    const lb = rb.outcomes.map(leafOf);
    expect(la[0]).toBe(startNext + 1);
    expect(lb[0]).toBe(la.at(-1)! + 1);
    // Each reading once, at the leaf it was acknowledged with: the rows written early for the
    // forecast leaves were rolled back with their transactions.
    const rows = await db.sql.query<{ device_id: string; seq: number; leaf_index: number }>(`SELECT device_id, seq, leaf_index FROM reading WHERE leaf_index >= $1 ORDER BY leaf_index`, [startNext]);
    expect(rows.map((r) => Number(r.leaf_index))).toEqual([...la, ...lb]);
    const l = await leaves();
    expect(l).toEqual({ n: l.next, lo: 0, hi: l.next - 1, next: l.next });
    // The integrator finds no gap.
    await expect(integrate(db.sql, async () => {})).resolves.not.toBeNull();
  });

  it("leaves no gap when a turn's transaction fails: the turn after it is stored again from the last committed leaf", async () => {
    const turns = new WriterTurns();
    const startNext = (await leaves()).next;
    const ta = turns.next();
    const tb = turns.next();
    // Turn A fails inside its transaction after it took its leaves (writing a dead letter throws): it rolls back.
    const ga = group();
    const failing: Candidate = {
      kind: "refusal",
      refusal: { reason: "schema", message: "test" },
      source: { transport: "http", detail: "test" },
      raw: new Uint8Array(0),
      rawSize: 0,
      resolve: () => {
        throw new Error("injected failure");
      },
    };
    const a = commitCandidatesInTurn(db.sql, [...ga, failing], ta).finally(() => ta.ended());
    const b = commitCandidatesInTurn(db.sql, group(), tb).finally(() => tb.ended());
    await expect(a).rejects.toThrow("injected failure");
    const rb = await b;
    expect(rb.forecastHeld).toBe(false);
    const lb = rb.outcomes.map(leafOf);
    expect(lb[0]).toBe(startNext);
    expect(lb.every((l, i) => i === 0 || l === lb[i - 1] + 1)).toBe(true);
    // Nothing of A's is stored, B's readings are, each once.
    const [{ a: aRows }] = await db.sql.query<{ a: number }>(`SELECT count(*)::int AS a FROM reading WHERE seq = $1`, [ga[0].kind === "reading" ? ga[0].reading.seq : -1]);
    expect(aRows).toBe(0);
    const l = await leaves();
    expect(l).toEqual({ n: l.next, lo: 0, hi: l.next - 1, next: startNext + keyed.length });
    await expect(integrate(db.sql, async () => {})).resolves.not.toBeNull();
  });

  it("the intake with two writers stores gateway batches sent at once, each acknowledged with its leaves, in arrival order", async () => {
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 22, threads: 1, writers: 2, maxGroup: 40 });
    try {
      const startNext = (await leaves()).next;
      const base = seq;
      seq += 10;
      // Ten batches of one reading per sensor, sent together: groups of two batches, two in flight.
      const outs = await Promise.all(
        Array.from({ length: 10 }, (_, b) =>
          intake.submitGatewayBatch(bytes(gatewayBatch(gateway, keyed.map((k) => signed(k, base + b + 1)))), { source: { transport: "http", detail: "test" } }),
        ),
      );
      const all = outs.flatMap((o) => o.readings.map(leafOf));
      expect(outs.every((o) => o.refused === null)).toBe(true);
      // Arrival order: batch b's readings before batch b+1's, leaves one after another from the next free one.
      expect(all).toEqual(all.map((_, i) => startNext + i));
      expect(intake.stats().commits).toBeGreaterThan(1);
      const l = await leaves();
      expect(l).toEqual({ n: l.next, lo: 0, hi: l.next - 1, next: startNext + 10 * keyed.length });
    } finally {
      await intake.close();
    }
  });
});
