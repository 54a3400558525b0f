import crypto from "node:crypto";
import type { CityModel, Device } from "../city/types";
import type { Sql } from "../db/sql";
import { loadOrCreateSecret } from "../secrets";
import { signerFromSeed, type DeviceSigner } from "../sim/simulator-keys";
import { GATEWAY_DATASET, unsafeRegisterNewDevices } from "./register-device";
import { unsafeRotateDeviceKey } from "./change-device-key";
import { fileDescriptors } from "../ops/file-descriptors";

/**
 * How many simulated devices may hold their own connection in this process: half of three
 * quarters of its descriptor limit (a connection is two descriptors here, the device's and the
 * broker's), the last quarter left to the database's files, the workers and browsers' requests.
 * No bound where the limit cannot be read.
 */
export function simulatorConnectionBudget(fds = fileDescriptors()): number | undefined {
  return fds ? Math.floor((fds.limit * 0.75) / 2) : undefined;
}

/** An edge gateway of the simulated city: one per department in every other district. */
export type SimGateway = { id: string; departmentId: string; districtId: string; location: [number, number] };

/**
 * The simulated gateways and which gateway (if any) each device sends through: every other
 * district's devices through a gateway, the others each on its own MQTT connection. With
 * `maxDirect`, more districts (in order) send through gateways until at most that many devices
 * connect on their own: each such device holds a TLS connection to the embedded broker in the
 * console's own process, two file descriptors, and at size 10 about 10,000 of them exhausted the
 * process's 20,000 (EMFILE for connects, then for the database's files and browsers' requests).
 */
export function simulatedGateways(city: CityModel, opts: { maxDirect?: number } = {}): { gateways: SimGateway[]; gatewayOf: (d: Device) => string | null } {
  const viaGateway = new Set(city.districts.filter((_, i) => i % 2 === 1).map((d) => d.id));
  if (opts.maxDirect !== undefined) {
    const perDistrict = new Map<string, number>();
    for (const d of city.devices) perDistrict.set(d.districtId, (perDistrict.get(d.districtId) ?? 0) + 1);
    let direct = city.devices.filter((d) => !viaGateway.has(d.districtId)).length;
    for (const district of city.districts) {
      if (direct <= opts.maxDirect) break;
      if (viaGateway.has(district.id)) continue;
      viaGateway.add(district.id);
      direct -= perDistrict.get(district.id) ?? 0;
    }
  }
  const byKey = new Map<string, SimGateway>();
  for (const d of [...city.devices].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (!viaGateway.has(d.districtId)) continue;
    const key = `${d.departmentId}/${d.districtId}`;
    if (byKey.has(key)) continue;
    const district = city.districts.find((x) => x.id === d.districtId)!;
    byKey.set(key, { id: `gw-${d.departmentId}-${d.districtId}`, departmentId: d.departmentId, districtId: d.districtId, location: district.labelPoint });
  }
  const gateways = [...byKey.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return { gateways, gatewayOf: (d) => byKey.get(`${d.departmentId}/${d.districtId}`)?.id ?? null };
}

/**
 * The simulated gateways' signers. Like the devices' keys they belong to the simulator,
 * not the console: one master secret in DATA_DIR/secrets/simulator-gateways.json, and each
 * gateway's seed is HMAC-SHA256(master, gateway id), so gateways added later get keys too.
 */
export async function loadGatewaySigners(dataDir: string, ids: readonly string[]): Promise<Map<string, DeviceSigner>> {
  const { master } = await loadOrCreateSecret<{ master: string }>(
    dataDir,
    "simulator-gateways",
    async () => ({ master: crypto.randomBytes(32).toString("base64") }),
    (v) => {
      if (typeof (v as { master?: unknown })?.master !== "string") throw new Error("no master");
      return v as { master: string };
    },
  );
  const key = Buffer.from(master, "base64");
  return new Map(ids.map((id) => [id, signerFromSeed(new Uint8Array(crypto.createHmac("sha256", key).update(id).digest()))]));
}

/** Registers the simulated gateways that are not registered yet (ledgered), and re-keys any whose key changed. */
export async function ensureSimulatedGateways(sql: Sql, gateways: readonly SimGateway[], signers: Map<string, DeviceSigner>): Promise<number> {
  const rows = await sql.query<{ id: string; public_key: Uint8Array | null; status: string }>(`SELECT id, public_key, status FROM device WHERE id = ANY($1::text[])`, [
    gateways.map((g) => g.id),
  ]);
  const have = new Map(rows.map((r) => [r.id, r]));
  const missing = gateways.filter((g) => !have.has(g.id) && signers.has(g.id));
  await unsafeRegisterNewDevices(
    sql,
    missing.map((g) => ({ id: g.id, departmentId: g.departmentId, datasetId: GATEWAY_DATASET, kind: "gateway" as const, location: g.location, publicKey: signers.get(g.id)!.publicKey, reason: "simulated edge gateway" })),
  );
  let changed = missing.length;
  for (const g of gateways) {
    const row = have.get(g.id);
    const s = signers.get(g.id);
    if (!row || !s || row.status === "revoked") continue;
    if (!row.public_key || !Buffer.from(row.public_key).equals(Buffer.from(s.publicKey))) {
      await unsafeRotateDeviceKey(sql, { device: g.id, publicKey: s.publicKey, reason: "simulator gateway key changed" });
      changed++;
    }
  }
  return changed;
}
