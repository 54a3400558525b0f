/**
 * Between the steps of a background catch-up (the log's integrator, the map's rollup): gives
 * the event loop back so that requests are served meanwhile, PGlite's queries included (the
 * embedded database runs on this thread). After a step that took `spentMs`, waits for the
 * I/O callbacks that queued and then half that time, at most 50 ms: a catch-up takes about
 * two thirds of the thread while it runs, and requests the rest.
 */
export async function giveWay(spentMs: number): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setTimeout(resolve, Math.min(50, Math.max(0, spentMs) / 2)));
}
