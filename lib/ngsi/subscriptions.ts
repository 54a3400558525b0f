import { randomUUID } from "node:crypto";
import type { SubscriptionBody } from "../api/ngsi-specs";
import { getDb } from "../db/client";
import type { Sql } from "../db/sql";
import { AppError, notFound } from "../errors";
import { requireUser } from "../access/require-role";
import type { Viewer } from "../access/viewer";
import { compactTerm } from "./context";
import { ngsiBadRequest } from "./problem";
import { parseGeoQuery, parseQ } from "./query";

/**
 * NGSI-LD subscriptions (ETSI GS CIM 009, 5.8): a signed-in user or a department's API key
 * asks to be notified at an http(s) endpoint when entities it may read change. The
 * subscription is kept with its maker (the principal), whose access is checked again at each
 * notification (lib/ngsi/notifier.ts). A department sees and deletes its own subscriptions.
 */

export type SubscriptionRow = {
  id: string; department_id: string; principal: string; body: SubscriptionBody | string; status: string; created_at: Date;
  times_sent: number; times_failed: number; consecutive_failures: number;
  last_notification: Date | null; last_success: Date | null; last_failure: Date | null; last_failure_reason: string | null; next_retry_at: Date | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
export const bodyOf = (r: Pick<SubscriptionRow, "body">): SubscriptionBody => (typeof r.body === "string" ? (JSON.parse(r.body) as SubscriptionBody) : r.body);

/** A stored subscription as NGSI-LD shows it, with how notifying went (notification.status, times, last failure). */
export function subscriptionJson(r: SubscriptionRow): Record<string, unknown> {
  const b = bodyOf(r);
  const { "@context": _ctx, ...rest } = b;
  return {
    ...rest,
    id: r.id,
    type: "Subscription",
    status: r.status,
    isActive: r.status === "active",
    notification: {
      ...b.notification,
      format: b.notification.format ?? "normalized",
      status: r.consecutive_failures > 0 ? "failed" : "ok",
      timesSent: r.times_sent,
      timesFailed: r.times_failed,
      ...(r.last_notification ? { lastNotification: iso(r.last_notification) } : {}),
      ...(r.last_success ? { lastSuccess: iso(r.last_success) } : {}),
      ...(r.last_failure ? { lastFailure: iso(r.last_failure) } : {}),
      ...(r.last_failure_reason ? { lastFailureReason: r.last_failure_reason } : {}),
      ...(r.next_retry_at ? { nextRetryAt: iso(r.next_retry_at) } : {}),
    },
  };
}

/** Checks a body's q, geoQ and entities (400 naming what is wrong) and puts terms in short form. */
function normalise(b: SubscriptionBody): SubscriptionBody {
  if (!b.entities && !b.watchedAttributes) throw ngsiBadRequest("BadRequestData", "entities or watchedAttributes: a subscription needs at least one");
  if (b.q !== undefined) parseQ(b.q);
  if (b.geoQ) parseGeoQuery({ ...b.geoQ, coordinates: typeof b.geoQ.coordinates === "string" ? b.geoQ.coordinates : JSON.stringify(b.geoQ.coordinates) });
  return {
    ...b,
    entities: b.entities?.map((e) => ({ ...e, type: compactTerm(e.type) })),
    watchedAttributes: b.watchedAttributes?.map(compactTerm),
    notification: { ...b.notification, attributes: b.notification.attributes?.map(compactTerm) },
  };
}

/** POST /ngsi-ld/v1/subscriptions: stores the subscription; returns its id (409 when the id is taken). */
export async function createSubscription(opts: { viewer: Viewer; body: SubscriptionBody }): Promise<{ id: string }> {
  const user = requireUser(opts.viewer, "subscribe to NGSI-LD notifications");
  const body = normalise(opts.body);
  const id = body.id ?? `urn:ngsi-ld:Subscription:${randomUUID()}`;
  const db = await getDb();
  const rows = await db.sql.query<{ id: string }>(
    `INSERT INTO ngsi_subscription (id, department_id, principal, body) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [id, user.departmentId, user.userId /* a user id, or apikey:<id> for a system account */, JSON.stringify({ ...body, id })],
  );
  if (!rows.length) throw new AppError("conflict", `subscription ${id} exists`, `subscription ${id} already exists`);
  return { id };
}

async function ownRows(sql: Sql, viewer: Viewer, id?: string): Promise<SubscriptionRow[]> {
  const user = requireUser(viewer, "read NGSI-LD subscriptions");
  return sql.query<SubscriptionRow>(
    `SELECT * FROM ngsi_subscription WHERE department_id = $1 AND ($2::text IS NULL OR id = $2) ORDER BY created_at, id`,
    [user.departmentId, id ?? null],
  );
}

/** GET /ngsi-ld/v1/subscriptions: the subscriptions of the viewer's department. */
export async function listSubscriptions(opts: { viewer: Viewer }): Promise<Record<string, unknown>[]> {
  return (await ownRows((await getDb()).sql, opts.viewer)).map(subscriptionJson);
}

/** GET /ngsi-ld/v1/subscriptions/{id} (404 for another department's). */
export async function getSubscription(opts: { viewer: Viewer; id: string }): Promise<Record<string, unknown>> {
  const [r] = await ownRows((await getDb()).sql, opts.viewer, opts.id);
  if (!r) throw notFound("subscription", opts.id);
  return subscriptionJson(r);
}

/** DELETE /ngsi-ld/v1/subscriptions/{id} (404 for another department's). */
export async function deleteSubscription(opts: { viewer: Viewer; id: string }): Promise<void> {
  const user = requireUser(opts.viewer, "delete NGSI-LD subscriptions");
  const rows = await (await getDb()).sql.query(`DELETE FROM ngsi_subscription WHERE id = $1 AND department_id = $2 RETURNING id`, [opts.id, user.departmentId]);
  if (!rows.length) throw notFound("subscription", opts.id);
}
