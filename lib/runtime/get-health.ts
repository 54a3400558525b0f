import { getDb } from "../db/client";

const started = Date.now();

export async function getHealth() {
  const db = await getDb();
  await db.sql.query("SELECT 1");
  return { status: "ok" as const, database: db.mode, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
}
