// C2SP tlog-tiles resource paths: hash tiles `tile/<L>/<N>[.p/<W>]` and entry
// bundles `tile/entries/<N>[.p/<W>]`, with <N> split into x-prefixed 3-digit
// groups (index 1234067 → x001/x234/067). Pure path arithmetic.
import { LedgerError } from "./errors";

/** Tile height: each tile spans 8 tree levels. */
export const TILE_HEIGHT = 8;
/** Hashes (or entries) in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
/** Highest tile level a path may name. */
export const MAX_TILE_LEVEL = 63;

/** A hash tile: level L, index N, width W (1..256; 256 = full). */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** A parsed tile path: a hash tile, or an entry bundle (level-0 data). */
export type TilePathInfo =
  | { readonly kind: "hash"; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: "entries"; readonly index: number; readonly width: number };

/** The <N> path element(s) for a tile index. Requires a non-negative safe integer. */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new LedgerError("invalid_argument", `tile index got ${index}, want a non-negative safe integer`);
  }
  let n = index;
  let s = String(n % 1000).padStart(3, "0");
  n = Math.floor(n / 1000);
  while (n > 0) {
    s = `x${String(n % 1000).padStart(3, "0")}/${s}`;
    n = Math.floor(n / 1000);
  }
  return s;
}

function requireWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new LedgerError("invalid_argument", `tile width got ${width}, want 1..${TILE_WIDTH}`);
  }
}

function suffix(width: number): string {
  return width === TILE_WIDTH ? "" : `.p/${width}`;
}

/** Path of a hash tile, e.g. `tile/0/x001/x234/067.p/8`. Requires level 0..63, width 1..256. */
export function tilePath(tile: TileId): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL) {
    throw new LedgerError("invalid_argument", `tile level got ${tile.level}, want 0..${MAX_TILE_LEVEL}`);
  }
  requireWidth(tile.width);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${suffix(tile.width)}`;
}

/** Path of an entry bundle, e.g. `tile/entries/x001/234.p/3`. Requires width 1..256. */
export function entryBundlePath(index: number, width: number = TILE_WIDTH): string {
  requireWidth(width);
  return `tile/entries/${formatTileIndex(index)}${suffix(width)}`;
}

const LEVEL = /^(0|[1-9][0-9]?)$/;
const WIDTH = /^([1-9][0-9]{0,2})$/;

/**
 * Parses a path relative to the log prefix (no leading slash). Accepts only
 * the canonical form: level 0..63 without leading zeroes, 3-digit groups with
 * all but the last x-prefixed and no leading x000 group, and `.p/<W>` with W
 * 1..255. Fails with malformed_tile_path otherwise.
 */
export function parseTilePath(path: string): TilePathInfo {
  const bad = (why: string): never => {
    throw new LedgerError("malformed_tile_path", `${typeof path === "string" ? JSON.stringify(path) : typeof path}: ${why}`);
  };
  if (typeof path !== "string") bad("want a string");
  const parts = path.split("/");
  if (parts[0] !== "tile") bad('want a path starting with "tile/"');
  let i = 1;
  let level: number | null = null;
  if (parts[i] === "entries") {
    i++;
  } else {
    if (parts[i] === undefined || !LEVEL.test(parts[i])) bad("level must be 0..63 without leading zeroes");
    level = Number(parts[i]);
    if (level > MAX_TILE_LEVEL) bad(`level ${level} > ${MAX_TILE_LEVEL}`);
    i++;
  }
  let rest = parts.slice(i);
  let width = TILE_WIDTH;
  // A partial tile ends in "<last group>.p/<W>".
  if (rest.length >= 2 && rest[rest.length - 2].endsWith(".p")) {
    const w = rest[rest.length - 1];
    if (!WIDTH.test(w) || Number(w) >= TILE_WIDTH) bad("partial width must be 1..255 without leading zeroes");
    width = Number(w);
    rest = rest.slice(0, -1);
    rest[rest.length - 1] = rest[rest.length - 1].slice(0, -2);
  }
  if (rest.length === 0) bad("missing tile index");
  let index = 0;
  rest.forEach((group, j) => {
    const last = j === rest.length - 1;
    const re = last ? /^[0-9]{3}$/ : /^x[0-9]{3}$/;
    if (!re.test(group)) bad(last ? "last index element must be 3 digits" : "index elements before the last must be x and 3 digits");
    if (j === 0 && !last && group === "x000") bad("index must not start with x000");
    index = index * 1000 + Number(last ? group : group.slice(1));
  });
  if (!Number.isSafeInteger(index)) bad("index too large");
  return level === null ? { kind: "entries", index, width } : { kind: "hash", level, index, width };
}
