import { getDb } from "../db/client";
import { apiKeyOf, viewerFromApiKey } from "../access/api-keys";
import { oauthTokenOf, viewerFromOAuthToken } from "../access/oauth-clients";
import { viewerFromRequest, type Viewer } from "../access/viewer";

/**
 * The viewer of an NGSI-LD request: a department's system account when it carries an API key
 * (`Authorization: Bearer cbk_…` or `X-API-Key`) or an OAuth client's token (`Authorization:
 * Bearer cbt_…`; 401 when the key or token is unknown, expired or revoked), else
 * the signed-in user of its session cookie, else a guest (public datasets only).
 */
export async function ngsiViewer(req: Request): Promise<Viewer> {
  const token = oauthTokenOf(req);
  if (token) return viewerFromOAuthToken((await getDb()).sql, token);
  const key = apiKeyOf(req);
  if (key) return viewerFromApiKey((await getDb()).sql, key);
  return viewerFromRequest(req);
}
