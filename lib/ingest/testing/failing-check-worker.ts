// A check worker that dies on its first request: for the pool's failure tests.
import { parentPort } from "node:worker_threads";

parentPort!.on("message", (m: { t: string }) => {
  if (m.t !== "devices") process.exit(3);
});
