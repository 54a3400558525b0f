// GET /provenance/sources?dataset=&from=&to=[&bbox=&device=&field=] – readings behind a derived value
import { SourcesView } from "@/components/provenance/sources-view";

export default async function SourcesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) if (typeof v === "string") q.set(k, v);
  return <SourcesView query={q.toString()} />;
}
