import { describe, expect, it } from "vitest";
import { arrayElementSpans } from "./json-spans";

const enc = new TextEncoder();
const dec = new TextDecoder();
const pieces = (text: string, key = "readings") => {
  const raw = enc.encode(text);
  return arrayElementSpans(raw, key)?.map(([s, e]) => dec.decode(raw.subarray(s, e)));
};

describe("array element spans in raw JSON", () => {
  it("gives each element's exact bytes, whitespace, escapes and nesting included", () => {
    const text = ` { "gateway" : "g\\"]1", "x": [1, {"a":"]"}], "readings" : [ {"b": "é\\u00e9 ,]}" , "c":[1,2]} ,\n{ "d" : 1.5e3 }, "s", true, null, -2 ] , "z": {} } `;
    expect(pieces(text)).toEqual([`{"b": "é\\u00e9 ,]}" , "c":[1,2]}`, `{ "d" : 1.5e3 }`, `"s"`, "true", "null", "-2"]);
    const parsed = JSON.parse(text) as { readings: unknown[] };
    expect(pieces(text)!.map((p) => JSON.parse(p))).toEqual(parsed.readings);
  });

  it("takes the last duplicate member as JSON.parse does, and handles empty and missing arrays", () => {
    expect(pieces(`{"readings":[1],"readings":[2, 3]}`)).toEqual(["2", "3"]);
    expect(pieces(`{"readings":[]}`)).toEqual([]);
    expect(pieces(`{"other":[1]}`)).toBeUndefined();
    expect(pieces(`[1, 2]`)).toBeUndefined();
    expect(pieces(`{"read\\u0069ngs":[7]}`)).toEqual(["7"]);
  });
});
