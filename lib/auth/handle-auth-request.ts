import { getAuth } from "./auth";

/**
 * Every request to /api/auth/*, answered by Better Auth. Sign-in attempts are limited and
 * disabled accounts refused inside Better Auth's own hooks (lib/auth/auth-guards.ts), so
 * they see the body exactly as Better Auth parsed it, JSON or form-encoded.
 */
export async function handleAuthRequest(req: Request): Promise<Response> {
  const auth = await getAuth();
  return auth.handler(req);
}
