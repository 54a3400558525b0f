import { SCOPE_RANK, type Scope } from "../access/check-read";
import { badRequest } from "../errors";
import { areaInside, distanceM, type Circle } from "./area";

export { areaInside, distanceM };

/** What a grant allows: the level of detail, fields, data window, area and validity. */
export type GrantArea = Circle;

export type GrantTerms = {
  scope: Scope;
  /** Fields of the readings; null means every field of the dataset. */
  fields: string[] | null;
  dataFrom: Date | null;
  dataUntil: Date | null;
  area: GrantArea | null;
  validFrom: Date;
  validUntil: Date;
};

/**
 * Checks terms a requester or rule proposes, throwing a 400 that names the problem:
 * an expiry not in the future, a validity or data window that ends before it starts,
 * fields the dataset does not have, an area with no radius or off the globe.
 */
export function validateTerms(t: GrantTerms, datasetFields: readonly string[], now = new Date()): void {
  if (t.validUntil.getTime() <= now.getTime()) throw badRequest(`validUntil: the expiry ${t.validUntil.toISOString()} is not in the future`, { path: "validUntil" });
  if (t.validFrom.getTime() > t.validUntil.getTime()) throw badRequest("validFrom: the grant would end before it starts", { path: "validFrom" });
  if (t.dataFrom && t.dataUntil && t.dataFrom.getTime() > t.dataUntil.getTime())
    throw badRequest("dataUntil: the data window ends before it starts", { path: "dataUntil" });
  if (t.area) {
    const { lon, lat, radiusM } = t.area;
    if (!(Math.abs(lon) <= 180) || !(Math.abs(lat) <= 90)) throw badRequest(`area: the centre ${lon}, ${lat} is not a longitude and latitude`, { path: "area" });
    if (!(radiusM > 0)) throw badRequest(`area: the radius ${radiusM} m is not above 0`, { path: "area" });
  }
  if (t.fields) {
    if (t.fields.length === 0) throw badRequest("fields: name at least one field, or leave fields out for all of them", { path: "fields" });
    const unknown = t.fields.filter((f) => !datasetFields.includes(f));
    if (unknown.length) throw badRequest(`fields: the dataset has no field ${unknown.join(", ")} (it has ${datasetFields.join(", ")})`, { path: "fields" });
  }
}

/**
 * Checks that approved terms are the requested ones or narrower: no more detail (raw >
 * anonymized > aggregated), no field that was not asked for, a data window inside the
 * requested one, an area inside the requested one, and no later expiry. Throws 400 naming
 * the first term that would widen the request.
 */
export function assertNarrower(approved: GrantTerms, requested: GrantTerms): void {
  if (SCOPE_RANK[approved.scope] < SCOPE_RANK[requested.scope])
    throw badRequest(`scope: ${approved.scope} gives more detail than the requested ${requested.scope}`, { path: "scope" });
  if (requested.fields) {
    if (!approved.fields) throw badRequest(`fields: the request was for ${requested.fields.join(", ")} only`, { path: "fields" });
    const extra = approved.fields.filter((f) => !requested.fields!.includes(f));
    if (extra.length) throw badRequest(`fields: ${extra.join(", ")} was not requested`, { path: "fields" });
  }
  if (requested.dataFrom && (!approved.dataFrom || approved.dataFrom < requested.dataFrom))
    throw badRequest("dataFrom: the data window starts before the requested one", { path: "dataFrom" });
  if (requested.dataUntil && (!approved.dataUntil || approved.dataUntil > requested.dataUntil))
    throw badRequest("dataUntil: the data window ends after the requested one", { path: "dataUntil" });
  if (approved.area && !areaInside(approved.area, requested.area))
    throw badRequest(
      `area: the approved circle (${Math.round(approved.area.radiusM)} m) is not inside the requested one (${Math.round(requested.area!.radiusM)} m, ${Math.round(distanceM(approved.area, requested.area!))} m between the centres)`,
      { path: "area" },
    );
  if (requested.area && !approved.area) throw badRequest("area: the request was limited to an area; the approval must be too", { path: "area" });
  if (approved.validUntil > requested.validUntil) throw badRequest("validUntil: the approval would outlast the request", { path: "validUntil" });
  if (approved.validFrom < requested.validFrom) throw badRequest("validFrom: the approval would start before the request", { path: "validFrom" });
}

/** Terms as stored in JSON (history, requested terms). */
export function termsJson(t: GrantTerms) {
  return {
    scope: t.scope,
    fields: t.fields,
    dataFrom: t.dataFrom?.toISOString() ?? null,
    dataUntil: t.dataUntil?.toISOString() ?? null,
    area: t.area,
    validFrom: t.validFrom.toISOString(),
    validUntil: t.validUntil.toISOString(),
  };
}
export type TermsJson = ReturnType<typeof termsJson>;

export function termsFromJson(j: TermsJson): GrantTerms {
  return {
    scope: j.scope,
    fields: j.fields,
    dataFrom: j.dataFrom ? new Date(j.dataFrom) : null,
    dataUntil: j.dataUntil ? new Date(j.dataUntil) : null,
    area: j.area,
    validFrom: new Date(j.validFrom),
    validUntil: new Date(j.validUntil),
  };
}
