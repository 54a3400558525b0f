import { describe, expect, it } from "vitest";
import { readableRaw } from "./dead-letters-admin";

describe("a refused message's raw bytes for people", () => {
  it("indents whole JSON and leaves anything else (a cut preview, text) as received", () => {
    expect(readableRaw('{"device":"trf-1","values":{"speedKmh":30}}')).toBe('{\n  "device": "trf-1",\n  "values": {\n    "speedKmh": 30\n  }\n}');
    expect(readableRaw('{"device":"trf-1","val')).toBe('{"device":"trf-1","val');
    expect(readableRaw("not json")).toBe("not json");
  });
});
