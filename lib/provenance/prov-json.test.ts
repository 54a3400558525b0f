import { describe, expect, it } from "vitest";
import { provJson } from "./prov-json";
import { makeDatum } from "./testing/make-datum";

// The PROV-JSON structure (W3C Member Submission): top-level maps of records keyed by
// identifier; relation records name their participants by the keys below.
const RELATIONS: Record<string, { required: string[]; refs: Record<string, "entity" | "activity" | "agent"> }> = {
  wasGeneratedBy: { required: ["prov:entity"], refs: { "prov:entity": "entity", "prov:activity": "activity" } },
  used: { required: ["prov:activity"], refs: { "prov:activity": "activity", "prov:entity": "entity" } },
  wasDerivedFrom: { required: ["prov:generatedEntity", "prov:usedEntity"], refs: { "prov:generatedEntity": "entity", "prov:usedEntity": "entity" } },
  wasAttributedTo: { required: ["prov:entity", "prov:agent"], refs: { "prov:entity": "entity", "prov:agent": "agent" } },
  wasAssociatedWith: { required: ["prov:activity"], refs: { "prov:activity": "activity", "prov:agent": "agent" } },
  actedOnBehalfOf: { required: ["prov:delegate", "prov:responsible"], refs: { "prov:delegate": "agent", "prov:responsible": "agent" } },
  hadMember: { required: ["prov:collection", "prov:entity"], refs: { "prov:collection": "entity", "prov:entity": "entity" } },
};
const ELEMENTS = ["entity", "activity", "agent"] as const;
const QNAME = /^[A-Za-z_][\w.-]*:\S*$/;

function validate(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const prefixes = new Set(["prov", "xsd", ...Object.keys((doc.prefix as object) ?? {})]);
  for (const key of Object.keys(doc)) if (!["prefix", ...ELEMENTS, ...Object.keys(RELATIONS)].includes(key)) problems.push(`unknown top-level key ${key}`);
  const ids: Record<string, Set<string>> = {};
  for (const el of ELEMENTS) {
    ids[el] = new Set(Object.keys((doc[el] as object) ?? {}));
    for (const id of ids[el]) {
      if (!QNAME.test(id) || !prefixes.has(id.split(":")[0])) problems.push(`${el} id ${id} is not a qualified name with a declared prefix`);
    }
  }
  for (const [rel, spec] of Object.entries(RELATIONS)) {
    for (const [id, rec] of Object.entries((doc[rel] as Record<string, Record<string, unknown>>) ?? {})) {
      for (const r of spec.required) if (!(r in rec)) problems.push(`${rel} ${id} lacks ${r}`);
      for (const [attr, kind] of Object.entries(spec.refs)) {
        if (attr in rec && !ids[kind].has(rec[attr] as string)) problems.push(`${rel} ${id}: ${attr} ${String(rec[attr])} is not a declared ${kind}`);
      }
      for (const [attr, v] of Object.entries(rec)) {
        if (attr === "prov:time" && (typeof v !== "object" || (v as { type: string }).type !== "xsd:dateTime")) problems.push(`${rel} ${id}: prov:time must be a typed xsd:dateTime`);
      }
    }
  }
  return problems;
}

describe("provJson", () => {
  it("produces a structurally valid PROV-JSON document linking reading, device, ledger, witnesses and readers", async () => {
    const datum = await makeDatum({ gateway: true });
    const doc = provJson({
      datum,
      timeline: { observedAt: "2026-11-25T08:30:00.000Z", receivedAt: "2026-11-25T08:30:00.400Z", integratedAt: "2026-11-25T08:30:01.000Z", quorumAt: "2026-11-25T08:30:01.100Z", firstCheckpointSize: 12 },
      checkpointSize: 12,
      cosignedBy: ["test/witness/0", "test/witness/1", "test/witness/2"],
      readers: [{ user: "u1", department: "safety", basis: "grant g-1", at: "2026-11-25T09:00:00.000Z" }],
    });
    expect(validate(doc)).toEqual([]);
    expect(Object.keys(doc.agent)).toEqual(expect.arrayContaining(["cb:device/trf-000007", "cb:department/traffic", "cb:device/gw-zhifu", "cb:witness/test/witness/0", "cb:user/u1"]));
    expect(doc.wasAttributedTo["_:a1"]).toEqual({ "prov:entity": "cb:reading/6", "prov:agent": "cb:device/trf-000007" });
  });

  it("the validator itself catches a dangling reference", () => {
    expect(validate({ prefix: { cb: "urn:x:" }, entity: {}, wasGeneratedBy: { "_:g": { "prov:entity": "cb:nothing" } } })).toEqual([
      "wasGeneratedBy _:g: prov:entity cb:nothing is not a declared entity",
    ]);
  });
});
