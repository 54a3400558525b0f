import type { Config } from "../config";
import { openDb, setDb, type Db } from "../db/client";
import { getCity } from "./city";
import { seedCity } from "./seed";
import { startSimLoop } from "./sim-loop";
import { loadSimulatorKeys } from "./simulator-keys";
import { registerDeviceKeys } from "../devices/register-devices";

export type Runtime = { db: Db; stop(): Promise<void> };

/**
 * Starts everything that shares the console's database in this process: migrations, seed,
 * and the simulator feeding the generated city. Each service stops cleanly with stop().
 */
export async function startRuntime(config: Config, opts: { log: (m: string) => void }): Promise<Runtime> {
  const t0 = Date.now();
  const db = await openDb(config);
  setDb(db);
  opts.log(`database ready (${db.mode}) in ${Date.now() - t0} ms`);
  const city = getCity();
  const { devices } = await seedCity(db, city);
  opts.log(`city "${city.nameEn}" (seed ${city.seed}): ${city.stats.segments} road segments, ${devices} devices`);
  const stops: (() => Promise<void>)[] = [];
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
    stops.push(startSimLoop({ db, city, seed: config.CITY_SEED, intervalMs: config.SIM_INTERVAL_MS, signers, log: opts.log }));
  }
  return {
    db,
    async stop() {
      for (const s of stops.reverse()) await s();
      await db.close();
    },
  };
}
