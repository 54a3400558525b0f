"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { Role } from "@/lib/access/roles";
import { fetchJson } from "@/components/http/fetch-json";

export type Me = {
  signedIn: boolean;
  sso: { name: string } | null;
  user?: { id: string; name: string; email: string; departmentId: string; role: Role; needsTwoFactor: boolean; twoFactorEnabled: boolean; readsData: boolean };
};

export const meQuery = queryOptions({ queryKey: ["me"], queryFn: () => fetchJson<Me>("/api/auth/me"), staleTime: 30_000 });

/** The signed-in user (effective role), from /api/auth/me. */
export function useMe() {
  return useQuery(meQuery);
}
