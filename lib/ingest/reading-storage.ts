import path from "node:path";
import type { Config } from "../config";
import { archiveReadings } from "./archive-readings";
import type { Sql } from "../db/sql";
import type { Leadership } from "../cluster/leader";
import { ensureReadingPartitions } from "./reading-partitions";

const HOUR_MS = 3_600_000;

/**
 * The readings' storage job: makes the day partitions around now at start (and back over
 * `daysBack`, the simulator's backfill), then every hour in the process holding the
 * "reading-storage" role, when it also archives the days past READING_RETENTION_DAYS.
 */
export async function startReadingStorage(opts: { sql: Sql; config: Pick<Config, "dataDir" | "READING_RETENTION_DAYS">; leadership: Leadership; log: (m: string) => void; daysBack?: number }): Promise<() => Promise<void>> {
  const note = (left: string[]) => {
    if (left.length) opts.log(`readings: the days ${left.join(", ")} are kept in reading_default (readings of them were stored before their partition was made)`);
  };
  note(await ensureReadingPartitions(opts.sql, { daysBack: Math.max(1, opts.daysBack ?? 1) }));
  const retention = opts.config.READING_RETENTION_DAYS;
  const round = async () => {
    note(await ensureReadingPartitions(opts.sql));
    if (retention <= 0) return;
    for (const m of await archiveReadings(opts.sql, { retentionDays: retention, dir: path.join(opts.config.dataDir, "archive") }))
      opts.log(`readings: archived ${m.day} (${m.readings} readings, leaves ${m.firstLeaf}..${m.lastLeaf}) to ${m.file}, sha256 ${m.sha256}; its partition dropped`);
  };
  // The first round runs in the background: archiving never holds up the start.
  return opts.leadership.every("reading-storage", HOUR_MS, round, (e) => opts.log(`readings: storage job failed: ${e.message}`));
}
