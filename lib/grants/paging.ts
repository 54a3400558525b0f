import type { GrantStatus } from "./grant-row";

/** The states a grants list is filtered by: pending requests, active grants, ended ones (revoked, rejected, expired), or all. */
export type GrantState = "pending" | "active" | "ended" | "all";

/** The grant statuses a state stands for (null: every status). */
export function statusesOf(state: GrantState): GrantStatus[] | null {
  switch (state) {
    case "pending":
      return ["requested"];
    case "active":
      return ["active"];
    case "ended":
      return ["revoked", "rejected", "expired"];
    case "all":
      return null;
  }
}

export type PageInfo = { total: number; limit: number; offset: number };

/**
 * Where a page sits in a list of `total` items: its 1-based number, the number of pages
 * (at least 1), the first and last item shown (1-based; 0 and 0 on an empty page), and the
 * offsets of the previous and next pages (null at either end). Requires limit >= 1, offset >= 0.
 */
export function pageOf({ total, limit, offset }: PageInfo) {
  if (!(limit >= 1)) throw new Error(`pageOf: limit ${limit}, want >= 1`);
  if (!(offset >= 0)) throw new Error(`pageOf: offset ${offset}, want >= 0`);
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  const first = offset < total ? offset + 1 : 0;
  const last = offset < total ? Math.min(total, offset + limit) : 0;
  return {
    page,
    pages,
    first,
    last,
    prevOffset: offset > 0 ? Math.max(0, offset - limit) : null,
    nextOffset: offset + limit < total ? offset + limit : null,
  };
}
