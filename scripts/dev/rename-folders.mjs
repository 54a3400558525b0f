// Moves folders and files to their new names (git mv) and rewrites every path that names
// them: import specifiers (relative and @/), and path strings and prose mentions such as
// "lib/log/audit-worker.ts". Idempotent: what has already moved is left as it is. Run from
// the repository root through scripts/dev/rename-folders.sh (which then runs tsc). See
// docs/rename-notes.md for why these names.
//   node scripts/dev/rename-folders.mjs [--dry-run]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const DRY = process.argv.includes("--dry-run");

// Whole folders: every file below moves with it.
const FOLDER_MOVES = [["lib/log", "lib/ledger-store"]];
// lib/runtime is split: the composition root goes to lib/server, the utilities lower layers
// import go to where they belong. Without an extension: the file and its tests (.test.ts,
// .int.test.ts) move together.
const FILE_MOVES = [
  ["lib/runtime/bus", "lib/events/bus"],
  ["lib/runtime/city", "lib/city/current-city"],
  ["lib/runtime/secrets", "lib/secrets"],
  ["lib/runtime/simulator-keys", "lib/sim/simulator-keys"],
];
// Whatever else is in lib/runtime (start, console-server, output-closed, get-health,
// sim-loop, sim-backfill, seed, their tests, anything added since) is the composition root.
const REST_OF_RUNTIME = ["lib/runtime", "lib/server"];

const CODE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;
const TEXT = /\.(ts|tsx|mts|cts|mjs|cjs|js|md|sh|json|ya?ml)$/;
const SKIP = /^(node_modules|\.next|lib\/db\/generated)\/|(^|\/)package-lock\.json$|^scripts\/dev\/rename-folders\.|^docs\/rename-notes\.md$/;
const RESOLVE_EXTENSIONS = [".ts", ".tsx", ".mts", ".mjs", ".js", ".d.ts", ".d.mts", ".json"];

const git = (...args) => execFileSync("git", args, { encoding: "utf8" });
const tracked = () =>
  git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    .split("\0")
    .filter((f) => f && !SKIP.test(f) && fs.existsSync(f));

/** Old path → new path of every file that moves now (nothing for what has moved already). */
function plannedMoves(files) {
  const moves = new Map();
  for (const f of files) {
    for (const [from, to] of FOLDER_MOVES) if (f.startsWith(`${from}/`)) moves.set(f, to + f.slice(from.length));
    for (const [from, to] of FILE_MOVES) {
      const base = path.posix.basename(from);
      const dir = path.posix.dirname(from);
      if (path.posix.dirname(f) !== dir) continue;
      const name = path.posix.basename(f);
      // start.ts, start.test.ts, start.int.test.ts; not startup-errors.ts
      if (name.startsWith(`${base}.`)) moves.set(f, `${path.posix.dirname(to)}/${path.posix.basename(to)}${name.slice(base.length)}`);
    }
  }
  for (const f of files) {
    const [from, to] = REST_OF_RUNTIME;
    if (f.startsWith(`${from}/`) && !moves.has(f)) moves.set(f, to + f.slice(from.length));
  }
  for (const [from, to] of moves) if (fs.existsSync(to)) throw new Error(`${from} would move to ${to}, which exists already`);
  return moves;
}

/** The file (or folder index) a specifier path names, as [file, how the specifier spells it]. */
function resolveSpecifier(target, existing) {
  if (existing.has(target)) return { file: target, spell: (f) => f };
  for (const ext of RESOLVE_EXTENSIONS) if (existing.has(target + ext)) return { file: target + ext, spell: (f) => f.slice(0, f.length - ext.length) };
  for (const ext of RESOLVE_EXTENSIONS) {
    const index = `${target}/index${ext}`;
    if (existing.has(index)) return { file: index, spell: (f) => path.posix.dirname(f) };
  }
  return null;
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bvi\.(?:mock|doMock|importActual)\s*\(\s*)(["'])([^"'\n]+)\2/g;

function rewriteImports(file, text, moves, existing) {
  const newFile = moves.get(file) ?? file;
  return text.replace(SPECIFIER, (whole, lead, quote, spec) => {
    let target;
    if (spec.startsWith("./") || spec.startsWith("../")) target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    else if (spec.startsWith("@/")) target = spec.slice(2);
    else return whole;
    const found = resolveSpecifier(target, existing);
    if (!found) return whole;
    const movedTarget = moves.get(found.file);
    if (!movedTarget && !moves.has(file)) return whole;
    const newTarget = found.spell(movedTarget ?? found.file);
    let next;
    if (spec.startsWith("@/")) next = `@/${newTarget}`;
    else {
      next = path.posix.relative(path.posix.dirname(newFile), newTarget) || ".";
      if (!next.startsWith(".")) next = `./${next}`;
    }
    return next === spec ? whole : `${lead}${quote}${next}${quote}`;
  });
}

/** Path mentions in strings, comments and prose: lib/log/x, lib/runtime/start.ts, ... */
function rewriteMentions(text, moves) {
  const pairs = [];
  for (const [from, to] of FOLDER_MOVES) pairs.push([from, to]);
  for (const [from, to] of moves) {
    if (FOLDER_MOVES.some(([f]) => from.startsWith(`${f}/`))) continue;
    pairs.push([from, to]);
    const ext = path.posix.extname(from);
    if (ext && CODE.test(from)) pairs.push([from.slice(0, -ext.length), to.slice(0, -path.posix.extname(to).length)]);
  }
  pairs.sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [from, to] of pairs) {
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // not a longer name (lib/log-x, lib/runtime/startup-errors), but lib/log/... and lib/log.
    out = out.replace(new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`, "g"), to);
  }
  // What stays of lib/runtime after the split is the composition root.
  out = out.replace(/(?<![\w-])lib\/runtime(?![\w/-])/g, REST_OF_RUNTIME[1]);
  return out;
}

function main() {
  const files = tracked();
  const existing = new Set(files);
  const moves = plannedMoves(files);
  if (moves.size === 0) {
    console.log("rename-folders: nothing to move (already done)");
  }
  let rewritten = 0;
  for (const file of files) {
    if (!TEXT.test(file)) continue;
    const before = fs.readFileSync(file, "utf8");
    let after = CODE.test(file) ? rewriteImports(file, before, moves, existing) : before;
    if (moves.size) after = rewriteMentions(after, moves);
    if (after !== before) {
      rewritten++;
      if (!DRY) fs.writeFileSync(file, after);
    }
  }
  for (const [from, to] of moves) {
    if (DRY) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    git("mv", from, to);
  }
  // The old folders, once emptied (git keeps no empty folder; the working tree should not either).
  const removeEmpty = (dir) => {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return;
    for (const entry of fs.readdirSync(dir)) removeEmpty(path.join(dir, entry));
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  };
  if (!DRY) for (const [from] of [...FOLDER_MOVES, REST_OF_RUNTIME]) removeEmpty(from);
  console.log(`rename-folders: ${moves.size} files moved, ${rewritten} files rewritten${DRY ? " (dry run: nothing written)" : ""}`);
  for (const [from, to] of moves) if (!FOLDER_MOVES.some(([f]) => from.startsWith(`${f}/`))) console.log(`  ${from} -> ${to}`);
}

main();
