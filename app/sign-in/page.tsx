// GET /sign-in – sign in with email and password (and a TOTP code for admins), or single sign-on
import { SignInForm } from "@/components/auth/sign-in-form";

export const dynamic = "force-dynamic";
export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Only paths of this site: never an absolute URL (no open redirect).
  const safe = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  return <SignInForm next={safe} />;
}
