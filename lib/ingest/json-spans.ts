// Finds where the elements of one array member of a top-level JSON object lie in the raw
// bytes, so a gateway batch's refused reading can be dead-lettered with exactly the bytes
// the gateway sent for it (not a re-serialisation). Assumes JSON that JSON.parse accepted.

const WS = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index just past the string that starts at raw[i] (a quote). */
function skipString(raw: Uint8Array, i: number): number {
  for (i++; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x5c) i++;
    else if (b === 0x22) return i + 1;
  }
  return raw.length;
}

/** Index just past the value that starts at raw[i] (not whitespace). */
function skipValue(raw: Uint8Array, i: number): number {
  const b = raw[i];
  if (b === 0x22) return skipString(raw, i);
  if (b === 0x7b || b === 0x5b) {
    let depth = 0;
    for (; i < raw.length; i++) {
      const c = raw[i];
      if (c === 0x22) {
        i = skipString(raw, i) - 1;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return raw.length;
  }
  // number, true, false, null
  while (i < raw.length && !WS(raw[i]) && raw[i] !== 0x2c && raw[i] !== 0x7d && raw[i] !== 0x5d) i++;
  return i;
}

const skipWs = (raw: Uint8Array, i: number) => {
  while (i < raw.length && WS(raw[i])) i++;
  return i;
};

/**
 * [start, end) byte offsets of each element of the array that is member `key` of the
 * top-level object (the last such member, as JSON.parse keeps the last duplicate), or null
 * if there is no such array.
 */
export function arrayElementSpans(raw: Uint8Array, key: string): [number, number][] | null {
  let i = skipWs(raw, raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0);
  if (raw[i] !== 0x7b) return null;
  i = skipWs(raw, i + 1);
  let found: [number, number][] | null = null;
  const dec = new TextDecoder();
  while (i < raw.length && raw[i] === 0x22) {
    const kEnd = skipString(raw, i);
    let name: string | null = null;
    try {
      name = JSON.parse(dec.decode(raw.subarray(i, kEnd))) as string;
    } catch {
      name = null;
    }
    i = skipWs(raw, kEnd);
    if (raw[i] !== 0x3a) return found;
    i = skipWs(raw, i + 1);
    if (name === key && raw[i] === 0x5b) {
      const spans: [number, number][] = [];
      i = skipWs(raw, i + 1);
      while (i < raw.length && raw[i] !== 0x5d) {
        const end = skipValue(raw, i);
        spans.push([i, end]);
        i = skipWs(raw, end);
        if (raw[i] === 0x2c) i = skipWs(raw, i + 1);
      }
      i++;
      found = spans;
    } else {
      i = skipValue(raw, i);
    }
    i = skipWs(raw, i);
    if (raw[i] === 0x2c) i = skipWs(raw, i + 1);
  }
  return found;
}
