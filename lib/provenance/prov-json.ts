// W3C PROV-JSON of a reading's trail: the device observed it, the ingest received it, the
// log integrated it into a checkpoint the witnesses cosigned, and people read it.
import type { Datum } from "./datum";

export type ProvTrail = {
  datum: Datum;
  timeline: { observedAt: string; receivedAt: string; integratedAt: string | null; quorumAt: string | null; firstCheckpointSize: number | null };
  checkpointSize: number;
  cosignedBy: string[];
  readers: { user: string; department: string; basis: string; at: string }[];
  /** Payload fields withheld from `datum` (a grant limited to some fields); listed by name on the reading. */
  withheldFields?: string[];
};

type Attrs = Record<string, string | number | boolean | { $: string; type: string }>;
const dt = (s: string) => ({ $: s, type: "xsd:dateTime" });

/** The PROV-JSON document (https://www.w3.org/submissions/prov-json/) of one reading's trail. */
export function provJson(t: ProvTrail) {
  const d = t.datum;
  const env = d.reading.envelope;
  const reading = `cb:reading/${d.ledger.leafIndex}`;
  const leaf = `cb:ledger/leaf/${d.ledger.leafIndex}`;
  const checkpoint = `cb:ledger/checkpoint/${t.checkpointSize}`;
  const device = `cb:device/${env.device}`;
  const dept = `cb:department/${d.device.department}`;
  const log = `cb:ledger/${d.log.origin}`;
  const entity: Record<string, Attrs> = {
    [reading]: { "prov:type": "cb:Reading", "cb:dataset": env.dataset, "cb:seq": env.seq, "cb:payloadHash": JSON.parse(d.ledger.entry).payloadHash, "prov:value": JSON.stringify(env.values), ...(t.withheldFields?.length ? { "cb:withheldFields": t.withheldFields.join(",") } : {}) },
    [leaf]: { "prov:type": "cb:LedgerEntry", "cb:leafIndex": d.ledger.leafIndex, "cb:kind": "reading.v1" },
    [checkpoint]: { "prov:type": "cb:Checkpoint", "cb:size": t.checkpointSize, "cb:origin": d.log.origin },
  };
  const agent: Record<string, Attrs> = {
    [device]: { "prov:type": "prov:SoftwareAgent", "cb:publicKey": d.device.publicKey },
    [dept]: { "prov:type": "prov:Organization" },
    [log]: { "prov:type": "prov:SoftwareAgent", "cb:verifierKey": d.log.logVerifierKey },
  };
  const activity: Record<string, Attrs> = {
    "cb:activity/observe": { "prov:startTime": dt(env.observedAt), "prov:endTime": dt(env.observedAt) },
    "cb:activity/ingest": { "prov:startTime": dt(t.timeline.receivedAt), "prov:endTime": dt(t.timeline.receivedAt) },
    ...(t.timeline.integratedAt ? { "cb:activity/integrate": { "prov:endTime": dt(t.timeline.integratedAt) } } : {}),
  };
  const wasGeneratedBy: Record<string, Attrs> = {
    "_:g1": { "prov:entity": reading, "prov:activity": "cb:activity/observe", "prov:time": dt(env.observedAt) },
    "_:g2": { "prov:entity": leaf, "prov:activity": "cb:activity/ingest", "prov:time": dt(t.timeline.receivedAt) },
  };
  const wasAssociatedWith: Record<string, Attrs> = {
    "_:w1": { "prov:activity": "cb:activity/observe", "prov:agent": device },
    "_:w2": { "prov:activity": "cb:activity/ingest", "prov:agent": log },
  };
  const used: Record<string, Attrs> = { "_:u1": { "prov:activity": "cb:activity/ingest", "prov:entity": reading } };
  const wasDerivedFrom: Record<string, Attrs> = { "_:d1": { "prov:generatedEntity": leaf, "prov:usedEntity": reading } };
  const wasAttributedTo: Record<string, Attrs> = { "_:a1": { "prov:entity": reading, "prov:agent": device } };
  const actedOnBehalfOf: Record<string, Attrs> = { "_:b1": { "prov:delegate": device, "prov:responsible": dept } };
  const hadMember: Record<string, Attrs> = { "_:m1": { "prov:collection": checkpoint, "prov:entity": leaf } };
  entity[checkpoint]["prov:type"] = "prov:Collection";
  if (t.timeline.integratedAt) {
    wasGeneratedBy["_:g3"] = { "prov:entity": checkpoint, "prov:activity": "cb:activity/integrate", "prov:time": dt(t.timeline.integratedAt) };
    wasAssociatedWith["_:w3"] = { "prov:activity": "cb:activity/integrate", "prov:agent": log };
  }
  if (d.gateway) {
    const gw = `cb:device/${d.gateway.device}`;
    agent[gw] = { "prov:type": "prov:SoftwareAgent", "cb:kind": "gateway", "cb:publicKey": d.gateway.publicKey };
    entity[`cb:gateway-batch/${d.gateway.batchRoot}`] = { "prov:type": "prov:Collection", "cb:size": d.gateway.payloadHashes.length };
    hadMember["_:m2"] = { "prov:collection": `cb:gateway-batch/${d.gateway.batchRoot}`, "prov:entity": reading };
    wasAttributedTo["_:a2"] = { "prov:entity": `cb:gateway-batch/${d.gateway.batchRoot}`, "prov:agent": gw };
  }
  t.cosignedBy.forEach((w, i) => {
    const id = `cb:witness/${w}`;
    agent[id] = { "prov:type": "prov:SoftwareAgent" };
    activity[`cb:activity/cosign/${i}`] = {};
    wasAssociatedWith[`_:wc${i}`] = { "prov:activity": `cb:activity/cosign/${i}`, "prov:agent": id };
    used[`_:uc${i}`] = { "prov:activity": `cb:activity/cosign/${i}`, "prov:entity": checkpoint };
  });
  t.readers.forEach((r, i) => {
    const user = `cb:user/${r.user}`;
    agent[user] = { "prov:type": "prov:Person", "cb:department": r.department };
    activity[`cb:activity/read/${i}`] = { "prov:startTime": dt(r.at), "cb:basis": r.basis };
    wasAssociatedWith[`_:wr${i}`] = { "prov:activity": `cb:activity/read/${i}`, "prov:agent": user };
    used[`_:ur${i}`] = { "prov:activity": `cb:activity/read/${i}`, "prov:entity": reading, "prov:time": dt(r.at) };
  });
  return {
    // prov: and xsd: are predeclared in PROV-JSON.
    prefix: { cb: "urn:city-brain:" },
    entity,
    agent,
    activity,
    wasGeneratedBy,
    used,
    wasDerivedFrom,
    wasAttributedTo,
    wasAssociatedWith,
    actedOnBehalfOf,
    hadMember,
  };
}
