// Builds the Next.js app when no build exists or a source file is newer than it, so that
// `npm start` is one command on a fresh clone and fast on every start after that.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const buildId = path.join(root, ".next", "BUILD_ID");
const SOURCES = ["app", "components", "lib", "next.config.js", "package.json", "tsconfig.json"];

function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "generated") continue;
    max = Math.max(max, newest(path.join(p, e.name)));
  }
  return max;
}

const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
const changed = Math.max(...SOURCES.map((s) => newest(path.join(root, s))));
if (built && built >= changed) {
  console.log("city-brain: build is up to date");
} else {
  console.log(built ? "city-brain: sources changed, rebuilding" : "city-brain: first start, building the console (about a minute)");
  const r = spawnSync("npx", ["next", "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) {
    console.error("city-brain: cannot start: the build failed (see above)");
    process.exit(r.status ?? 1);
  }
}
