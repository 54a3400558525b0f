// Starts a TypeScript worker thread: registers tsx's loader in this thread, then imports
// the worker module named in workerData.entry. Plain JavaScript started by path (out of any
// bundler's sight), so the same worker code runs under `tsx server.ts`, node and vitest.
import { workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
await import(pathToFileURL(workerData.entry).href);
