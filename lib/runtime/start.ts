import type { Config } from "../config";
import { openDb, setDb, type Db } from "../db/client";
import { getCity } from "./city";
import { seedCity } from "./seed";
import { startSimLoop } from "./sim-loop";
import { loadSimulatorKeys } from "./simulator-keys";
import { registerDeviceKeys } from "../devices/register-devices";
import { DEPARTMENTS } from "../city";
import { loadLogKeys } from "../log/keys";
import { httpWitness, inProcessWitness } from "../log/witnesses";
import { parseVerifierKey } from "../ledger/note";
import { createLogPublisher, runEvery } from "../log/log-service";
import { setLogInfo } from "../log/log-info";
import { getBus } from "./bus";
import { startIngest } from "../ingest/start-ingest";
import { trafficAnnouncer } from "../ingest/live-updates";
import { startAccess } from "../access/start-access";
import { ensureSimulatedGateways, loadGatewaySigners, simulatedGateways } from "../devices/simulated-gateways";

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

  // The city log: keys, one witness per department, and the publisher.
  const departments = DEPARTMENTS.map((d) => d.id);
  const keys = await loadLogKeys(config.dataDir, config.LEDGER_ORIGIN, departments);
  const witnesses = [];
  for (const d of departments) {
    const remote = config.REMOTE_WITNESSES.find((w) => w.department === d);
    const k = keys.witnesses[d];
    if (!remote && !k) continue;
    const witness = remote
      ? httpWitness({ department: d, name: parseVerifierKey(remote.verifierKey).name, verifierKey: remote.verifierKey, url: remote.url })
      : await inProcessWitness({ sql: db.sql, department: d, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: config.LEDGER_ORIGIN, verifierKey: keys.log.verifierKey } });
    await db.sql.query(`UPDATE department SET witness_public_key = $2 WHERE id = $1`, [d, witness.verifierKey]);
    witnesses.push(witness);
  }
  const publisher = await createLogPublisher({
    sql: db.sql,
    origin: config.LEDGER_ORIGIN,
    logSignerKey: keys.log.signerKey,
    witnesses,
    intervalMs: config.CHECKPOINT_INTERVAL_MS,
    onCheckpoint: (c) => getBus().emit("checkpoint", c),
    log: opts.log,
  });
  setLogInfo({ origin: config.LEDGER_ORIGIN, logVerifierKey: keys.log.verifierKey, witnesses: witnesses.map((w) => ({ department: w.department, name: w.name, verifierKey: w.verifierKey })), quorum: config.WITNESS_QUORUM ?? Math.floor(witnesses.length / 2) + 1 });
  stops.push(runEvery(config.CHECKPOINT_INTERVAL_MS, publisher.round, (e) => opts.log(`ledger round failed: ${e.message}`)));
  // Signed device intake: verification workers, the MQTT broker (or MQTT_URL), dead letters.
  const ingest = await startIngest({ sql: db.sql, config, onStored: trafficAnnouncer(city), log: opts.log });
  stops.push(ingest.stop);
  // Sign-in, demo users, and the jobs that expire grants, run linkage rules and ledger access events.
  const access = await startAccess({ db, config, log: opts.log });
  stops.push(access.stop);
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
    const sim = simulatedGateways(city);
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
        batchUrl: `http://${httpHost.includes(":") ? `[${httpHost}]` : httpHost}:${config.PORT}/api/ingest/batch`,
        log: opts.log,
      }),
    );
  }
  return {
    db,
    async stop() {
      for (const s of stops.reverse()) await s();
      await db.close();
    },
  };
}
