import { startReadingStorage } from "../ingest/reading-storage";
import fs from "node:fs";
import type { Config } from "../config";
import { openDb, setDb, type Db } from "../db/client";
import { startEmbeddedMaintenance } from "../db/maintenance";
import type { SqlTx } from "../db/sql";
import { getCity } from "../city/current-city";
import { seedCity } from "./seed";
import { startSimLoop } from "./sim-loop";
import { openSimBackfill } from "./sim-backfill";
import { BACKFILL_MAX_SLOTS_PER_TICK, setBackfillProgress } from "../sim";
import { loadSimulatorKeys } from "../sim/simulator-keys";
import { registerDeviceKeys } from "../devices/register-devices";
import { startLog } from "../ledger-store/start-log";
import { startIngest } from "../ingest/start-ingest";
import { startAccess } from "../access/start-access";
import { startMapRollup } from "../map/start-map";
import { openLeadership, soleLeadership, withStartupLock, type Leadership } from "../cluster/leader";
import { foldCommit } from "../map/rollup";
import { getBus } from "../events/bus";
import { startNgsiNotifier } from "../ngsi/notifier";
import { ensureSimulatedGateways, loadGatewaySigners, simulatedGateways, simulatorConnectionBudget } from "../devices/simulated-gateways";

export type Runtime = { db: Db; leadership: Leadership; stop(): Promise<void> };

/**
 * Starts everything that shares the console's database in this process: migrations, seed,
 * the city log and its witnesses, signed intake, sign-in and grant jobs, and the simulator
 * feeding the generated city. Each service stops cleanly with stop(), in reverse order.
 */
export async function startRuntime(config: Config, opts: { log: (m: string) => void }): Promise<Runtime> {
  // On PostgreSQL several console processes may share the database (README "Many processes"):
  // they start one at a time, and the singleton jobs go to one of them at a time (leader.ts).
  if (!config.DATABASE_URL) return startServices(config, opts, soleLeadership());
  const leadership = await openLeadership({
    url: config.DATABASE_URL,
    log: opts.log,
    onChange: (role, held) => opts.log(`${held ? "now runs" : "no longer runs"} ${role}`),
  });
  try {
    return await withStartupLock(config.DATABASE_URL, () => startServices(config, opts, leadership));
  } catch (e) {
    await leadership.close();
    throw e;
  }
}

async function startServices(config: Config, opts: { log: (m: string) => void }, leadership: Leadership): Promise<Runtime> {
  const t0 = Date.now();
  const db = await openDb(config);
  setDb(db);
  opts.log(`database ready (${db.mode}) in ${Date.now() - t0} ms`);
  const city = getCity();
  // The simulated devices were installed before the first start: their backfilled history
  // (SIM_BACKFILL_HOURS) is not dated before their registration.
  const backfillHours = config.SIM_ENABLED ? config.SIM_BACKFILL_HOURS : 0;
  const { devices } = await seedCity(db, city, { installedAt: new Date(Date.now() - backfillHours * 3_600_000 - 60_000) });
  opts.log(`city "${city.nameEn}" (seed ${city.seed}): ${city.stats.segments} road segments, ${devices} devices`);
  const stops: (() => Promise<void>)[] = [];
  // The readings' day partitions: the days around now (and the simulator's backfill) made
  // ahead, then kept ahead (and old days archived past READING_RETENTION_DAYS) every hour.
  stops.push(await startReadingStorage({ sql: db.sql, config, leadership, log: opts.log, daysBack: backfillHours / 24 }));
  // Live events between every process on this database (PostgreSQL LISTEN/NOTIFY), this one included.
  stops.push(await getBus().connect(db.sql));
  // The embedded database's vacuum and planner statistics (PGlite has no autovacuum).
  stops.push(startEmbeddedMaintenance({ sql: db.sql, every: (ms, fn, onError) => leadership.every("db-maintenance", ms, fn, onError), log: opts.log }));

  // The city log: keys, one witness per department, and the publisher.
  stops.push(await startLog({ db, config, log: opts.log, leadership }));
  // Signed device intake: verification workers, the MQTT broker (or MQTT_URL), dead letters.
  // Each commit folds its readings into the map's rollup in its own transaction and
  // publishes one map-update on the bus (lib/map/rollup.ts foldCommit).
  const onCommit = async (tx: SqlTx, stored: readonly { device: string }[], first: number) => void (await foldCommit(tx, city, first + stored.length - 1, stored.length, stored.map((r) => r.device)));
  const ingest = await startIngest({ sql: db.sql, config, onCommit, cluster: db.mode === "server" ? leadership : undefined, log: opts.log });
  stops.push(ingest.stop);
  // The map's rollup backlog (readings no commit folded: after a restart, a new city model).
  stops.push(startMapRollup({ sql: db.sql, city, log: opts.log, leadership }));
  // Sign-in, demo users, and the jobs that expire grants, run linkage rules and ledger access events.
  const access = await startAccess({ db, config, log: opts.log, leadership });
  stops.push(access.stop);
  // NGSI-LD notifications: every process hears map updates, the ngsi-notify role's holder sends.
  stops.push(startNgsiNotifier({ sql: db.sql, bus: getBus(), leadership, log: opts.log, origin: config.AUTH_URL }).stop);
  if (config.SIM_ENABLED) {
    const signers = await loadSimulatorKeys(config.dataDir, city.devices.map((d) => d.id));
    const unkeyed = await db.sql.query<{ id: string }>(`SELECT id FROM device WHERE public_key IS NULL`);
    const regs = unkeyed.flatMap(({ id }) => {
      const s = signers.get(id);
      return s ? [{ device: id, publicKey: s.publicKey }] : [];
    });
    if (regs.length) {
      await registerDeviceKeys(db.sql, regs);
      opts.log(`registered ${regs.length} simulated device keys on the ledger`);
    }
    const sim = simulatedGateways(city, { maxDirect: simulatorConnectionBudget() });
    const gatewaySigners = await loadGatewaySigners(config.dataDir, sim.gateways.map((g) => g.id));
    const gw = await ensureSimulatedGateways(db.sql, sim.gateways, gatewaySigners);
    if (gw) opts.log(`registered ${gw} simulated edge gateway keys on the ledger`);
    const httpHost = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
    stops.push(
      startSimLoop({
        city,
        seed: config.CITY_SEED,
        intervalMs: config.SIM_INTERVAL_MS,
        signers,
        gateways: { gatewayOf: sim.gatewayOf, signers: gatewaySigners },
        mqttUrl: ingest.mqttUrl,
        mqttCa: ingest.mqttCa,
        batchUrl: `${config.TLS_CERT ? "https" : "http"}://${httpHost.includes(":") ? `[${httpHost}]` : httpHost}:${config.PORT}/api/ingest/batch`,
        batchCa: config.TLS_CERT ? fs.readFileSync(config.TLS_CERT, "utf8") : undefined,
        log: opts.log,
        // History from the first minute, after the first map's readings are in (lib/sim/backfill.ts).
        backfill: backfillHours > 0
          ? { delayMs: config.SIM_BACKFILL_DELAY_S * 1000, maxSlots: BACKFILL_MAX_SLOTS_PER_TICK, open: () => openSimBackfill({ sql: db.sql, city, seed: config.CITY_SEED, hours: backfillHours, log: opts.log }) }
          : undefined,
      }),
    );
  }
  setBackfillProgress({ state: backfillHours > 0 ? "waiting" : "off", hours: backfillHours, total: 0, sent: 0, from: null, to: null, reachedBack: null });
  return {
    db,
    leadership,
    async stop() {
      for (const s of stops.reverse()) await s();
      // The jobs have stopped: the roles are freed for the other processes.
      await leadership.close();
      await db.close();
    },
  };
}
