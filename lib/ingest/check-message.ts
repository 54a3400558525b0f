// Every check a message passes before the storage transaction, as pure functions of the
// message bytes, the console's clock, a device lookup and a signature check. The intake runs
// them on worker threads (check-worker.ts, with a copy of the device registry) and, for a
// device the worker does not know yet or when no worker runs, on its own thread after
// looking the device up in the database. Same code, same refusals, either way.
import { fromBase64, toHex } from "../ledger/encoding";
import type { DeviceInfo } from "./device-cache";
import { envelopeBytes, isRefusal, MAX_CLOCK_SKEW_MS, parseJsonBytes, parseSignedEnvelope, payloadHashOf, payloadHashOfJson, scratchUtf8, type ParsedReading } from "./envelope";
import { fastEnvelopeJson } from "./reading-encoding";
import { batchRootOf, GatewayBatchShape, gatewayStatementBytes } from "./gateway";
import type { GatewayProof } from "./reading-encoding";
import { sampleIndices, type GatewaySample } from "./gateway-sample";
import { refuse, type Refusal } from "./refusal";
import { prepareReadingRows, type AcceptedReading, type StorableReading } from "./store-readings";
import { checkValues } from "./values-schema";

/**
 * What the transport knows (for MQTT, the department and dataset of the topic) and, for a
 * gateway batch, which share of its readings' device signatures to check (gateway-sample.ts;
 * without it, one reading per batch).
 */
export type CheckContext = { topicDepartment?: string; topicDataset?: string; gatewaySample?: GatewaySample };

export type CheckEnv = {
  /** The console's clock (ms) when the message arrived. */
  now: number;
  /** The device as known here: its info, null when it is known not to exist, undefined when this side cannot tell (ask the database). */
  device(id: string): DeviceInfo | null | undefined;
  /** Ed25519: does `signature` over `message` verify with the 32-byte `key`? */
  verify(device: string, key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * The keys a device held before its current one (rotated or revoked), where this side knows
   * them (the intake's thread, after a sampled gateway reading failed on a worker); undefined
   * on the workers.
   */
  formerKeys?: (device: string) => readonly Uint8Array[];
  /**
   * false: an accepted reading comes without its prepared rows, which the caller writes
   * (a check worker writes them straight into the buffer it transfers, batch-transfer.ts).
   */
  prepareRows?: boolean;
};

/** Devices this side did not know: look them up and check again. */
export type NeedsLookup = { kind: "lookup"; ids: string[] };

/** A single reading checked: ready to store, refused (with the device and department it named), or waiting for a lookup. */
export type CheckedReading =
  | { kind: "reading"; reading: StorableReading; key: Uint8Array; deviceId: string; departmentId: string }
  | { kind: "refusal"; refusal: Refusal; deviceId: string | null; departmentId?: string }
  | NeedsLookup;

/** One reading of an accepted gateway batch. */
export type BatchItem = { kind: "reading"; reading: StorableReading } | { kind: "refusal"; refusal: Refusal; device: string };

/** A gateway batch checked: refused whole, accepted with one item per reading, or waiting for a lookup. */
export type CheckedBatch =
  | { kind: "whole"; refusal: Refusal; gateway: string | null; departmentId?: string; quarantine?: { index: number; device: string } }
  | { kind: "batch"; gateway: string; departmentId: string; root: Uint8Array; signature: Uint8Array; payloadHashes: Uint8Array[]; items: BatchItem[] }
  | NeedsLookup;

/** Checks a device may send: known, with an active key. */
export function deviceRefusal(id: string, dev: DeviceInfo | null): Refusal | null {
  if (!dev) return { ...refuse("unknown_device", `device ${JSON.stringify(id)} is not registered`, "device"), device: id };
  if (dev.status !== "active") return { ...refuse("revoked_key", `the key of device ${id} was revoked`, "device"), device: id, department: dev.departmentId };
  if (!dev.publicKey) return { ...refuse("unknown_device", `device ${id} has no registered key`, "device"), device: id, department: dev.departmentId };
  return null;
}

/** Readings cannot be observed before 2000-01-01 (no device of the city's predates it). */
export const EARLIEST_OBSERVATION_MS = Date.parse("2000-01-01T00:00:00.000Z");

/**
 * A reading dated before 2000 (before_2000) or before its device was registered, allowing the
 * same clock skew as for future timestamps (before_registration), or null.
 */
export function earlyRefusal(observedAt: string, dev: Pick<DeviceInfo, "registeredAt" | "id">, t = Date.parse(observedAt)): Refusal | null {
  if (t < EARLIEST_OBSERVATION_MS) return refuse("before_2000", `observedAt ${observedAt} is before 2000-01-01`, "observedAt");
  if (dev.registeredAt !== undefined && t < dev.registeredAt - MAX_CLOCK_SKEW_MS) {
    return refuse("before_registration", `observedAt ${observedAt} is before device ${dev.id} was registered (${new Date(dev.registeredAt).toISOString()})`, "observedAt");
  }
  return null;
}

/** The checks shared by single readings and gateway-batched ones, once the device is known. */
function contentRefusal(p: ParsedReading, dev: DeviceInfo, ctx: CheckContext, departmentOf: string): Refusal | null {
  const e = p.envelope;
  const who = { device: e.device, department: dev.departmentId };
  if (e.dataset !== dev.datasetId) return { ...refuse("schema", `device ${e.device} writes dataset ${dev.datasetId}, not ${e.dataset}`, "dataset"), ...who };
  if (ctx.topicDataset !== undefined && ctx.topicDataset !== e.dataset) {
    return { ...refuse("schema", `topic is for dataset ${ctx.topicDataset} but the reading is for ${e.dataset}`, "topic"), ...who };
  }
  if (dev.departmentId !== departmentOf) return { ...refuse("schema", `device ${e.device} belongs to department ${dev.departmentId}, not ${departmentOf}`, "topic"), ...who };
  const early = earlyRefusal(e.observedAt, dev, p.observedMs);
  if (early) return { ...early, ...who };
  const bad = checkValues(e.dataset, e.values);
  return bad ? { ...bad, ...who } : null;
}

/** An accepted reading of one fixed shape (no spread of the envelope), with the signature's text as it came. */
function acceptedReading(p: ParsedReading, payloadHash: Uint8Array, gateway: GatewayProof | undefined): AcceptedReading {
  const e = p.envelope;
  return { device: e.device, dataset: e.dataset, seq: e.seq, observedAt: e.observedAt, location: e.location, values: e.values, payloadHash, signature: p.signature, signatureText: p.signatureText, gateway };
}

const claimedDevice = (value: unknown): string | null => {
  const d = (value as { device?: unknown } | null)?.device;
  return typeof d === "string" ? d.slice(0, 256) : null;
};

/**
 * One signed reading (JSON bytes; the caller checked its size): parsed, its envelope and
 * values checked against the device and its dataset, its signature verified, and its rows
 * prepared for storage (prepareReadingRows, unless env.prepareRows is false).
 */
export function checkSignedReading(raw: Uint8Array, ctx: CheckContext, env: CheckEnv): CheckedReading {
  const parsed = parseJsonBytes(raw);
  if (isRefusal(parsed)) return { kind: "refusal", refusal: parsed, deviceId: null };
  const claimed = claimedDevice(parsed.value);
  const p = parseSignedEnvelope(parsed.value, env.now);
  if (isRefusal(p)) return { kind: "refusal", refusal: p, deviceId: claimed };
  const e = p.envelope;
  const dev = env.device(e.device);
  if (dev === undefined) return { kind: "lookup", ids: [e.device] };
  const no = deviceRefusal(e.device, dev) ?? contentRefusal(p, dev!, ctx, ctx.topicDepartment ?? dev!.departmentId);
  if (no) return { kind: "refusal", refusal: no, deviceId: claimed, departmentId: dev?.departmentId };
  const key = dev!.publicKey!;
  // The canonical bytes where they are written (scratchUtf8), verified and hashed there.
  const text = fastEnvelopeJson(e);
  let bytes: Uint8Array;
  try {
    bytes = text !== null ? scratchUtf8(text) : envelopeBytes(e);
  } catch (err) {
    return { kind: "refusal", refusal: refuse("schema", `the envelope has no canonical JSON form: ${(err as Error).message}`), deviceId: claimed, departmentId: dev!.departmentId };
  }
  if (!env.verify(e.device, key, bytes, p.signature)) {
    const refusal = { ...refuse("bad_signature", `the signature does not verify with device ${e.device}'s registered key`, "signature"), device: e.device, department: dev!.departmentId };
    return { kind: "refusal", refusal, deviceId: claimed, departmentId: dev!.departmentId };
  }
  const reading = acceptedReading(p, payloadHashOf(bytes), undefined);
  if (env.prepareRows !== false) reading.prepared = prepareReadingRows(reading);
  return { kind: "reading", reading, key, deviceId: e.device, departmentId: dev!.departmentId };
}

/**
 * A gateway batch (JSON bytes; the caller checked its size). The batch is refused whole when
 * it is malformed, any reading's envelope is malformed (the root cannot be recomputed), the
 * root differs or the gateway's signature does not verify; otherwise each reading is
 * accepted or refused on its own (device, dataset, values, time).
 */
export function checkGatewayBatch(raw: Uint8Array, ctx: CheckContext, env: CheckEnv): CheckedBatch {
  const whole = (refusal: Refusal, gateway: string | null, departmentId?: string): CheckedBatch => ({ kind: "whole", refusal, gateway, departmentId });
  const parsed = parseJsonBytes(raw);
  if (isRefusal(parsed)) return whole(parsed, null);
  const shape = GatewayBatchShape.safeParse(parsed.value);
  const claimed = typeof (parsed.value as { gateway?: unknown })?.gateway === "string" ? ((parsed.value as { gateway: string }).gateway).slice(0, 256) : null;
  if (!shape.success) {
    const issue = shape.error.issues[0];
    if (issue.code === "unrecognized_keys") return whole(refuse("unknown_field", `${issue.keys[0]} is not a member of a gateway batch (gateway, batchRoot, signature, readings)`, issue.keys[0]), claimed);
    const path = issue.path.map(String).join(".") || "(root)";
    return whole(refuse("schema", `gateway batch ${path}: ${issue.message}`, path), claimed);
  }
  const w = shape.data;
  const gw = env.device(w.gateway);
  if (gw === undefined) return { kind: "lookup", ids: [w.gateway] };
  const gwNo = deviceRefusal(w.gateway, gw);
  if (gwNo) return whole(gwNo, w.gateway, gw?.departmentId);
  const g = gw!;
  if (g.kind !== "gateway") return whole(refuse("unknown_device", `device ${w.gateway} is a ${g.kind}, not a gateway`, "gateway"), w.gateway, g.departmentId);
  if (ctx.topicDepartment !== undefined && ctx.topicDepartment !== g.departmentId) {
    return whole(refuse("schema", `gateway ${w.gateway} belongs to department ${g.departmentId}, not ${ctx.topicDepartment} of the topic`, "topic"), w.gateway, g.departmentId);
  }
  if (g.quarantined) {
    return whole(refuse("gateway_quarantined", `gateway ${w.gateway} is quarantined: it carried a reading whose device signature did not verify; its batches are refused until an admin releases it`, "gateway"), w.gateway, g.departmentId);
  }
  let gwSig: Uint8Array;
  try {
    gwSig = fromBase64(w.signature);
  } catch (e) {
    return whole(refuse("schema", `signature must be canonical base64: ${(e as Error).message}`, "signature"), w.gateway, g.departmentId);
  }
  // Every reading must have a well-formed envelope, or the batch root cannot be recomputed.
  // Its canonical bytes are hashed where they are written (payloadHashOfJson); only the sampled
  // readings' are made again, for their signatures.
  const n = w.readings.length;
  const parsedReadings: ParsedReading[] = new Array(n);
  const devs: (DeviceInfo | null | undefined)[] = new Array(n);
  const hashes: Uint8Array[] = new Array(n);
  const unknown = new Set<string>();
  for (let i = 0; i < n; i++) {
    const p = parseSignedEnvelope(w.readings[i], Number.POSITIVE_INFINITY);
    if (isRefusal(p)) {
      const path = `readings.${i}${p.path && p.path !== "(root)" ? `.${p.path}` : ""}`;
      return whole({ ...p, path, message: `readings[${i}]: ${p.message}` }, w.gateway, g.departmentId);
    }
    const text = fastEnvelopeJson(p.envelope);
    if (text !== null) hashes[i] = payloadHashOfJson(text);
    else {
      try {
        hashes[i] = payloadHashOf(envelopeBytes(p.envelope));
      } catch (e) {
        return whole(refuse("schema", `readings[${i}] has no canonical JSON form: ${(e as Error).message}`, `readings.${i}`), w.gateway, g.departmentId);
      }
    }
    const dev = env.device(p.envelope.device);
    if (dev === undefined) unknown.add(p.envelope.device);
    parsedReadings[i] = p;
    devs[i] = dev;
  }
  const root = batchRootOf(hashes);
  if (toHex(root) !== w.batchRoot) {
    return whole(refuse("bad_gateway_signature", `batchRoot ${w.batchRoot} is not the root over the batch's readings (${toHex(root)})`, "batchRoot"), w.gateway, g.departmentId);
  }
  if (gwSig.length !== 64 || !env.verify(w.gateway, g.publicKey!, gatewayStatementBytes(w.gateway, root), gwSig)) {
    return whole(refuse("bad_gateway_signature", `the batch signature does not verify with gateway ${w.gateway}'s registered key`, "signature"), w.gateway, g.departmentId);
  }
  if (unknown.size) return { kind: "lookup", ids: [...unknown] };

  // The gateway vouches for its devices' signatures: check a secret-keyed sample of them (every
  // one while the gateway is under suspicion). One that does not verify quarantines the gateway
  // and refuses the whole batch: none of what it carried can be trusted.
  const suspect = g.suspectUntil !== undefined && env.now < g.suspectUntil;
  const sample = ctx.gatewaySample ?? { rate: 0, key: new Uint8Array(32) };
  const checked = suspect ? parsedReadings.map((_, i) => i) : sampleIndices(sample, root, parsedReadings.length);
  // Sampled readings signed with a key their device held before (rotated while the reading
  // waited at the gateway): no tampering, refused as revoked_key one by one.
  const stale = new Set<number>();
  for (const i of checked) {
    const e = parsedReadings[i].envelope;
    const dev = devs[i];
    // Unknown or keyless devices are refused reading by reading below.
    if (!dev || !dev.publicKey || dev.status !== "active") continue;
    const bytes = envelopeBytes(e);
    if (!env.verify(e.device, dev.publicKey, bytes, parsedReadings[i].signature)) {
      if (env.formerKeys?.(e.device).some((k) => env.verify(e.device, k, bytes, parsedReadings[i].signature))) {
        stale.add(i);
        continue;
      }
      const refusal = refuse(
        "gateway_quarantined",
        `readings[${i}] (device ${e.device}, seq ${e.seq}) carries a device signature that does not verify: gateway ${w.gateway} is quarantined and the batch refused whole`,
        `readings.${i}.signature`,
      );
      return { kind: "whole", refusal, gateway: w.gateway, departmentId: g.departmentId, quarantine: { index: i, device: e.device } };
    }
  }

  const proof = { device: w.gateway, batchRoot: root, signature: gwSig };
  const items: BatchItem[] = [];
  for (let i = 0; i < parsedReadings.length; i++) {
    const p = parsedReadings[i];
    const e = p.envelope;
    if (p.observedMs > env.now + MAX_CLOCK_SKEW_MS) {
      items.push({ kind: "refusal", device: e.device, refusal: refuse("future_timestamp", `observedAt ${e.observedAt} is more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the console's clock`, "observedAt") });
      continue;
    }
    if (stale.has(i)) {
      items.push({ kind: "refusal", device: e.device, refusal: refuse("revoked_key", `readings[${i}] was signed with a former key of device ${e.device} (rotated or revoked)`, "signature") });
      continue;
    }
    const dev = devs[i] ?? null;
    const no = deviceRefusal(e.device, dev) ?? contentRefusal(p, dev!, {}, g.departmentId);
    if (no) {
      items.push({ kind: "refusal", device: e.device, refusal: no });
      continue;
    }
    const reading = acceptedReading(p, hashes[i], proof);
    if (env.prepareRows !== false) reading.prepared = prepareReadingRows(reading);
    items.push({ kind: "reading", reading });
  }
  return { kind: "batch", gateway: w.gateway, departmentId: g.departmentId, root, signature: gwSig, payloadHashes: hashes, items };
}
