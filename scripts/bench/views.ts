// The browser views of bench:map, picked with BENCH_VIEWS.

/** BENCH_VIEWS as a set of view names (all views when unset); an unknown name is an error. */
export function benchViews(env: string | undefined = process.env.BENCH_VIEWS): Set<string> {
  const names = ["all", "traffic", "energy", "safety", "base"];
  if (!env) return new Set(names);
  const want = env.split(",").map((v) => v.trim()).filter(Boolean);
  const bad = want.filter((v) => !names.includes(v));
  if (bad.length) throw new Error(`BENCH_VIEWS: unknown view ${bad.join(", ")}; use ${names.join(", ")}`);
  return new Set(want);
}
