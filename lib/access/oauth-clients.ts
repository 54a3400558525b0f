import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { AppError } from "../errors";
import { sha256, viewerOfKeyRow, type Row } from "./api-keys";
import type { Viewer } from "./viewer";

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) for a department's system accounts. A
 * department admin issues a client (an api_key row of kind oauth_client, listed and revoked
 * with the API keys); the client trades its id and secret at POST /oauth/token for a bearer
 * token (`cbt_…`) that lives OAUTH_TOKEN_TTL_S seconds and reads the NGSI-LD API as an
 * official of the department, through the same access check and scoped read as an API key,
 * each read in the access log under `oauth:<client id>`. Only SHA-256 of secrets and tokens is
 * kept. Revoking the client refuses its tokens on their next use.
 */
export const OAUTH_TOKEN_TTL_S = 900;
/** The one scope: reading the console's NGSI-LD API. */
export const OAUTH_SCOPE = "ngsi-ld";

export type OAuthReply = { status: number; body: Record<string, unknown>; headers: Record<string, string> };

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };
/** An RFC 6749 §5.2 error. invalid_client is 401 with a Basic challenge (the client may use HTTP Basic). */
const oauthError = (error: string, description: string): OAuthReply => ({
  status: error === "invalid_client" ? 401 : 400,
  body: { error, error_description: description },
  headers: { ...NO_STORE, ...(error === "invalid_client" ? { "www-authenticate": 'Basic realm="city-brain"' } : {}) },
});

/** The client credentials of HTTP Basic (RFC 6749 §2.3.1: each form-urlencoded, then base64), or an error text. */
function basicCredentials(header: string): { id: string; secret: string } | string {
  const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return "the Authorization header is not HTTP Basic";
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return "HTTP Basic credentials have no colon";
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: dec(text.slice(0, colon)), secret: dec(text.slice(colon + 1)) };
  } catch {
    return "HTTP Basic credentials are not form-urlencoded";
  }
}

/**
 * POST /oauth/token: the client credentials grant. Takes application/x-www-form-urlencoded
 * `grant_type=client_credentials` (and an optional `scope=ngsi-ld`), with the client
 * authenticated by HTTP Basic or by `client_id` and `client_secret` in the body (one of the
 * two). Answers the token (Bearer, expires_in) or an RFC 6749 §5.2 error: invalid_request or
 * unsupported_grant_type or invalid_scope 400, invalid_client 401.
 */
export async function issueOAuthToken(opts: { req: Request }): Promise<OAuthReply> {
  const { req } = opts;
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return oauthError("invalid_request", `the body must be application/x-www-form-urlencoded, got ${type || "none"}`);
  const text = await req.text();
  if (text.length > 4096) return oauthError("invalid_request", "the body is over 4096 bytes");
  const params = new URLSearchParams(text);
  for (const k of new Set(params.keys())) if (params.getAll(k).length > 1) return oauthError("invalid_request", `parameter ${k} is given more than once`);
  const grant = params.get("grant_type");
  if (!grant) return oauthError("invalid_request", "grant_type is missing");
  if (grant !== "client_credentials") return oauthError("unsupported_grant_type", `grant_type ${grant} is not supported (only client_credentials)`);
  const scope = params.get("scope");
  if (scope !== null && scope.split(" ").some((s) => s && s !== OAUTH_SCOPE)) return oauthError("invalid_scope", `scope must be ${OAUTH_SCOPE}`);

  const auth = req.headers.get("authorization");
  const inBody = params.has("client_id") || params.has("client_secret");
  if (auth && inBody) return oauthError("invalid_request", "the client authenticates by HTTP Basic or by client_id and client_secret in the body, not both");
  let creds: { id: string; secret: string };
  if (auth) {
    const b = basicCredentials(auth);
    if (typeof b === "string") return oauthError("invalid_client", b);
    creds = b;
  } else if (inBody) {
    creds = { id: params.get("client_id") ?? "", secret: params.get("client_secret") ?? "" };
  } else return oauthError("invalid_client", "no client authentication (HTTP Basic, or client_id and client_secret)");

  const db = await getDb();
  const rows = /^[a-z0-9]{12}$/.test(creds.id) ? await db.sql.query<Row>(`SELECT * FROM api_key WHERE id = $1 AND kind = 'oauth_client'`, [creds.id]) : [];
  const r = rows[0];
  const ok = r && timingSafeEqual(Buffer.from(r.secret_hash, "hex"), Buffer.from(sha256(creds.secret), "hex"));
  if (!r || !ok) return oauthError("invalid_client", "unknown client or wrong secret");
  if (r.revoked_at) return oauthError("invalid_client", `client ${r.id} was revoked`);

  const token = `cbt_${randomBytes(32).toString("base64url")}`;
  await db.sql.transaction(async (tx) => {
    await tx.query(`DELETE FROM oauth_token WHERE expires_at < now() - interval '1 hour'`);
    await tx.query(`INSERT INTO oauth_token (token_hash, client_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`, [sha256(token), r.id, OAUTH_TOKEN_TTL_S]);
    await tx.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1`, [r.id]);
  });
  return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: OAUTH_TOKEN_TTL_S, scope: OAUTH_SCOPE }, headers: NO_STORE };
}

/** The OAuth token a request carries (`Authorization: Bearer cbt_…`), or null. */
export function oauthTokenOf(req: Request): string | null {
  const auth = req.headers.get("authorization");
  return auth && /^bearer\s+cbt_/i.test(auth) ? auth.replace(/^bearer\s+/i, "").trim() : null;
}

/**
 * The viewer an OAuth token stands for: an official of its client's department, read from the
 * database on every request. Throws 401 for an unknown or expired token or a revoked client.
 */
export async function viewerFromOAuthToken(sql: Sql, token: string): Promise<Viewer> {
  const rows = await sql.query<Row & { expires_at: Date; expired: boolean }>(
    `SELECT k.*, t.expires_at, t.expires_at <= now() AS expired FROM oauth_token t JOIN api_key k ON k.id = t.client_id WHERE t.token_hash = $1`,
    [sha256(token)],
  );
  const r = rows[0];
  if (!r) throw new AppError("unauthenticated", "unknown OAuth token", "unknown access token; obtain one at POST /oauth/token");
  if (r.expired) throw new AppError("unauthenticated", `OAuth token of client ${r.id} expired`, `the access token expired at ${new Date(r.expires_at).toISOString()}; obtain a new one at POST /oauth/token`);
  if (r.revoked_at) throw new AppError("unauthenticated", `OAuth client ${r.id} revoked`, `OAuth client ${r.id} was revoked at ${new Date(r.revoked_at).toISOString()}`);
  await sql.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1`, [r.id]);
  return viewerOfKeyRow(r);
}
