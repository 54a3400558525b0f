/**
 * One value per process, whichever copy of a module asks for it. server.ts's own module graph
 * (the background jobs: lib/server/start.ts) and the Next.js bundle (the routes) each load their
 * own copy of lib/, so a module-level cache filled by a background job was not the one a route
 * read: the map's first request after a start built the map model again (650 ms at size 10).
 * What must be one per process lives on globalThis under a registered symbol.
 */
export function processShared<T>(name: string, make: () => T): T {
  const key = Symbol.for(`city-brain.${name}`);
  const g = globalThis as { [k: symbol]: unknown };
  if (!(key in g)) g[key] = make();
  return g[key] as T;
}
