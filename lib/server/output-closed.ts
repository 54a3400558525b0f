/**
 * Calls `closed` once when the process's stdout or stderr can no longer be written to (EPIPE:
 * whatever read the console's output, a supervisor, a pipe into `tee`, Playwright, has exited).
 * Without it the console spun at 100% CPU and never answered SIGTERM: a write to a closed pipe
 * is an error, Next.js logs every uncaught error to stderr, and that write is one again.
 * Later errors on either stream are swallowed: there is nowhere left to report them.
 */
export function whenOutputCloses(closed: () => void): void {
  let called = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", () => {
      if (called) return;
      called = true;
      closed();
    });
  }
}
