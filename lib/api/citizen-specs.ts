// The citizen report routes of the console's own API (Open311 GeoReport v2 has its own spec).
import { z } from "zod";
import { defineRoute } from "../http/openapi";

const IdParams = z.object({ id: z.string().min(1).max(64) });
const B64Key = z.string().max(64);
const B64Sig = z.string().max(128);

export const ReceiptQuery = z.object({ leaf: z.coerce.number().int().nonnegative().optional() });
export const ProofBody = z.strictObject({ challenge: z.string().min(8).max(256), reporter_key: B64Key, signature: B64Sig });
export const MineBody = z.strictObject({ reporter_key: B64Key, at: z.string().max(64), signature: B64Sig });
export const TriageQuery = z.object({ department: z.string().max(64).optional(), status: z.enum(["open", "all"]).optional() });
export const LeaderboardQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional() });
export const ReporterParams = z.object({ reporter: z.string().min(1).max(64) });
export const MarkBody = z.strictObject({ action: z.enum(["flag", "lift", "uphold"]), note: z.string().max(2000).optional() });
export const AppealBody = z.strictObject({ reporter_key: B64Key, text: z.string().max(2000), at: z.string().max(64), signature: B64Sig });
export const StatusBody = z.strictObject({ action: z.enum(["assign", "confirm", "reject", "resolve", "merge"]), note: z.string().max(2000).optional(), into: z.string().min(1).max(64).optional() });

export const citizenReportRoute = defineRoute({
  method: "get",
  path: "/api/citizen/reports/{id}",
  tag: "citizen",
  summary: "A citizen report as anyone may see it: coarse location, status history, no contact details",
  params: IdParams,
  responses: { 200: { description: "The report" }, 404: { description: "No such report" } },
});

export const citizenReceiptRoute = defineRoute({
  method: "get",
  path: "/api/citizen/reports/{id}/receipt",
  tag: "citizen",
  summary: "The receipt of one of a report's ledger leaves (its submission by default), once a quorum-cosigned checkpoint holds it",
  params: IdParams,
  query: ReceiptQuery,
  responses: { 200: { description: "{ ready: false, leafIndex } or the receipt" }, 400: { description: "The leaf is not one of the report's" }, 404: { description: "No such report" } },
});

export const citizenProofRoute = defineRoute({
  method: "post",
  path: "/api/citizen/reports/{id}/proof",
  tag: "citizen",
  summary: "Checks a reporter's signature over {kind: city-brain-authorship.v1, report, challenge}: proven when the key filed the report",
  params: IdParams,
  body: { schema: ProofBody },
  responses: { 200: { description: "{ report, reporter, proven }" }, 400: { description: "Malformed key or signature" }, 403: { description: "The signature does not verify" } },
});

export const citizenMineRoute = defineRoute({
  method: "post",
  path: "/api/citizen/mine",
  tag: "citizen",
  summary: "Every report of a reporter key with its status history; signed by the key within 5 minutes",
  body: { schema: MineBody },
  responses: { 200: { description: "{ reporter, reports, credit: { balance, entries } }" }, 400: { description: "Malformed or stale request" }, 403: { description: "The signature does not verify" } },
});

export const citizenTriageRoute = defineRoute({
  method: "get",
  path: "/api/citizen/triage",
  tag: "citizen",
  summary: "The viewer's department's report queue, with exact points, photo hashes and contact details",
  query: TriageQuery,
  responses: { 200: { description: "The reports" }, 401: { description: "Not signed in" }, 403: { description: "Another department's queue" } },
});

export const citizenStatusRoute = defineRoute({
  method: "post",
  path: "/api/citizen/reports/{id}/status",
  tag: "citizen",
  summary: "The owning department assigns, confirms, rejects (with a reason), resolves (with a note) or merges a report as a duplicate `into` another; ledgered as report.v1",
  params: IdParams,
  body: { schema: StatusBody },
  responses: { 200: { description: "{ status, leafIndex }" }, 400: { description: "Missing reason or note" }, 403: { description: "Not the owning department" }, 409: { description: "The current status does not allow it" } },
});

export const citizenLeaderboardRoute = defineRoute({
  method: "get",
  path: "/api/citizen/leaderboard",
  tag: "citizen",
  summary: "Reporter keys (pseudonyms only) by the points their credit.v1 entries add up to, highest first",
  query: LeaderboardQuery,
  responses: { 200: { description: "{ rows: [{ rank, reporter, points, confirmed, duplicates }] }" } },
});

export const citizenMarkRoute = defineRoute({
  method: "post",
  path: "/api/citizen/reporters/{reporter}/mark",
  tag: "citizen",
  summary: "A department marks a reporter key abusive (flag, with its reason; its reports still count but earn no credit and it leaves the leaderboard), or its admin lifts or upholds the mark (with a note); ledgered as reporter.v1",
  params: ReporterParams,
  body: { schema: MarkBody },
  responses: { 200: { description: "The key's mark: { reporter, department, status, reason, appeal, decisionNote, flaggedAt, updatedAt, leafIndex }" }, 400: { description: "Missing reason or note, or not a reporter key id" }, 403: { description: "No report of the key reached the department, or not its admin" }, 409: { description: "The mark's status does not allow it" } },
});

export const citizenAppealRoute = defineRoute({
  method: "post",
  path: "/api/citizen/reporters/{reporter}/appeal",
  tag: "citizen",
  summary: "The key holder appeals a mark on their key, without an account: signs { kind: city-brain-appeal.v1, reporterKey, text, at } with the key, at within 5 minutes; ledgered as reporter.v1",
  params: ReporterParams,
  body: { schema: AppealBody },
  responses: { 200: { description: "The key's mark, now appealed" }, 400: { description: "Malformed or stale request" }, 403: { description: "The signature does not verify" }, 409: { description: "The key is not marked, or already appealed" } },
});
