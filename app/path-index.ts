import { notFound } from "next/navigation";

/** A ledger leaf index or tree size named in a page's path: up to 15 digits, anything else is a 404. */
export async function pathIndex<K extends string>(params: Promise<Record<K, string>>, key: K): Promise<number> {
  const value = (await params)[key];
  if (!/^\d{1,15}$/.test(value)) notFound();
  return Number(value);
}
