import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { AppError, badRequest, notFound } from "../errors";
import type { Viewer } from "./viewer";
import { adminListDepartment, requireOwnAdmin } from "./require-role";

/**
 * A department's system account: an API key its admin issues for another system (an NGSI-LD
 * client, a broker). The key reads as an `official` of the department, through the same
 * access check and scoped read as a person, and each read is in the access log under
 * `apikey:<id>`. The key is `cbk_<id>_<secret>`; only SHA-256 of the secret is kept, and the
 * key is shown once, when it is made.
 */
export type ApiKeyInfo = {
  id: string;
  /** "key": an API key; "oauth_client": OAuth 2.0 client credentials (its id is the client_id; lib/access/oauth-clients.ts). */
  kind: ApiKeyKind;
  departmentId: string;
  name: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export type ApiKeyKind = "key" | "oauth_client";

export type Row = {
  id: string; kind: ApiKeyKind; department_id: string; name: string; secret_hash: string; created_by: string;
  created_at: Date; last_used_at: Date | null; revoked_at: Date | null;
};

const KEY_RE = /^cbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const info = (r: Row): ApiKeyInfo => ({
  id: r.id, kind: r.kind, departmentId: r.department_id, name: r.name, createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at),
});

/** The access log's user id for reads with a key. */
export const apiKeyPrincipal = (id: string) => `apikey:${id}`;

/** Issues a key for the admin's own department; the answer holds the key, never shown again. */
export async function createApiKey(opts: { viewer: Viewer; name: string; departmentId?: string }): Promise<ApiKeyInfo & { key: string }> {
  const { row, secret } = await issueSystemAccount(opts, "key");
  return { ...info(row), key: `cbk_${row.id}_${secret}` };
}

/**
 * Issues OAuth 2.0 client credentials for the admin's own department (RFC 6749 §4.4): the
 * client_id and its secret, shown once; only SHA-256 of the secret is kept.
 */
export async function createOAuthClient(opts: { viewer: Viewer; name: string; departmentId?: string }): Promise<ApiKeyInfo & { clientId: string; clientSecret: string }> {
  const { row, secret } = await issueSystemAccount(opts, "oauth_client");
  return { ...info(row), clientId: row.id, clientSecret: secret };
}

/** Issues a system account of the kind asked for (POST /api/api-keys). */
export function createSystemAccount(opts: { viewer: Viewer; name: string; kind: ApiKeyKind }) {
  return opts.kind === "oauth_client" ? createOAuthClient(opts) : createApiKey(opts);
}

async function issueSystemAccount(opts: { viewer: Viewer; name: string; departmentId?: string }, kind: ApiKeyKind): Promise<{ row: Row; secret: string }> {
  const user = requireOwnAdmin(opts.viewer, opts.departmentId ?? (opts.viewer.kind === "user" ? opts.viewer.departmentId : ""), kind === "key" ? "issue API keys" : "issue OAuth clients");
  const name = opts.name.trim();
  if (!name || name.length > 100) throw badRequest("name: 1 to 100 characters");
  const id = randomBytes(9).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 12);
  const secret = randomBytes(32).toString("base64url");
  const db = await getDb();
  const rows = await db.sql.query<Row>(
    `INSERT INTO api_key (id, department_id, name, secret_hash, created_by, kind) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [id, user.departmentId, name, sha256(secret), user.userId, kind],
  );
  return { row: rows[0], secret };
}

/** The keys of a department (its admins; a sysadmin may list any or all). */
export async function listApiKeys(opts: { viewer: Viewer; departmentId?: string }): Promise<ApiKeyInfo[]> {
  const department = adminListDepartment(opts.viewer, opts.departmentId);
  const db = await getDb();
  const rows = await db.sql.query<Row>(
    `SELECT * FROM api_key WHERE ($1::text IS NULL OR department_id = $1) ORDER BY created_at DESC, id`,
    [department ?? null],
  );
  return rows.map(info);
}

/** Revokes a key of the admin's own department at once (its next use is refused). */
export async function revokeApiKey(opts: { viewer: Viewer; id: string }): Promise<ApiKeyInfo> {
  const db = await getDb();
  const found = await db.sql.query<Row>(`SELECT * FROM api_key WHERE id = $1`, [opts.id]);
  if (!found.length) throw notFound("API key", opts.id);
  const user = requireOwnAdmin(opts.viewer, found[0].department_id, "revoke API keys");
  const rows = await db.sql.query<Row>(
    `UPDATE api_key SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, $2) WHERE id = $1 RETURNING *`,
    [opts.id, user.userId],
  );
  return info(rows[0]);
}

/** The key a request carries: `Authorization: Bearer cbk_…` or `X-API-Key: cbk_…`; null when none. */
export function apiKeyOf(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth && /^bearer\s+cbk_/i.test(auth)) return auth.replace(/^bearer\s+/i, "").trim();
  const x = req.headers.get("x-api-key");
  return x ? x.trim() : null;
}

/**
 * The viewer a key stands for: an official of its department, read from the database on
 * every request (a revocation takes effect on the next one). Throws 401 for a malformed,
 * unknown or revoked key.
 */
export async function viewerFromApiKey(sql: Sql, key: string): Promise<Viewer> {
  const m = KEY_RE.exec(key);
  if (!m) throw new AppError("unauthenticated", "malformed API key", "the API key is malformed (expected cbk_<id>_<secret>)");
  const rows = await sql.query<Row>(`SELECT * FROM api_key WHERE id = $1`, [m[1]]);
  const r = rows[0];
  const ok = r && timingSafeEqual(Buffer.from(r.secret_hash, "hex"), Buffer.from(sha256(m[2]), "hex"));
  if (!r || !ok || r.kind !== "key") throw new AppError("unauthenticated", `unknown API key ${m[1]}`, "unknown API key");
  if (r.revoked_at) throw new AppError("unauthenticated", `API key ${r.id} revoked`, `API key ${r.id} was revoked at ${iso(r.revoked_at)}`);
  await sql.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1`, [r.id]);
  return viewerOfKeyRow(r);
}

/** The access log's user id for reads with an OAuth client's token. */
export const oauthClientPrincipal = (id: string) => `oauth:${id}`;

/** The viewer a key or OAuth client stands for: an official of its department. */
export const viewerOfKeyRow = (r: Pick<Row, "id" | "department_id" | "name" | "kind">): Viewer => ({
  kind: "user", userId: r.kind === "oauth_client" ? oauthClientPrincipal(r.id) : apiKeyPrincipal(r.id), departmentId: r.department_id, role: "official",
  name: r.kind === "oauth_client" ? `OAuth client ${r.name}` : `API key ${r.name}`,
});

/**
 * The viewer a stored principal (a user id, apikey:<id> or oauth:<id>) stands for now, as the access
 * check sees it (background work done for them: NGSI-LD notifications); a guest when the
 * account is disabled or gone or the key revoked.
 */
export async function viewerOfPrincipal(sql: Sql, principal: string): Promise<Viewer> {
  const system = /^(apikey|oauth):(.*)$/.exec(principal);
  if (system) {
    const rows = await sql.query<Row>(`SELECT * FROM api_key WHERE id = $1 AND kind = $2 AND revoked_at IS NULL`, [system[2], system[1] === "oauth" ? "oauth_client" : "key"]);
    return rows.length ? viewerOfKeyRow(rows[0]) : { kind: "guest" };
  }
  const rows = await sql.query<{ id: string; department_id: string | null; role: string | null; disabled: boolean | null }>(
    `SELECT id, department_id, role, disabled FROM auth_user WHERE id = $1`, [principal],
  );
  const u = rows[0];
  if (!u || u.disabled || !u.department_id) return { kind: "guest" };
  // Background reads act with the least of the account's roles: an official's view.
  return { kind: "user", userId: u.id, departmentId: u.department_id, role: "official" };
}
