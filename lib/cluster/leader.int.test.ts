import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADMIN_URL, freshPostgres, postgresProblem, type FreshDb } from "../testing/fresh-database";
import { openLeadership, type Leadership } from "./leader";

const ADMIN_URL = process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
const problem = await postgresProblem(ADMIN_URL);
if (problem) {
  if (process.env.CI === "true") throw new Error(`PostgreSQL at ${ADMIN_URL} not reachable (${problem}): CI requires it`);
  console.warn(`skipping the leadership cases: PostgreSQL at ${ADMIN_URL} not reachable (${problem})`);
}

const until = async (check: () => boolean, ms: number) => {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
};

describe.skipIf(!!problem)("leadership by advisory locks (PostgreSQL)", () => {
  let db: FreshDb;
  const opened: Leadership[] = [];
  beforeAll(async () => {
    db = await freshPostgres(ADMIN_URL, "citybrain_leader");
  });
  afterAll(async () => {
    for (const l of opened) await l.close().catch(() => {});
    await db?.drop();
  });
  const open = async () => {
    const l = await openLeadership({ url: db.url!, pollMs: 100 });
    opened.push(l);
    return l;
  };

  it("runs a role's rounds in one process at a time; a holder whose lock connection is ended gives the role up, and a new term starts", async () => {
    const [a, b] = [await open(), await open()];
    const rounds = { a: 0, b: 0 };
    const terms: string[] = [];
    let running = 0;
    let overlap = false;
    const job = (who: "a" | "b") => async (term: number) => {
      if (terms.at(-1) !== `${who}${term}`) terms.push(`${who}${term}`);
      running++;
      if (running > 1) overlap = true;
      rounds[who]++;
      await new Promise((r) => setTimeout(r, 10));
      running--;
    };
    a.every("ledger", 20, job("a"), () => {});
    b.every("ledger", 20, job("b"), () => {});
    await until(() => a.holds("ledger") || b.holds("ledger"), 2000);
    await new Promise((r) => setTimeout(r, 500));
    expect(a.holds("ledger") && b.holds("ledger")).toBe(false);
    const [holder, other] = a.holds("ledger") ? [a, b] : [b, a];
    const otherName = holder === a ? "b" : "a";
    expect(rounds[otherName]).toBe(0);

    // The holder's lock connection is ended by the server (as when its process dies).
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'city-brain leader' AND datname = current_database() AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`);
    await admin.end();
    // The holder noticed at once and gave the role up; whichever process locks it next starts a new
    // term (the other one, or the old holder again on a new connection, with term 2).
    const ms = await until(() => terms.length >= 2, 3000);
    expect(ms).toBeLessThan(3000);
    const holderName = otherName === "a" ? "b" : "a";
    expect(terms[0]).toBe(`${holderName}1`);
    expect([`${otherName}1`, `${holderName}2`]).toContain(terms[1]);
    expect(overlap).toBe(false);
    expect(other.holds("ledger") !== holder.holds("ledger")).toBe(true);
  });

  it("gives each process its own intake slot, and a freed slot to the next claimant", async () => {
    const [a, b] = [await open(), await open()];
    const sa = await a.claimSlot(8, () => {});
    const sb = await b.claimSlot(8, () => {});
    expect(sa).not.toBeNull();
    expect(sb).not.toBe(sa);
    expect((await a.heldSlots()).sort()).toEqual(expect.arrayContaining([sa, sb]));
    expect(await b.trySlot(sa!, () => {})).toBe(false);
    await a.close();
    expect(await b.trySlot(sa!, () => {})).toBe(true);
  });
});
