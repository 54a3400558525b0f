// GET, POST /api/auth/* – Better Auth: sign-in (password, TOTP, OIDC), sign-out, session
import { handleAuthRequest } from "@/lib/auth/handle-auth-request";

export const dynamic = "force-dynamic";
export const GET = (req: Request) => handleAuthRequest(req);
export const POST = (req: Request) => handleAuthRequest(req);
