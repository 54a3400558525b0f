/**
 * Devices that a tool speaks for on a running console (`readings:replay`, `ngsi:bridge`): their
 * Ed25519 keys generated on first use and kept in a local file (mode 0600, never in the
 * repository), and their registration through the console's own API by a department admin.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { signerFromSeed, type DeviceSigner } from "./simulator-keys";
import type { ConsoleSession } from "./console-session";
import { keyFingerprint } from "../devices/device-entry";

/** A local file of device seeds: {"devices": {"<id>": "<base64 32-byte seed>"}}. */
export class DeviceKeyFile {
  private seeds: Record<string, string>;
  private constructor(readonly file: string, seeds: Record<string, string>) {
    this.seeds = seeds;
  }

  /** Opens the file, or starts an empty one (written on the first new key); throws naming the file when it is malformed. */
  static open(file: string): DeviceKeyFile {
    const full = path.resolve(file);
    if (!fs.existsSync(full)) return new DeviceKeyFile(full, {});
    let v: unknown;
    try {
      v = JSON.parse(fs.readFileSync(full, "utf8"));
    } catch (e) {
      throw new Error(`device key file ${full} is unreadable (${(e as Error).message}); restore it from backup`);
    }
    const devices = (v as { devices?: unknown })?.devices;
    if (typeof devices !== "object" || devices === null || Object.values(devices).some((s) => typeof s !== "string" || Buffer.from(s, "base64").length !== 32)) {
      throw new Error(`device key file ${full} is not {"devices": {id: base64 seed}}; restore it from backup`);
    }
    return new DeviceKeyFile(full, { ...(devices as Record<string, string>) });
  }

  has(id: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.seeds, id);
  }

  /** The device's signer, generating and saving a key first when it has none. */
  signer(id: string): DeviceSigner {
    if (!this.has(id)) {
      this.seeds[id] = crypto.randomBytes(32).toString("base64");
      this.save();
    }
    return signerFromSeed(new Uint8Array(Buffer.from(this.seeds[id], "base64")));
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ devices: this.seeds }, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

export type DeviceToRegister = { id: string; departmentId: string; datasetId: string; kind: string; location: [number, number]; segmentId?: string; reason: string };

/**
 * Makes sure each device is registered on the console with the key of the key file: registers
 * it (POST /api/devices, ledgered by the console) when it is not, and checks the registered
 * key's fingerprint when it is. Returns the devices that can be signed for, and a reason for
 * each that cannot (registered with another key, revoked, refused).
 */
export async function ensureDevicesRegistered(
  session: ConsoleSession,
  keys: DeviceKeyFile,
  devices: readonly DeviceToRegister[],
): Promise<{ ready: Map<string, DeviceSigner>; registered: string[]; unusable: Map<string, string> }> {
  const ready = new Map<string, DeviceSigner>();
  const unusable = new Map<string, string>();
  const registered: string[] = [];
  for (const d of devices) {
    const signer = keys.signer(d.id);
    const body = { ...d, publicKey: Buffer.from(signer.publicKey).toString("base64") };
    const r = await session.fetch("/api/devices", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (r.status === 200) {
      registered.push(d.id);
      ready.set(d.id, signer);
      continue;
    }
    const text = await r.text();
    if (r.status !== 409) {
      if (r.status === 401 || r.status === 403) throw new Error(`registering ${d.id}: ${r.status} ${text.slice(0, 200)} (sign in as an admin of department ${d.departmentId})`);
      unusable.set(d.id, `registering it was refused: ${r.status} ${text.slice(0, 200)}`);
      continue;
    }
    const q = await session.fetch(`/api/devices?department=${encodeURIComponent(d.departmentId)}&q=${encodeURIComponent(d.id)}&limit=500`);
    const found = q.status === 200 ? ((await q.json()) as { devices: { id: string; status: string; keyFingerprint: string | null }[] }).devices.find((x) => x.id === d.id) : undefined;
    if (!found) unusable.set(d.id, `it is registered, but not as a device of department ${d.departmentId}`);
    else if (found.keyFingerprint !== keyFingerprint(signer.publicKey)) unusable.set(d.id, `it is registered with another key (fingerprint ${found.keyFingerprint}, this key file's ${keyFingerprint(signer.publicKey)})`);
    else if (found.status !== "active") unusable.set(d.id, `it is ${found.status} on the console`);
    else ready.set(d.id, signer);
  }
  return { ready, registered, unusable };
}

/** An edge gateway's key file: {"gateway": id, "department": id, "seed": base64 32-byte seed} (mode 0600). */
export type GatewayKey = { id: string; departmentId: string; signer: DeviceSigner };

/** Reads a gateway key file; throws naming the file and what is wrong. */
export function readGatewayKeyFile(file: string): GatewayKey {
  const full = path.resolve(file);
  let v: { gateway?: unknown; department?: unknown; seed?: unknown };
  try {
    v = JSON.parse(fs.readFileSync(full, "utf8")) as typeof v;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`gateway key file ${full} cannot be read (${code ?? (e as Error).message})${code === "ENOENT" ? "; make one with --init-gateway" : ""}`);
  }
  if (typeof v?.gateway !== "string" || typeof v.department !== "string" || typeof v.seed !== "string" || Buffer.from(v.seed, "base64").length !== 32) {
    throw new Error(`gateway key file ${full} is not {"gateway": id, "department": id, "seed": base64 32-byte seed}`);
  }
  return { id: v.gateway, departmentId: v.department, signer: signerFromSeed(new Uint8Array(Buffer.from(v.seed, "base64"))) };
}

/**
 * Makes a gateway: a new key written to `file` (refused when it exists) and the gateway
 * registered on the console by the session's department admin (a ledgered device.v1 entry).
 */
export async function createGatewayKeyFile(session: ConsoleSession, file: string, g: { id: string; departmentId: string; location: [number, number] }): Promise<GatewayKey> {
  const full = path.resolve(file);
  if (fs.existsSync(full)) throw new Error(`gateway key file ${full} exists; a gateway's key is made once`);
  const seed = crypto.randomBytes(32);
  const signer = signerFromSeed(new Uint8Array(seed));
  const body = { id: g.id, departmentId: g.departmentId, datasetId: "*", kind: "gateway", location: g.location, publicKey: Buffer.from(signer.publicKey).toString("base64"), reason: "NGSI-LD bridge (ngsi:bridge)" };
  // The key is on disk before the console knows it, so a registered gateway never lacks its key.
  fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o700 });
  fs.writeFileSync(full, JSON.stringify({ gateway: g.id, department: g.departmentId, seed: seed.toString("base64") }, null, 1), { mode: 0o600, flag: "wx" });
  const r = await session.fetch("/api/devices", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (r.status !== 200) {
    fs.rmSync(full);
    throw new Error(`registering gateway ${g.id}: ${r.status} ${(await r.text()).slice(0, 300)}`);
  }
  return { id: g.id, departmentId: g.departmentId, signer };
}
