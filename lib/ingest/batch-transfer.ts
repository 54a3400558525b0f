// How a check worker hands a checked gateway batch to the intake's thread: one byte buffer,
// transferred (not copied), with offsets, instead of an object graph per reading. The intake's
// thread needs of an accepted reading only what the storage transaction reads (device, seq,
// payload hash and the rows prepared on the worker: PreparedReading); the envelope's other
// fields are already in those rows. Cloning thousands of small objects and byte views per
// batch, and collecting them after they waited for the commit, cost the console more CPU per
// reading than its checks (bench:ingest's profile, README "The cost of a reading").
import type { CheckedBatch } from "./check-message";
import type { Refusal } from "./refusal";
import type { PreparedReading } from "./store-readings";
import type { NewEntry } from "../ledger-store/append-entries";

/** Byte segments kept per accepted reading, in this order. */
const SEGMENTS = 6; // entry bytes, leaf COPY text, reading COPY text, opening salt, opening entry, opening COPY text
const HASH = 32;

/** An accepted gateway batch as it crosses from a check worker (packBatch) to the intake's thread (unpackBatch). */
export type PackedBatch = {
  kind: "packed";
  gateway: string;
  departmentId: string;
  /** root (32) | gateway signature | payload hashes (32 per reading) | the accepted readings' segments */
  buf: Uint8Array;
  sigLength: number;
  /** Readings in the batch (accepted or refused). */
  n: number;
  /** Per reading: its index among the accepted ones, or -1 when refused. */
  accepted: Int32Array;
  /** Per accepted reading: its device, seq and entry kind. */
  devices: string[];
  seqs: Float64Array;
  kinds: string[];
  /** Per accepted reading, SEGMENTS + 1 boundaries in buf (the next reading starts where one ends). */
  offs: Uint32Array;
  /** The refused readings, by index. */
  refused: { i: number; device: string; refusal: Refusal }[];
};

/**
 * Packs an accepted batch into one buffer (the caller transfers `buf.buffer`); null when a
 * reading has no prepared rows or a leaf not of the reading's own (refTable "reading",
 * refId device:seq): such a batch goes as it is.
 */
export function packBatch(b: CheckedBatch & { kind: "batch" }): PackedBatch | null {
  const n = b.items.length;
  if (b.payloadHashes.length !== n) return null;
  const accepted = new Int32Array(n).fill(-1);
  const devices: string[] = [];
  const seqs: number[] = [];
  const kinds: string[] = [];
  const refused: PackedBatch["refused"] = [];
  const segs: Uint8Array[] = [];
  const empty = new Uint8Array(0);
  let total = HASH + b.signature.length + HASH * n;
  for (let i = 0; i < n; i++) {
    const it = b.items[i];
    if (it.kind === "refusal") {
      refused.push({ i, device: it.device, refusal: it.refusal });
      continue;
    }
    const r = it.reading;
    const p = r.prepared;
    if (!p || p.entry.refTable !== "reading" || p.entry.refId !== `${r.device}:${r.seq}` || !p.entry.copy || (p.entry.opening && !p.entry.opening.copy)) return null;
    if (b.payloadHashes[i].length !== HASH) return null;
    accepted[i] = devices.length;
    devices.push(r.device);
    seqs.push(r.seq);
    kinds.push(p.entry.kind);
    const o = p.entry.opening;
    segs.push(p.entry.bytes, p.entry.copy, p.readingCopy, o?.salt ?? empty, o?.entry ?? empty, o?.copy ?? empty);
    for (let k = segs.length - SEGMENTS; k < segs.length; k++) total += segs[k].length;
  }
  const buf = new Uint8Array(total);
  buf.set(b.root, 0);
  buf.set(b.signature, HASH);
  let at = HASH + b.signature.length;
  for (const h of b.payloadHashes) {
    buf.set(h, at);
    at += HASH;
  }
  const offs = new Uint32Array(devices.length * SEGMENTS + 1);
  for (let k = 0; k < segs.length; k++) {
    offs[k] = at;
    buf.set(segs[k], at);
    at += segs[k].length;
  }
  offs[segs.length] = at;
  return { kind: "packed", gateway: b.gateway, departmentId: b.departmentId, buf, sigLength: b.signature.length, n, accepted, devices, seqs: Float64Array.from(seqs), kinds, offs, refused };
}

/** The batch again, with each accepted reading as a PreparedReading whose bytes are views on the one buffer. */
export function unpackBatch(p: PackedBatch): CheckedBatch & { kind: "batch" } {
  const { buf, offs } = p;
  const view = (from: number, to: number) => buf.subarray(from, to);
  const root = view(0, HASH);
  const signature = view(HASH, HASH + p.sigLength);
  const hashesAt = HASH + p.sigLength;
  const payloadHashes: Uint8Array[] = new Array(p.n);
  for (let i = 0; i < p.n; i++) payloadHashes[i] = view(hashesAt + HASH * i, hashesAt + HASH * (i + 1));
  const items: (CheckedBatch & { kind: "batch" })["items"] = new Array(p.n);
  for (const r of p.refused) items[r.i] = { kind: "refusal", device: r.device, refusal: r.refusal };
  for (let i = 0; i < p.n; i++) {
    const j = p.accepted[i];
    if (j < 0) continue;
    const s = j * SEGMENTS;
    const device = p.devices[j];
    const seq = p.seqs[j];
    const entry: NewEntry = { kind: p.kinds[j], bytes: view(offs[s], offs[s + 1]), refTable: "reading", refId: `${device}:${seq}`, copy: view(offs[s + 1], offs[s + 2]) };
    if (offs[s + 3] < offs[s + 6]) entry.opening = { salt: view(offs[s + 3], offs[s + 4]), entry: view(offs[s + 4], offs[s + 5]), copy: view(offs[s + 5], offs[s + 6]) };
    const reading: PreparedReading = { device, seq, payloadHash: payloadHashes[i], prepared: { entry, readingCopy: view(offs[s + 2], offs[s + 3]) } };
    items[i] = { kind: "reading", reading };
  }
  return { kind: "batch", gateway: p.gateway, departmentId: p.departmentId, root, signature, payloadHashes, items };
}
