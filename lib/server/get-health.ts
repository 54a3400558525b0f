import { getDb } from "../db/client";
import { backfillProgress } from "../sim/backfill";

const started = Date.now();

export async function getHealth() {
  const db = await getDb();
  await db.sql.query("SELECT 1");
  return { status: "ok" as const, database: db.mode, uptimeSeconds: Math.round((Date.now() - started) / 1000), backfill: backfillProgress() };
}
