// GET /sign-in – sign in with email and password (and a TOTP code for admins), or single sign-on
import { SignInForm } from "@/components/auth/sign-in-form";
import { safeNextPath } from "@/lib/auth/safe-next";

export const dynamic = "force-dynamic";
export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Only paths of this site (no open redirect): see safeNextPath.
  return <SignInForm next={safeNextPath(next)} />;
}
