// POST /oauth/token – OAuth 2.0 client credentials grant (RFC 6749 §4.4) for departments' system accounts
import { issueOAuthToken } from "@/lib/access/oauth-clients";

export const dynamic = "force-dynamic";
export async function POST(req: Request): Promise<Response> {
  const r = await issueOAuthToken({ req });
  return Response.json(r.body, { status: r.status, headers: r.headers });
}
